"""People's role flags and its navigation entry (core/navigation.py)."""

from __future__ import annotations

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from weiguang.core.navigation import register_entry, register_flag

from .models import Resident
from .services import home_street_id


def register() -> None:
    register_flag(  # the path of the grid of the user's own resident record, None if they have none
        "resident_grid_path",
        annotation=lambda: Subquery(Resident.objects.filter(user=OuterRef("pk")).values("grid__path")[:1]),
        default=None,
    )
    register_flag("is_resident", compute=lambda flags: flags.resident_grid_path is not None)
    register_flag(  # the street whose wall is "theirs"
        "street_id",
        compute=lambda flags: home_street_id(flags.user, grid_path=flags.resident_grid_path),
        default=None,
    )
    # The region's residents, each record with who looked at it.
    register_entry("residents", _("Residents"), "staff_residents", order=150, when="staff")

"""The role flags that follow from the user's memberships (core/navigation.py)."""

from __future__ import annotations

from weiguang.core.navigation import register_flag

from . import access
from .models import Role


def register() -> None:
    def has(roles):
        return lambda flags: bool(flags.roles & set(roles))

    register_flag(
        "roles",
        compute=lambda flags: {role for role, _path in access.memberships(flags.user)},
        default=frozenset(),
    )
    register_flag("staff", compute=has(access.STAFF))  # reviews wishes (community staff, street admin)
    register_flag(
        "grid", compute=has(access.ACTION_ROLES["wish.create_for_resident"])
    )  # grid worker or staff
    register_flag(
        "region_list", compute=has(access.ACTION_ROLES["wish.list_region"])
    )  # lists a region's wishes
    register_flag("volunteer", compute=has({Role.VOLUNTEER, Role.PARTNER_REP}))  # claims wishes
    register_flag("partner_rep", compute=has({Role.PARTNER_REP}))  # represents a partner unit

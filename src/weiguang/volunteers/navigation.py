"""The volunteers' role flags, navigation entry and home tiles (core/navigation.py)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from weiguang.core.navigation import register_entry, register_flag, register_tile

from . import services
from .models import Team, Volunteer, VolunteerStatus


def to_approve(flags) -> int:
    return (
        Volunteer.objects.restrict(flags.user, "volunteer.list_region")
        .filter(status=VolunteerStatus.PENDING)
        .count()
    )


def register() -> None:
    register_flag(  # of the user's volunteer registration, "" if none
        "volunteer_status",
        annotation=lambda: Coalesce(
            Subquery(Volunteer.objects.filter(user=OuterRef("pk")).values("status")[:1]), Value("")
        ),
        default="",
    )
    register_flag(
        "team_leader", annotation=lambda: Exists(Team.leaders.through.objects.filter(user_id=OuterRef("pk")))
    )

    register_entry("volunteering", _("My volunteering"), "volunteer_me", order=170, when="volunteer_status")

    register_tile(
        "volunteering", _("My volunteering"), "volunteer_me", order=200, icon="★", when="volunteer_status",
        caption=_("Hours, points, certificate"),
    )  # fmt: skip
    register_tile(
        "become_volunteer", _("Become a volunteer"), "volunteer_register", order=205, icon="★",
        when=lambda flags: flags.authenticated and not (flags.volunteer_status or flags.staff or flags.department),
        caption=_("Register with your real name"),
    )  # fmt: skip
    register_tile(
        "volunteers", _("Volunteers"), "staff_volunteers", order=230, icon="☺", when="staff", count=to_approve,
        caption=ngettext_lazy("%(n)s to approve", "%(n)s to approve", "n"),
    )  # fmt: skip
    register_tile(
        "verify", _("Hours to verify"), "records_to_verify", order=260, icon="✓",
        when=lambda flags: flags.staff or flags.team_leader,
        count=lambda flags: services.pending_records(flags.user).count(),
        caption=ngettext_lazy("%(n)s waiting", "%(n)s waiting", "n"),
    )  # fmt: skip

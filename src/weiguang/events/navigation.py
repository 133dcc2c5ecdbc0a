"""The events' navigation entries and home tiles (core/navigation.py). The tiles count
nothing: the home page keeps its queries."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from weiguang.core.navigation import register_entry, register_flag, register_tile
from weiguang.volunteers.models import VolunteerStatus

from .models import EventHelper


def register() -> None:
    register_entry("events", _("Events"), "event_list", order=162)
    register_entry("run_events", _("Run events"), "event_manage", order=166, when="staff")
    register_flag(  # a volunteer on some event's roster: they work its check-in desk
        "event_helper",
        annotation=lambda: Exists(
            EventHelper.objects.filter(
                volunteer__user=OuterRef("pk"), volunteer__status=VolunteerStatus.APPROVED
            )
        ),
    )
    register_entry(
        "event_scanner", _("Check-in scanner"), "event_scanner", order=167,
        when=lambda flags: flags.staff or flags.event_helper,
    )  # fmt: skip
    register_tile(
        "events", _("Events"), "event_list", order=215, icon="◎", when="is_resident",
        caption=_("Theme party days, lectures, courses"),
    )  # fmt: skip
    register_tile(
        "my_signups", _("My sign-ups"), "event_my_signups", order=216, icon="✎", when="is_resident",
        caption=_("Your codes for the door"),
    )  # fmt: skip
    register_tile(
        "run_events", _("Run events"), "event_manage", order=235, icon="◎", when="staff",
        caption=_("Theme party days, lectures, sign-ups"),
    )  # fmt: skip

"""The events' navigation entries and home tiles (core/navigation.py). The tiles count
nothing: the home page keeps its queries."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from weiguang.core.navigation import register_entry, register_tile


def register() -> None:
    register_entry("events", _("Events"), "event_list", order=162)
    register_entry("run_events", _("Run events"), "event_manage", order=166, when="staff")
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

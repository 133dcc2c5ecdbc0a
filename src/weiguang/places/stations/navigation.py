"""The stations' navigation entries and home tiles (core/navigation.py's registry)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from weiguang.core.navigation import register_entry, register_tile


def register() -> None:
    # Stations: the riders' page is public (anonymous visitors see it too)
    register_tile(
        "stations", _("Stations near you"), "stations", order=270, icon="☕",
        caption=_("Water, charging, a warm seat"),
    )  # fmt: skip
    register_entry("staff_stations", _("Stations"), "staff_stations", order=195, when="staff")

"""The partners' navigation entry and home tile (core/navigation.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from weiguang.core.navigation import register_entry, register_tile


def register() -> None:
    register_entry("unit", _("My unit"), "partner_units", order=180, when="partner_rep")

    register_tile(
        "unit", _("My unit"), "partner_units", order=220, icon="⌂", when="partner_rep",
        caption=_("Profile, resources, what it delivered"),
    )  # fmt: skip

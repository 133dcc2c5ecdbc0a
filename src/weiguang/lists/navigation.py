"""The lists' home tile (core/navigation.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from weiguang.core.navigation import register_tile


def register() -> None:
    register_tile(
        "lists", _("The three lists"), "three_lists", order=240, icon="☰", when="staff",
        caption=_("Needs, resources, projects"),
    )  # fmt: skip

"""Accounts' navigation entries (core/navigation.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from weiguang.core.navigation import register_entry


def register() -> None:
    # Who holds which role where: street admins and community staff (grid workers of their community).
    register_entry("staff_accounts", _("Staff and roles"), "staff_accounts", order=880, when="staff")
    register_entry(
        "security", pgettext_lazy("security page", "Security"), "security", order=950, when="authenticated"
    )

"""Accounts' navigation entries and home tiles (core/navigation.py): staff and roles, "my data"
for everyone signed in, and the personal-data requests waiting for the staff of their region."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy, pgettext_lazy

from weiguang.core.navigation import register_entry, register_tile


def requests_waiting(flags) -> int:
    from .personal_data import pending_count

    return pending_count(flags.user)


def register() -> None:
    # Who holds which role where: street admins and community staff (grid workers of their community).
    register_entry("staff_accounts", _("Staff and roles"), "staff_accounts", order=880, when="staff")
    register_entry(
        "security", pgettext_lazy("security page", "Security"), "security", order=950, when="authenticated"
    )
    register_tile(
        "my_data", _("My data"), "my_data", order=880, icon="▣", when="authenticated",
        caption=_("See, download, correct or delete it"),
    )  # fmt: skip
    register_tile(
        "data_requests", _("Personal data requests"), "data_requests", order=265, icon="☑", when="staff",
        count=requests_waiting, hide_when_zero=True,
        caption=ngettext_lazy("%(n)s waiting", "%(n)s waiting", "n"),
    )  # fmt: skip

"""Accounts' navigation entries and home tiles (core/navigation.py): staff and roles, "my data"
for everyone signed in, the personal-data requests waiting for the staff of their region, where I
live (a person without a confirmed residence) and the addresses to confirm (community staff)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy, pgettext_lazy

from weiguang.core.navigation import register_entry, register_flag, register_tile

from . import residence


def requests_waiting(flags) -> int:
    from .personal_data import pending_count

    return pending_count(flags.user)


def to_confirm(flags) -> int:  # counted only for the staff who see the tile
    return residence.pending_count(flags.user)


def deciders(flags) -> bool:
    return bool(flags.roles & residence.access.ACTION_ROLES["residence.confirm"])


def without_residence(flags) -> bool:  # signed up, not yet a confirmed resident, no role
    return flags.user.is_authenticated and not flags.is_resident and not flags.roles


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
    register_flag("residence_decider", compute=deciders)
    register_entry(
        "residence_queue", _("Addresses to confirm"), "residence_queue", order=155, when="residence_decider",
        badge=to_confirm,
    )  # fmt: skip
    register_tile(
        "residence_queue", _("Addresses to confirm"), "residence_queue", order=155, icon="⌂",
        when="residence_decider", count=to_confirm, hide_when_zero=True,
        caption=lambda flags, n: ngettext("%(n)s waiting", "%(n)s waiting", n) % {"n": n},
    )  # fmt: skip
    register_entry("residence", _("Where I live"), "residence", order=25, when=without_residence)
    register_tile(
        "residence", _("Where I live"), "residence", order=5, icon="⌂", when=without_residence, primary=True,
        caption=_("Choose your community, grid and building"),
    )  # fmt: skip

"""The matching's home tiles (core/navigation.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from weiguang.core.navigation import register_tile

from .invitations import my_invitations


def pending_invitations(flags) -> int:
    return my_invitations(flags.user, "pending").count()


def register() -> None:
    register_tile(
        "invitations", _("Invitations"), "matching:my_invitations", order=210, icon="✉", primary=True,
        when=lambda flags: flags.volunteer_status or flags.partner_rep, count=pending_invitations, hide_when_zero=True,
        caption=ngettext_lazy("%(n)s wish needs you", "%(n)s wishes need you", "n"),
    )  # fmt: skip
    register_tile(
        "bulk", _("Bulk assignment"), "matching:bulk_assign", order=250, icon="⇄", when="staff",
        caption=_("Wishes to claimers, best total match"),
    )  # fmt: skip

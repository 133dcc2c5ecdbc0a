"""The matching's home tiles and its links on a wish's and a demand's page (core/navigation.py)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from weiguang.core.navigation import register_object_link, register_tile
from weiguang.demands.access import may
from weiguang.regions import access
from weiguang.wishes.models import WishStatus

from .invitations import my_invitations


def pending_invitations(flags) -> int:
    return my_invitations(flags.user, "pending").count()


def recommends_for_wish(flags, wish) -> bool:
    """A published wish's staff (of its grid or above) see who could claim it."""
    if wish.status != WishStatus.PUBLISHED or not flags.authenticated:
        return False
    return bool(access.roles_at(flags.user, wish.grid.path) & access.STAFF)


def recommends_for_demand(flags, demand) -> bool:
    return demand.is_open and may(flags.user, "claimers.recommend", demand)


def register() -> None:
    register_object_link(
        "wish", "candidates-link", _("Recommended claimers: who could make it come true"),
        lambda wish: reverse("matching:wish_candidates", args=[wish.pk]), order=10, when=recommends_for_wish,
    )  # fmt: skip
    register_object_link(
        "demand", "demand-candidates", _("Who could help"),
        lambda demand: reverse("matching:demand_candidates", args=[demand.pk]), order=10, when=recommends_for_demand,
    )  # fmt: skip
    register_tile(
        "invitations", _("Invitations"), "matching:my_invitations", order=210, icon="✉", primary=True,
        when=lambda flags: flags.volunteer_status or flags.partner_rep, count=pending_invitations, hide_when_zero=True,
        caption=ngettext_lazy("%(n)s wish needs you", "%(n)s wishes need you", "n"),
    )  # fmt: skip
    register_tile(
        "bulk", _("Bulk assignment"), "matching:bulk_assign", order=250, icon="⇄", when="staff",
        caption=_("Wishes to claimers, best total match"),
    )  # fmt: skip

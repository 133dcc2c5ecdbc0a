"""The wishes' navigation entries and home tiles (core/navigation.py)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy

from weiguang.core.navigation import register_entry, register_tile
from weiguang.people.services import register_seen_on

from .models import Wish, WishStatus
from .services import region_wishes


def wall_url(flags) -> str:
    return reverse("street_wall", args=[flags.street_id]) if flags.street_id else reverse("home") + "#walls"


def my_wishes(flags) -> dict:
    return (
        Wish.objects.restrict(flags.user, "wish.view_private")
        .filter(resident__user=flags.user)
        .aggregate(total=Count("id"), to_confirm=Count("id", filter=Q(status=WishStatus.FULFILLED)))
    )


def to_review(flags) -> int:
    return (
        region_wishes(flags.user, "wish.review")
        .filter(status__in=[WishStatus.SUBMITTED, WishStatus.DISPUTED])  # to review, to follow up
        .count()
    )


def register() -> None:
    register_seen_on("wish", _("Micro-wish"), "wish_detail")  # a resident record seen on its page
    register_entry("wall", _("Wish wall"), wall_url, order=10)
    register_entry("new", _("Post a wish"), "wish_new", order=20, when="is_resident")
    register_entry("mine", _("My wishes"), "my_wishes", order=30, when="is_resident")
    register_entry("grid", _("Record for a resident"), "grid_wish_new", order=40, when="grid")
    register_entry("claims", _("My claims"), "my_claims", order=50, when="volunteer")
    register_entry("queue", _("Review queue"), "staff_queue", order=60, when="staff")
    register_entry("region", _("All wishes"), "staff_all", order=70, when="region_list")

    register_tile(
        "new", _("Post a wish"), "wish_new", order=10, icon="✎", when="is_resident", primary=True,
        caption=_("Tell us what you need"),
    )  # fmt: skip
    register_tile(
        "mine", _("My wishes"), "my_wishes", order=20, icon="☰", when="is_resident", count=my_wishes,
        caption=lambda flags, n: ngettext("%(n)s wish", "%(n)s wishes", n["total"]) % {"n": n["total"]},
        notice=lambda flags, n: ngettext(
            "%(n)s of your wishes came true. Please confirm it.",
            "%(n)s of your wishes came true. Please confirm them.",
            n["to_confirm"],
        ) % {"n": n["to_confirm"]} if n["to_confirm"] else None,
    )  # fmt: skip
    register_tile(
        "queue", _("Review queue"), "staff_queue", order=30, icon="✓", when="staff", primary=True, count=to_review,
        caption=ngettext_lazy("%(n)s waiting", "%(n)s waiting", "n"),
    )  # fmt: skip
    register_tile(
        "region", _("All wishes"), "staff_all", order=40, icon="▤", when="region_list",
        caption=_("In your area"),
    )  # fmt: skip
    register_tile(
        "grid", _("Record for a resident"), "grid_wish_new", order=50, icon="✎", when="grid",
        primary=lambda flags: not flags.staff, caption=_("On a visit, at the desk, by phone"),
    )  # fmt: skip
    register_tile(
        "wall", _("Wish wall"), wall_url, order=60, icon="✦", primary=True,
        when=lambda flags: flags.volunteer and flags.street_id, caption=_("Find a wish to make come true"),
    )  # fmt: skip
    register_tile(
        "claims", _("My claims"), "my_claims", order=70, icon="♥", when="volunteer",
        caption=_("Wishes you promised"),
    )  # fmt: skip

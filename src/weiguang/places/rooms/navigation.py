"""The rooms' navigation entry and home tiles (core/navigation.py)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from weiguang.core.navigation import register_entry, register_tile
from weiguang.regions import access

from ..models import Booking, BookingStatus


def to_decide(flags) -> int:
    return (
        Booking.objects.restrict(flags.user, "booking.approve")
        .filter(status=BookingStatus.REQUESTED, start__gte=timezone.now())
        .count()
    )


def _approver(flags) -> bool:
    return bool(flags.roles & access.ACTION_ROLES["booking.approve"])


def register() -> None:
    register_entry("rooms", _("Function rooms"), "rooms", order=270, when=lambda flags: bool(flags.roles))
    register_tile(
        "rooms", _("Function rooms"), "rooms", order=272, icon="▦", when=lambda flags: bool(flags.roles),
        caption=_("Book a room of the service centre"),
    )  # fmt: skip
    register_tile(
        "room_requests", _("Room requests"), "booking_queue", order=275, icon="▦", when=_approver,
        count=to_decide, hide_when_zero=True, caption=ngettext_lazy("%(n)s to decide", "%(n)s to decide", "n"),
    )  # fmt: skip

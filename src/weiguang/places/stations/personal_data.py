"""What the stations hold about a person (accounts.personal_data's registry): where their love
supermarket redemptions are collected and when they were handed over. Nothing to erase: the
row names no contact detail, and the redemption stays in the street's points ledger."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from weiguang.accounts.personal_data import register_personal_data

from ..models import Pickup


def pickups_of(user, resident) -> list[dict]:
    rows = (
        Pickup.objects.filter(redemption__volunteer__user=user)
        .select_related("redemption__item", "station")
        .order_by("-id")
    )
    return [
        {
            "item": p.redemption.item.name,
            "quantity": p.redemption.quantity,
            "station": p.station.name,
            "status": p.get_status_display(),
            "redeemed_at": p.redemption.created_at,
            "handed_over_at": p.handed_over_at,
        }
        for p in rows
    ]


def register() -> None:
    register_personal_data(
        "station_pickups",
        _("Your love supermarket pick-ups"),
        pickups_of,
        order=57,
        fields={
            "item": _("item"),
            "quantity": _("quantity"),
            "station": _("station"),
            "status": _("status"),
            "redeemed_at": _("redeemed at"),
            "handed_over_at": _("handed over at"),
        },
    )

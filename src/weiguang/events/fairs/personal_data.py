"""What the fairs hold about a person (accounts.personal_data's registry): the queue numbers
they took, the slots they booked, where a stall served them and the food parcels their
household received. On erasure the names kept on these rows become the masked name; the
counts of the fairs stay."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from weiguang.accounts.personal_data import register_personal_data
from weiguang.core.privacy import mask_name

from ..models import FoodParcel, QueueTicket, SlotBooking, StallVisit


def _mine(user, resident) -> Q:
    q = Q(user=user) if user is not None and user.is_authenticated else Q(pk__in=[])
    return q | Q(resident=resident) if resident is not None else q


def rows_of(user, resident) -> list[dict]:
    rows = []
    for t in (
        QueueTicket.objects.filter(_mine(user, resident)).select_related("stall__event").order_by("taken_at")
    ):
        rows.append({"what": _("Queue number"), "fair": t.stall.event.title, "stall": t.stall.service,
                     "detail": f"{t.label} · {t.get_status_display()}", "at": t.taken_at})  # fmt: skip
    for b in (
        SlotBooking.objects.filter(_mine(user, resident)).select_related("stall__event").order_by("starts_at")
    ):
        rows.append({"what": _("Booked slot"), "fair": b.stall.event.title, "stall": b.stall.service,
                     "detail": b.get_status_display(), "at": b.starts_at})  # fmt: skip
    if resident is not None:
        for v in (
            StallVisit.objects.filter(resident=resident).select_related("stall__event").order_by("served_at")
        ):
            rows.append({"what": _("person served"), "fair": v.stall.event.title, "stall": v.stall.service,
                         "detail": v.get_kind_display(), "at": v.served_at})  # fmt: skip
        for p in FoodParcel.objects.filter(resident=resident).select_related("round").order_by("handed_at"):
            rows.append(
                {
                    "what": _("food parcel"),
                    "fair": p.round.title,
                    "stall": "",
                    "detail": "",
                    "at": p.handed_at,
                }
            )
    return rows


def erase(user, resident) -> None:
    for model in (QueueTicket, SlotBooking, StallVisit):
        for row in model.objects.filter(
            _mine(user, resident) if model is not StallVisit else Q(resident=resident)
        ):
            if row.name:
                model.objects.filter(pk=row.pk).update(name=mask_name(row.name))


def register() -> None:
    register_personal_data(
        "fairs",
        _("At service fairs"),
        rows_of,
        erase,
        order=75,
        fields={"what": "", "fair": _("event"), "stall": _("stall"), "detail": "", "at": _("served at")},
    )

"""What the rooms hold about a person (accounts.personal_data's registry): the room bookings
they made. A booking stays when the person's data is erased (it is the centre's record of who
used a room when, under the group's name); it no longer names them as its booker, and their
phone number is masked in its purpose and note."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from weiguang.accounts.personal_data import mask_phones_in_rows, phones_of, register_personal_data

from ..models import Booking


def bookings_of(user, resident) -> list[dict]:
    rows = Booking.objects.filter(booked_by=user).select_related("room__centre").order_by("-start", "-id")
    return [
        {
            "centre": b.room.centre.name,
            "room": b.room.name,
            "start": b.start,
            "end": b.end,
            "group": b.group_name,
            "purpose": b.purpose,
            "attendees": b.attendees,
            "status": b.get_status_display(),
            "created_at": b.created_at,
        }  # fmt: skip
        for b in rows
    ]


def erase(user, resident) -> None:
    bookings = Booking.objects.filter(booked_by=user)
    mask_phones_in_rows(bookings, ["purpose", "note"], phones_of(user, resident))
    bookings.update(booked_by=None)


def register() -> None:
    register_personal_data(
        "room_bookings",
        _("Your room bookings"),
        bookings_of,
        erase,
        order=80,
        fields={
            "centre": _("service centre"), "room": _("function room"), "start": _("from"), "end": _("until"),
            "group": _("group"), "purpose": _("purpose"), "attendees": _("attendees expected"),
            "status": _("status"), "created_at": _("booked at"),
        },
    )  # fmt: skip

"""A service centre of the street with rooms, and helpers to book them at a fixed time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from weiguang.places.models import Equipment, Room, ServiceCentre
from weiguang.places.rooms import services

# A Monday well in the future; the tests travel to it when the clock matters.
MONDAY = dt.date(2030, 3, 4)
TUESDAY = MONDAY + dt.timedelta(days=1)


def at(day: dt.date, hm: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.fromisoformat(hm)))


@pytest.fixture
def centre(tree):
    return ServiceCentre.objects.create(name="八大湖党群服务中心", region=tree.street, floors=3)


@pytest.fixture
def room(centre):
    return Room.objects.create(
        centre=centre, name="老年大学教室", floor=2, capacity=30, equipment=[Equipment.PROJECTOR, Equipment.TABLES],
        hours={d: ["08:30", "17:00"] for d in ["mon", "tue", "wed", "thu", "fri"]},
    )  # fmt: skip


@pytest.fixture
def book(people):
    """book(room, day, "14:00", "16:00", by=...) -> the booking (requested unless staff book)."""

    def make(
        room, day=TUESDAY, start="14:00", end="16:00", by=None, direct=False, group="书法班", attendees=10
    ):
        return services.request_booking(
            room, by or people.resident_user, start=at(day, start), end=at(day, end), direct=direct,
            data=services.BookingInput(purpose="上课", group_name=group, attendees=attendees),
        )  # fmt: skip

    return make

"""A service centre of the street with rooms, and helpers to book them at a fixed time."""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo

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


# --- Stations ---------------------------------------------------------------------------------
# make_station(**overrides): staff of community A open a station (round the clock unless the
# test gives hours); SAT_NOON, a Saturday noon in Qingdao, for deterministic opening hours.

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
SAT_NOON = dt.datetime(2026, 12, 5, 12, 0, tzinfo=SHANGHAI)  # a Saturday
WEEKDAYS_9_TO_6 = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), "09:00-18:00")

_station_numbers = itertools.count(1)


@pytest.fixture
def make_station(people):
    from weiguang.places.stations import services as station_services

    def make(by=None, **kw):
        n = next(_station_numbers)
        fields = {
            "region": people.tree.community_a,
            "name": f"驿站{n}号",
            "kind": "warm_new",
            "address": f"延安三路{n}号",
            "latitude": "36.073620",
            "longitude": "120.390410",
            "open_24h": True,
            "phone": "0532-8866 1234",
            "amenities": {"water": "available", "charging": "available", "microwave": "available"},
            **kw,
        }
        return station_services.create_station(by or people.staff, **fields)

    return make


@pytest.fixture
def shopper(people):
    """An approved volunteer of community A with 100 points."""
    from weiguang.volunteers import services as volunteer_services
    from weiguang.volunteers.models import Volunteer

    from ..factories import UserFactory, make_id_number

    user = UserFactory(first_name="周志愿")
    v = volunteer_services.register_volunteer(
        user, name="周志愿", phone="13800001111", id_number=make_id_number(880, region="370203"),
        home_region=people.tree.community_a,
    )  # fmt: skip
    v = volunteer_services.approve_volunteer(v, people.staff)
    Volunteer.objects.filter(pk=v.pk).update(points_balance=100)
    return user


@pytest.fixture
def rice(people):
    from weiguang.volunteers.models import RewardItem

    return RewardItem.objects.create(street=people.tree.street, name="大米 5 斤", points=30, stock=5)

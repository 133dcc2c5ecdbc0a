"""Many people asking for the same hour of a room at once: exactly one booking, on PostgreSQL
(row lock on the room) and on SQLite (one writer at a time)."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.factories import member
from tests.places.conftest import TUESDAY, at
from tests.wishes.test_concurrency import at_once
from weiguang.core.capacity import Full
from weiguang.places.models import Booking, Room, ServiceCentre
from weiguang.places.rooms import services
from weiguang.regions.models import Role

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _ask(room, user, start, end, group):
    return lambda: services.request_booking(
        room, user, start=at(TUESDAY, start), end=at(TUESDAY, end),
        data=services.BookingInput(purpose="活动", group_name=group, attendees=5),
    )  # fmt: skip


def test_overlapping_requests_at_once_give_one_booking_and_separate_ones_all_succeed(tree):
    centre = ServiceCentre.objects.create(name="中心", region=tree.street, floors=3)
    room = Room.objects.create(centre=centre, name="多功能厅", capacity=100)
    users = [member(Role.RESIDENT, tree.grid_a1) for _ in range(12)]
    # eight groups want 14:00–16:00, four others the hours around it
    calls = [_ask(room, u, "14:00", "16:00", f"组{i}") for i, u in enumerate(users[:8])] + [
        _ask(room, users[8], "09:00", "10:00", "早班"),
        _ask(room, users[9], "10:00", "11:00", "中班"),
        _ask(room, users[10], "11:00", "12:00", "午班"),
        _ask(room, users[11], "16:00", "17:00", "晚班"),
    ]
    outcomes = at_once(calls)
    kinds = [kind for kind, _ in outcomes]
    assert kinds[:8].count("ok") == 1 and kinds[:8].count("refused") == 7, (connection.vendor, kinds)
    assert all(isinstance(e, Full) for kind, e in outcomes if kind == "refused")
    assert kinds[8:] == ["ok"] * 4
    held = sorted((b.start, b.end) for b in Booking.objects.filter(room=room))
    assert len(held) == 5
    assert all(a[1] <= b[0] for a, b in zip(held, held[1:], strict=False)), "two bookings overlap"

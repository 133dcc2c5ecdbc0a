"""Real threads, real connections (PostgreSQL): numbers taken at once are all different, two
callers never call the same ticket, the last place of a slot goes once, a household gets one
parcel however many desks try at once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from tests.wishes.test_concurrency import at_once
from weiguang.core.capacity import Full
from weiguang.core.errors import Conflict
from weiguang.events.fairs import services
from weiguang.events.models import FoodParcel, QueueTicket, SlotBooking, TicketStatus
from weiguang.people.models import PopulationGroup

from .conftest import young

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _residents(people, n, prefix, **kw):
    return [young(f"{prefix}{i}", people.tree.grid_a1, username=f"{prefix}{i}", **kw) for i in range(n)]


def test_thirty_people_take_numbers_at_once_and_get_thirty_numbers(stall, people):
    racers = _residents(people, 30, "take")
    outcomes = at_once([lambda r=r: services.take_number(stall, r.user) for r in racers])
    numbers = sorted(t.number for kind, t in outcomes)
    assert numbers == list(range(1, 31)), (connection.vendor, numbers)
    stall.refresh_from_db()
    assert stall.last_normal == 30


def test_two_callers_at_once_call_two_different_tickets(stall, people):
    for r in _residents(people, 6, "call"):
        services.take_number(stall, r.user)
    outcomes = at_once(
        [lambda: services.call_next(stall, people.volunteer), lambda: services.call_next(stall, people.staff)]
    )
    called = [t.pk for kind, t in outcomes]
    assert len(set(called)) == 2
    assert QueueTicket.objects.filter(stall=stall, status=TicketStatus.CALLED).count() == 2


def test_the_last_place_of_a_slot_goes_once(stall, people):
    first, *racers = _residents(people, 21, "slot")
    at = next(s for s in services.slot_starts(stall) if s > timezone.now())
    services.book_slot(stall, first.user, at)  # one of two places left
    outcomes = at_once([lambda r=r: services.book_slot(stall, r.user, at) for r in racers])
    kinds = [kind for kind, _ in outcomes]
    assert kinds.count("ok") == 1 and kinds.count("refused") == 19, (connection.vendor, kinds)
    assert all(isinstance(e, Full) for kind, e in outcomes if kind == "refused")
    assert SlotBooking.objects.filter(stall=stall, starts_at=at, status="booked").count() == 2


def test_one_parcel_per_household_from_many_desks_at_once(fair, stall, people):
    low = PopulationGroup.objects.get_or_create(code="low_income", defaults={"name": "低收入家庭"})[0]
    round_ = services.open_food_round(people.staff, region=None, event=fair, stall=stall, title="食物银行",
                                      date=timezone.localdate(), groups=[low], parcels=100)  # fmt: skip
    family = _residents(people, 4, "family", building="5号楼", door="302室")
    family[0].groups.add(low)
    desks = [people.staff, people.street_admin, people.staff, people.street_admin]
    outcomes = at_once(
        [
            lambda r=r, d=d: services.hand_out(round_, d, resident=r)
            for r, d in zip(family, desks, strict=True)
        ]
    )
    kinds = [kind for kind, _ in outcomes]
    assert kinds.count("ok") == 1 and kinds.count("refused") == 3, kinds
    assert all(
        isinstance(e, Conflict) and e.code == "already_handed_out" for k, e in outcomes if k == "refused"
    )
    assert FoodParcel.objects.filter(round=round_).count() == 1

"""Staff members tapping "handed over" for the same pick-up at once: one hand-over, one audit
entry, the others told it was handed over already. On PostgreSQL (row locks) and on SQLite
(one writer at a time)."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.factories import member
from tests.wishes.test_concurrency import at_once
from weiguang.core.models import AuditEntry
from weiguang.places.models import Pickup, PickupStatus
from weiguang.places.stations import services
from weiguang.regions.models import Role
from weiguang.volunteers import services as volunteer_services

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_taps_at_once_hand_over_once(make_station, people, shopper, rice):
    station = make_station()
    services.set_pickup_items(station, people.staff, [rice])
    pickup = volunteer_services.redeem(shopper, rice).pickup
    colleagues = [people.staff, people.street_admin, member(Role.COMMUNITY_STAFF, people.tree.community_a)]
    outcomes = at_once([lambda u=u: services.hand_over(pickup, u) for u in colleagues])
    kinds = [kind for kind, _ in outcomes]
    assert kinds.count("ok") == 1 and kinds.count("refused") == 2, (connection.vendor, kinds)
    assert {err.code for kind, err in outcomes if kind == "refused"} == {"handed_over"}
    assert Pickup.objects.get().status == PickupStatus.HANDED_OVER
    assert AuditEntry.objects.filter(action="hand_over", object_id=str(pickup.pk)).count() == 1

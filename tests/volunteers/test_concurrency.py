"""Concurrent redemptions at the love supermarket, with real threads and connections: points
are never overspent and stock never oversold (row locks on the volunteer, then the item)."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory
from tests.wishes.test_concurrency import at_once
from weiguang.volunteers import services
from weiguang.volunteers.models import PointsEntry, Redemption, RewardItem, Volunteer

pytestmark = pytest.mark.django_db(transaction=True)


def test_one_volunteer_racing_themselves_never_overspends(people, approved, tree):
    v = approved(UserFactory(username="racer"))
    services.add_honour_hours(v, people.staff, hours=5, reason="x")  # 50 points
    item = RewardItem.objects.create(street=tree.street, name="洗衣液", points=20, stock=100)
    outcomes = at_once([lambda: services.redeem(v.user, item) for _ in range(8)])
    won = [o for o in outcomes if o[0] == "ok"]
    assert len(won) == 2  # 2 × 20 ≤ 50 < 3 × 20
    assert {o[1].code for o in outcomes if o[0] == "refused"} == {"not_enough_points"}
    v = Volunteer.objects.get(pk=v.pk)
    assert v.points_balance == 10 and services.ledger_totals(v)[1] == 10
    assert RewardItem.objects.get(pk=item.pk).stock == 98


def test_many_volunteers_racing_for_the_last_items_never_oversell(people, approved, tree):
    racers = [approved(UserFactory(username=f"r{i}")) for i in range(8)]
    for v in racers:
        services.add_honour_hours(v, people.staff, hours=2, reason="x")
    item = RewardItem.objects.create(street=tree.street, name="电影票", points=5, stock=3)
    outcomes = at_once([lambda v=v: services.redeem(v.user, item) for v in racers])
    assert sum(1 for o in outcomes if o[0] == "ok") == 3
    assert {o[1].code for o in outcomes if o[0] == "refused"} == {"out_of_stock"}
    assert RewardItem.objects.get(pk=item.pk).stock == 0
    assert Redemption.objects.count() == 3 and PointsEntry.objects.filter(delta__lt=0).count() == 3
    for v in Volunteer.objects.all():
        assert services.ledger_totals(v)[1] == v.points_balance

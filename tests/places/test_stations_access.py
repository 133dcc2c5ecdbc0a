"""The stations' access rules, row by row: restrict() lists exactly what can() allows for each
role (staff of the station's community or street, another community, another street, a grid
worker, the volunteer who redeemed, a stranger, anonymous); the pick-up's owner sees it and may
not hand it over."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from weiguang.places.models import Pickup, Station, StationAmenity
from weiguang.places.stations import services
from weiguang.regions import access
from weiguang.volunteers import services as volunteer_services
from weiguang.volunteers.models import RewardItem

pytestmark = pytest.mark.django_db

ROLES = [
    "street_admin",
    "staff",
    "staff_b",
    "outsider_staff",
    "grid_worker",
    "shopper",
    "stranger",
    "anonymous",
]
CASES = [
    (Station, "station.manage"),
    (StationAmenity, "station.manage"),
    (Pickup, "pickup.view"),
    (Pickup, "station.hand_over"),
]


@pytest.fixture
def world(people, make_station, shopper, rice):
    a = make_station(name="七星里")
    b = make_station(name="海晏", region=people.tree.community_b, by=people.street_admin)
    make_station(name="金华", region=people.tree.other_community, by=people.outsider_staff)
    services.set_pickup_items(a, people.staff, [rice])
    other = RewardItem.objects.create(street=people.tree.street, name="毛巾", points=10, stock=5)
    services.set_pickup_items(b, people.street_admin, [other])
    volunteer_services.redeem(shopper, rice)
    volunteer_services.redeem(shopper, other)
    people.shopper = shopper
    people.anonymous = AnonymousUser()
    return people


@pytest.mark.parametrize(("model", "action"), CASES, ids=lambda v: getattr(v, "__name__", v))
@pytest.mark.parametrize("who", ROLES)
def test_restrict_agrees_with_can(world, model, action, who):
    user = getattr(world, who)
    listed = set(model.objects.restrict(user, action).values_list("pk", flat=True))
    assert listed == {obj.pk for obj in model.objects.all() if access.can(user, action, obj)}
    if who in ("anonymous", "stranger", "grid_worker"):
        assert not listed


def test_who_keeps_which_station(world):
    def names(user):
        return set(Station.objects.restrict(user, "station.manage").values_list("name", flat=True))

    assert names(world.street_admin) == {"七星里", "海晏"}
    assert names(world.staff) == {"七星里"}
    assert names(world.staff_b) == {"海晏"}
    assert names(world.outsider_staff) == {"金华"}


def test_the_volunteer_sees_their_pickups_and_hands_over_none(world):
    assert Pickup.objects.restrict(world.shopper, "pickup.view").count() == 2
    assert not Pickup.objects.restrict(world.shopper, "station.hand_over").exists()
    assert set(
        Pickup.objects.restrict(world.staff, "station.hand_over").values_list("station__name", flat=True)
    ) == {"七星里"}

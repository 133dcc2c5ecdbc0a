"""Stations through their services: opening one (fields checked, amenities made), an amenity's
state changed with who and when, the public list's order and filter, and the love
supermarket's pick-ups (the redemption says where, the station's staff hand it over once)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.core.models import AuditEntry
from weiguang.places.models import Amenity, AmenityState, Pickup, PickupStatus, StationAmenity
from weiguang.places.stations import queries, services
from weiguang.places.stations.filters import StationFilter
from weiguang.volunteers import services as volunteer_services
from weiguang.volunteers.models import RewardItem

from .conftest import SAT_NOON, WEEKDAYS_9_TO_6

pytestmark = pytest.mark.django_db


def test_a_new_station_has_every_amenity_and_its_number_as_digits(make_station, people):
    station = make_station(hours={"mon": "8:00-12:00，14:00-20:00"}, open_24h=False)
    assert station.phone == "053288661234"
    assert station.phone_display == "0532-88661234"
    assert station.hours["mon"] == [["08:00", "12:00"], ["14:00", "20:00"]]
    assert station.hours["sun"] == []
    states = dict(station.amenities.values_list("amenity", "state"))
    assert set(states) == set(Amenity.values)
    assert states["water"] == AmenityState.AVAILABLE and states["toilet"] == AmenityState.NOT_OFFERED
    assert AuditEntry.objects.filter(action="create", object_id=str(station.pk)).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("latitude", "91"),
        ("longitude", "-180.5"),
        ("latitude", "north"),
        ("phone", "138001"),  # a number cut short
        ("name", "  "),
        ("kind", "castle"),
        ("hours", {"mon": "8-20"}),
        ("hours", {"funday": "08:00-20:00"}),
    ],
)
def test_bad_input_is_refused_on_its_field(make_station, field, value):
    with pytest.raises(InvalidInput) as refused:
        make_station(**{field: value})
    named = next(iter(refused.value.fields))
    assert named == field or named.startswith(f"{field}_")


def test_only_staff_of_the_region_open_and_edit_a_station(make_station, people):
    for outsider in (people.staff_b, people.outsider_staff, people.grid_worker, people.volunteer):
        with pytest.raises(NotAllowed):
            make_station(by=outsider)
    station = make_station()
    with pytest.raises(NotAllowed):
        services.update_station(station, people.staff_b, name="别人的驿站")
    services.update_station(station, people.street_admin, name="新名字", phone="12345")
    station.refresh_from_db()
    assert (station.name, station.phone) == ("新名字", "12345")


def test_the_same_name_twice_in_a_region_is_refused(make_station, people):
    make_station(name="暖新驿站")
    with pytest.raises(InvalidInput) as refused:
        make_station(name="暖新驿站")
    assert refused.value.fields == {"name": "taken"}
    make_station(name="暖新驿站", region=people.tree.community_b, by=people.street_admin)  # elsewhere: fine


def test_a_unit_not_serving_the_region_cannot_run_the_station(make_station, people):
    from ..factories import PartnerFactory

    far = PartnerFactory(region=people.tree.other_street)
    with pytest.raises(InvalidInput) as refused:
        make_station(partner=far)
    assert "partner" in refused.value.fields
    assert make_station(partner=people.partner).partner == people.partner


def test_an_amenity_out_of_order_keeps_its_note_who_and_when(make_station, people):
    station = make_station()
    row = services.amenity_of(station, "microwave")
    with time_machine.travel(SAT_NOON, tick=False):
        row = services.set_amenity(row, people.staff, "out_of_order", "微波炉今天坏了")
    assert (row.state, row.note, row.changed_by) == ("out_of_order", "微波炉今天坏了", people.staff)
    assert row.changed_at == SAT_NOON
    entry = AuditEntry.objects.filter(object_id=str(row.pk), action="out_of_order").get()
    assert (entry.actor, entry.from_state, entry.to_state) == (people.staff, "available", "out_of_order")
    row = services.set_amenity(row, people.street_admin, "available", "ignored when available")
    assert (row.state, row.note, row.changed_by) == ("available", "", people.street_admin)


def test_other_regions_staff_cannot_change_an_amenity(make_station, people):
    row = services.amenity_of(make_station(), "water")
    for user in (people.staff_b, people.outsider_staff, people.volunteer, people.stranger):
        with pytest.raises(NotAllowed):
            services.set_amenity(row, user, "out_of_order", "坏了")
    assert StationAmenity.objects.get(pk=row.pk).state == AmenityState.AVAILABLE
    with pytest.raises(InvalidInput):
        services.set_amenity(row, people.staff, "exploded")


def listing(**params) -> list[str]:
    filters = StationFilter.model_validate(params)
    return [c.station.name for c in queries.public_stations(filters, now=SAT_NOON)]


def test_open_stations_come_first_then_the_closed_by_their_next_opening(make_station):
    make_station(name="工作日驿站", open_24h=False, hours=WEEKDAYS_9_TO_6)  # closed on Saturday
    make_station(name="晚班驿站", open_24h=False, hours={"sat": "18:00-23:00"})
    make_station(name="全天驿站")
    cards = queries.public_stations(StationFilter(), now=SAT_NOON)
    assert [c.station.name for c in cards] == ["全天驿站", "晚班驿站", "工作日驿站"]
    assert cards[1].next_opening == SAT_NOON.replace(hour=18)
    assert cards[2].next_opening == (SAT_NOON + dt.timedelta(days=2)).replace(hour=9)


def test_with_a_position_the_nearest_open_station_comes_first(make_station):
    # the rider stands at 八大湖公园 (36.0736, 120.3904)
    make_station(name="远的", latitude="36.0900", longitude="120.4100")
    make_station(name="近的", latitude="36.0740", longitude="120.3910")
    make_station(
        name="最近但关门", latitude="36.0737", longitude="120.3905", open_24h=False, hours=WEEKDAYS_9_TO_6
    )
    assert listing(lat=36.0736, lng=120.3904) == ["近的", "远的", "最近但关门"]
    card = queries.public_stations(StationFilter(lat=36.0736, lng=120.3904), now=SAT_NOON)[0]
    assert 50 < card.distance_m < 120  # some 80 metres


def test_haversine_matches_a_known_distance():
    # Qingdao railway station to the airport (胶东), about 39 km as the crow flies
    assert 38_000 < queries.haversine_m(36.0646, 120.3128, 36.3617, 120.0881) < 40_000


def test_the_amenity_filter_keeps_stations_where_each_is_available_now(make_station, people):
    both = make_station(name="都有")
    broken = make_station(name="充电坏了")
    services.set_amenity(services.amenity_of(broken, "charging"), people.staff, "out_of_order", "插座坏了")
    make_station(name="只有水", amenities={"water": "available"})
    assert listing(amenity=["water"]) == ["充电坏了", "只有水", "都有"]
    assert listing(amenity=["water", "charging"]) == [both.name]


def test_a_hidden_station_is_not_public(make_station):
    make_station(name="停用", active=False)
    assert listing() == []


# --- the love supermarket's pick-ups ---------------------------------------------------------


def test_a_redemption_of_an_item_with_a_station_is_collected_there(make_station, people, shopper, rice):
    station = make_station(name="七星里社区驿站")
    services.set_pickup_items(station, people.staff, [rice])
    redemption = volunteer_services.redeem(shopper, rice)
    pickup = Pickup.objects.get(redemption=redemption)
    assert (pickup.station, pickup.status) == (station, PickupStatus.WAITING)
    where = volunteer_services.where_to_collect([redemption])[redemption.pk]
    assert where["station"] == "七星里社区驿站" and where["handed_over"] is False


def test_an_item_without_a_station_redeems_as_before(people, shopper, rice):
    redemption = volunteer_services.redeem(shopper, rice)
    assert not Pickup.objects.exists()
    assert volunteer_services.where_to_collect([redemption]) == {}


def test_naming_an_item_at_another_station_moves_it_and_keeps_earlier_pickups(
    make_station, people, shopper, rice
):
    first, second = make_station(), make_station()
    services.set_pickup_items(first, people.staff, [rice])
    earlier = volunteer_services.redeem(shopper, rice)
    services.set_pickup_items(second, people.staff, [rice])
    later = volunteer_services.redeem(shopper, rice)
    assert earlier.pickup.station == first and later.pickup.station == second
    assert list(first.reward_items.all()) == []


def test_a_station_hands_out_only_items_of_its_street(make_station, people):
    elsewhere = RewardItem.objects.create(
        street=people.tree.other_street, name="别处的米", points=10, stock=1
    )
    with pytest.raises(InvalidInput):
        services.set_pickup_items(make_station(), people.staff, [elsewhere])


def test_the_station_hands_over_once_with_who_and_when(make_station, people, shopper, rice):
    station = make_station()
    services.set_pickup_items(station, people.staff, [rice])
    pickup = volunteer_services.redeem(shopper, rice).pickup
    for outsider in (people.staff_b, people.outsider_staff, shopper):
        with pytest.raises(NotAllowed):
            services.hand_over(pickup, outsider)
    done = services.hand_over(pickup, people.staff)
    assert (done.status, done.handed_over_by) == (PickupStatus.HANDED_OVER, people.staff)
    assert done.handed_over_at is not None
    with pytest.raises(Conflict) as again:
        services.hand_over(pickup, people.street_admin)
    assert again.value.code == "handed_over"
    assert AuditEntry.objects.filter(object_id=str(pickup.pk), action="hand_over").count() == 1


def test_my_data_lists_my_pickups_and_where(make_station, people, shopper, rice):
    from weiguang.accounts import personal_data as pd

    station = make_station(name="七星里社区驿站")
    services.set_pickup_items(station, people.staff, [rice])
    services.hand_over(volunteer_services.redeem(shopper, rice).pickup, people.staff)
    (row,) = next(s for s in pd.personal_data(shopper) if s["key"] == "station_pickups")["rows"]
    assert (row["item"], row["station"], row["status"]) == ("大米 5 斤", "七星里社区驿站", "已领取")
    assert next(s for s in pd.personal_data(people.volunteer) if s["key"] == "station_pickups")["rows"] == []


def test_a_residents_own_number_is_never_the_stations(make_station, people):
    # 王秀英's mobile (13912345678), typed with spaces: it would be shown to everyone
    with pytest.raises(InvalidInput) as refused:
        make_station(phone="139 1234 5678")
    assert refused.value.fields == {"phone": "personal"}
    station = make_station(phone="139 0000 5678")
    with pytest.raises(InvalidInput):
        services.update_station(station, people.staff, phone="13912345678")
    assert make_station(phone="12345").phone == "12345"

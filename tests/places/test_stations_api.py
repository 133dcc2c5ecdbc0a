"""/api/v1/stations as clients use it: anyone lists stations (amenity filter, nearest first),
staff open and edit them, set an amenity's state and hand out pick-ups; bad input is a 422
on its field, another region's station a 404."""

from __future__ import annotations

import pytest
import time_machine

from weiguang.places.models import Pickup
from weiguang.places.stations import services

from ..demands.test_api import auth, get, post
from .conftest import SAT_NOON, WEEKDAYS_9_TO_6

pytestmark = pytest.mark.django_db
URL = "/api/v1/stations"


def send(client, method, url, user, data):
    return getattr(client, method)(url, data, content_type="application/json", **auth(user))


def test_anyone_lists_open_stations_first_and_the_nearest_with_a_position(client, make_station):
    make_station(name="远的", latitude="36.0900", longitude="120.4100")
    make_station(name="近的", latitude="36.0740", longitude="120.3910")
    make_station(
        name="关门的", latitude="36.0737", longitude="120.3905", open_24h=False, hours=WEEKDAYS_9_TO_6
    )
    with time_machine.travel(SAT_NOON, tick=False):
        page = client.get(URL, {"lat": 36.0736, "lng": 120.3904}).json()
    assert [(s["name"], s["open_now"]) for s in page["items"]] == [
        ("近的", True),
        ("远的", True),
        ("关门的", False),
    ]
    assert page["count"] == 3 and 50 < page["items"][0]["distance_m"] < 120
    assert page["items"][2]["next_opening"].startswith("2026-12-07T09:00:00+08:00")
    assert all(s["distance_m"] is None for s in client.get(URL).json()["items"])


def test_the_amenity_filter_takes_several_and_skips_broken_ones(client, make_station, people):
    make_station(name="都有")
    broken = make_station(name="充电坏了")
    services.set_amenity(services.amenity_of(broken, "charging"), people.staff, "out_of_order", "插座坏了")
    names = [s["name"] for s in client.get(f"{URL}?amenity=water&amenity=charging").json()["items"]]
    assert names == ["都有"]
    listed = {s["name"]: s for s in client.get(URL, {"amenity": "water"}).json()["items"]}
    charging = next(a for a in listed["充电坏了"]["amenities"] if a["amenity"] == "charging")
    assert (charging["state"], charging["note"]) == ("out_of_order", "插座坏了")


@pytest.mark.parametrize(
    "query", ["amenity=jacuzzi", "lat=91&lng=120", "lat=36.07", "lng=120.39", "lat=north&lng=120", "limit=0"]
)
def test_bad_list_parameters_are_a_422(client, query):
    r = client.get(f"{URL}?{query}")
    assert r.status_code == 422, r.content
    assert r.json()["errors"]


def test_a_hidden_station_is_seen_by_its_staff_only(client, make_station, people):
    station = make_station(active=False)
    assert client.get(f"{URL}/{station.pk}").status_code == 404
    assert get(client, f"{URL}/{station.pk}", people.staff_b).status_code == 404
    assert get(client, f"{URL}/{station.pk}", people.staff).json()["active"] is False
    assert client.get(URL).json()["count"] == 0


def test_staff_open_a_station_and_edit_it(client, people):
    body = {
        "region": people.tree.community_a.pk, "name": "七星里暖新驿站", "kind": "warm_new",
        "address": "延安三路 220 号", "latitude": 36.07362, "longitude": 120.39041,
        "hours": {"mon": "08:00-12:00, 14:00-20:00", "sat": "09:00-17:00"}, "phone": "0532-88661234",
        "run_by": people.partner.pk, "amenities": ["water", "charging"],
    }  # fmt: skip
    r = post(client, URL, people.staff, body)
    assert r.status_code == 201, r.content
    made = r.json()
    assert made["hours"]["mon"] == [["08:00", "12:00"], ["14:00", "20:00"]] and made["hours"]["sun"] == []
    assert made["phone"] == "053288661234" and made["run_by"]["id"] == people.partner.pk
    assert [a["amenity"] for a in made["amenities"]] == ["water", "charging"]
    sid = made["id"]
    r = send(client, "patch", f"{URL}/{sid}", people.staff, {"open_24h": True, "phone": None, "run_by": None})
    assert r.status_code == 200, r.content
    assert (r.json()["open_24h"], r.json()["phone"], r.json()["run_by"]) == (True, "", None)
    assert send(client, "patch", f"{URL}/{sid}", people.staff, {"name": None}).json()["errors"] == {
        "name": "This field is required."
    }
    assert send(client, "patch", f"{URL}/{sid}", people.staff_b, {"name": "我的"}).status_code == 404
    assert send(client, "patch", f"{URL}/{sid}", people.outsider_staff, {"name": "我的"}).status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"latitude": 95}, "latitude"),
        ({"hours": {"mon": "8 to 20"}}, "hours_mon"),
        ({"phone": "110"}, "phone"),
        ({"region": 999999}, "region"),
        ({"region": "grid"}, "region"),
        ({"kind": "castle"}, "kind"),
        ({"run_by": 999999}, "run_by"),
        ({"amenities": ["sauna"]}, "amenities"),
    ],
)
def test_a_bad_station_is_a_422_on_its_field(client, people, change, field):
    body = {
        "region": people.tree.community_a.pk, "name": "驿站", "kind": "warm_new", "address": "延安三路",
        "latitude": 36.07, "longitude": 120.39,
    }  # fmt: skip
    if change.get("region") == "grid":
        change = {"region": people.tree.grid_a1.pk}
    r = post(client, URL, people.staff, body | change)
    assert r.status_code == 422, r.content
    assert any(name.startswith(field) for name in r.json()["errors"]), r.json()


def test_only_staff_of_the_region_open_a_station(client, people):
    body = {
        "region": people.tree.community_a.pk, "name": "驿站", "kind": "warm_new", "address": "延安三路",
        "latitude": 36.07, "longitude": 120.39,
    }  # fmt: skip
    for user in (people.staff_b, people.outsider_staff, people.grid_worker, people.volunteer):
        assert post(client, URL, user, body).status_code == 403
    assert client.post(URL, body, content_type="application/json").status_code == 401


def test_staff_set_an_amenity_state_in_one_call(client, make_station, people):
    station = make_station()
    url = f"{URL}/{station.pk}/amenities/microwave"
    r = send(client, "put", url, people.staff, {"state": "out_of_order", "note": "微波炉今天坏了"})
    assert r.status_code == 200, r.content
    assert (r.json()["state"], r.json()["note"]) == ("out_of_order", "微波炉今天坏了")
    public = client.get(f"{URL}/{station.pk}").json()
    assert {a["amenity"]: a["state"] for a in public["amenities"]}["microwave"] == "out_of_order"
    assert send(client, "put", url, people.staff_b, {"state": "available"}).status_code == 404
    assert send(client, "put", url, people.volunteer, {"state": "available"}).status_code == 404
    assert send(client, "put", url, people.staff, {"state": "broken"}).status_code == 422
    assert (
        send(
            client, "put", f"{URL}/{station.pk}/amenities/sauna", people.staff, {"state": "available"}
        ).status_code
        == 422
    )
    assert client.put(url, {"state": "available"}, content_type="application/json").status_code == 401


def test_the_redemption_says_where_and_the_station_hands_it_over(client, make_station, people, shopper, rice):
    station = make_station(name="七星里社区驿站", address="七星里社区党群服务中心一楼")
    services.set_pickup_items(station, people.staff, [rice])
    r = post(client, "/api/v1/points/redeem", shopper, {"item_id": rice.pk})
    assert r.status_code == 201, r.content
    assert r.json()["pickup"] == {
        "station": "七星里社区驿站", "address": "七星里社区党群服务中心一楼", "url": f"/stations/{station.pk}/",
        "handed_over": False,
    }  # fmt: skip
    waiting = get(client, f"{URL}/{station.pk}/pickups", people.staff).json()
    assert [(p["item"], p["volunteer"], p["phone"]) for p in waiting] == [
        ("大米 5 斤", "周**", "138****1111")
    ]
    pid = waiting[0]["id"]
    assert post(client, f"{URL}/pickups/{pid}/hand_over", shopper).status_code == 403  # sees it, may not
    assert post(client, f"{URL}/pickups/{pid}/hand_over", people.staff_b).status_code == 404
    r = post(client, f"{URL}/pickups/{pid}/hand_over", people.staff)
    assert r.status_code == 200 and r.json()["status"] == "handed_over"
    again = post(client, f"{URL}/pickups/{pid}/hand_over", people.staff)
    assert again.status_code == 409 and again.json()["code"] == "handed_over"
    assert get(client, f"{URL}/{station.pk}/pickups", people.staff).json() == []
    assert get(client, f"{URL}/{station.pk}/pickups", people.staff_b).status_code == 404


def test_an_item_without_a_station_redeems_with_no_pickup(client, people, shopper, rice):
    r = post(client, "/api/v1/points/redeem", shopper, {"item_id": rice.pk})
    assert r.status_code == 201 and r.json()["pickup"] is None
    assert not Pickup.objects.exists()


def test_managed_lists_only_the_stations_of_my_region(client, make_station, people):
    mine = make_station()
    make_station(region=people.tree.community_b, by=people.street_admin)
    assert [s["id"] for s in get(client, f"{URL}/managed", people.staff).json()] == [mine.pk]
    assert len(get(client, f"{URL}/managed", people.street_admin).json()) == 2
    assert get(client, f"{URL}/managed", people.volunteer).json() == []
    assert client.get(f"{URL}/managed").status_code == 401


def test_a_station_missing_an_amenity_row_answers_404_not_500(client, make_station, people):
    from weiguang.places.models import StationAmenity

    station = make_station()
    StationAmenity.objects.filter(station=station, amenity="toilet").delete()
    r = send(client, "put", f"{URL}/{station.pk}/amenities/toilet", people.staff, {"state": "available"})
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    page = client.post(f"/staff/stations/{station.pk}/amenities/toilet/", {"state": "available"})
    assert page.status_code == 302  # anonymous: to the login
    client.force_login(people.staff)
    assert (
        client.post(f"/staff/stations/{station.pk}/amenities/toilet/", {"state": "available"}).status_code
        == 404
    )

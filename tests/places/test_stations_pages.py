"""Station pages as people use them: the riders' list and a station's page without login; the
staff list, create, edit, one-tap amenity states and the pick-up list, each for an insider
(staff of the station's region), staff of another community or street, a volunteer and an
anonymous visitor."""

from __future__ import annotations

import pytest
import time_machine

from weiguang.places.models import Pickup, PickupStatus, Station, StationAmenity
from weiguang.places.stations import services
from weiguang.volunteers import services as volunteer_services

from .conftest import SAT_NOON, WEEKDAYS_9_TO_6

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def test_riders_see_open_stations_first_without_login(client, make_station, people):
    make_station(name="工作日驿站", open_24h=False, hours=WEEKDAYS_9_TO_6)
    station = make_station(name="全天驿站")
    services.set_amenity(
        services.amenity_of(station, "microwave"), people.staff, "out_of_order", "微波炉今天坏了"
    )
    with time_machine.travel(SAT_NOON, tick=False):
        page = client.get("/stations/").content.decode()
    assert page.index("全天驿站") < page.index("工作日驿站")
    assert "开放中" in page and "休息中" in page and "周一 09:00 开放" in page
    assert "微波炉今天坏了" in page and 'data-state="out_of_order"' in page
    assert "0532-88661234" in page


def test_the_list_filters_by_amenity_and_sorts_by_the_position_given(client, make_station):
    make_station(name="远的", latitude="36.0900", longitude="120.4100")
    make_station(name="近的", latitude="36.0740", longitude="120.3910")
    make_station(name="没水的", amenities={"charging": "available"})
    page = client.get(
        "/stations/", {"amenity": "water", "lat": "36.0736", "lng": "120.3904"}
    ).content.decode()
    assert "没水的" not in page and page.index("近的") < page.index("远的")
    assert "70 m" in page  # 近的: some 70 metres away
    # a bad position is no position: the page still answers, unsorted by distance
    page = client.get("/stations/", {"lat": "north", "lng": "120.39"}).content.decode()
    assert "没水的" in page and " m</span>" not in page


def test_a_station_page_is_public_but_not_a_hidden_one(client, make_station):
    shown = make_station(name="公开的", open_24h=False, hours={"mon": "08:00-20:00"})
    hidden = make_station(name="停用的", active=False)
    page = client.get(f"/stations/{shown.pk}/").content.decode()
    assert "公开的" in page and "08:00-20:00" in page and "休息" in page
    assert client.get(f"/stations/{hidden.pk}/").status_code == 404
    assert client.get("/stations/999999/").status_code == 404


STAFF_URLS = ["/staff/stations/{pk}/", "/staff/stations/{pk}/edit/", "/staff/stations/{pk}/pickups/"]


@pytest.mark.parametrize("url", STAFF_URLS)
def test_staff_pages_of_a_station_by_role(client, make_station, people, url):
    station = make_station()
    url = url.format(pk=station.pk)
    assert client.get(url).status_code == 302  # anonymous: to the login
    for insider in (people.staff, people.street_admin):
        assert login(client, insider).get(url).status_code == 200
    for other in (people.staff_b, people.outsider_staff, people.volunteer, people.grid_worker):
        assert login(client, other).get(url).status_code == 404


def test_the_staff_list_shows_the_stations_of_my_region_only(client, make_station, people):
    make_station(name="七星里的")
    make_station(name="海晏的", region=people.tree.community_b, by=people.street_admin)
    page = login(client, people.staff).get("/staff/stations/").content.decode()
    assert "七星里的" in page and "海晏的" not in page
    page = login(client, people.street_admin).get("/staff/stations/").content.decode()
    assert "七星里的" in page and "海晏的" in page
    assert (
        login(client, people.outsider_staff).get("/staff/stations/").content.decode().count("data-station=")
        == 0
    )
    assert login(client, people.volunteer).get("/staff/stations/").status_code == 403


def test_staff_open_a_station_with_the_form(client, people):
    form = {
        "region": people.tree.community_a.pk, "name": "七星里暖新驿站", "kind": "warm_new",
        "address": "延安三路 220 号", "latitude": "36.07362", "longitude": "120.39041",
        "hours_mon": "08:00-12:00, 14:00-20:00", "hours_sat": "09:00-17:00", "phone": "0532-88661234",
        "amenities": ["water", "charging"], "active": "on",
    }  # fmt: skip
    r = login(client, people.staff).post("/staff/stations/new/", form)
    assert r.status_code == 302, r.content.decode()[:2000]
    station = Station.objects.get(name="七星里暖新驿站")
    assert station.hours["mon"] == [["08:00", "12:00"], ["14:00", "20:00"]]
    assert set(station.amenities.filter(state="available").values_list("amenity", flat=True)) == {
        "water",
        "charging",
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("hours_tue", "8点到20点", "请按 08:00-12:00"),
        ("latitude", "95", "90"),
        ("phone", "110", "服务电话"),
        ("region", "999999", ""),
    ],
)
def test_a_wrong_field_comes_back_with_its_error(client, people, field, value, message):
    form = {
        "region": people.tree.community_a.pk, "name": "驿站", "kind": "warm_new", "address": "延安三路",
        "latitude": "36.07", "longitude": "120.39", field: value,
    }  # fmt: skip
    r = login(client, people.staff).post("/staff/stations/new/", form)
    assert r.status_code == 422
    assert field in r.context["form"].errors and message in " ".join(r.context["form"].errors[field])
    assert not Station.objects.exists()


def test_staff_of_community_b_cannot_open_one_in_community_a(client, people):
    form = {
        "region": people.tree.community_a.pk, "name": "驿站", "kind": "warm_new", "address": "延安三路",
        "latitude": "36.07", "longitude": "120.39",
    }  # fmt: skip
    r = login(client, people.staff_b).post("/staff/stations/new/", form)
    assert r.status_code == 422 and "region" in r.context["form"].errors
    assert login(client, people.volunteer).get("/staff/stations/new/").status_code == 403


def test_one_tap_marks_the_microwave_broken_and_shows_who_and_when(client, make_station, people):
    station = make_station()
    url = f"/staff/stations/{station.pk}/amenities/microwave/"
    r = login(client, people.staff).post(
        url, {"state": "out_of_order", "note": "微波炉今天坏了"}, HTTP_HX_REQUEST="true"
    )
    assert r.status_code == 200
    row = r.content.decode()
    assert (
        'id="amenity-microwave"' in row and "今日故障" in row and "微波炉今天坏了" in row and "赵书记" in row
    )
    assert "<html" not in row  # only the row is swapped
    assert StationAmenity.objects.get(station=station, amenity="microwave").state == "out_of_order"
    assert "微波炉今天坏了" in client.get("/stations/").content.decode()


def test_the_amenity_control_refuses_others_and_bad_states(client, make_station, people):
    station = make_station()
    url = f"/staff/stations/{station.pk}/amenities/water/"
    assert login(client, people.staff_b).post(url, {"state": "out_of_order"}).status_code == 404
    r = login(client, people.staff).post(url, {"state": "exploded"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 422 and "请选择设施状态" in r.content.decode()
    assert (
        login(client, people.staff)
        .post(f"/staff/stations/{station.pk}/amenities/sauna/", {"state": "available"})
        .status_code
        == 302
    )
    assert StationAmenity.objects.get(station=station, amenity="water").state == "available"


def test_the_shop_says_where_to_collect_and_the_station_hands_it_over(
    client, make_station, people, shopper, rice
):
    station = make_station(name="七星里社区驿站")
    r = login(client, people.staff).post(f"/staff/stations/{station.pk}/items/", {"items": [rice.pk]})
    assert r.status_code == 302
    r = login(client, shopper).post("/volunteers/shop/", {"item": rice.pk, "quantity": 1}, follow=True)
    page = r.content.decode()
    assert "请到七星里社区驿站（延安三路" in page  # the message after redeeming
    assert 'data-testid="pickup"' in page and "待领取" in page
    pickup = Pickup.objects.get()
    listing = login(client, people.staff).get(f"/staff/stations/{station.pk}/pickups/").content.decode()
    assert "大米 5 斤" in listing and "周**" in listing and "138****1111" in listing
    assert "13800001111" not in listing
    assert login(client, people.staff_b).post(f"/staff/pickups/{pickup.pk}/hand-over/").status_code == 404
    assert login(client, shopper).post(f"/staff/pickups/{pickup.pk}/hand-over/").status_code == 403
    r = login(client, people.staff).post(f"/staff/pickups/{pickup.pk}/hand-over/", follow=True)
    assert "已登记领取" in r.content.decode()
    assert Pickup.objects.get().status == PickupStatus.HANDED_OVER
    r = login(client, people.staff).post(f"/staff/pickups/{pickup.pk}/hand-over/", follow=True)
    assert "该物品已经领取过了" in r.content.decode()
    assert "已领取" in login(client, shopper).get("/volunteers/shop/").content.decode()


def test_items_of_another_street_cannot_be_named(client, make_station, people):
    from weiguang.volunteers.models import RewardItem

    station = make_station()
    far = RewardItem.objects.create(street=people.tree.other_street, name="别处", points=1, stock=1)
    r = login(client, people.staff).post(
        f"/staff/stations/{station.pk}/items/", {"items": [far.pk]}, follow=True
    )
    assert "请重新加载页面" in r.content.decode() or "无效" in r.content.decode()
    assert not station.reward_items.exists()
    assert volunteer_services.where_to_collect([]) == {}


def test_a_photo_is_reencoded_and_shown_on_the_stations_page(client, people, settings, tmp_path):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 80, 20)).save(buf, "PNG")
    form = {
        "region": people.tree.community_a.pk, "name": "有照片的驿站", "kind": "community", "address": "延安三路",
        "latitude": "36.07", "longitude": "120.39", "active": "on",
        "photo": SimpleUploadedFile("门口 <script>.png", buf.getvalue(), content_type="image/png"),
    }  # fmt: skip
    assert login(client, people.staff).post("/staff/stations/new/", form).status_code == 302
    station = Station.objects.get(name="有照片的驿站")
    stored = station.photo.name.rsplit("/", 1)[-1]
    assert stored.endswith(".png") and "script" not in stored and len(stored) == 36
    client.logout()
    assert station.photo.url in client.get(f"/stations/{station.pk}/").content.decode()
    junk = form | {
        "name": "假照片",
        "photo": SimpleUploadedFile("x.png", b"<html>", content_type="image/png"),
    }
    r = login(client, people.staff).post("/staff/stations/new/", junk)
    assert r.status_code == 422 and "photo" in r.context["form"].errors
    assert not Station.objects.filter(name="假照片").exists()

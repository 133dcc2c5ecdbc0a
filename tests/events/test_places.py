"""Where an event happens: a station, a function room (booked for the event's times through the
rooms' service) or an address, one of them; its page links to the station or the room."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from weiguang.core.capacity import Full
from weiguang.core.errors import Conflict, InvalidInput
from weiguang.events import services
from weiguang.events.models import Event, EventKind
from weiguang.places.models import Booking, BookingStatus, Room, ServiceCentre, Station
from weiguang.places.rooms import services as rooms

pytestmark = pytest.mark.django_db

TUESDAY = dt.date(2030, 3, 5)  # a working Tuesday well in the future


def at(day: dt.date, hm: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.fromisoformat(hm)))


@pytest.fixture
def room(tree):
    centre = ServiceCentre.objects.create(
        name="八大湖党群服务中心", region=tree.street, floors=3, address="延安三路1号"
    )
    return Room.objects.create(centre=centre, name="多功能厅", floor=2, capacity=40)


@pytest.fixture
def station(tree):
    return Station.objects.create(
        region=tree.community_a, name="暖新驿站", kind="warm_new", address="延安三路8号",
        latitude="36.07", longitude="120.39",
    )  # fmt: skip


def in_room(make_event, room, start="14:00", end="16:00", **kw):
    return make_event(room=room, place_text="", starts_at=at(TUESDAY, start), ends_at=at(TUESDAY, end), **kw)


def test_an_event_at_a_station_links_to_it(make_event, station, client):
    event = make_event(station=station, place_text="")
    assert event.where == "暖新驿站"
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert f'href="/stations/{station.pk}/"' in page and "延安三路8号" in page


def test_one_way_of_saying_where(make_event, station, room, people):
    with pytest.raises(InvalidInput) as err:
        make_event(station=station, place_text="文化广场")
    assert set(err.value.fields) == {"station", "place_text"}
    with pytest.raises(InvalidInput) as err:
        make_event(station=station, room=room, place_text="")
    assert set(err.value.fields) == {"station", "room"}
    assert Event.objects.count() == 0 and Booking.objects.count() == 0


def test_a_place_of_another_community_is_refused(make_event, tree):
    elsewhere = Station.objects.create(
        region=tree.community_b, name="别处驿站", kind="warm_new", address="x", latitude="36", longitude="120"
    )
    with pytest.raises(InvalidInput) as err:
        make_event(station=elsewhere, place_text="")
    assert "station" in err.value.fields


def test_a_room_is_booked_for_the_event_and_its_week_shows_it(make_event, room, people, client):
    event = in_room(make_event, room, title="七一主题党日")
    booking = event.room_booking
    assert (booking.room, booking.start, booking.end) == (room, event.starts_at, event.ends_at)
    assert (
        booking.purpose == "七一主题党日" and booking.status == BookingStatus.REQUESTED
    )  # the centre approves
    client.force_login(people.resident_user)
    week = client.get(f"/rooms/{room.pk}/?week=2030-03-05").content.decode()
    assert "七一主题党日" in week and "14:00–16:00" in week
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert f'href="/rooms/{room.pk}/?week=2030-03-05"' in page and "八大湖党群服务中心" in page
    assert "room-booking" not in page  # the booking's status is for the event's staff


def test_the_street_books_its_own_room_approved(make_event, room, people):
    event = in_room(make_event, room, by=people.street_admin)
    assert event.room_booking.status == BookingStatus.APPROVED


def test_a_conflict_saves_nothing(make_event, room, people):
    taken = rooms.request_booking(
        room, people.street_admin, start=at(TUESDAY, "15:00"), end=at(TUESDAY, "17:00"), direct=True,
        data=rooms.BookingInput(purpose="上课", group_name="书法班", attendees=10),
    )  # fmt: skip
    with pytest.raises(Full) as err:
        in_room(make_event, room)
    assert "书法班" in err.value.message and set(err.value.fields) == {"room"}
    assert Event.objects.count() == 0 and list(Booking.objects.all()) == [taken]


def test_outside_the_rooms_hours_is_an_error_on_the_start(make_event, room):
    with pytest.raises(InvalidInput) as err:
        in_room(make_event, room, start="18:00", end="20:00")
    assert "08:30" in err.value.fields["starts_at"]
    assert Event.objects.count() == 0


def test_more_places_than_the_room_holds_is_refused(make_event, room):
    with pytest.raises(InvalidInput) as err:
        in_room(make_event, room, capacity=60)
    assert "capacity" in err.value.fields


def test_new_times_move_the_booking_and_a_conflict_keeps_everything(make_event, room, people):
    event = in_room(make_event, room)
    booking_id = event.room_booking_id
    services.update_event(
        event, people.staff, {"starts_at": at(TUESDAY, "09:00"), "ends_at": at(TUESDAY, "11:00")}
    )
    booking = Booking.objects.get(pk=booking_id)
    assert (booking.start, booking.end) == (at(TUESDAY, "09:00"), at(TUESDAY, "11:00"))
    rooms.request_booking(
        room, people.street_admin, start=at(TUESDAY, "13:00"), end=at(TUESDAY, "15:00"), direct=True,
        data=rooms.BookingInput(purpose="上课", group_name="合唱团", attendees=10),
    )  # fmt: skip
    event.refresh_from_db()
    with pytest.raises(Full):
        services.update_event(
            event, people.staff, {"starts_at": at(TUESDAY, "14:00"), "ends_at": at(TUESDAY, "16:00")}
        )
    event.refresh_from_db()
    booking.refresh_from_db()
    assert event.starts_at == at(TUESDAY, "09:00") and booking.start == at(TUESDAY, "09:00")


def test_another_place_gives_the_room_back(make_event, room, people, station):
    event = in_room(make_event, room)
    first = event.room_booking
    other = Room.objects.create(centre=room.centre, name="书画室", floor=1, capacity=20)
    event = services.update_event(event, people.staff, {"room": other, "capacity": 2})
    first.refresh_from_db()
    assert first.status == BookingStatus.CANCELLED and event.room_booking.room == other
    event = services.update_event(event, people.staff, {"station": station})
    assert event.room is None and event.room_booking is None
    assert not Booking.objects.filter(status__in=["requested", "approved"]).exists()


def test_cancelling_the_event_cancels_its_booking(make_event, room, people):
    event = in_room(make_event, room)
    services.cancel_event(event, people.staff, reason="台风")
    booking = Booking.objects.get(pk=event.room_booking_id)
    assert booking.status == BookingStatus.CANCELLED and "台风" in booking.note


def test_the_release_job_leaves_an_events_booking_alone(make_event, room, people):
    event = in_room(make_event, room, by=people.street_admin)
    assert rooms.release_unclaimed(now=at(TUESDAY, "15:00")) == 0
    assert Booking.objects.get(pk=event.room_booking_id).status == BookingStatus.APPROVED


def test_an_events_booking_is_changed_through_the_event_and_does_not_lapse(make_event, room, people):
    event = in_room(make_event, room)  # waits for the centre's approval
    booking = Booking.objects.get(pk=event.room_booking_id)
    with pytest.raises(Conflict) as held:
        rooms.change_booking(booking, people.staff, start=at(TUESDAY, "09:00"), end=at(TUESDAY, "10:00"))
    assert held.value.code == "held"
    assert rooms.lapse_undecided(now=at(TUESDAY, "15:00")) == 0
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.REQUESTED


def test_the_form_offers_the_regions_places_and_shows_a_conflict(make_event, room, station, people, client):
    rooms.request_booking(
        room, people.street_admin, start=at(TUESDAY, "14:00"), end=at(TUESDAY, "16:00"), direct=True,
        data=rooms.BookingInput(purpose="上课", group_name="书法班", attendees=10),
    )  # fmt: skip
    client.force_login(people.staff)
    form = client.get("/events/new/").content.decode()
    assert "暖新驿站" in form and "多功能厅" in form
    data = {
        "region": people.tree.community_a.pk, "kind": EventKind.MICRO_LECTURE, "title": "防诈骗微课堂",
        "room": room.pk, "starts_at": "2030-03-05T15:00", "ends_at": "2030-03-05T16:00",
        "max_party_size": 1, "organiser_kind": "community",
    }  # fmt: skip
    response = client.post("/events/new/", data)
    assert response.status_code == 422 and "书法班" in response.content.decode()
    assert not Event.objects.exists()
    response = client.post("/events/new/", {**data, "station": station.pk})
    assert response.status_code == 422 and not Event.objects.exists()
    response = client.post(
        "/events/new/", {**data, "starts_at": "2030-03-05T09:00", "ends_at": "2030-03-05T11:00"}
    )
    assert response.status_code == 302
    assert Event.objects.get().room_booking.start == at(TUESDAY, "09:00")


def test_the_api_takes_and_gives_the_place(room, station, people, client):
    client.force_login(people.staff)
    body = {
        "region": people.tree.community_a.pk, "kind": "micro_lecture", "title": "防诈骗微课堂",
        "room": room.pk, "starts_at": at(TUESDAY, "09:00").isoformat(), "ends_at": at(TUESDAY, "10:00").isoformat(),
    }  # fmt: skip
    created = client.post("/api/v1/events", body, content_type="application/json")
    assert created.status_code == 201, created.content
    place = created.json()["place"]
    assert (
        place["kind"] == "room" and place["room"]["id"] == room.pk and place["booking_status"] == "requested"
    )
    assert place["centre"]["name"] == "八大湖党群服务中心"
    two = client.post("/api/v1/events", {**body, "address": "文化广场"}, content_type="application/json")
    assert two.status_code == 422
    event_id = created.json()["id"]
    moved = client.patch(
        f"/api/v1/events/{event_id}", {"station": station.pk}, content_type="application/json"
    )
    assert moved.status_code == 200 and moved.json()["place"]["kind"] == "station"
    assert moved.json()["address"] == "暖新驿站"
    client.logout()
    services.publish_event(Event.objects.get(pk=event_id), people.staff)
    public = client.get(f"/api/v1/events/{event_id}").json()["place"]
    assert public["station"]["name"] == "暖新驿站" and public["booking_status"] == ""

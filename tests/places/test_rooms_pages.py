"""The room pages as people use them: the week, the booking form with its preview (with and
without htmx), my bookings, the staff's queue, the room settings, the door QR code and its
check-in; and the access matrix (insider, other street, outsider)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.places.conftest import MONDAY, TUESDAY, at
from weiguang.core.audit import history_of
from weiguang.demands.models import Holiday
from weiguang.places.models import Booking, BookingStatus, Room
from weiguang.places.rooms import services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture(autouse=True)
def _monday_morning():
    with time_machine.travel(at(MONDAY, "09:00"), tick=False):
        yield


def _form(day=TUESDAY, **kw):
    return {"date": day.isoformat(), "start_time": "14:00", "end_time": "16:00", "purpose": "书法课",
            "group_name": "老年大学书法班", "attendees": "20", **kw}  # fmt: skip


@pytest.mark.parametrize(
    ("who", "status"),
    [("resident_user", 200), ("volunteer", 200), ("street_admin", 200), ("staff", 200), ("outsider_staff", 404),
     ("outsider_volunteer", 404), ("stranger", 404)],
)  # fmt: skip
def test_who_sees_a_room_and_its_week(client, room, people, who, status):
    client.force_login(getattr(people, who))
    assert client.get(f"/rooms/{room.pk}/").status_code == status
    assert client.get(f"/rooms/{room.pk}/book/").status_code == (200 if status == 200 else 404)
    assert client.get(f"/centres/{room.centre_id}/week/").status_code == status
    listed = client.get("/rooms/").content.decode()
    assert (room.name in listed) is (status == 200)


@pytest.mark.parametrize(
    ("who", "status"),
    [("street_admin", 200), ("staff", 403), ("resident_user", 403), ("outsider_staff", 404)],
)
def test_only_the_centres_staff_keep_rooms_and_print_the_door_code(client, room, people, who, status):
    client.force_login(getattr(people, who))
    assert client.get(f"/rooms/{room.pk}/edit/").status_code == status
    assert client.get(f"/rooms/{room.pk}/door/").status_code == status
    assert client.get(f"/centres/{room.centre_id}/rooms/new/").status_code == (200 if status == 200 else 404)


def test_the_week_shows_bookings_hours_and_the_holiday(client, room, book, people, tree):
    book(room, group="合唱团")
    Holiday.objects.create(street=tree.street, date=MONDAY + dt.timedelta(days=3), name="清明节")
    client.force_login(people.volunteer)
    page = client.get(f"/rooms/{room.pk}/?week={TUESDAY.isoformat()}").content.decode()
    assert "合唱团" in page and "14:00–16:00" in page
    assert "Closed: a holiday of the street." in page and "08:30–17:00" in page
    assert people.resident_user.first_name not in page  # the booker is not named to others


def test_a_weekly_booking_previewed_then_saved_without_the_conflicting_week(client, room, book, people):
    third = TUESDAY + dt.timedelta(weeks=2)
    book(room, day=third, start="15:00", end="17:00", group="合唱团", by=people.volunteer)
    client.force_login(people.resident_user)
    form = _form(weekly="on", count="4")
    preview = client.post(f"/rooms/{room.pk}/book/", {**form, "step": "preview"}, HTTP_HX_REQUEST="true")
    assert preview.status_code == 200
    fragment = preview.content.decode()
    assert 'id="preview"' in fragment and "<html" not in fragment
    assert "3 dates free" in fragment and "合唱团" in fragment and "will be skipped" in fragment
    assert not Booking.objects.filter(group_name="老年大学书法班").exists()
    free = [(TUESDAY + dt.timedelta(weeks=i)).isoformat() for i in (0, 1, 3)]
    saved = client.post(f"/rooms/{room.pk}/book/", {**form, "step": "save", "dates": free})
    assert saved.status_code == 302 and saved["Location"] == "/bookings/mine/"
    made = Booking.objects.filter(group_name="老年大学书法班").order_by("start")
    assert [b.start.date().isoformat() for b in made] == free
    assert len({b.series_id for b in made}) == 1
    mine = client.get("/bookings/mine/").content.decode()
    assert mine.count('data-testid="booking"') == 3 and "3 bookings saved." in mine and "Skipped:" in mine


def test_without_htmx_the_page_comes_back_with_the_preview_and_errors_are_on_fields(client, room, people):
    client.force_login(people.resident_user)
    page = client.post(f"/rooms/{room.pk}/book/", {**_form(weekly="on", count="2"), "step": "preview"})
    assert (
        page.status_code == 200
        and "<html" in page.content.decode()
        and "2 dates free" in page.content.decode()
    )
    bad = client.post(
        f"/rooms/{room.pk}/book/", {**_form(start_time="07:00", attendees="99"), "step": "save"}
    )
    assert bad.status_code == 422
    text = bad.content.decode()
    assert "has-error" in text and "The room holds at most 30 people." in text
    bad = client.post(f"/rooms/{room.pk}/book/", {**_form(start_time="07:00"), "step": "save"})
    assert bad.status_code == 422 and "Outside the bookable hours (08:30–17:00)." in bad.content.decode()
    assert not Booking.objects.exists()


def test_a_date_taken_since_the_preview_shows_the_preview_again(client, room, book, people):
    client.force_login(people.resident_user)
    dates = [(TUESDAY + dt.timedelta(weeks=i)).isoformat() for i in range(2)]
    book(room, day=TUESDAY + dt.timedelta(weeks=1), group="合唱团", by=people.volunteer)
    page = client.post(
        f"/rooms/{room.pk}/book/", {**_form(weekly="on", count="2"), "step": "save", "dates": dates}
    )
    assert page.status_code == 422
    text = page.content.decode()
    assert "No longer free" in text and "1 date free" in text
    assert not Booking.objects.filter(group_name="老年大学书法班").exists()


def test_staff_approve_from_the_queue_and_the_booker_cancels(client, room, book, people):
    booking = book(room)
    client.force_login(people.street_admin)
    queue = client.get("/bookings/queue/").content.decode()
    assert "书法班" in queue and 'data-action="approve"' in queue
    r = client.post(f"/bookings/{booking.pk}/approve/", {"next": "/bookings/queue/"})
    assert r.status_code == 302 and r["Location"] == "/bookings/queue/"
    booking.refresh_from_db()
    assert booking.status == BookingStatus.APPROVED
    client.force_login(people.outsider_staff)
    assert client.post(f"/bookings/{booking.pk}/cancel/").status_code == 404
    assert client.get("/bookings/queue/").status_code == 200
    client.force_login(people.resident_user)
    assert client.get("/bookings/queue/").status_code == 403
    client.post(f"/bookings/{booking.pk}/cancel/")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert [e.action for e in history_of(booking)][-1] == "cancel"


def test_a_refusal_needs_a_reason(client, room, book, people):
    booking = book(room)
    client.force_login(people.street_admin)
    client.post(f"/bookings/{booking.pk}/refuse/", {"reason": ""})
    booking.refresh_from_db()
    assert booking.status == BookingStatus.REQUESTED
    client.post(f"/bookings/{booking.pk}/refuse/", {"reason": "当天消防检查"})
    booking.refresh_from_db()
    assert booking.status == BookingStatus.REFUSED and booking.note == "当天消防检查"


def test_staff_add_a_room_with_hours_and_a_bad_span_is_a_field_error(client, centre, people):
    client.force_login(people.street_admin)
    form = {"name": "书画室", "floor": "3", "capacity": "16", "equipment": ["painting", "tables"],
            "hours_sat": "09:00-12:00", "needs_approval": "on", "active": "on"}  # fmt: skip
    bad = client.post(f"/centres/{centre.pk}/rooms/new/", {**form, "hours_mon": "17:00-08:00"})
    assert bad.status_code == 422 and "Closing must be after opening." in bad.content.decode()
    bad = client.post(f"/centres/{centre.pk}/rooms/new/", {**form, "floor": "4"})
    assert bad.status_code == 422 and "Floor 1 to 3." in bad.content.decode()
    r = client.post(f"/centres/{centre.pk}/rooms/new/", form)
    assert r.status_code == 302
    room = Room.objects.get(name="书画室")
    assert room.hours == {"sat": ["09:00", "12:00"]} and room.equipment == ["tables", "painting"]
    r = client.post(f"/rooms/{room.pk}/edit/", {**form, "capacity": "18", "hours_sat": "09:00–12:30"})
    room.refresh_from_db()
    assert r.status_code == 302 and room.capacity == 18 and room.hours == {"sat": ["09:00", "12:30"]}
    assert [e.action for e in history_of(room)] == ["create", "update"]


def test_the_door_sign_and_its_check_in(client, room, book, people):
    booking = book(room)
    services.approve_booking(booking, people.street_admin)
    client.force_login(people.street_admin)
    sign = client.get(f"/rooms/{room.pk}/door/").content.decode()
    assert "<svg" in sign and room.name in sign
    door = f"/rooms/door/{services.door_token(room)}/"
    assert client.get(door + "x/").status_code == 404
    assert client.get(f"/rooms/door/{services.door_token(room)}x/").status_code == 404
    client.force_login(people.resident_user)
    assert "You have no booking of this room now." in client.get(door).content.decode()
    with time_machine.travel(at(TUESDAY, "14:03"), tick=False):
        page = client.get(door).content.decode()
        assert "书法班" in page and 'data-testid="check-in"' in page
        r = client.post(door)
        assert r.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CHECKED_IN
    client.logout()
    assert client.get(door).status_code == 302  # to the login

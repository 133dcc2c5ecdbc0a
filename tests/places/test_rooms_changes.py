"""A booking after it is made: the booker (or staff) changes it (the new time checked and held
as a new request is, approval again when the booker moves an approved one), cancels one date or
the rest of a weekly series; a request nobody decided on lapses at its start; staff replace a
room's door QR code and the old one stops working."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.demands.test_api import auth, post
from tests.places.conftest import MONDAY, TUESDAY, at
from weiguang.core import scheduler
from weiguang.core.audit import history_of
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from weiguang.core.models import Notification
from weiguang.demands.models import Holiday
from weiguang.places.models import Booking, BookingStatus
from weiguang.places.rooms import services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
WEDNESDAY = TUESDAY + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _monday_morning():
    with time_machine.travel(at(MONDAY, "09:00"), tick=False):
        yield


def _weekly(room, people, weeks=4):
    rule = services.Rule(
        weekday=1, start_time=dt.time(14), end_time=dt.time(16), first_date=MONDAY, count=weeks
    )
    data = services.BookingInput(purpose="上课", group_name="书法班", attendees=10)
    return services.book_series(room, people.resident_user, rule, data).bookings


# --- changing -----------------------------------------------------------------------------------


def test_the_booker_moves_an_approved_booking_and_it_waits_for_approval_again(room, book, people):
    booking = services.approve_booking(book(room), people.street_admin)
    changed = services.change_booking(
        booking, people.resident_user, start=at(WEDNESDAY, "09:00"), end=at(WEDNESDAY, "11:00")
    )
    assert changed.status == BookingStatus.REQUESTED and changed.decided_by is None
    assert (changed.start, changed.end) == (at(WEDNESDAY, "09:00"), at(WEDNESDAY, "11:00"))
    entry = list(history_of(changed))[-1]
    assert entry.action == "resubmit" and entry.from_state == "approved" and entry.to_state == "requested"
    assert entry.data["was"]["start"] == at(TUESDAY, "14:00").isoformat()
    # the staff are asked again
    assert Notification.objects.filter(recipient=people.street_admin, title__contains="书法班").count() == 2


def test_staff_move_a_booking_it_stays_approved_and_the_booker_is_told(room, book, people):
    booking = services.approve_booking(book(room), people.street_admin)
    changed = services.change_booking(
        booking, people.street_admin, start=at(TUESDAY, "15:00"), end=at(TUESDAY, "17:00")
    )
    assert changed.status == BookingStatus.APPROVED
    assert Notification.objects.filter(recipient=people.resident_user, title__contains="已改到").exists()


def test_a_change_goes_through_the_same_checks_as_a_request(room, book, people, tree):
    booking = book(room)
    book(room, day=WEDNESDAY, start="09:00", end="11:00", group="合唱团")
    # overlapping another group: refused, nothing changed
    with pytest.raises(Conflict):
        services.change_booking(
            booking, people.resident_user, start=at(WEDNESDAY, "10:00"), end=at(WEDNESDAY, "12:00")
        )
    # its own old time does not stand in its way (moved an hour later, overlapping itself)
    moved = services.change_booking(
        booking, people.resident_user, start=at(TUESDAY, "15:00"), end=at(TUESDAY, "17:00")
    )
    assert moved.start == at(TUESDAY, "15:00")
    with pytest.raises(InvalidInput, match="08:30–17:00"):
        services.change_booking(
            booking, people.resident_user, start=at(TUESDAY, "16:00"), end=at(TUESDAY, "18:00")
        )
    Holiday.objects.create(street=tree.street, date=WEDNESDAY + dt.timedelta(days=1), name="清明节")
    with pytest.raises(InvalidInput, match="节假日"):
        services.change_booking(
            booking, people.resident_user,
            start=at(WEDNESDAY + dt.timedelta(days=1), "09:00"), end=at(WEDNESDAY + dt.timedelta(days=1), "10:00"),
        )  # fmt: skip
    with pytest.raises(InvalidInput):
        services.change_booking(
            booking, people.resident_user, start=at(MONDAY, "08:00"), end=at(MONDAY, "08:30")
        )
    with pytest.raises(InvalidInput):
        services.change_booking(
            booking, people.resident_user, start=at(TUESDAY, "15:00"), end=at(TUESDAY, "17:00"), attendees=999
        )
    assert Booking.objects.get(pk=booking.pk).start == at(TUESDAY, "15:00")
    # others may not
    for user in (people.volunteer, people.outsider_staff):
        with pytest.raises(NotAllowed):
            services.change_booking(booking, user, start=at(TUESDAY, "09:00"), end=at(TUESDAY, "10:00"))
    # once it has begun, it stays
    with time_machine.travel(at(TUESDAY, "15:05"), tick=False), pytest.raises(Conflict):
        services.change_booking(
            booking, people.resident_user, start=at(WEDNESDAY, "13:00"), end=at(WEDNESDAY, "14:00")
        )


def test_the_change_page_for_the_booker(client, room, book, people):
    booking = services.approve_booking(book(room), people.street_admin)
    client.force_login(people.resident_user)
    mine = client.get("/bookings/mine/").content.decode()
    assert f'href="/bookings/{booking.pk}/edit/' in mine
    page = client.get(f"/bookings/{booking.pk}/edit/").content.decode()
    assert 'data-testid="reapproval"' in page and "14:00" in page
    form = {
        "date": WEDNESDAY.isoformat(),
        "start_time": "09:00",
        "end_time": "11:00",
        "purpose": "上课",
        "attendees": "12",
    }
    bad = client.post(f"/bookings/{booking.pk}/edit/", {**form, "end_time": "18:00"})
    assert bad.status_code == 422 and "Outside the bookable hours" in bad.content.decode()
    r = client.post(f"/bookings/{booking.pk}/edit/", form, follow=True)
    assert "waits for the staff&#x27;s approval" in r.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.REQUESTED and booking.attendees == 12
    client.force_login(people.volunteer)
    assert client.get(f"/bookings/{booking.pk}/edit/").status_code == 404
    client.force_login(people.outsider_staff)
    assert client.post(f"/bookings/{booking.pk}/edit/", form).status_code == 404


def test_the_api_changes_a_booking(client, room, book, people):
    booking = book(room)
    body = {"start": at(WEDNESDAY, "09:00").isoformat(), "end": at(WEDNESDAY, "10:00").isoformat()}
    r = client.patch(
        f"/api/v1/bookings/{booking.pk}", body, content_type="application/json", **auth(people.resident_user)
    )
    assert r.status_code == 200 and r.json()["start"].startswith(WEDNESDAY.isoformat())
    assert "change" in r.json()["actions"]
    bad = client.patch(
        f"/api/v1/bookings/{booking.pk}", {**body, "end": at(WEDNESDAY, "08:00").isoformat()},
        content_type="application/json", **auth(people.resident_user),
    )  # fmt: skip
    assert bad.status_code == 422
    other = client.patch(
        f"/api/v1/bookings/{booking.pk}", body, content_type="application/json", **auth(people.outsider_staff)
    )
    assert other.status_code == 404


# --- cancelling a weekly series -------------------------------------------------------------------


def test_cancel_one_date_or_this_and_the_later_weeks(client, room, people):
    first, second, third, fourth = _weekly(room, people)
    client.force_login(people.resident_user)
    mine = client.get("/bookings/mine/").content.decode()
    assert 'data-action="cancel_rest"' in mine and 'data-action="cancel"' in mine
    client.post(f"/bookings/{second.pk}/cancel/")
    r = client.post(f"/bookings/{third.pk}/cancel-rest/", follow=True)
    assert "2 bookings cancelled." in r.content.decode()
    status = dict(Booking.objects.filter(series=first.series).values_list("pk", "status"))
    assert status == {
        first.pk: BookingStatus.REQUESTED, second.pk: BookingStatus.CANCELLED,
        third.pk: BookingStatus.CANCELLED, fourth.pk: BookingStatus.CANCELLED,
    }  # fmt: skip
    assert [e.action for e in history_of(first.series)][-1] == "cancel_from"
    # nothing left after the first: a second tap is told so
    r = client.post(f"/bookings/{third.pk}/cancel-rest/", follow=True)
    assert "Nothing left to cancel" in r.content.decode()
    client.force_login(people.outsider_staff)
    assert client.post(f"/bookings/{first.pk}/cancel-rest/").status_code == 404
    assert Booking.objects.get(pk=first.pk).status == BookingStatus.REQUESTED


def test_the_api_cancels_the_rest_of_a_series(client, room, people):
    bookings = _weekly(room, people, weeks=3)
    r = post(
        client, f"/api/v1/bookings/{bookings[1].pk}/cancel_rest", people.street_admin, {"reason": "装修"}
    )
    assert r.status_code == 200 and [b["status"] for b in r.json()["cancelled"]] == ["cancelled", "cancelled"]
    assert Booking.objects.get(pk=bookings[0].pk).status == BookingStatus.REQUESTED
    assert post(client, f"/api/v1/bookings/{bookings[0].pk}/cancel_rest", people.volunteer).status_code == 404


# --- lapsing -------------------------------------------------------------------------------------


def test_a_request_nobody_decided_lapses_at_its_start(client, room, book, people):
    waiting = book(room)
    approved = services.approve_booking(book(room, day=WEDNESDAY), people.street_admin)
    later = book(room, day=WEDNESDAY, start="09:00", end="10:00")
    assert services.lapse_undecided() == 0
    with time_machine.travel(at(TUESDAY, "14:00"), tick=False):
        assert services.lapse_undecided() == 1
        assert services.lapse_undecided() == 0
    waiting.refresh_from_db()
    assert waiting.status == BookingStatus.LAPSED
    entry = list(history_of(waiting))[-1]
    assert entry.action == "lapse" and entry.actor is None and entry.to_state == "lapsed"
    assert Booking.objects.get(pk=approved.pk).status == BookingStatus.APPROVED
    assert Booking.objects.get(pk=later.pk).status == BookingStatus.REQUESTED
    assert Notification.objects.filter(recipient=people.resident_user, title__contains="已失效").exists()
    client.force_login(people.resident_user)
    mine = client.get("/bookings/mine/").content.decode()
    assert 'data-status="lapsed"' in mine and "Lapsed (not decided before its start)" in mine
    # the time is free again
    assert not services.overlapping(room, waiting.start, waiting.end).exists()


def test_the_jobs_are_registered():
    from weiguang.places.rooms import tasks

    registered = [j.task_path for j in scheduler.PERIODIC]
    assert "weiguang.places.rooms.tasks.lapse_undecided_requests" in registered
    assert tasks.lapse_undecided_requests.call() == 0


# --- the door code --------------------------------------------------------------------------------


def test_staff_replace_the_door_code_and_the_old_one_stops_working(client, room, book, people):
    booking = services.approve_booking(book(room), people.street_admin)
    old = services.door_token(room)
    client.force_login(people.street_admin)
    assert 'data-testid="replace"' in client.get(f"/rooms/{room.pk}/door/").content.decode()
    r = client.post(f"/rooms/{room.pk}/door/", follow=True)
    assert "the old one no longer works" in r.content.decode()
    room.refresh_from_db()
    new = services.door_token(room)
    assert new != old
    assert [e.action for e in history_of(room)][-1] == "rotate_door_code"
    client.force_login(people.resident_user)
    with time_machine.travel(at(TUESDAY, "14:03"), tick=False):
        gone = client.get(f"/rooms/door/{old}/")
        assert gone.status_code == 404
        assert (
            "has been replaced and no longer works. Scan the new code on the door." in gone.content.decode()
        )
        assert 'data-testid="check-in"' not in gone.content.decode()
        assert client.post(f"/rooms/door/{old}/").status_code == 404
        r = post(client, "/api/v1/bookings/door", people.resident_user, {"code": old})
        assert r.status_code == 404 and r.json()["code"] == "door_code_replaced"
        assert client.post(f"/rooms/door/{new}/").status_code == 302
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CHECKED_IN
    with pytest.raises(NotFound):
        services.room_from_door_token(old)


def test_only_the_centres_staff_replace_the_door_code(client, room, people):
    for who, status in (("staff", 403), ("resident_user", 403), ("outsider_staff", 404)):
        client.force_login(getattr(people, who))
        assert client.post(f"/rooms/{room.pk}/door/").status_code == status
    assert post(client, f"/api/v1/rooms/{room.pk}/door/replace", people.resident_user).status_code == 403
    r = post(client, f"/api/v1/rooms/{room.pk}/door/replace", people.street_admin)
    assert r.status_code == 200 and r.json()["version"] == 1
    room.refresh_from_db()
    assert room.door_key == 1

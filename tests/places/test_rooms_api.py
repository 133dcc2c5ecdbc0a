"""The rooms and bookings API as a client uses it: list rooms, read a week, preview a weekly
booking, book the free weeks, staff approve and refuse, the booker cancels and checks in; and
who sees what (insider, other street, outsider)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.demands.test_api import auth, get, post
from tests.places.conftest import MONDAY, TUESDAY, at
from weiguang.demands.models import Holiday
from weiguang.places.models import Booking, BookingStatus, Room, ServiceCentre

pytestmark = pytest.mark.django_db


def _body(room, day=TUESDAY, start="14:00", end="16:00", **kw):
    return {
        "room_id": room.pk, "start": at(day, start).isoformat(), "end": at(day, end).isoformat(),
        "purpose": "书法课", "group_name": "老年大学书法班", "attendees": 20, **kw,
    }  # fmt: skip


@pytest.fixture(autouse=True)
def _monday_morning():
    with time_machine.travel(at(MONDAY, "09:00"), tick=False):
        yield


def test_rooms_and_a_week_as_a_resident_of_the_street(client, room, people, book, tree):
    other = ServiceCentre.objects.create(name="金门路服务中心", region=tree.other_street)
    Room.objects.create(centre=other, name="别处的阅览室")
    listed = get(client, "/api/v1/rooms", people.resident_user).json()
    assert [r["name"] for r in listed["items"]] == ["老年大学教室"] and listed["count"] == 1
    assert listed["items"][0]["equipment"] == ["projector", "tables"]
    outside = get(client, "/api/v1/rooms", people.outsider_volunteer).json()["items"]
    assert [r["name"] for r in outside] == ["别处的阅览室"]
    assert get(client, "/api/v1/rooms", people.stranger).json()["items"] == []
    assert get(client, f"/api/v1/rooms/{room.pk}", people.outsider_staff).status_code == 404
    assert get(client, "/api/v1/rooms").status_code == 401

    book(room, group="合唱团")
    Holiday.objects.create(street=tree.street, date=MONDAY + dt.timedelta(days=3), name="清明节")
    week = get(client, f"/api/v1/rooms/{room.pk}/week", people.volunteer, start=TUESDAY.isoformat()).json()
    assert week["monday"] == MONDAY.isoformat()
    days = week["days"]
    assert (days[0]["opens"], days[0]["closes"]) == ("08:30", "17:00")
    assert days[1]["bookings"][0]["group_name"] == "合唱团" and days[1]["bookings"][0]["mine"] is False
    assert days[3]["opens"] is None and "holiday" in days[3]["closed"]
    assert days[5]["opens"] is None  # Saturday


def test_preview_then_book_the_free_weeks(client, room, people, book):
    third = TUESDAY + dt.timedelta(weeks=2)
    book(room, day=third, group="合唱团", by=people.volunteer)
    body = _body(room, repeat={"count": 4})
    r = post(client, "/api/v1/bookings/preview", people.resident_user, body)
    assert r.status_code == 200, r.content
    seen = r.json()["occurrences"]
    assert [(o["date"], o["free"], o["problem"]) for o in seen] == [
        (TUESDAY.isoformat(), True, ""),
        ((TUESDAY + dt.timedelta(weeks=1)).isoformat(), True, ""),
        (third.isoformat(), False, "booked"),
        ((TUESDAY + dt.timedelta(weeks=3)).isoformat(), True, ""),
    ]
    assert "合唱团" in seen[2]["message"]
    assert not Booking.objects.filter(group_name="老年大学书法班").exists()  # a preview saves nothing

    free = [o["date"] for o in seen if o["free"]]
    r = post(client, "/api/v1/bookings", people.resident_user, {**body, "dates": free})
    assert r.status_code == 201, r.content
    made = r.json()
    assert [b["start"][:10] for b in made["bookings"]] == free
    assert {b["status"] for b in made["bookings"]} == {"requested"}
    assert [s["date"] for s in made["skipped"]] == [third.isoformat()]
    # asking for a date that is not free saves nothing
    again = post(
        client,
        "/api/v1/bookings",
        people.resident_user,
        {**_body(room, group_name="别的班"), "repeat": {"count": 4}, "dates": [third.isoformat()]},
    )
    assert again.status_code == 409 and again.json()["code"] == "full"


def test_bad_input_is_a_field_error(client, room, people):
    for body, field in [
        (_body(room, start="16:00", end="14:00"), "end"),
        (_body(room, start="07:00", end="09:00"), "start"),
        (_body(room, attendees=31), "attendees"),
        (_body(room, purpose=""), "purpose"),
        (_body(room, repeat={"count": 4, "until": TUESDAY.isoformat()}), "until"),
        (_body(room, repeat={"count": 0}), "count"),
        (_body(room, team_id=999999), "team_id"),
        ({**_body(room), "end": at(TUESDAY + dt.timedelta(days=1), "10:00").isoformat()}, "end"),
    ]:
        r = post(client, "/api/v1/bookings", people.resident_user, body)
        assert r.status_code == 422, (body, r.content)
        assert any(field in key for key in r.json()["errors"]), (field, r.json())
    assert not Booking.objects.exists()


def test_one_booking_decided_cancelled_and_checked_in(client, room, people):
    r = post(client, "/api/v1/bookings", people.resident_user, _body(room))
    booking = r.json()["bookings"][0]
    assert booking["actions"] == ["cancel", "change"] and booking["mine"] is True
    bid = booking["id"]
    # a second request for the same hour: 409
    assert (
        post(client, "/api/v1/bookings", people.volunteer, _body(room, group_name="合唱团")).status_code
        == 409
    )
    # staff of the street see it in their queue; staff of another street do not
    queue = get(client, "/api/v1/bookings", people.street_admin, queue="true", status="requested").json()
    assert [b["id"] for b in queue["items"]] == [bid]
    assert set(queue["items"][0]["actions"]) == {"approve", "refuse", "cancel", "change"}
    assert get(client, "/api/v1/bookings", people.outsider_staff, queue="true").json()["items"] == []
    assert post(client, f"/api/v1/bookings/{bid}/approve", people.outsider_staff).status_code == 404
    assert post(client, f"/api/v1/bookings/{bid}/approve", people.resident_user).status_code == 403
    r = post(client, f"/api/v1/bookings/{bid}/refuse", people.street_admin, {"reason": ""})
    assert r.status_code == 422 and "reason" in r.json()["errors"]
    r = post(client, f"/api/v1/bookings/{bid}/approve", people.street_admin)
    assert r.status_code == 200 and r.json()["status"] == "approved"
    # check-in opens 15 minutes before the start
    assert post(client, f"/api/v1/bookings/{bid}/check_in", people.resident_user).status_code == 409
    with time_machine.travel(at(TUESDAY, "13:50"), tick=False):
        r = post(client, f"/api/v1/bookings/{bid}/check_in", people.resident_user)
    assert r.status_code == 200 and r.json()["status"] == "checked_in"
    assert post(client, f"/api/v1/bookings/{bid}/cancel", people.resident_user).status_code == 409


def test_the_door_code_checks_in_and_a_bad_code_is_404(client, room, people):
    from weiguang.places.rooms import services

    bid = post(client, "/api/v1/bookings", people.street_admin, _body(room, direct=True)).json()["bookings"][
        0
    ]["id"]
    assert Booking.objects.get(pk=bid).status == BookingStatus.APPROVED
    code = services.door_token(room)
    assert post(client, "/api/v1/bookings/door", people.street_admin, {"code": code + "x"}).status_code == 404
    with time_machine.travel(at(TUESDAY, "14:05"), tick=False):
        assert post(client, "/api/v1/bookings/door", people.volunteer, {"code": code}).status_code == 409
        r = post(client, "/api/v1/bookings/door", people.street_admin, {"code": code})
    assert r.status_code == 200 and r.json()["id"] == bid and r.json()["status"] == "checked_in"


def test_staff_add_and_change_rooms_others_may_not(client, centre, people):
    body = {"centre_id": centre.pk, "name": "书画室", "floor": 3, "capacity": 16, "equipment": ["painting"],
            "hours": {"sat": ["09:00", "12:00"]}}  # fmt: skip
    assert (
        post(client, "/api/v1/rooms", people.resident_user, body).status_code == 422
    )  # no such centre for them
    r = post(client, "/api/v1/rooms", people.street_admin, body)
    assert r.status_code == 201 and r.json()["hours"] == {"sat": ["09:00", "12:00"]}
    rid = r.json()["id"]
    assert post(client, "/api/v1/rooms", people.street_admin, {**body, "floor": 4}).status_code == 422
    bad_hours = client.patch(
        f"/api/v1/rooms/{rid}", {"hours": {"mon": ["17:00", "08:00"]}}, content_type="application/json",
        **auth(people.street_admin),
    )  # fmt: skip
    assert bad_hours.status_code == 422 and "hours_mon" in bad_hours.json()["errors"]
    r = client.patch(
        f"/api/v1/rooms/{rid}", {"capacity": 20}, content_type="application/json", **auth(people.street_admin)
    )
    assert r.status_code == 200 and r.json()["capacity"] == 20
    r = client.patch(
        f"/api/v1/rooms/{rid}", {"capacity": 2}, content_type="application/json", **auth(people.staff)
    )
    assert r.status_code == 403

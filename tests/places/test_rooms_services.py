"""Room bookings: overlaps, bookable hours, the street's holidays and 调休 make-up days, the
weekly preview and save, decisions, check-in and the release of bookings nobody came to."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.places.conftest import MONDAY, TUESDAY, at
from weiguang.core.audit import history_of
from weiguang.core.capacity import Full
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from weiguang.core.models import Notification
from weiguang.demands.models import Holiday
from weiguang.places.models import Booking, BookingStatus
from weiguang.places.rooms import services

pytestmark = pytest.mark.django_db


def test_a_request_waits_for_staff_and_staff_hear_of_it(room, book, people):
    booking = book(room)
    assert booking.status == BookingStatus.REQUESTED
    assert [e.action for e in history_of(booking)] == ["book"]
    assert Notification.objects.filter(recipient=people.street_admin, title__contains="书法班").exists()
    approved = services.approve_booking(booking, people.street_admin)
    assert approved.status == BookingStatus.APPROVED and approved.decided_by == people.street_admin
    told = Notification.objects.get(recipient=people.resident_user)
    assert room.name in told.title and "03-05 14:00" in told.title


def test_staff_book_directly_and_a_room_without_approval_approves_at_once(room, book, people):
    assert book(room, by=people.street_admin, direct=True).status == BookingStatus.APPROVED
    room.needs_approval = False
    room.save()
    assert book(room, day=TUESDAY + dt.timedelta(days=1)).status == BookingStatus.APPROVED
    with pytest.raises(NotAllowed):
        book(room, day=TUESDAY + dt.timedelta(days=2), by=people.resident_user, direct=True)


@pytest.mark.parametrize(
    ("start", "end", "free"),
    [
        ("13:00", "14:00", True),  # ends when the other starts
        ("16:00", "17:00", True),  # starts when the other ends
        ("13:00", "14:01", False),
        ("15:59", "17:00", False),
        ("14:30", "15:00", False),  # inside
        ("13:00", "17:00", False),  # around
    ],
)
def test_overlapping_spans_are_refused_touching_ones_are_not(room, book, people, start, end, free):
    book(room)
    if free:
        assert book(room, start=start, end=end, group="合唱团").status == BookingStatus.REQUESTED
    else:
        with pytest.raises(Full) as refused:
            book(room, start=start, end=end, group="合唱团")
        assert refused.value.status == 409
        assert Booking.objects.count() == 1


def test_a_refused_or_cancelled_booking_frees_its_span(room, book, people):
    first = book(room)
    services.refuse_booking(first, people.street_admin, reason="当天有检查")
    second = book(room, group="合唱团")
    services.cancel_booking(second, people.resident_user)
    assert book(room, group="舞蹈队").status == BookingStatus.REQUESTED
    with pytest.raises(InvalidInput) as no_reason:
        services.refuse_booking(Booking.objects.get(group_name="舞蹈队"), people.street_admin, reason=" ")
    assert "reason" in no_reason.value.fields


@pytest.mark.parametrize(
    ("day", "start", "end", "field_text"),
    [
        (TUESDAY, "07:00", "09:00", "08:30"),  # before opening
        (TUESDAY, "16:00", "18:00", "17:00"),  # after closing
        (MONDAY + dt.timedelta(days=5), "09:00", "10:00", None),  # Saturday: closed
    ],
)
def test_outside_the_bookable_hours_is_a_field_error(room, book, day, start, end, field_text):
    with pytest.raises(InvalidInput) as refused:
        book(room, day=day, start=start, end=end)
    assert "start" in refused.value.fields
    if field_text:
        assert field_text in refused.value.message
    assert not Booking.objects.exists()


def test_more_people_than_the_room_holds_and_an_empty_purpose_are_refused(room, people):
    with pytest.raises(InvalidInput) as refused:
        services.request_booking(
            room, people.resident_user, start=at(TUESDAY, "09:00"), end=at(TUESDAY, "10:00"),
            data=services.BookingInput(purpose=" ", group_name="", attendees=31),
        )  # fmt: skip
    assert set(refused.value.fields) == {"purpose", "group_name", "attendees"}


def test_a_holiday_closes_the_room_and_a_make_up_saturday_opens_it(room, book, tree):
    Holiday.objects.create(street=tree.street, date=TUESDAY, is_workday=False, name="清明节")
    saturday = MONDAY + dt.timedelta(days=5)
    Holiday.objects.create(street=tree.street, date=saturday, is_workday=True, name="调休上班")
    with pytest.raises(InvalidInput) as closed:
        book(room, day=TUESDAY)
    assert "holiday" in closed.value.message or "节假日" in closed.value.message
    assert book(room, day=saturday, start="09:00", end="11:00").status == BookingStatus.REQUESTED
    # the make-up day keeps the working-day hours
    with pytest.raises(InvalidInput):
        book(room, day=saturday, start="17:00", end="18:00")
    # another street's calendar changes nothing here
    other = Holiday.objects.create(street=tree.other_street, date=TUESDAY + dt.timedelta(days=7), name="别处")
    assert book(room, day=other.date).status == BookingStatus.REQUESTED


def test_a_weekend_room_keeps_its_weekend_hours_on_a_make_up_day_it_has_no_weekday_hours(room, tree):
    room.hours = {"sat": ["13:00", "18:00"]}
    room.save()
    saturday = MONDAY + dt.timedelta(days=5)
    Holiday.objects.create(street=tree.street, date=saturday, is_workday=True)
    exceptions = services.calendar_exceptions(room.centre, saturday, saturday)
    assert services.opening_hours(room, saturday, exceptions) == (dt.time(13), dt.time(18))
    Holiday.objects.filter(date=saturday).update(is_workday=False)
    exceptions = services.calendar_exceptions(room.centre, saturday, saturday)
    assert services.opening_hours(room, saturday, exceptions) is None


def _tuesdays(count=6, first=MONDAY):
    return services.Rule(
        weekday=1, start_time=dt.time(14), end_time=dt.time(16), first_date=first, count=count
    )


def test_the_weekly_preview_names_each_conflict(room, book, tree, people):
    third = TUESDAY + dt.timedelta(weeks=2)
    fifth = TUESDAY + dt.timedelta(weeks=4)
    book(room, day=third, start="15:00", end="17:00", group="合唱团")
    Holiday.objects.create(street=tree.street, date=fifth, is_workday=False, name="劳动节")
    with time_machine.travel(at(MONDAY, "09:00")):
        occurrences = services.preview_series(room, _tuesdays())
    assert [o.date for o in occurrences] == [TUESDAY + dt.timedelta(weeks=i) for i in range(6)]
    problems = {o.date: o.problem.code for o in occurrences if o.problem}
    assert problems == {third: "booked", fifth: "closed"}
    assert "合唱团" in next(o for o in occurrences if o.date == third).problem.message


def test_until_a_date_counts_the_weeks_and_bad_rules_are_field_errors(room):
    rule = services.Rule(1, dt.time(14), dt.time(16), MONDAY, until=TUESDAY + dt.timedelta(weeks=3))
    assert len(services.preview_series(room, rule, now=at(MONDAY, "09:00"))) == 4
    for bad, field in [
        (services.Rule(1, dt.time(16), dt.time(14), MONDAY, count=3), "end_time"),
        (services.Rule(1, dt.time(14), dt.time(16), MONDAY), "until"),
        (services.Rule(1, dt.time(14), dt.time(16), MONDAY, count=53), "count"),
        (services.Rule(1, dt.time(14), dt.time(16), MONDAY, until=MONDAY - dt.timedelta(days=1)), "until"),
        (services.Rule(1, dt.time(14), dt.time(16), MONDAY, until=MONDAY + dt.timedelta(weeks=60)), "until"),
    ]:
        with pytest.raises(InvalidInput) as refused:
            services.preview_series(room, bad)
        assert field in refused.value.fields


def test_saving_a_series_keeps_the_free_dates_in_one_transaction(room, book, people):
    third = TUESDAY + dt.timedelta(weeks=2)
    book(room, day=third, group="合唱团")
    data = services.BookingInput(purpose="书法课", group_name="老年大学书法班", attendees=20)
    with time_machine.travel(at(MONDAY, "09:00")):
        free = [o.date for o in services.preview_series(room, _tuesdays()) if o.free]
        result = services.book_series(room, people.resident_user, _tuesdays(), data, dates=free)
    assert [b.start.date() for b in result.bookings] == free and len(free) == 5
    assert [o.date for o in result.skipped] == [third]
    assert all(b.series == result.series and b.status == BookingStatus.REQUESTED for b in result.bookings)
    # one notice to staff for the whole series, not one per week
    assert (
        Notification.objects.filter(recipient=people.street_admin, title__contains="老年大学书法班").count()
        == 1
    )


def test_a_date_taken_since_the_preview_saves_nothing(room, book, people):
    data = services.BookingInput(purpose="书法课", group_name="老年大学书法班", attendees=20)
    with time_machine.travel(at(MONDAY, "09:00")):
        free = [o.date for o in services.preview_series(room, _tuesdays()) if o.free]
        book(room, day=free[3], group="合唱团")  # someone else was quicker
        with pytest.raises(Conflict) as refused:
            services.book_series(room, people.resident_user, _tuesdays(), data, dates=free)
    assert refused.value.status == 409
    assert Booking.objects.filter(group_name="老年大学书法班").count() == 0


def test_check_in_opens_before_the_start_and_the_job_releases_the_unclaimed(room, book, people):
    came = book(room, start="09:00", end="10:00", group="合唱团")
    absent = book(room, start="14:00", end="16:00", group="书法班")
    for b in (came, absent):
        services.approve_booking(b, people.street_admin)
    with pytest.raises(Conflict):
        services.check_in(came, people.resident_user, now=at(TUESDAY, "08:40"))
    assert (
        services.check_in(came, people.resident_user, now=at(TUESDAY, "08:50")).status
        == BookingStatus.CHECKED_IN
    )
    with time_machine.travel(at(TUESDAY, "14:14")):
        assert services.release_unclaimed() == 0
    with time_machine.travel(at(TUESDAY, "14:15")):
        assert services.release_unclaimed() == 1
        assert services.release_unclaimed() == 0  # twice changes nothing
    absent.refresh_from_db()
    came.refresh_from_db()
    assert (absent.status, came.status) == (BookingStatus.RELEASED, BookingStatus.CHECKED_IN)
    entry = history_of(absent).get(action="release")
    assert entry.actor is None and entry.from_state == "approved"
    released = Notification.objects.filter(recipient=people.resident_user).order_by("-pk").first()
    assert room.name in released.title and "03-05 14:00" in released.title and "15" in released.body
    # the slot is free again
    with time_machine.travel(at(TUESDAY, "14:16")):
        assert book(room, start="14:30", end="16:00", group="舞蹈队").status == BookingStatus.REQUESTED


def test_the_release_waits_as_long_as_settings_say(room, book, people, settings):
    settings.ROOM_CHECK_IN_MINUTES = 30
    services.approve_booking(book(room), people.street_admin)
    with time_machine.travel(at(TUESDAY, "14:20")):
        assert services.release_unclaimed() == 0
    with time_machine.travel(at(TUESDAY, "14:30")):
        assert services.release_unclaimed() == 1


def test_the_door_code_checks_in_the_booker_only(room, book, people):
    booking = book(room)
    services.approve_booking(booking, people.street_admin)
    token = services.door_token(room)
    assert services.room_from_door_token(token) == room
    with pytest.raises(NotFound):
        services.room_from_door_token(token + "x")
    with pytest.raises(Conflict):
        services.check_in_at_door(room, people.volunteer, now=at(TUESDAY, "14:05"))
    assert services.check_in_at_door(room, people.resident_user, now=at(TUESDAY, "14:05")) == booking
    booking.refresh_from_db()
    assert (
        booking.status == BookingStatus.CHECKED_IN and history_of(booking).filter(action="check_in").exists()
    )


def test_the_release_job_is_registered():
    from weiguang.core import scheduler

    assert "weiguang.places.rooms.tasks.release_unclaimed_bookings" in [
        j.task_path for j in scheduler.PERIODIC
    ]


def test_an_outsider_cannot_request_and_another_street_cannot_approve(room, book, people):
    with pytest.raises(NotAllowed):
        book(room, by=people.outsider_volunteer)
    with pytest.raises(NotAllowed):
        book(room, by=people.stranger)
    booking = book(room)
    with pytest.raises(NotAllowed):
        services.approve_booking(booking, people.outsider_staff)
    with pytest.raises(NotAllowed):
        services.cancel_booking(booking, people.volunteer)


def test_the_bookers_data_lists_their_bookings_and_an_erasure_unnames_them(room, book, people):
    from weiguang.accounts import personal_data as pd

    mine = book(room, group="书法班")
    Booking.objects.filter(pk=mine.pk).update(purpose="上课，联系13912345678")
    book(room, day=TUESDAY + dt.timedelta(days=1), by=people.volunteer, group="合唱团")
    rows = next(s for s in pd.personal_data(people.resident_user) if s["key"] == "room_bookings")["rows"]
    assert [(r["room"], r["group"]) for r in rows] == [("老年大学教室", "书法班")]
    pd.SECTIONS["room_bookings"].erase(people.resident_user, people.resident)
    mine.refresh_from_db()
    assert mine.booked_by is None and "13912345678" not in mine.purpose and mine.group_name == "书法班"
    assert Booking.objects.get(group_name="合唱团").booked_by == people.volunteer

"""A station's opening hours: what staff type, what the public page says is open."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from weiguang.places import hours

WEEK = {
    "mon": [["08:00", "12:00"], ["14:00", "20:00"]],
    "tue": [["20:00", "02:00"]],  # overnight, till two on Wednesday morning
    "wed": [["00:00", "24:00"]],
    "thu": [["00:00", "06:00"]],
    "fri": [],
    "sat": [],
    "sun": [],
}
MON = dt.date(2026, 12, 7)


def at(day_offset: int, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(MON + dt.timedelta(days=day_offset), dt.time(hh, mm))


def test_typed_ranges_are_read_in_any_order_with_chinese_punctuation():
    assert hours.parse_day("14:00-20:00，8:00-12:00") == [["08:00", "12:00"], ["14:00", "20:00"]]
    assert hours.parse_day("") == []
    assert hours.parse_day("20:00至02:00") == [["20:00", "02:00"]]


@pytest.mark.parametrize(
    "typed", ["8-9", "25:00-26:00", "08:60-09:00", "08:00-08:00", "08:00-12:00, 11:00-13:00", "24:00-02:00"]
)
def test_a_wrong_range_is_refused_with_a_message(typed):
    with pytest.raises(ValidationError):
        hours.parse_day(typed)


def test_the_stored_week_is_validated():
    hours.validate_hours(WEEK)
    for bad in [{"monday": []}, {"mon": "08:00-12:00"}, {"mon": [["08:00", "07:60"]]}, []]:
        with pytest.raises(ValidationError):
            hours.validate_hours(bad)


def test_open_between_the_ranges_and_next_opening_after_the_lunch_break():
    assert hours.is_open(WEEK, False, at(0, 9))
    assert not hours.is_open(WEEK, False, at(0, 13))
    assert hours.next_opening(WEEK, False, at(0, 13)) == at(0, 14)
    assert hours.closes_at(WEEK, False, at(0, 9)) == at(0, 12)
    assert hours.next_opening(WEEK, False, at(0, 9)) is None


def test_an_overnight_range_is_open_after_midnight_and_runs_into_the_next_days():
    assert hours.is_open(WEEK, False, at(2, 1))  # Wednesday 01:00, from Tuesday's 20:00
    # Tuesday night, all Wednesday and Thursday till six: one stretch
    assert hours.closes_at(WEEK, False, at(1, 21)) == at(3, 6)


def test_closed_days_reach_the_next_week_and_round_the_clock_is_always_open():
    assert hours.next_opening(WEEK, False, at(4, 10)) == at(7, 8)  # Friday -> next Monday 08:00
    assert hours.is_open({}, True, at(5, 3))
    assert hours.next_opening({}, False, at(0, 9)) is None  # never opens

"""Deadlines count working days on the street's own calendar: weekends are off, holidays are
off, make-up working days (调休) are on; an urgent demand must be answered within 2 hours."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from weiguang.demands import calendar
from weiguang.demands.models import Holiday
from weiguang.demands.services import handling, intake

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


@pytest.fixture
def national_day(tree):
    """2026: Oct 1–2 (Thu–Fri) and Oct 5–7 (Mon–Wed) off; Saturday Oct 10 is worked instead."""
    for day in [1, 2, 5, 6, 7]:
        Holiday.objects.create(street=tree.street, date=dt.date(2026, 10, day), name="国庆节")
    Holiday.objects.create(street=tree.street, date=dt.date(2026, 10, 10), is_workday=True, name="调休")


def test_plain_weekdays_and_weekends(tree):
    assert calendar.add_working_days(tree.street, dt.date(2026, 3, 2), 1) == dt.date(2026, 3, 3)  # Mon → Tue
    assert calendar.add_working_days(tree.street, dt.date(2026, 3, 6), 1) == dt.date(2026, 3, 9)  # Fri → Mon
    assert calendar.add_working_days(tree.street, dt.date(2026, 3, 7), 1) == dt.date(2026, 3, 9)  # Sat → Mon
    assert calendar.add_working_days(tree.street, dt.date(2026, 3, 6), 5) == dt.date(2026, 3, 13)
    assert calendar.add_working_days(tree.street, dt.date(2026, 3, 6), 0) == dt.date(2026, 3, 6)


def test_holidays_are_skipped_and_make_up_days_count(tree, national_day):
    # Wed Sep 30 + 5: Oct 8 (Thu), 9 (Fri), 10 (Sat, make-up), 12 (Mon), 13 (Tue)
    assert calendar.add_working_days(tree.street, dt.date(2026, 9, 30), 5) == dt.date(2026, 10, 13)
    assert calendar.add_working_days(tree.street, dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)
    assert calendar.is_workday(tree.street, dt.date(2026, 10, 10))
    assert not calendar.is_workday(tree.street, dt.date(2026, 10, 5))
    assert not calendar.is_workday(tree.street, dt.date(2026, 10, 11))


def test_another_streets_calendar_does_not_apply(tree, national_day):
    assert calendar.add_working_days(tree.other_street, dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 1)
    assert not calendar.is_workday(tree.other_street, dt.date(2026, 10, 10))


def test_a_demand_received_on_friday_gets_its_deadlines_after_the_weekend(people):
    with time_machine.travel(at(2026, 3, 6, 16, 30), tick=False):
        d = intake.submit_demand(people.staff, grid=people.tree.grid_a1, title="下水道堵了")
    assert d.response_due == at(2026, 3, 9, 16, 30)  # Monday
    assert d.handle_due == at(2026, 3, 13, 16, 30)  # next Friday


def test_an_urgent_demand_must_be_answered_within_two_hours_even_before_a_holiday(people, national_day):
    with time_machine.travel(at(2026, 9, 30, 17, 0), tick=False):
        d = intake.submit_demand(people.staff, grid=people.tree.grid_a1, title="燃气泄漏", urgent=True)
    assert d.response_due == at(2026, 9, 30, 19, 0)
    assert d.handle_due == at(2026, 10, 13, 17, 0)


def test_a_demand_received_just_before_the_holiday_waits_for_the_first_working_day(people, national_day):
    with time_machine.travel(at(2026, 9, 30, 10, 0), tick=False):
        d = intake.submit_demand(people.staff, grid=people.tree.grid_a1, title="路灯不亮")
    assert d.response_due == at(2026, 10, 8, 10, 0)


def test_a_warning_order_gets_three_working_days(make_demand, people, national_day):
    with time_machine.travel(at(2026, 9, 29, 9, 0), tick=False):
        d = make_demand("replied")
    with time_machine.travel(at(2026, 9, 30, 11, 0), tick=False):
        d = handling.evaluate_demand(d, people.resident_user, evaluation="unsatisfied")
    # Oct 8, 9, 10 (make-up Saturday)
    assert d.handle_due == at(2026, 10, 10, 11, 0)

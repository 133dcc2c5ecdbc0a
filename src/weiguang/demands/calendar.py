"""Working-day arithmetic on each street's holiday calendar (holidays and 调休 make-up days)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from .models import Holiday

RESPONSE_DAYS = 1
URGENT_RESPONSE = dt.timedelta(hours=2)
HANDLE_DAYS = 5
WARNING_DAYS = 3


def _exceptions(street, start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    return dict(
        Holiday.objects.filter(street=street, date__gt=start, date__lte=end).values_list("date", "is_workday")
    )


def is_workday(street, day: dt.date) -> bool:
    row = Holiday.objects.filter(street=street, date=day).values_list("is_workday", flat=True).first()
    return row if row is not None else day.weekday() < 5


def add_working_days(street, start: dt.date, days: int) -> dt.date:
    """The `days`-th working day after `start` (start itself never counts)."""
    if days < 0:
        raise ValueError("days must not be negative")
    if days == 0:
        return start
    window = days * 3 + 40  # generous: a long holiday never spans more than this
    return step_working_days(start, days, _exceptions(street, start, start + dt.timedelta(days=window)))


def step_working_days(start: dt.date, days: int, exceptions: dict[dt.date, bool]) -> dt.date:
    """add_working_days on a calendar already read ({date: is_workday} of the street's
    exceptions)."""
    day, left = start, days
    while left:
        day += dt.timedelta(days=1)
        if exceptions.get(day, day.weekday() < 5):
            left -= 1
    return day


def working_deadline(
    street, start: dt.datetime, days: int, exceptions: dict[dt.date, bool] | None = None
) -> dt.datetime:
    """The same local time of day on the `days`-th working day after `start`. `exceptions`:
    the street's calendar already read, when many deadlines are computed at once."""
    local = timezone.localtime(start)
    if exceptions is None:
        day = add_working_days(street, local.date(), days)
    else:
        day = step_working_days(local.date(), days, exceptions)
    return local.replace(year=day.year, month=day.month, day=day.day)


def response_due(street, received: dt.datetime, urgent: bool) -> dt.datetime:
    if urgent:
        return received + URGENT_RESPONSE
    return working_deadline(street, received, RESPONSE_DAYS)


def handle_due(street, received: dt.datetime) -> dt.datetime:
    return working_deadline(street, received, HANDLE_DAYS)


def warning_due(street, reopened: dt.datetime) -> dt.datetime:
    return working_deadline(street, reopened, WARNING_DAYS)

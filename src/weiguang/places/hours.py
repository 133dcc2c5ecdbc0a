"""Opening hours of a station: per weekday, several intervals ("08:00-12:00, 14:00-20:00").

Stored as {"mon": [["08:00", "12:00"], ["14:00", "20:00"]], ..., "sun": []}: a weekday with no
interval is a closed day. An interval may run past midnight ("20:00-02:00" closes at two the
next morning) and "24:00" closes at midnight; a station open round the clock says so with its
own flag instead of intervals. Pure functions: what the form parses, the page shows and the
public list sorts by.

The street's holiday calendar changes the week (places.calendar): `exceptions` ({date:
is_workday}, read by the caller) closes a station on a holiday and gives it its working-day
hours on a 调休 make-up day. A station open round the clock is open every day.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from . import calendar

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # date.weekday() order
MAX_INTERVALS = 4
_INTERVAL = re.compile(r"^(\d{1,2}):(\d{2})\s*[-–~至到]\s*(\d{1,2}):(\d{2})$")
DAY = 24 * 60


def _minutes(h: str, m: str, *, closing: bool) -> int | None:
    hours, minutes = int(h), int(m)
    if minutes > 59 or hours > 24 or (hours == 24 and (minutes or not closing)):
        return None
    return hours * 60 + minutes


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_day(text: str) -> list[list[str]]:
    """ "08:00-12:00, 14:00-20:00" -> [["08:00", "12:00"], ["14:00", "20:00"]]; "" -> [] (closed).
    Raises ValidationError with a message for the person who typed it."""
    text = (text or "").strip().replace("，", ",").replace("；", ",").replace(";", ",").replace("：", ":")
    if not text:
        return []
    intervals = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        found = _INTERVAL.match(part)
        start = found and _minutes(found[1], found[2], closing=False)
        end = found and _minutes(found[3], found[4], closing=True)
        if not found or start is None or end is None:
            raise ValidationError(
                _(
                    "Write the hours as 08:00-12:00, 14:00-20:00 (leave empty when closed); “%(part)s” is not a time range."
                )
                % {"part": part[:20]}
            )
        if start == end:
            raise ValidationError(_("“%(part)s” opens and closes at the same time.") % {"part": part[:20]})
        intervals.append([_hhmm(start), _hhmm(end)])
    if len(intervals) > MAX_INTERVALS:
        raise ValidationError(_("At most %(n)d time ranges a day.") % {"n": MAX_INTERVALS})
    spans = sorted(_span(i) for i in intervals)
    for (_a, end), (start, _b) in zip(spans, spans[1:], strict=False):
        if start < end:
            raise ValidationError(_("The time ranges overlap."))
    return [[_hhmm(s), _hhmm(e) if e <= DAY else _hhmm(e - DAY)] for s, e in spans]


def _span(interval) -> tuple[int, int]:
    """(start, end) in minutes from the day's midnight; an end past midnight is > 24:00."""
    sh, sm = interval[0].split(":")
    eh, em = interval[1].split(":")
    start, end = int(sh) * 60 + int(sm), int(eh) * 60 + int(em)
    return start, end if end > start else end + DAY


def format_day(intervals) -> str:
    return ", ".join(f"{a}-{b}" for a, b in intervals or [])


def validate_hours(value) -> None:
    """The stored form, checked (the model field's validator)."""
    if not isinstance(value, dict) or set(value) - set(WEEKDAYS):
        raise ValidationError(_("Opening hours are given per weekday."))
    for day in WEEKDAYS:
        intervals = value.get(day, [])
        if not isinstance(intervals, list) or not all(
            isinstance(i, list) and len(i) == 2 and all(isinstance(t, str) for t in i) for i in intervals
        ):
            raise ValidationError(_("Opening hours are given per weekday."))
        if parse_day(format_day(intervals)) != sorted(intervals, key=_span):
            raise ValidationError(_("Opening hours are given per weekday."))


def intervals_on(hours: dict, day: dt.date, exceptions: calendar.Exceptions | None = None) -> list:
    """The intervals of `day` on the street's calendar ([] when closed)."""
    return calendar.hours_on(day, exceptions or {}, lambda weekday: hours.get(WEEKDAYS[weekday])) or []


def _windows(hours: dict, day: dt.date, exceptions=None):
    """The opening windows starting on `day`, as naive (start, end) datetimes."""
    midnight = dt.datetime.combine(day, dt.time.min)
    for interval in intervals_on(hours, day, exceptions):
        start, end = _span(interval)
        yield midnight + dt.timedelta(minutes=start), midnight + dt.timedelta(minutes=end)


LOOK_AHEAD_DAYS = 15  # a closed station says when it opens next within this (a week of holidays)


def is_open(hours: dict, always: bool, at: dt.datetime, exceptions=None) -> bool:
    """Open at `at` (a local, naive or aware, time)?"""
    if always:
        return True
    local = at.replace(tzinfo=None)
    day = local.date()
    for d in (day - dt.timedelta(days=1), day):  # yesterday's window may run past midnight
        for start, end in _windows(hours, d, exceptions):
            if start <= local < end:
                return True
    return False


def next_opening(hours: dict, always: bool, at: dt.datetime, exceptions=None) -> dt.datetime | None:
    """When a closed station opens next (within LOOK_AHEAD_DAYS), in `at`'s time zone; None
    when it is open now or does not open by then."""
    if always or is_open(hours, always, at, exceptions):
        return None
    local = at.replace(tzinfo=None)
    for offset in range(LOOK_AHEAD_DAYS + 1):
        for start, _end in _windows(hours, local.date() + dt.timedelta(days=offset), exceptions):
            if start > local:
                return start.replace(tzinfo=at.tzinfo)
    return None


def closes_at(
    hours: dict, always: bool, at: dt.datetime, exceptions=None, _depth: int = 0
) -> dt.datetime | None:
    """When an open station closes (None when it never does or is closed now); a window that
    ends where the next begins (23:00-24:00, then 00:00-06:00) runs on."""
    if always:
        return None
    local = at.replace(tzinfo=None)
    for d in (local.date() - dt.timedelta(days=1), local.date()):
        for start, end in _windows(hours, d, exceptions):
            if start <= local < end:
                if _depth < 8 and is_open(hours, False, end, exceptions):
                    return closes_at(hours, False, end.replace(tzinfo=at.tzinfo), exceptions, _depth + 1)
                return end.replace(tzinfo=at.tzinfo)
    return None

"""The street's holiday calendar (demands.Holiday, the calendar demands.calendar counts working
days on) as places read it: one rule for rooms and stations.

- on a holiday (a date with is_workday=False) the place is closed, whatever its weekday hours;
- on a 调休 make-up working day (is_workday=True on a Saturday or Sunday) the street works as on
  a weekday, so a place open on working days is open with its working-day hours (those of the
  first of Monday–Friday it opens on); a place never open on working days keeps its own hours of
  that weekday;
- any other day: the place's hours for its weekday.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.utils.translation import gettext as _

from weiguang.demands.models import Holiday
from weiguang.regions.models import Region, RegionKind

T = TypeVar("T")

# {date: is_workday}: a street's exceptions to the Monday–Friday week
Exceptions = dict[dt.date, bool]


def street_of(region: Region) -> Region | None:
    return region if region.kind == RegionKind.STREET else region.ancestor_of_kind(RegionKind.STREET)


def exceptions_of(region: Region, first: dt.date, last: dt.date) -> Exceptions:
    """The holidays and make-up days of `region`'s street from `first` to `last` (inclusive),
    read in one query."""
    street = street_of(region)
    if street is None:
        return {}
    return dict(
        Holiday.objects.filter(street=street, date__gte=first, date__lte=last).values_list(
            "date", "is_workday"
        )
    )


def holidays_of(region: Region, first: dt.date, last: dt.date) -> list[Holiday]:
    """The street's calendar rows from `first` to `last` with their names, to show."""
    street = street_of(region)
    if street is None:
        return []
    return list(Holiday.objects.filter(street=street, date__gte=first, date__lte=last).order_by("date"))


def exceptions_by_region(regions: Iterable[Region], first: dt.date, last: dt.date) -> dict[int, Exceptions]:
    """exceptions_of() for many regions at once ({region id: exceptions}), in one query: a
    street's calendar applies to every region below it."""
    regions = list({r.pk: r for r in regions}.values())
    result: dict[int, Exceptions] = {r.pk: {} for r in regions}  # one query, also for none
    rows = Holiday.objects.filter(date__gte=first, date__lte=last).values_list(
        "street__path", "date", "is_workday"
    )
    for street_path, date, is_workday in rows:
        for region in regions:
            if region.path.startswith(street_path):
                result[region.pk][date] = is_workday
    return result


def is_holiday(exceptions: Exceptions, day: dt.date) -> bool:
    return exceptions.get(day) is False


def is_make_up_day(exceptions: Exceptions, day: dt.date) -> bool:
    return exceptions.get(day) is True and day.weekday() >= 5


def hours_on(day: dt.date, exceptions: Exceptions, weekday_hours: Callable[[int], T | None]) -> T | None:
    """The hours of a place on `day` on the street's calendar (see the module's docstring), or
    None when it is closed. `weekday_hours(weekday)`: the place's usual hours on a weekday (0 =
    Monday), falsy when closed."""
    if is_holiday(exceptions, day):
        return None
    if is_make_up_day(exceptions, day):
        for weekday in range(5):
            hours = weekday_hours(weekday)
            if hours:
                return hours
    return weekday_hours(day.weekday()) or None


def closed_reason(exceptions: Exceptions, day: dt.date) -> str:
    if is_holiday(exceptions, day):
        return _("Closed: a holiday of the street.")
    return _("Closed on this day.")

"""The public station list: open now first, nearest first when the rider shared a position,
each with its amenities today. Read-only; distances are computed here (haversine), so the page
needs no map provider."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone

from .. import calendar
from .. import hours as opening
from ..models import Amenity, AmenityState, Station, StationAmenity
from .filters import StationFilter

EARTH_RADIUS_M = 6_371_008.8
PUBLIC_LIMIT = 100  # the nearest (or first) hundred: a street has some dozens
AMENITY_ORDER = {a: i for i, a in enumerate(Amenity.values)}


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """The great-circle distance in metres between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass
class StationCard:
    station: Station
    open_now: bool
    closes_at: dt.datetime | None
    next_opening: dt.datetime | None
    distance_m: float | None
    amenities: list[StationAmenity] = field(default_factory=list)  # offered ones, broken included
    holiday: bool = False  # closed today for a holiday of the street
    make_up_day: bool = False  # a 调休 working day: open with the working-day hours

    @property
    def distance_text(self) -> str:
        if self.distance_m is None:
            return ""
        if self.distance_m < 1000:
            return f"{round(self.distance_m / 10) * 10:.0f} m"
        return f"{self.distance_m / 1000:.1f} km"


def offered(rows, today: dt.date) -> list[StationAmenity]:
    """The amenities offered, in their order; a broken one past its last day counts as available
    (also before the reset job has run)."""
    shown = []
    for r in rows:
        if r.state == AmenityState.NOT_OFFERED:
            continue
        if r.state == AmenityState.OUT_OF_ORDER and not r.broken_on(today):
            r.state, r.note, r.out_until = AmenityState.AVAILABLE, "", None
        shown.append(r)
    return sorted(shown, key=lambda r: AMENITY_ORDER.get(r.amenity, 99))


def station_calendar(station: Station, now: dt.datetime) -> calendar.Exceptions:
    """The exceptions of the station's street that matter from yesterday on (empty for a
    station whose hours hold on holidays)."""
    if station.open_24h or station.open_on_holidays:
        return {}
    day = now.date()
    return calendar.exceptions_of(
        station.region, day - dt.timedelta(days=1), day + dt.timedelta(days=opening.LOOK_AHEAD_DAYS)
    )


def card(
    station: Station,
    now: dt.datetime,
    position: tuple[float, float] | None,
    exceptions: calendar.Exceptions | None = None,
) -> StationCard:
    """`exceptions`: the street's calendar from yesterday on (station_calendar(); read when
    not given)."""
    if exceptions is None:
        exceptions = station_calendar(station, now)
    elif station.open_24h or station.open_on_holidays:
        exceptions = {}
    hours, always = station.hours, station.open_24h
    is_open = opening.is_open(hours, always, now, exceptions)
    return StationCard(
        station=station,
        open_now=is_open,
        closes_at=opening.closes_at(hours, always, now, exceptions) if is_open else None,
        next_opening=None if is_open else opening.next_opening(hours, always, now, exceptions),
        distance_m=(
            haversine_m(position[0], position[1], float(station.latitude), float(station.longitude))
            if position
            else None
        ),
        amenities=offered(station.amenities.all(), now.date()),
        holiday=calendar.is_holiday(exceptions, now.date()),
        make_up_day=calendar.is_make_up_day(exceptions, now.date()),
    )


def station_cards(stations, now: dt.datetime, position=None) -> list[StationCard]:
    """card() of each of `stations` (their amenities prefetched), the street calendars of all
    read in one query."""
    stations = list(stations)
    day = now.date()
    calendars = calendar.exceptions_by_region(
        [s.region for s in stations if not (s.open_24h or s.open_on_holidays)],
        day - dt.timedelta(days=1),
        day + dt.timedelta(days=opening.LOOK_AHEAD_DAYS),
    )
    return [card(s, now, position, calendars.get(s.region_id, {})) for s in stations]


def public_stations(filters: StationFilter, now: dt.datetime | None = None) -> list[StationCard]:
    """The active stations the filters keep: open ones first, then the closed ones; within
    each, the nearest first when a position is given, else the open ones by name and the
    closed ones by when they open next."""
    now = timezone.localtime(now)
    qs = (
        filters.apply(Station.objects.filter(active=True))
        .select_related("region")
        .prefetch_related(Prefetch("amenities", queryset=StationAmenity.objects.order_by("id")))
    )
    cards = station_cards(qs, now, filters.position)
    far = dt.datetime.max.replace(tzinfo=now.tzinfo)

    def key(c: StationCard):
        distance = c.distance_m if c.distance_m is not None else 0.0
        if c.open_now:
            return (0, distance, c.station.name)
        return (1, distance, c.next_opening or far, c.station.name)

    return sorted(cards, key=key)[:PUBLIC_LIMIT]

"""The demand figures of a region over a date range.

- response rate: demands whose first contact was made, over all demands;
- resolution rate: demands resolved (on the spot, handled, replied or closed), over all;
- satisfaction rate: (satisfied + 0.9 × basically satisfied) over evaluated demands;
- on-time rate: demands handled by their handling deadline, over handled demands;
- average first response time, in hours.
A rate without a denominator is None (nothing to measure), not 0.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.utils import timezone

from weiguang.regions.models import Region

from .models import RESOLVED_STATUSES, Demand, Evaluation

BASICALLY_WEIGHT = 0.9


@dataclass(frozen=True)
class DemandStats:
    total: int
    responded: int
    resolved: int
    evaluated: int
    handled: int
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    on_time_rate: float | None
    avg_first_response_hours: float | None


def _rate(part: float, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def demands_in(region: Region, start: dt.date, end: dt.date):
    """Demands received in `region` (or below it) between `start` and `end`, both included."""
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return Demand.objects.filter(
        grid__path__startswith=region.path, created_at__gte=since, created_at__lt=until
    )


def demand_stats(region: Region, start: dt.date, end: dt.date) -> DemandStats:
    qs = demands_in(region, start, end)
    c = qs.aggregate(
        total=Count("id"),
        responded=Count("id", filter=Q(first_response_at__isnull=False)),
        resolved=Count("id", filter=Q(status__in=RESOLVED_STATUSES)),
        evaluated=Count("id", filter=~Q(evaluation="")),
        satisfied=Count("id", filter=Q(evaluation=Evaluation.SATISFIED)),
        basically=Count("id", filter=Q(evaluation=Evaluation.BASICALLY_SATISFIED)),
        handled=Count("id", filter=Q(handled_at__isnull=False)),
        on_time=Count("id", filter=Q(handled_at__isnull=False, handled_at__lte=F("handle_due"))),
    )
    waits = [
        (answered - received).total_seconds()
        for received, answered in qs.filter(first_response_at__isnull=False).values_list(
            "created_at", "first_response_at"
        )
    ]
    return DemandStats(
        total=c["total"],
        responded=c["responded"],
        resolved=c["resolved"],
        evaluated=c["evaluated"],
        handled=c["handled"],
        response_rate=_rate(c["responded"], c["total"]),
        resolution_rate=_rate(c["resolved"], c["total"]),
        satisfaction_rate=_rate(c["satisfied"] + BASICALLY_WEIGHT * c["basically"], c["evaluated"]),
        on_time_rate=_rate(c["on_time"], c["handled"]),
        avg_first_response_hours=round(sum(waits) / len(waits) / 3600, 2) if waits else None,
    )

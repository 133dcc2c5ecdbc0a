"""The demand figures of a region over a date range.

- response rate: demands whose first contact was made, over all demands;
- resolution rate: demands resolved (on the spot, handled, replied or closed), over all;
- satisfaction rate: (satisfied + 0.9 × basically satisfied) over evaluated demands;
- on-time rate: demands handled by their handling deadline, over the demands that are due: those
  handled, and those still open past their deadline (overdue, models.overdue_q: the red list),
  which are not on time;
- average first response time, in hours.
A rate without a denominator is None (nothing to measure), not 0.

Every figure is computed by the database in one aggregate query (also per group for the
breakdowns), so a street's year at city scale is one index range scan, not rows in Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone, translation

from weiguang.regions.models import Region, RegionKind

from .models import (
    OPEN_STATUSES,
    RESOLVED_STATUSES,
    Demand,
    DemandStatus,
    Evaluation,
    IntakeSession,
    Transfer,
    overdue_q,
)

BASICALLY_WEIGHT = 0.9
BREAKDOWNS = ("community", "department", "category", "month")


@dataclass(frozen=True)
class DemandStats:
    total: int
    responded: int
    resolved: int
    evaluated: int
    handled: int
    overdue: int  # still open, past the handling deadline (the red list)
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    on_time_rate: float | None
    avg_first_response_hours: float | None


@dataclass(frozen=True)
class BreakdownRow:
    key: str
    label: str
    stats: DemandStats


@dataclass(frozen=True)
class SessionSummary:
    """What happened to the demands collected at one desk session or fair."""

    total: int
    resolved_on_spot: int
    transferred: int  # sent to one or more departments (at any time since)
    assigned: int  # handled inside the community
    open: int  # still waiting for someone to act


def _rate(part: float, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def demands_in(region: Region, start: dt.date, end: dt.date) -> QuerySet[Demand]:
    """Demands received in `region` (or below it) between `start` and `end`, both included."""
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    # The copied street/community ids let the database use (street, created_at) directly.
    place = {
        RegionKind.STREET: {"street": region},
        RegionKind.COMMUNITY: {"community": region},
        RegionKind.GRID: {"grid": region},
    }.get(region.kind, {"grid__path__startswith": region.path})
    return Demand.objects.filter(**place, created_at__gte=since, created_at__lt=until)


def _aggregates(now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    wait = ExpressionWrapper(F("first_response_at") - F("created_at"), output_field=DurationField())
    return {
        "total": Count("id"),
        "responded": Count("id", filter=Q(first_response_at__isnull=False)),
        "resolved": Count("id", filter=Q(status__in=RESOLVED_STATUSES)),
        "evaluated": Count("id", filter=~Q(evaluation="")),
        "satisfied": Count("id", filter=Q(evaluation=Evaluation.SATISFIED)),
        "basically": Count("id", filter=Q(evaluation=Evaluation.BASICALLY_SATISFIED)),
        "handled": Count("id", filter=Q(handled_at__isnull=False)),
        "overdue": Count("id", filter=overdue_q(now) & Q(handled_at__isnull=True)),
        "on_time": Count("id", filter=Q(handled_at__isnull=False, handled_at__lte=F("handle_due"))),
        "avg_wait": Avg(wait, filter=Q(first_response_at__isnull=False)),
    }


def _figures(c: dict) -> DemandStats:
    wait = c["avg_wait"]
    if wait is not None and not isinstance(wait, dt.timedelta):  # some backends give microseconds
        wait = dt.timedelta(microseconds=wait)
    return DemandStats(
        total=c["total"],
        responded=c["responded"],
        resolved=c["resolved"],
        evaluated=c["evaluated"],
        handled=c["handled"],
        overdue=c["overdue"],
        response_rate=_rate(c["responded"], c["total"]),
        resolution_rate=_rate(c["resolved"], c["total"]),
        satisfaction_rate=_rate(c["satisfied"] + BASICALLY_WEIGHT * c["basically"], c["evaluated"]),
        on_time_rate=_rate(c["on_time"], c["handled"] + c["overdue"]),
        avg_first_response_hours=round(wait.total_seconds() / 3600, 2) if wait is not None else None,
    )


def demand_stats(region: Region, start: dt.date, end: dt.date, now: dt.datetime | None = None) -> DemandStats:
    return _figures(demands_in(region, start, end).aggregate(**_aggregates(now)))


def breakdown(
    region: Region, start: dt.date, end: dt.date, by: str, now: dt.datetime | None = None
) -> list[BreakdownRow]:
    """The same figures per community, department, category or month. A demand transferred to
    two departments counts for each of them."""
    if by not in BREAKDOWNS:
        raise ValueError(f"unknown breakdown {by!r}")
    qs = demands_in(region, start, end)
    if by == "community":
        grouped = qs.values("community_id", "community__name").order_by("community__name")
        key, label = "community_id", "community__name"
    elif by == "department":
        grouped = (
            qs.filter(transfers__isnull=False)
            .values("transfers__department_id", "transfers__department__name")
            .order_by("transfers__department__name")
        )
        key, label = "transfers__department_id", "transfers__department__name"
        aggregates = {
            name: Count("id", filter=agg.filter, distinct=True) if isinstance(agg, Count) else agg
            for name, agg in _aggregates(now).items()
        }
        return [
            BreakdownRow(str(row[key]), row[label], _figures(row)) for row in grouped.annotate(**aggregates)
        ]
    elif by == "category":
        english = (translation.get_language() or "").startswith("en")
        grouped = qs.values("category_id", "category__name", "category__name_en").order_by("category__name")
        key, label = "category_id", "category__name"
        return [
            BreakdownRow(
                str(row[key] or ""),
                (english and row["category__name_en"]) or row[label] or "—",
                _figures(row),
            )
            for row in grouped.annotate(**_aggregates(now))
        ]
    else:
        grouped = qs.annotate(month=TruncMonth("created_at")).values("month").order_by("month")
        return [
            BreakdownRow(row["month"].strftime("%Y-%m"), row["month"].strftime("%Y-%m"), _figures(row))
            for row in grouped.annotate(**_aggregates(now))
        ]
    return [
        BreakdownRow(str(row[key] or ""), row[label] or "—", _figures(row))
        for row in grouped.annotate(**_aggregates(now))
    ]


def session_summary(session: IntakeSession) -> SessionSummary:
    """E.g. a market day: 39 collected, 27 resolved on the spot, 12 transferred."""
    return session_summaries([session])[session.pk]


def session_summaries(sessions) -> dict[int, SessionSummary]:
    """session_summary of each session, by id, in one query (for a list)."""
    ids = [s.pk for s in sessions]
    has_transfer = Exists(Transfer.objects.filter(demand=OuterRef("pk")))
    rows = (
        Demand.objects.filter(session_id__in=ids)
        .annotate(has_transfer=has_transfer)
        .values("session_id")
        .order_by()
        .annotate(
            total=Count("id"),
            on_spot=Count("id", filter=Q(status=DemandStatus.RESOLVED_ON_SPOT)),
            transferred=Count("id", filter=Q(has_transfer=True)),
            assigned=Count("id", filter=Q(assignee__isnull=False, has_transfer=False)),
            open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        )
    )
    found = {
        c["session_id"]: SessionSummary(c["total"], c["on_spot"], c["transferred"], c["assigned"], c["open"])
        for c in rows
    }
    return {pk: found.get(pk) or SessionSummary(0, 0, 0, 0, 0) for pk in ids}

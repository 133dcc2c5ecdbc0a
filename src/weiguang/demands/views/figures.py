"""The figures: the four rates and the first response time, by community, department, category or month."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext_lazy

from weiguang.regions import access
from weiguang.regions.models import Region, RegionKind

from .. import stats
from ..forms import (
    FiguresForm,
)
from .helpers import (
    _require,
    _staff_render,
    _under,
)

# --- figures ------------------------------------------------------------------------------------


def _pct(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _hours(value) -> str:
    return "—" if value is None else f"{value:.1f}"


def _figures(s) -> dict:
    return {
        "total": s.total,
        "overdue": s.overdue,
        "response_rate": _pct(s.response_rate),
        "resolution_rate": _pct(s.resolution_rate),
        "satisfaction_rate": _pct(s.satisfaction_rate),
        "on_time_rate": _pct(s.on_time_rate),
        "avg_first_response_hours": _hours(s.avg_first_response_hours),
    }


BREAKDOWNS = [
    ("community", gettext_lazy("By community")),
    ("department", gettext_lazy("By department")),
    ("category", gettext_lazy("By category")),
    ("month", gettext_lazy("By month")),
]


@login_required
def figures(request):
    user = request.user
    _require(user, "demand.stats")
    prefixes = access.role_paths(user, "demand.stats")
    regions = list(
        Region.objects.filter(_under(prefixes), kind__in=[RegionKind.STREET, RegionKind.COMMUNITY]).order_by(
            "path"
        )
    )
    if not regions:
        raise PermissionDenied
    today = timezone.localdate()
    defaults = {
        "region": regions[0].pk,
        "start": today.replace(month=1, day=1).isoformat(),
        "end": today.isoformat(),
    }
    form = FiguresForm({**defaults, **request.GET.dict()}, regions=regions)
    if not form.is_valid():
        return _staff_render(request, "demands/figures.html", {"form": form}, status=422)
    region, start, end = form.cleaned_data["region"], form.cleaned_data["start"], form.cleaned_data["end"]
    tables = []
    breakdown = getattr(stats, "breakdown", None)
    for by, title in BREAKDOWNS:
        if by == "community" and region.kind != RegionKind.STREET:
            continue
        rows = breakdown(region, start, end, by) if breakdown else []
        tables.append(
            {
                "by": by,
                "title": title,
                "rows": [{"label": r.label, **_figures(getattr(r, "stats", r))} for r in rows],
            }
        )
    context = {
        "form": form,
        "region": region,
        "start": start,
        "end": end,
        "figures": _figures(stats.demand_stats(region, start, end)),
        "tables": tables,
    }
    return _staff_render(request, "demands/figures.html", context)

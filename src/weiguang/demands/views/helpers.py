"""What the demand pages share: status words, the region a user works in, paging, loading a demand."""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from weiguang.core.schemas import history_rows
from weiguang.regions import access
from weiguang.regions.models import Region, RegionKind

from ..access import dispatchers, may
from ..models import (
    DeadlineColour,
    Demand,
    DemandStatus,
    resident_status,
)

PAGE_SIZE = 30
TRACKING_CODE = re.compile(r"^[A-Z0-9]{4,12}$")
S = DemandStatus
STATUS_BADGES = {
    S.RECEIVED: "blue",
    S.RESOLVED_ON_SPOT: "teal",
    S.ASSIGNED: "orange",
    S.TRANSFERRED: "orange",
    S.RETURNED: "red",
    S.ESCALATED: "red",
    S.DELIBERATING: "orange",
    S.HANDLED: "teal",
    S.REPLIED: "teal",
    S.REOPENED: "red",
    S.CLOSED: "dark",
}
COLOUR_WORDS = dict(DeadlineColour.choices)  # green: on track, yellow: due soon, red: overdue
# The resident's view of the life of a demand: received → in progress → replied → closed.
PROGRESS = {
    S.RECEIVED: 1,
    S.ASSIGNED: 2, S.TRANSFERRED: 2, S.RETURNED: 2, S.ESCALATED: 2, S.DELIBERATING: 2,
    S.REOPENED: 2, S.HANDLED: 2,
    S.REPLIED: 3,
    S.CLOSED: 4, S.RESOLVED_ON_SPOT: 4,
}  # fmt: skip
PROGRESS_STEPS = [
    gettext_lazy("Received"),
    gettext_lazy("Being handled"),
    gettext_lazy("Replied"),
    gettext_lazy("Closed"),
]


# --- helpers --------------------------------------------------------------------------------


def _decorate(demands, now=None):
    """Give each demand its badge colour and its deadline colour and word (for the templates)."""
    now = now or timezone.now()
    for d in demands:
        d.badge = STATUS_BADGES.get(d.status, "grey")
        d.deadline = d.colour(now)
        d.deadline_word = COLOUR_WORDS.get(d.deadline, "")
    return demands


def _progress(status: str) -> list[dict]:
    reached = PROGRESS.get(status, 1)
    return [{"label": label, "done": i < reached} for i, label in enumerate(PROGRESS_STEPS)]


def _under(prefixes: list[str]) -> Q:
    q = Q(pk__in=[])
    for p in prefixes:
        q |= Q(path__startswith=p)
    return q


def _communities(user, action: str) -> list[Region]:
    """The communities where the user may `action`: below their regions, or above their grid."""
    prefixes = access.role_paths(user, action)
    if not prefixes:
        return []
    ids = set(Region.objects.filter(_under(prefixes), kind=RegionKind.COMMUNITY).values_list("pk", flat=True))
    ids |= set(
        Region.objects.filter(path__in=prefixes, kind=RegionKind.GRID).values_list("parent_id", flat=True)
    )
    return list(Region.objects.filter(pk__in=ids).order_by("path"))


def _grids(user, action: str):
    return access.grids_for(user, action)


def _paginate(request, qs, count: int | None = None, size: int = PAGE_SIZE):
    paginator = Paginator(qs, size)
    if count is not None:
        paginator.__dict__["count"] = count  # known already: no second COUNT query
    return paginator.get_page(request.GET.get("page"))


def _require(user, action: str) -> None:
    if not may(user, action):
        raise PermissionDenied


def _history(demand: Demand, for_resident: bool = False) -> list[dict]:
    """The demand's history. The resident's is when it moved on, in her words: no names of staff,
    no office steps (a step that does not change what she reads is left out)."""
    states = dict(DemandStatus.choices)
    rows = [
        {"at": row["at"], "who": row["actor"], "action": row["action_label"], "state": states.get(row["to"], ""),
         "note": row["note"], "to": row["to"]}
        for row in history_rows(demand, _("Received"))
    ]  # fmt: skip
    if not for_resident:
        return rows
    plain, last = [], None
    for row in rows:
        if not row["to"]:
            continue  # not a change of state
        word = resident_status(row["to"])
        if word != last:
            plain.append({"at": row["at"], "state": word})
        last = word
    return plain


def _one_demand():
    return Demand.objects.select_related(
        "grid",
        "community",
        "street",
        "category",
        "resident",
        "assignee",
        "session",
        "source_wish",
        "deliberation",
        "action_of",
    )


def _load(pk: int) -> Demand:
    return get_object_or_404(_one_demand(), pk=pk)


def _view_or_404(request, pk: int) -> Demand:
    return access.get_for_user(_one_demand(), request.user, see="demand.view", pk=pk)


def _dispatchers(path: str):
    return dispatchers(path).order_by("first_name", "username")


def _sub_nav(user) -> list[dict]:
    """The tabs on top of the staff demand pages (the main navigation stays short)."""
    tabs = []
    if may(user, "demand.list_region"):
        tabs.append({"url": reverse("demand_queue"), "label": _("Queue")})
    if may(user, "demand.create"):
        tabs.append({"url": reverse("desk_demand_new"), "label": _("Desk entry")})
    if may(user, "demand.list_region"):
        tabs.append({"url": reverse("region_demands"), "label": _("All demands")})
    if may(user, "demand.review_return"):  # the street's admins
        tabs.append({"url": reverse("escalation_board"), "label": _("Escalated")})
    if may(user, "demand.deliberate"):
        tabs.append({"url": reverse("meetings"), "label": _("Meetings")})
    if may(user, "demand.stats"):
        tabs.append({"url": reverse("demand_figures"), "label": _("Figures")})
    return tabs


def _staff_render(request, template: str, context: dict, status: int = 200):
    tabs = _sub_nav(request.user)
    for tab in tabs:
        tab["active"] = request.path == tab["url"]
    return render(request, template, {**context, "tabs": tabs}, status=status)

"""Lists of demands: the community queue, the region's list, the department inbox, the street's escalation board."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone

from ..filters import DemandFilter
from ..forms import (
    HandleForm,
    ReasonForm,
    ReviewReturnForm,
    TransferForm,
)
from ..models import (
    YELLOW_WINDOW,
    DeadlineColour,
    DemandStatus,
    Department,
    TransferStatus,
    deadline_colour,
    overdue_q,
)
from ..services import queries
from ..services import transfers as demand_transfers
from .desk import (
    _int,
)
from .helpers import (
    COLOUR_WORDS,
    STATUS_BADGES,
    S,
    _communities,
    _decorate,
    _paginate,
    _require,
    _staff_render,
)

# --- the community queue and the region's list ----------------------------------------------------


@login_required
def queue(request):
    """Open orders of one community, soonest deadline first, with the deadline colours."""
    user = request.user
    _require(user, "demand.list_region")
    communities = _communities(user, "demand.list_region")
    if not communities:
        raise PermissionDenied
    wanted = _int(request.GET.get("community"))
    community = next((c for c in communities if c.pk == wanted), communities[0])
    colour = request.GET.get("colour", "")
    colour = colour if colour in DeadlineColour.values else ""
    now = timezone.now()
    counts = (
        queries.community_queue(user, community)
        .order_by()
        .aggregate(
            total=Count("id"),
            red=Count("id", filter=overdue_q(now)),
            yellow=Count("id", filter=Q(handle_due__gte=now, handle_due__lte=now + YELLOW_WINDOW)),
            green=Count("id", filter=Q(handle_due__gt=now + YELLOW_WINDOW)),
        )
    )
    page = _paginate(request, queries.community_queue(user, community, colour), counts[colour or "total"])
    query = urlencode({k: v for k, v in {"community": community.pk, "colour": colour}.items() if v})
    colours = [
        {"value": c.value, "label": c.label, "count": counts[c.value]}
        for c in (DeadlineColour.RED, DeadlineColour.YELLOW, DeadlineColour.GREEN)
    ]
    context = {
        "communities": communities,
        "community": community,
        "colour": colour,
        "colours": colours,
        "total": counts["total"],
        "page_obj": page,
        "demands": _decorate(page.object_list, now),
        "query": query,
    }
    return _staff_render(request, "demands/queue.html", context)


@login_required
def region_list(request):
    user = request.user
    _require(user, "demand.list_region")
    communities = _communities(user, "demand.list_region")
    filters = DemandFilter.from_query(request.GET)
    community = next((c for c in communities if c.pk == filters.community), None)
    if community is None:  # a community not among the user's: the whole region, as if not asked
        filters.community = None
    qs = queries.region_demands(user).select_related("grid", "community", "category", "assignee")
    order = ("handle_due", "id") if filters.colour else ("-created_at", "-id")
    page = _paginate(request, filters.apply(qs).order_by(*order))
    query = urlencode(filters.active())
    status = filters.status or ""
    context = {
        "communities": communities,
        "community": community,
        "status": status,
        "statuses": DemandStatus.choices,
        "page_obj": page,
        "demands": _decorate(page.object_list),
        "query": query,
    }
    return _staff_render(request, "demands/region_list.html", context)


# --- the department's inbox ---------------------------------------------------------------------


@login_required
def dept_inbox(request):
    user = request.user
    if not user.departments.exists():
        raise PermissionDenied
    page = _paginate(request, queries.department_inbox(user))
    now = timezone.now()
    rows = list(page.object_list)
    for t in rows:
        t.colour = deadline_colour(t.deadline, now) if t.status == TransferStatus.ACTIVE else ""
        t.colour_word = COLOUR_WORDS.get(t.colour, "")
        t.badge = STATUS_BADGES.get(t.demand.status, "grey")
        t.handle_form = HandleForm(auto_id=f"t{t.pk}_%s")
        t.return_form = ReasonForm(prefix="return", auto_id=f"t{t.pk}_%s")
        t.can_act = t.status == TransferStatus.ACTIVE and t.demand.status in (S.TRANSFERRED, S.REOPENED)
    return render(request, "demands/dept_inbox.html", {"page_obj": page, "transfers": rows})


# --- the street's escalation board (吹哨报到) ------------------------------------------------------


@login_required
def escalation_board(request):
    user = request.user
    _require(user, "demand.review_return")
    page = _paginate(request, queries.escalation_board(user))
    now = timezone.now()
    demands = _decorate(list(page.object_list), now)
    departments: dict[int, list] = {}
    whistle_due: dict[int, object] = {}  # an escalated demand's usual deadline: one per street
    for d in demands:
        if d.street_id not in departments:
            departments[d.street_id] = list(Department.objects.filter(street_id=d.street_id))
        transfers = list(d.transfers.all())
        d.returning = [t for t in transfers if t.status == TransferStatus.RETURN_REQUESTED]
        d.summoned = [t for t in transfers if t.summoned and t.status != TransferStatus.RETURNED]
        if d.status == S.ESCALATED:
            if d.street_id not in whistle_due:
                whistle_due[d.street_id] = demand_transfers.default_transfer_deadline(d, now)
            d.summon_form = TransferForm(
                departments=departments[d.street_id],
                auto_id=f"d{d.pk}_%s",
                default_due=whistle_due[d.street_id],
            )
        if d.status == S.RETURNED:
            d.review_form = ReviewReturnForm(auto_id=f"r{d.pk}_%s")
    return _staff_render(request, "demands/escalation_board.html", {"page_obj": page, "demands": demands})

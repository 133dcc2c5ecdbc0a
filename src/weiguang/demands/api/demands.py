"""Demands: list, submit, figures, follow by tracking code, one demand and its history."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.responses import Status

from weiguang.core import ratelimit
from weiguang.core.api import (
    ERROR_RESPONSES,
    OPTIONAL_AUTH_OPENAPI,
    THROTTLED,
    ErrorOut,
    Id,
    Page,
    current_user,
    invalid,
    json_or_multipart_body,
    optional_auth,
    parse_body,
    referenced,
    require_user,
)
from weiguang.core.errors import NotAllowed
from weiguang.core.schemas import HistoryEntryOut, history_rows
from weiguang.people.services import resident_for
from weiguang.regions.models import Region

from .. import stats
from ..access import may
from ..inputs import EvaluateIn
from ..models import (
    Demand,
    DemandCategory,
    DemandStatus,
    IntakeSession,
)
from ..services import intake, queries, tracking
from .helpers import _render, _summary, _visible
from .schemas import (
    DEMAND_OUT,
    STATS_EARLIEST,
    STATS_LATEST,
    DemandDetailOut,
    DemandFilters,
    DemandIn,
    DemandPage,
    RegionStatsOut,
    StatsFilters,
    TrackOut,
)

router = Router(tags=["demands"])


# --- list, create, stats, track ----------------------------------------------------------


@router.get("", response={200: DemandPage, **ERROR_RESPONSES}, summary="List demands you may see")
def list_demands(request, filters: Query[DemandFilters]):
    """Staff and grid workers: the demands of their regions; a department handler: the demands
    transferred to the department; a resident: their own."""
    user = require_user(request)
    qs = queries.visible_demands(user).select_related("grid", "community", "street", "category__parent")
    qs = filters.apply(qs)
    order = ("handle_due", "id") if filters.colour else ("-created_at", "-id")
    total = qs.count()
    return Page.body(filters, total, [_summary(d) for d in Page.window(qs.order_by(*order), filters)])


@router.post(
    "",
    auth=optional_auth,
    openapi_extra={**OPTIONAL_AUTH_OPENAPI, "requestBody": json_or_multipart_body(DemandIn)},
    response={201: DemandDetailOut, **ERROR_RESPONSES, **THROTTLED},
    summary="Record a demand (staff, grid workers) or submit one online (anyone)",
)
def create_demand(request):
    """Online submissions may be anonymous: keep the returned `tracking_code` to follow the
    demand at GET /demands/track/{code}. JSON, or a form with the same fields and up to 6
    `photos`."""
    user = current_user(request)
    data, photos = parse_body(request, DemandIn)
    grid = referenced(Region.objects, data.grid, "grid", _("There is no such grid."))
    categories = DemandCategory.objects.filter(active=True)
    category = referenced(categories, data.category, "category", _("There is no such category."))
    # checked again with the grid by the service; anonymous visitors name no resident
    resident = resident_for(user, data.resident_id) if data.resident_id is not None else None
    session = referenced(
        IntakeSession.objects.select_related("community"),
        data.session,
        "session",
        _("There is no such session."),
    )
    demand = intake.submit_demand(
        user, grid=grid, title=data.title, description=data.description, channel=data.channel,
        category=category, urgent=data.urgent, resident=resident,
        contact_name=data.contact_name, contact_phone=data.contact_phone, session=session,
        client=ratelimit.client_address(request), place=data.place, photos=photos,
    )  # fmt: skip
    return Status(201, _render(user, demand))


@router.get(
    "/stats", response={200: RegionStatsOut, **ERROR_RESPONSES}, summary="Figures of a region (staff)"
)
def demand_stats(request, filters: Query[StatsFilters]):
    """Response, resolution, satisfaction and on-time rates, and the average first response
    time, of the demands received in the region between `from` and `to` (both included);
    with `by`, the same per community, department, category or month."""
    user = require_user(request)
    region, from_, to = filters.region, filters.from_, filters.to
    place = Region.objects.filter(pk=region).first()
    if place is None or not may(user, "demand.stats", place):
        raise NotAllowed(_("Only staff of the region can see its figures."))
    if from_ > to:
        raise invalid("from", _("The start date is after the end date."))
    if from_ < STATS_EARLIEST or to > STATS_LATEST:
        raise invalid("from", _("Choose dates between 2000 and 2100."))
    figures = stats.demand_stats(place, from_, to).__dict__
    if filters.by:
        figures["breakdown"] = [
            {"key": row.key, "label": row.label, **row.stats.__dict__}
            for row in stats.breakdown(place, from_, to, filters.by)
        ]
    return figures


@router.get(
    "/track/{code}",
    auth=None,
    response={200: TrackOut, **ERROR_RESPONSES, 429: ErrorOut},
    summary="Follow a demand by its tracking code (anyone)",
)
def track(request, code: str):
    """Only the state and the public reply: nothing about who asked or what they said. The code
    may be written with spaces or dashes ("3815 0274-6692"); codes that match nothing count
    against the address's public look-ups (429 when too many)."""
    return _track(_by_code(request, code))


def _by_code(request, code: str) -> Demand:
    demand = tracking.find_by_code(code, client=ratelimit.client_address(request))
    if demand is None:
        raise Http404
    return demand


def _track(d: Demand) -> dict:
    return {
        "tracking_code": d.tracking_code,
        "status": d.status,
        "status_label": str(d.get_status_display()),
        "public_reply": d.public_reply,
        "received_at": d.created_at,
        "replied_at": d.replied_at,
        "closed_at": d.closed_at,
        "evaluation": d.evaluation,
        "can_evaluate": d.status == DemandStatus.REPLIED,
    }


@router.post(
    "/track/{code}/evaluate",
    auth=None,
    response={200: TrackOut, **ERROR_RESPONSES, 429: ErrorOut},
    summary="Evaluate the reply with the tracking code (anyone holding it)",
)
def evaluate_by_code(request, code: str, data: EvaluateIn):
    """For a demand submitted anonymously, or recorded at the desk for a resident without an
    account: whoever holds the tracking code may give the evaluation once the reply is in."""
    demand = _by_code(request, code)
    return _track(tracking.evaluate_by_code(demand.tracking_code, evaluation=data.evaluation, note=data.note))


# --- one demand --------------------------------------------------------------------------


@router.get("/{id:demand_id}", response=DEMAND_OUT, summary="One demand")
def get_demand(request, demand_id: Id):
    user = require_user(request)
    return _render(user, _visible(user, demand_id))


@router.get(
    "/{id:demand_id}/history",
    response={200: list[HistoryEntryOut], **ERROR_RESPONSES},
    by_alias=True,
    summary="What happened to a demand",
)
def demand_history(request, demand_id: Id):
    user = require_user(request)
    demand = _visible(user, demand_id)
    return history_rows(demand, _("Received"))

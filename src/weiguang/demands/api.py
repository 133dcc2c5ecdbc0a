"""Demand API (/api/v1/demands): thin — parse, call a service, render.

Anyone may submit a demand online (anonymously too) and follow it by its tracking code;
everything else needs a bearer token or a session, and who may do what is decided by the
services and regions.access. A department handler sees only demands transferred to it.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from weiguang.core.api import (
    ERROR_RESPONSES,
    OPTIONAL_AUTH_OPENAPI,
    Id,
    Text,
    current_user,
    optional_auth,
    require_user,
)
from weiguang.core.errors import InvalidInput, NotAllowed
from weiguang.core.schemas import HistoryEntryOut, history_rows
from weiguang.people.models import Resident
from weiguang.regions import access
from weiguang.regions.models import Region

from . import services, stats
from .models import DEMAND_TRANSITIONS, Demand, DemandCategory, DemandChannel, DemandStatus, Department

router = Router(tags=["demands"])

StatusCode = Literal[tuple(DemandStatus.values)]  # type: ignore[valid-type]
ChannelCode = Literal[tuple(DemandChannel.values)]  # type: ignore[valid-type]
EvaluationCode = Literal["satisfied", "basically_satisfied", "unsatisfied"]
TRACKING_CODE = re.compile(r"^[A-Z0-9]{4,12}$")
STATS_EARLIEST, STATS_LATEST = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


# --- shapes ------------------------------------------------------------------------------


class DemandFilters(Schema):
    status: StatusCode | None = None
    community: Id | None = Field(None, description="Region id of a community")
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=1_000_000)


class DemandIn(Schema):
    grid: Id = Field(description="Region id of the grid the demand is about")
    title: Text = Field(max_length=200, description="2 to 60 characters")
    description: Text = Field("", max_length=5000, description="At most 2000 characters")
    channel: ChannelCode | None = Field(None, description="Staff and grid workers only; others: online")
    category: Id | None = None
    urgent: bool = False
    resident_id: Id | None = Field(None, description="The resident, when known (staff, grid workers)")
    contact_name: Text = Field("", max_length=200)
    contact_phone: Text = Field("", max_length=200)


class StatsFilters(Schema):
    region: Id = Field(description="Region id (street, community or grid)")
    from_: dt.date = Field(alias="from", description="First day received, YYYY-MM-DD")
    to: dt.date = Field(description="Last day received, YYYY-MM-DD")


class NoteIn(Schema):
    note: Text = Field("", max_length=1000)


class ReasonIn(Schema):
    reason: Text = Field(max_length=1000)


class ResolveIn(Schema):
    result: Text = Field(max_length=5000)


class AssignIn(Schema):
    assignee_id: Id
    note: Text = Field("", max_length=1000)


class TransferTarget(Schema):
    department_id: Id
    deadline: dt.date | None = Field(None, description="Default: the demand's handling deadline")


class TransferIn(Schema):
    departments: list[TransferTarget] = Field(min_length=1, max_length=20)
    note: Text = Field("", max_length=1000)


class HandleIn(Schema):
    result: Text = Field(max_length=5000)
    action_taken: Text = Field("", max_length=5000)
    is_genuine: bool | None = Field(None, description="属实: the complaint proved true")
    beyond_remit: bool = Field(False, description="超职责: beyond the handler's remit")


class ReplyIn(Schema):
    reply: Text = Field(max_length=5000)
    public_reply: Text = Field("", max_length=5000, description="Shown to anyone with the tracking code")


class EvaluateIn(Schema):
    evaluation: EvaluationCode
    note: Text = Field("", max_length=1000)


class ReviewReturnIn(Schema):
    approve: bool
    note: Text = Field("", max_length=1000)


class Ref(Schema):
    id: int
    name: str


class TransferOut(Schema):
    department: Ref
    deadline: dt.datetime
    status: str
    return_reason: str


class ContactOut(Schema):
    name: str
    phone: str


class DemandOut(Schema):
    id: int
    title: str
    channel: str
    status: str
    status_label: str
    urgent: bool
    category: Ref | None
    grid: Ref
    community: Ref
    street: Ref
    created_at: dt.datetime
    response_due: dt.datetime
    handle_due: dt.datetime
    warning_count: int


class DemandDetailOut(DemandOut):
    tracking_code: str
    description: str
    resident: str | None = Field(description="Masked name of the resident, if known")
    contact: ContactOut | None = Field(description="Only for those who may see the demand in full")
    first_response_at: dt.datetime | None
    handled_at: dt.datetime | None
    replied_at: dt.datetime | None
    closed_at: dt.datetime | None
    result: str
    action_taken: str
    is_genuine: bool | None
    beyond_remit: bool
    reply: str
    public_reply: str
    evaluation: str
    transfers: list[TransferOut]
    actions: list[str] = Field(description="Actions you may take now")


class DemandPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[DemandOut]


class TrackOut(Schema):
    tracking_code: str
    status: str
    status_label: str
    public_reply: str


class StatsOut(Schema):
    total: int
    responded: int
    resolved: int
    evaluated: int
    handled: int
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None = Field(description="(satisfied + 0.9 × basically satisfied) / evaluated")
    on_time_rate: float | None
    avg_first_response_hours: float | None


DEMAND_OUT = {200: DemandDetailOut, **ERROR_RESPONSES}


# --- helpers -----------------------------------------------------------------------------


def _ref(region) -> dict:
    return {"id": region.pk, "name": region.name}


def _summary(d: Demand) -> dict:
    return {
        "id": d.pk,
        "title": d.title,
        "channel": d.channel,
        "status": d.status,
        "status_label": str(d.get_status_display()),
        "urgent": d.urgent,
        "category": {"id": d.category_id, "name": str(d.category)} if d.category_id else None,
        "grid": _ref(d.grid),
        "community": _ref(d.community),
        "street": _ref(d.street),
        "created_at": d.created_at,
        "response_due": d.response_due,
        "handle_due": d.handle_due,
        "warning_count": d.warning_count,
    }


def _base_queryset():
    return Demand.objects.select_related("grid", "community", "street", "category", "resident")


def _get(demand_id: int) -> Demand:
    return get_object_or_404(_base_queryset(), pk=demand_id)


def _visible(user, demand_id: int) -> Demand:
    """A demand the user may read; one they may not even know about is 'not found'."""
    demand = _get(demand_id)
    if not access.can(user, "demand.view", demand):
        raise Http404
    return demand


def _render(user, demand: Demand) -> dict:
    d = _get(demand.pk)
    data = _summary(d)
    contact = services.can_see_contact(user, d)
    resident = d.resident
    data.update(
        tracking_code=d.tracking_code,
        description=d.description if contact or d.created_by_id == getattr(user, "pk", None) else "",
        resident=resident.masked_name if resident else None,
        contact={
            "name": d.contact_name or (resident.name if resident else ""),
            "phone": d.contact_phone or (resident.phone if resident else ""),
        }
        if contact
        else None,
        first_response_at=d.first_response_at,
        handled_at=d.handled_at,
        replied_at=d.replied_at,
        closed_at=d.closed_at,
        result=d.result if contact else "",
        action_taken=d.action_taken if contact else "",
        is_genuine=d.is_genuine if contact else None,
        beyond_remit=d.beyond_remit if contact else False,
        reply=d.reply if contact else "",
        public_reply=d.public_reply,
        evaluation=d.evaluation,
        transfers=[
            {
                "department": {"id": t.department_id, "name": t.department.name},
                "deadline": t.deadline,
                "status": t.status,
                "return_reason": t.return_reason,
            }
            for t in d.transfers.select_related("department")
        ]
        if contact
        else [],
        actions=[t.name for t in DEMAND_TRANSITIONS.available(d, user)],
    )
    return data


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, fields={field: message})


# --- list, create, stats, track ----------------------------------------------------------


@router.get("", response={200: DemandPage, **ERROR_RESPONSES}, summary="List demands you may see")
def list_demands(request, filters: Query[DemandFilters]):
    """Staff and grid workers: the demands of their regions; a department handler: the demands
    transferred to the department; a resident: their own."""
    user = require_user(request)
    qs = services.visible_demands(user).select_related("grid", "community", "street", "category")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.community is not None:
        qs = qs.filter(community_id=filters.community)
    total = qs.count()
    page = qs.order_by("-created_at", "-id")[filters.offset : filters.offset + filters.limit]
    return {
        "count": total,
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_summary(d) for d in page],
    }


@router.post(
    "",
    auth=optional_auth,
    openapi_extra=OPTIONAL_AUTH_OPENAPI,
    response={201: DemandDetailOut, **ERROR_RESPONSES},
    summary="Record a demand (staff, grid workers) or submit one online (anyone)",
)
def create_demand(request, data: DemandIn):
    """Online submissions may be anonymous: keep the returned `tracking_code` to follow the
    demand at GET /demands/track/{code}."""
    user = current_user(request)
    grid = Region.objects.filter(pk=data.grid).first()
    if grid is None:
        raise _invalid("grid", _("There is no such grid."))
    category = None
    if data.category is not None:
        category = DemandCategory.objects.filter(pk=data.category, active=True).first()
        if category is None:
            raise _invalid("category", _("There is no such category."))
    resident = None
    if data.resident_id is not None:
        resident = Resident.objects.filter(pk=data.resident_id).first()
        if resident is None:
            raise _invalid("resident_id", _("There is no such resident."))
    demand = services.submit_demand(
        user, grid=grid, title=data.title, description=data.description, channel=data.channel,
        category=category, urgent=data.urgent, resident=resident,
        contact_name=data.contact_name, contact_phone=data.contact_phone,
    )  # fmt: skip
    return Status(201, _render(user, demand))


@router.get("/stats", response={200: StatsOut, **ERROR_RESPONSES}, summary="Figures of a region (staff)")
def demand_stats(request, filters: Query[StatsFilters]):
    """Response, resolution, satisfaction and on-time rates, and the average first response
    time, of the demands received in the region between `from` and `to` (both included)."""
    user = require_user(request)
    region, from_, to = filters.region, filters.from_, filters.to
    place = Region.objects.filter(pk=region).first()
    if place is None or not access.can(user, "demand.stats", place):
        raise NotAllowed(_("Only staff of the region can see its figures."))
    if from_ > to:
        raise _invalid("from", _("The start date is after the end date."))
    if from_ < STATS_EARLIEST or to > STATS_LATEST:
        raise _invalid("from", _("Choose dates between 2000 and 2100."))
    return stats.demand_stats(place, from_, to).__dict__


@router.get(
    "/track/{code}",
    auth=None,
    response={200: TrackOut, **ERROR_RESPONSES},
    summary="Follow a demand by its tracking code (anyone)",
)
def track(request, code: str):
    """Only the state and the public reply: nothing about who asked or what they said."""
    code = code.strip().upper()
    if not TRACKING_CODE.match(code):
        raise Http404
    d = get_object_or_404(Demand, tracking_code=code)
    return {
        "tracking_code": d.tracking_code,
        "status": d.status,
        "status_label": str(d.get_status_display()),
        "public_reply": d.public_reply,
    }


# --- one demand --------------------------------------------------------------------------


@router.get("/{int:demand_id}", response=DEMAND_OUT, summary="One demand")
def get_demand(request, demand_id: int):
    user = require_user(request)
    return _render(user, _visible(user, demand_id))


@router.get(
    "/{int:demand_id}/history",
    response={200: list[HistoryEntryOut], **ERROR_RESPONSES},
    by_alias=True,
    summary="What happened to a demand",
)
def demand_history(request, demand_id: int):
    user = require_user(request)
    demand = _visible(user, demand_id)
    return history_rows(demand, _("Received"))


# --- transitions -------------------------------------------------------------------------


@router.post("/{int:demand_id}/resolve_on_spot", response=DEMAND_OUT, summary="Resolve on the spot (staff)")
def resolve_on_spot(request, demand_id: int, data: ResolveIn):
    user = require_user(request)
    return _render(user, services.resolve_on_spot(_get(demand_id), user, result=data.result))


@router.post(
    "/{int:demand_id}/assign", response=DEMAND_OUT, summary="Assign to staff or a grid worker (staff)"
)
def assign(request, demand_id: int, data: AssignIn):
    user = require_user(request)
    assignee = get_user_model().objects.filter(pk=data.assignee_id, is_active=True).first()
    if assignee is None:
        raise _invalid("assignee_id", _("There is no such person."))
    return _render(user, services.assign_demand(_get(demand_id), user, assignee, note=data.note))


@router.post("/{int:demand_id}/transfer", response=DEMAND_OUT, summary="Transfer to departments (staff)")
def transfer(request, demand_id: int, data: TransferIn):
    user = require_user(request)
    found = Department.objects.in_bulk([t.department_id for t in data.departments])
    if len(found) != len({t.department_id for t in data.departments}):
        raise _invalid("departments", _("There is no such department."))
    targets = [(found[t.department_id], t.deadline) for t in data.departments]
    return _render(user, services.transfer_demand(_get(demand_id), user, targets, note=data.note))


@router.post("/{int:demand_id}/handle", response=DEMAND_OUT, summary="Record the result (handler)")
def handle(request, demand_id: int, data: HandleIn):
    user = require_user(request)
    demand = services.handle_demand(
        _get(demand_id), user, result=data.result, action_taken=data.action_taken,
        is_genuine=data.is_genuine, beyond_remit=data.beyond_remit,
    )  # fmt: skip
    return _render(user, demand)


@router.post("/{int:demand_id}/reply", response=DEMAND_OUT, summary="Reply to the resident (staff)")
def reply(request, demand_id: int, data: ReplyIn):
    user = require_user(request)
    demand = services.reply_demand(_get(demand_id), user, reply=data.reply, public_reply=data.public_reply)
    return _render(user, demand)


@router.post("/{int:demand_id}/evaluate", response=DEMAND_OUT, summary="Evaluate (the resident, or staff)")
def evaluate(request, demand_id: int, data: EvaluateIn):
    """'unsatisfied' the first time reopens the demand as a warning order."""
    user = require_user(request)
    demand = services.evaluate_demand(_get(demand_id), user, evaluation=data.evaluation, note=data.note)
    return _render(user, demand)


@router.post("/{int:demand_id}/return", response=DEMAND_OUT, summary="Return to the street (department)")
def return_demand(request, demand_id: int, data: ReasonIn):
    user = require_user(request)
    return _render(user, services.request_return(_get(demand_id), user, reason=data.reason))


@router.post(
    "/{int:demand_id}/review_return", response=DEMAND_OUT, summary="Approve or reject a return (street)"
)
def review_return(request, demand_id: int, data: ReviewReturnIn):
    user = require_user(request)
    return _render(user, services.review_return(_get(demand_id), user, approve=data.approve, note=data.note))


@router.post("/{int:demand_id}/escalate", response=DEMAND_OUT, summary="Escalate to the street")
def escalate(request, demand_id: int, data: ReasonIn):
    user = require_user(request)
    return _render(user, services.escalate_demand(_get(demand_id), user, reason=data.reason))

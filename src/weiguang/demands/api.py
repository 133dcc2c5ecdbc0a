"""Demand API (/api/v1/demands): thin — parse, call a service, render.

Anyone may submit a demand online (anonymously too) and follow it by its tracking code;
everything else needs a bearer token or a session, and who may do what is decided by the
services and regions.access. A department handler sees only demands transferred to it.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from weiguang.core import ratelimit
from weiguang.core.api import (
    ERROR_RESPONSES,
    OPTIONAL_AUTH_OPENAPI,
    THROTTLED,
    ErrorOut,
    Id,
    InSchema,
    Text,
    current_user,
    json_or_multipart_body,
    optional_auth,
    parse_body,
    require_user,
)
from weiguang.core.errors import InvalidInput, NotAllowed
from weiguang.core.schemas import HistoryEntryOut, history_rows
from weiguang.people.services import resident_for, view_resident_record
from weiguang.regions import access
from weiguang.regions.models import Region

from . import services, stats
from .models import (
    Deliberation,
    Demand,
    DemandCategory,
    DemandChannel,
    DemandStatus,
    Department,
    IntakeSession,
    SessionKind,
)

router = Router(tags=["demands"])

StatusCode = Literal[tuple(DemandStatus.values)]  # type: ignore[valid-type]
ChannelCode = Literal[tuple(DemandChannel.values)]  # type: ignore[valid-type]
EvaluationCode = Literal["satisfied", "basically_satisfied", "unsatisfied"]
ColourCode = Literal["green", "yellow", "red"]
BreakdownCode = Literal["community", "department", "category", "month"]
STATS_EARLIEST, STATS_LATEST = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


# --- shapes ------------------------------------------------------------------------------


class DemandFilters(InSchema):
    status: StatusCode | None = None
    community: Id | None = Field(None, description="Region id of a community")
    session: Id | None = Field(None, description="Id of a desk session or fair")
    colour: ColourCode | None = Field(
        None, description="Open orders only, by deadline: green, yellow (due within 24 h), red (overdue)"
    )
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=1_000_000)


class DemandIn(InSchema):
    grid: Id = Field(description="Region id of the grid the demand is about")
    title: Text = Field(max_length=services.TITLE_MAX, description="2 to 60 characters")
    description: Text = Field("", max_length=services.TEXT_MAX)
    channel: ChannelCode | None = Field(None, description="Staff and grid workers only; others: online")
    category: Id | None = None
    urgent: bool = False
    resident_id: Id | None = Field(None, description="The resident, when known (staff, grid workers)")
    contact_name: Text = Field("", max_length=services.CONTACT_NAME_MAX)
    contact_phone: Text = Field(
        "", max_length=services.PHONE_TEXT_MAX, description="Digits, spaces or dashes"
    )
    session: Id | None = Field(None, description="The desk session or fair it was collected at (staff)")
    place: Text = Field("", max_length=services.PLACE_MAX, description="Building or spot, e.g. 3号楼2单元")


class StatsFilters(InSchema):
    region: Id = Field(description="Region id (street, community or grid)")
    from_: dt.date = Field(alias="from", description="First day received, YYYY-MM-DD")
    to: dt.date = Field(description="Last day received, YYYY-MM-DD")
    by: BreakdownCode | None = Field(
        None, description="Also the figures per community, department, category or month"
    )


class NoteIn(InSchema):
    note: Text = Field("", max_length=services.REASON_MAX)


class ReasonIn(InSchema):
    reason: Text = Field(max_length=services.REASON_MAX)


class ResolveIn(InSchema):
    result: Text = Field(max_length=services.TEXT_MAX)


class AssignIn(InSchema):
    assignee_id: Id
    note: Text = Field("", max_length=services.REASON_MAX)


class TransferTarget(InSchema):
    department_id: Id
    deadline: dt.date | None = Field(None, description="Default: the demand's handling deadline")


class TransferIn(InSchema):
    departments: list[TransferTarget] = Field(min_length=1, max_length=20)
    note: Text = Field("", max_length=services.REASON_MAX)


class HandleIn(InSchema):
    result: Text = Field(max_length=services.TEXT_MAX)
    action_taken: Text = Field("", max_length=services.TEXT_MAX)
    is_genuine: bool | None = Field(None, description="属实: the complaint proved true")
    beyond_remit: bool = Field(False, description="超职责: beyond the handler's remit")


class ReplyIn(InSchema):
    reply: Text = Field(max_length=services.TEXT_MAX)
    public_reply: Text = Field(
        "", max_length=services.TEXT_MAX, description="Shown to anyone with the tracking code"
    )


class EvaluateIn(InSchema):
    evaluation: EvaluationCode
    note: Text = Field("", max_length=services.REASON_MAX)


class ReviewReturnIn(InSchema):
    approve: bool
    note: Text = Field("", max_length=services.REASON_MAX)


class Ref(Schema):
    id: int
    name: str


class TransferOut(Schema):
    department: Ref
    deadline: dt.datetime
    status: str
    return_reason: str
    summoned: bool = Field(description="Summoned by the street (吹哨报到)")
    accepted_at: dt.datetime | None
    handled_at: dt.datetime | None
    result: str = Field(description="This department's own result")


class MeetingIn(InSchema):
    region: Id = Field(description="Region id of the street or community holding the meeting")
    title: Text = Field(max_length=services.TITLE_MAX)
    held_at: dt.datetime
    place: Text = Field("", max_length=services.PLACE_MAX)
    attendees: Text = Field("", max_length=services.TEXT_MAX)


class ActionItemIn(InSchema):
    title: Text = Field(max_length=services.TITLE_MAX)
    assignee_id: Id
    grid: Id | None = Field(None, description="Default: the grid of the first referred demand")


class DecisionIn(InSchema):
    decision: Text = Field(max_length=services.DECISION_MAX)
    attendees: Text | None = Field(None, max_length=services.TEXT_MAX)
    actions: list[ActionItemIn] = Field([], max_length=30)


class MeetingOut(Schema):
    id: int
    region: Ref
    title: str
    held_at: dt.datetime
    place: str
    attendees: str
    status: str
    decision: str
    referred: list[int] = Field(description="Ids of the demands referred to the meeting")
    action_items: list[int] = Field(description="Ids of the demands its decision created")


class ReferIn(InSchema):
    meeting_id: Id
    note: Text = Field("", max_length=services.REASON_MAX)


class SessionIn(InSchema):
    community: Id
    kind: Literal[tuple(SessionKind.values)] = "desk"  # type: ignore[valid-type]
    title: Text = Field(max_length=services.TITLE_MAX)
    date: dt.date


class SessionOut(Schema):
    id: int
    community: Ref
    kind: str
    title: str
    date: dt.date
    total: int
    resolved_on_spot: int
    transferred: int
    assigned: int
    open: int


class ConvertIn(InSchema):
    note: Text = Field("", max_length=services.REASON_MAX)
    category: Id | None = None


class PhotoOut(Schema):
    url: str
    stage: str


class DemandContactOut(Schema):
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
    colour: str = Field(
        description="Deadline colour of an open order: green, yellow, red; empty once handled"
    )


class DemandDetailOut(DemandOut):
    tracking_code: str
    description: str
    resident: str | None = Field(description="Masked name of the resident, if known")
    contact: DemandContactOut | None = Field(description="Only for those who may see the demand in full")
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
    place: str = Field(description="Building or spot; only for those who may see the demand in full")
    photos: list[PhotoOut]
    session: int | None
    source_wish: int | None = Field(description="The micro-wish this demand was turned from")
    deliberation: int | None = Field(description="The meeting it was referred to")
    action_of: int | None = Field(description="The meeting whose decision created it")
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
    received_at: dt.datetime
    replied_at: dt.datetime | None
    closed_at: dt.datetime | None
    evaluation: str
    can_evaluate: bool = Field(description="True while a reply waits for the evaluation")


class StatsOut(Schema):
    total: int
    responded: int
    resolved: int
    evaluated: int
    handled: int
    overdue: int = Field(description="Still open past the handling deadline (the red list); not on time")
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None = Field(description="(satisfied + 0.9 × basically satisfied) / evaluated")
    on_time_rate: float | None = Field(description="Handled by the deadline / (handled + overdue)")
    avg_first_response_hours: float | None


class BreakdownOut(StatsOut):
    key: str
    label: str


class RegionStatsOut(StatsOut):
    breakdown: list[BreakdownOut] | None = Field(None, description="Per group, when `by` is given")


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
        "colour": d.colour(),
    }


def _base_queryset():
    return Demand.objects.select_related("grid", "community", "street", "category__parent", "resident")


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
    if contact and resident is not None:  # the resident's contact is shown: audited (PIPL)
        view_resident_record(resident, user, via="demand", ref=d.pk, channel="api")
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
                "summoned": t.summoned,
                "accepted_at": t.accepted_at,
                "handled_at": t.handled_at,
                "result": t.result,
            }
            for t in d.transfers.select_related("department")
        ]
        if contact
        else [],
        place=d.place if contact else "",
        photos=[{"url": p.image.url, "stage": p.stage} for p in d.photos.all()] if contact else [],
        session=d.session_id,
        source_wish=d.source_wish_id,
        deliberation=d.deliberation_id,
        action_of=d.action_of_id,
        actions=list(services.available_actions(d, user)),
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
    qs = services.visible_demands(user).select_related("grid", "community", "street", "category__parent")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.community is not None:
        qs = qs.filter(community_id=filters.community)
    if filters.session is not None:
        qs = qs.filter(session_id=filters.session)
    order = ("-created_at", "-id")
    if filters.colour:
        qs, order = services.by_colour(qs, filters.colour), ("handle_due", "id")
    total = qs.count()
    page = qs.order_by(*order)[filters.offset : filters.offset + filters.limit]
    return {
        "count": total,
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_summary(d) for d in page],
    }


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
    grid = Region.objects.filter(pk=data.grid).first()
    if grid is None:
        raise _invalid("grid", _("There is no such grid."))
    category = None
    if data.category is not None:
        category = DemandCategory.objects.filter(pk=data.category, active=True).first()
        if category is None:
            raise _invalid("category", _("There is no such category."))
    # checked again with the grid by the service; anonymous visitors name no resident
    resident = resident_for(user, data.resident_id) if data.resident_id is not None else None
    session = None
    if data.session is not None:
        session = IntakeSession.objects.select_related("community").filter(pk=data.session).first()
        if session is None:
            raise _invalid("session", _("There is no such session."))
    demand = services.submit_demand(
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
    if place is None or not access.can(user, "demand.stats", place):
        raise NotAllowed(_("Only staff of the region can see its figures."))
    if from_ > to:
        raise _invalid("from", _("The start date is after the end date."))
    if from_ < STATS_EARLIEST or to > STATS_LATEST:
        raise _invalid("from", _("Choose dates between 2000 and 2100."))
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
    demand = services.find_by_code(code, client=ratelimit.client_address(request))
    if demand is None:
        raise Http404
    return _track(demand)


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
    demand = services.find_by_code(code, client=ratelimit.client_address(request))
    if demand is None:
        raise Http404
    return _track(services.evaluate_by_code(demand.tracking_code, evaluation=data.evaluation, note=data.note))


# --- desk sessions and deliberation meetings ---------------------------------------------


def _session_out(session: IntakeSession) -> dict:
    summary = stats.session_summary(session)
    return {
        "id": session.pk, "community": _ref(session.community), "kind": session.kind,
        "title": session.title, "date": session.date, **summary.__dict__,
    }  # fmt: skip


@router.get(
    "/sessions", response={200: list[SessionOut], **ERROR_RESPONSES}, summary="Desk sessions and fairs"
)
def list_sessions(request, community: Id | None = None):
    user = require_user(request)
    qs = access.scope(IntakeSession.objects.select_related("community"), user, "demand.list_region")
    if community is not None:
        qs = qs.filter(community_id=community)
    return [_session_out(s) for s in qs[:100]]


@router.post(
    "/sessions", response={201: SessionOut, **ERROR_RESPONSES}, summary="Open a desk session (staff)"
)
def create_session(request, data: SessionIn):
    user = require_user(request)
    community = Region.objects.filter(pk=data.community).first()
    if community is None:
        raise _invalid("community", _("There is no such community."))
    return Status(201, _session_out(services.open_session(user, community=community, kind=data.kind,
                                                          title=data.title, date=data.date)))  # fmt: skip


@router.get(
    "/sessions/{id:session_id}",
    response={200: SessionOut, **ERROR_RESPONSES},
    summary="A session and its summary",
)
def get_session(request, session_id: Id):
    user = require_user(request)
    qs = access.scope(IntakeSession.objects.select_related("community"), user, "demand.list_region")
    return _session_out(get_object_or_404(qs, pk=session_id))


def _meeting_out(m: Deliberation) -> dict:
    return {
        "id": m.pk, "region": _ref(m.region), "title": m.title, "held_at": m.held_at, "place": m.place,
        "attendees": m.attendees, "status": m.status, "decision": m.decision,
        "referred": list(m.referred.values_list("id", flat=True)),
        "action_items": list(m.action_items.values_list("id", flat=True)),
    }  # fmt: skip


def _meetings(user):
    return access.scope(Deliberation.objects.select_related("region"), user, "demand.deliberate")


@router.get(
    "/meetings", response={200: list[MeetingOut], **ERROR_RESPONSES}, summary="Deliberation meetings (staff)"
)
def list_meetings(request):
    user = require_user(request)
    return [_meeting_out(m) for m in _meetings(user)[:100]]


@router.post(
    "/meetings", response={201: MeetingOut, **ERROR_RESPONSES}, summary="Call a deliberation meeting (staff)"
)
def create_meeting(request, data: MeetingIn):
    user = require_user(request)
    region = Region.objects.filter(pk=data.region).first()
    if region is None:
        raise _invalid("region", _("There is no such region."))
    meeting = services.schedule_meeting(
        user,
        region=region,
        title=data.title,
        held_at=data.held_at,
        place=data.place,
        attendees=data.attendees,
    )
    return Status(201, _meeting_out(meeting))


@router.get("/meetings/{id:meeting_id}", response={200: MeetingOut, **ERROR_RESPONSES}, summary="One meeting")
def get_meeting(request, meeting_id: Id):
    user = require_user(request)
    return _meeting_out(get_object_or_404(_meetings(user), pk=meeting_id))


@router.post(
    "/meetings/{id:meeting_id}/decide", response={200: MeetingOut, **ERROR_RESPONSES},
    summary="Record the decision and its action items (staff)",
)  # fmt: skip
def decide_meeting(request, meeting_id: Id, data: DecisionIn):
    """Every demand referred to the meeting is handled with the decision as its result; each
    action item becomes a demand assigned to its owner."""
    user = require_user(request)
    meeting = get_object_or_404(Deliberation.objects.select_related("region"), pk=meeting_id)
    users = get_user_model().objects.in_bulk([a.assignee_id for a in data.actions])
    grids = Region.objects.in_bulk([a.grid for a in data.actions if a.grid is not None])
    actions = []
    for item in data.actions:
        if item.assignee_id not in users or (item.grid is not None and item.grid not in grids):
            raise _invalid("actions", _("There is no such person or grid."))
        actions.append((item.title, users[item.assignee_id], grids.get(item.grid)))
    meeting = services.record_decision(
        meeting, user, decision=data.decision, attendees=data.attendees, actions=actions
    )
    return _meeting_out(meeting)


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


# --- transitions -------------------------------------------------------------------------


@router.post("/{id:demand_id}/resolve_on_spot", response=DEMAND_OUT, summary="Resolve on the spot (staff)")
def resolve_on_spot(request, demand_id: Id, data: ResolveIn):
    user = require_user(request)
    return _render(user, services.resolve_on_spot(_get(demand_id), user, result=data.result))


@router.post(
    "/{id:demand_id}/assign", response=DEMAND_OUT, summary="Assign to staff or a grid worker (staff)"
)
def assign(request, demand_id: Id, data: AssignIn):
    user = require_user(request)
    assignee = get_user_model().objects.filter(pk=data.assignee_id, is_active=True).first()
    if assignee is None:
        raise _invalid("assignee_id", _("There is no such person."))
    return _render(user, services.assign_demand(_get(demand_id), user, assignee, note=data.note))


@router.post("/{id:demand_id}/transfer", response=DEMAND_OUT, summary="Transfer to departments (staff)")
def transfer(request, demand_id: Id, data: TransferIn):
    user = require_user(request)
    found = Department.objects.in_bulk([t.department_id for t in data.departments])
    if len(found) != len({t.department_id for t in data.departments}):
        raise _invalid("departments", _("There is no such department."))
    targets = [(found[t.department_id], t.deadline) for t in data.departments]
    return _render(user, services.transfer_demand(_get(demand_id), user, targets, note=data.note))


@router.post(
    "/{id:demand_id}/handle", response=DEMAND_OUT, openapi_extra={"requestBody": json_or_multipart_body(HandleIn)},
    summary="Record the result (handler)",
)  # fmt: skip
def handle(request, demand_id: Id):
    """A department handler reports for their department; the demand is handled once every
    department it went to has reported. JSON, or a form with up to 6 `photos` as evidence."""
    user = require_user(request)
    data, photos = parse_body(request, HandleIn)
    demand = services.handle_demand(
        _get(demand_id), user, result=data.result, action_taken=data.action_taken,
        is_genuine=data.is_genuine, beyond_remit=data.beyond_remit, photos=photos,
    )  # fmt: skip
    return _render(user, demand)


@router.post("/{id:demand_id}/reply", response=DEMAND_OUT, summary="Reply to the resident (staff)")
def reply(request, demand_id: Id, data: ReplyIn):
    user = require_user(request)
    demand = services.reply_demand(_get(demand_id), user, reply=data.reply, public_reply=data.public_reply)
    return _render(user, demand)


@router.post("/{id:demand_id}/evaluate", response=DEMAND_OUT, summary="Evaluate (the resident, or staff)")
def evaluate(request, demand_id: Id, data: EvaluateIn):
    """'unsatisfied' the first time reopens the demand as a warning order."""
    user = require_user(request)
    demand = services.evaluate_demand(_get(demand_id), user, evaluation=data.evaluation, note=data.note)
    return _render(user, demand)


@router.post("/{id:demand_id}/return", response=DEMAND_OUT, summary="Return to the street (department)")
def return_demand(request, demand_id: Id, data: ReasonIn):
    user = require_user(request)
    return _render(user, services.request_return(_get(demand_id), user, reason=data.reason))


@router.post(
    "/{id:demand_id}/review_return", response=DEMAND_OUT, summary="Approve or reject a return (street)"
)
def review_return(request, demand_id: Id, data: ReviewReturnIn):
    user = require_user(request)
    return _render(user, services.review_return(_get(demand_id), user, approve=data.approve, note=data.note))


@router.post("/{id:demand_id}/escalate", response=DEMAND_OUT, summary="Escalate to the street")
def escalate(request, demand_id: Id, data: ReasonIn):
    user = require_user(request)
    return _render(user, services.escalate_demand(_get(demand_id), user, reason=data.reason))


@router.post(
    "/{id:demand_id}/accept", response=DEMAND_OUT, summary="Accept a transferred demand (department)"
)
def accept(request, demand_id: Id):
    user = require_user(request)
    return _render(user, services.accept_transfer(_get(demand_id), user))


@router.post("/{id:demand_id}/refer", response=DEMAND_OUT, summary="Refer to a deliberation meeting (staff)")
def refer(request, demand_id: Id, data: ReferIn):
    user = require_user(request)
    meeting = Deliberation.objects.select_related("region").filter(pk=data.meeting_id).first()
    if meeting is None:
        raise _invalid("meeting_id", _("There is no such meeting."))
    return _render(user, services.refer_to_meeting(_get(demand_id), user, meeting, note=data.note))


@router.post(
    "/from_wish/{id:wish_id}",
    response={201: DemandDetailOut, **ERROR_RESPONSES},
    summary="Turn a micro-wish that is too big into a demand (staff)",
)
def convert_wish(request, wish_id: Id, data: ConvertIn):
    """The wish leaves the wall (status `converted`) and a demand takes it on; each links to
    the other (`source_wish` here, `demand` on the wish)."""
    from weiguang.wishes.models import Wish

    user = require_user(request)
    wish = get_object_or_404(Wish.objects.select_related("resident", "grid"), pk=wish_id)
    category = None
    if data.category is not None:
        category = DemandCategory.objects.filter(pk=data.category, active=True).first()
        if category is None:
            raise _invalid("category", _("There is no such category."))
    return Status(201, _render(user, services.convert_wish(wish, user, note=data.note, category=category)))

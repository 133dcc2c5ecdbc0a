"""The demand API's shapes: what it accepts and what it answers."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from weiguang.core.api import (
    ERROR_RESPONSES,
    Id,
    InSchema,
    Page,
    Ref,
    Text,
)

from ..filters import DemandFilter
from ..models import (
    DemandChannel,
    SessionKind,
)
from ..services import common

ChannelCode = Literal[tuple(DemandChannel.values)]  # type: ignore[valid-type]
BreakdownCode = Literal["community", "department", "category", "month"]
STATS_EARLIEST, STATS_LATEST = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


# --- shapes ------------------------------------------------------------------------------


class DemandFilters(DemandFilter):  # the shared filters (filters.py) and the page
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=1_000_000)


class DemandIn(InSchema):
    grid: Id = Field(description="Region id of the grid the demand is about")
    title: Text = Field(max_length=common.TITLE_MAX, description="2 to 60 characters")
    description: Text = Field("", max_length=common.TEXT_MAX)
    channel: ChannelCode | None = Field(None, description="Staff and grid workers only; others: online")
    category: Id | None = None
    urgent: bool = False
    resident_id: Id | None = Field(None, description="The resident, when known (staff, grid workers)")
    contact_name: Text = Field("", max_length=common.CONTACT_NAME_MAX)
    contact_phone: Text = Field("", max_length=common.PHONE_TEXT_MAX, description="Digits, spaces or dashes")
    session: Id | None = Field(None, description="The desk session or fair it was collected at (staff)")
    place: Text = Field("", max_length=common.PLACE_MAX, description="Building or spot, e.g. 3号楼2单元")


class StatsFilters(InSchema):
    region: Id = Field(description="Region id (street, community or grid)")
    from_: dt.date = Field(alias="from", description="First day received, YYYY-MM-DD")
    to: dt.date = Field(description="Last day received, YYYY-MM-DD")
    by: BreakdownCode | None = Field(
        None, description="Also the figures per community, department, category or month"
    )


class NoteIn(InSchema):
    note: Text = Field("", max_length=common.REASON_MAX)


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
    title: Text = Field(max_length=common.TITLE_MAX)
    held_at: dt.datetime
    place: Text = Field("", max_length=common.PLACE_MAX)
    attendees: Text = Field("", max_length=common.TEXT_MAX)


class ActionItemIn(InSchema):
    title: Text = Field(max_length=common.TITLE_MAX)
    assignee_id: Id
    grid: Id | None = Field(None, description="Default: the grid of the first referred demand")


class DecisionIn(InSchema):
    decision: Text = Field(max_length=common.DECISION_MAX)
    attendees: Text | None = Field(None, max_length=common.TEXT_MAX)
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


class SessionIn(InSchema):
    community: Id
    kind: Literal[tuple(SessionKind.values)] = "desk"  # type: ignore[valid-type]
    title: Text = Field(max_length=common.TITLE_MAX)
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
    note: Text = Field("", max_length=common.REASON_MAX)
    category: Id | None = None


class PhotoOut(Schema):
    url: str
    stage: str


class DemandContactOut(Schema):
    name: str
    phone: str
    unconfirmed: bool = Field(
        description="未核实身份: sent online by an account whose address its community has not confirmed yet"
    )


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


class DemandPage(Page):
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

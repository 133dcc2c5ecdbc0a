"""The fair's API: stalls (/stalls), queue numbers (/queue), food-bank rounds (/food_rounds)
and the fair's summary (/stalls/fairs/{event}/summary). Thin: parse, call a service, render."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.db.models import Count, Q
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from weiguang.core.api import (
    ERROR_RESPONSES,
    OPTIONAL_AUTH_OPENAPI,
    Id,
    InSchema,
    Text,
    current_user,
    optional_auth,
    referenced,
    require_user,
)
from weiguang.core.errors import NotAllowed
from weiguang.partners.models import PartnerUnit
from weiguang.people.models import PopulationGroup
from weiguang.regions import access
from weiguang.regions.models import Region
from weiguang.volunteers.models import Team

from .. import services as event_services
from ..models import Event, FoodRound, QueueTicket, SlotBooking, Stall, TicketStatus
from . import services
from .summary import fair_summary

stalls_router = Router(tags=["fairs"])
queue_router = Router(tags=["fairs"])
food_router = Router(tags=["fairs"])


# --- shapes -----------------------------------------------------------------------------------


class StallOut(Schema):
    id: int
    event: int
    number: int
    provider_kind: str
    provider: str
    service: str
    spot: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    slot_minutes: int | None
    per_slot: int
    waiting: int = Field(description="Numbers waiting now")
    now_calling: list[str] = Field(description="The numbers called last, latest first")


class StallIn(InSchema):
    event: Id
    number: int | None = Field(None, ge=1, le=999)
    provider_kind: Literal["partner", "team", "department"]
    partner: Id | None = None
    team: Id | None = None
    department_name: Text = ""
    service: Text
    spot: Text = ""
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    slot_minutes: int | None = Field(None, ge=5, le=240)
    per_slot: int = Field(1, ge=1, le=50)
    workers: list[Id] = []


class TicketOut(Schema):
    id: int
    stall: int
    label: str = Field(description="The number as shown: A007 (normal lane), P002 (priority lane)")
    lane: str
    status: str
    name: str = Field(description="Masked (张**)")
    channel: str
    ahead: int = Field(description="Waiting numbers to be called before this one")
    wait_minutes: int = Field(description="Expected wait, from the stall's recent service times")
    now_calling: list[str]
    taken_at: dt.datetime
    called_at: dt.datetime | None


class QueueTicketIn(InSchema):
    resident_id: Id | None = Field(None, description="At the stall, for a resident (staff)")
    name: Text = Field("", description="At the stall, for a person by name (the stall's workers)")
    priority: bool = Field(False, description="At the stall: a senior's or disability card was shown")


class QueueRowOut(Schema):
    id: int
    label: str
    lane: str
    status: str
    name: str
    taken_at: dt.datetime


class StallSlotOut(Schema):
    starts_at: dt.datetime
    booked: int
    free: int


class StallBookingIn(InSchema):
    starts_at: dt.datetime
    resident_id: Id | None = None


class StallBookingOut(Schema):
    id: int
    stall: int
    starts_at: dt.datetime
    status: str
    name: str


class StallWalkInIn(InSchema):
    resident_id: Id | None = None
    name: Text = ""


class WalkInOut(Schema):
    id: int
    stall: int
    kind: str
    served_at: dt.datetime


class FairStallRowOut(Schema):
    stall: int
    number: int
    provider: str
    service: str
    person_visits: int
    distinct_residents: int
    wishes: int


class FairUnitRowOut(Schema):
    name: str
    kind: str
    stalls: int
    person_visits: int
    distinct_residents: int


class FairSummaryOut(Schema):
    event: int
    title: str
    stalls: int
    units: int
    person_visits: int
    distinct_residents: int
    wishes: int
    collected: int = Field(description="Demands collected in the fair's intake session")
    on_spot: int
    transferred: int
    on_spot_share: float | None = Field(description="Handled on the spot, % of collected (69.2)")
    parcels: int
    came: int = Field(description="Distinct people checked in at the fair's desk (a party as many as came)")
    door_visits: int = Field(description="Person-visits at the fair's desk")
    stall_rows: list[FairStallRowOut]
    unit_rows: list[FairUnitRowOut]


class FoodRoundIn(InSchema):
    event: Id | None = None
    stall: Id | None = None
    region: Id | None = None
    title: Text
    date: dt.date
    groups: list[Id]
    parcels: int | None = Field(None, ge=1, le=100_000)


class FoodRoundOut(Schema):
    id: int
    event: int | None
    title: str
    date: dt.date
    parcels: int | None
    handed_out: int
    eligible_households: int


class HandOutIn(InSchema):
    code: Text = Field("", description="The resident's six-digit sign-up code for the fair")
    resident_id: Id | None = Field(None, description="Or the resident, found by staff")


class ParcelOut(Schema):
    id: int
    round: int
    household_member: str = Field(description="Masked name of the resident it was handed to")
    handed_at: dt.datetime


# --- loaders ------------------------------------------------------------------------------------


def _public_stalls():
    return Stall.objects.filter(event__in=event_services.public_events()).select_related(
        "partner", "team", "event"
    )


def _stall(user, stall_id: int, action: str | None = None) -> Stall:
    stall = _public_stalls().filter(pk=stall_id).first()
    if stall is None:
        stall = (
            Stall.objects.select_related("partner", "team", "event")
            .restrict(user, "stall.manage")
            .filter(pk=stall_id)
            .first()
        )
    if stall is None:
        raise Http404
    if action is not None and not access.can(user, action, stall):
        raise NotAllowed(_("You are not allowed to do this."))
    return stall


def _ticket(user, ticket_id: int) -> QueueTicket:
    qs = QueueTicket.objects.select_related("stall", "resident").restrict(user, "ticket.view")
    ticket = qs.filter(pk=ticket_id).first()
    if ticket is None:
        raise Http404
    return ticket


def _stall_out(stall: Stall, waiting: int | None = None, calling: list[str] | None = None) -> dict:
    if waiting is None:
        waiting = QueueTicket.objects.filter(stall=stall, status=TicketStatus.WAITING).count()
    if calling is None:
        calling = [t.label for t in services.now_calling(stall)]
    return {
        "id": stall.pk, "event": stall.event_id, "number": stall.number, "provider_kind": stall.provider_kind,
        "provider": stall.provider, "service": stall.service, "spot": stall.spot, "opens_at": stall.opens_at,
        "closes_at": stall.closes_at, "slot_minutes": stall.slot_minutes, "per_slot": stall.per_slot,
        "waiting": waiting, "now_calling": calling,
    }  # fmt: skip


def _ticket_out(ticket: QueueTicket, pos: dict | None = None) -> dict:
    pos = pos or services.position(ticket)
    return {
        "id": ticket.pk, "stall": ticket.stall_id, "label": ticket.label, "lane": ticket.lane,
        "status": ticket.status, "name": ticket.masked_name, "channel": ticket.channel,
        "taken_at": ticket.taken_at, "called_at": ticket.called_at, **pos,
    }  # fmt: skip


# --- stalls ---------------------------------------------------------------------------------------


class StallFilters(InSchema):
    event: Id


@stalls_router.get(
    "", response={200: list[StallOut], **ERROR_RESPONSES}, auth=optional_auth,
    openapi_extra=OPTIONAL_AUTH_OPENAPI, summary="The stalls of a fair",
)  # fmt: skip
def list_stalls(request, filters: Query[StallFilters]):
    stalls = list(
        _public_stalls()
        .filter(event_id=filters.event)
        .annotate(n_waiting=Count("tickets", filter=Q(tickets__status=TicketStatus.WAITING)))
        .order_by("number", "id")
    )
    called: dict[int, list[str]] = {}
    for t in QueueTicket.objects.filter(stall__in=stalls, status=TicketStatus.CALLED).order_by(
        "-called_at", "-id"
    ):
        called.setdefault(t.stall_id, []).append(t.label)
    return [_stall_out(s, s.n_waiting, called.get(s.pk, [])[:3]) for s in stalls]


@stalls_router.post("", response={201: StallOut, **ERROR_RESPONSES}, summary="Set up a stall (staff)")
def create_stall(request, data: StallIn):
    user = require_user(request)
    event = referenced(
        Event.objects.restrict(user, "event.manage"), data.event, "event", _("There is no such event.")
    )
    fields = data.dict(exclude={"event"})
    fields["partner"] = referenced(
        PartnerUnit.objects, data.partner, "partner", _("There is no such partner unit.")
    )
    fields["team"] = referenced(Team.objects, data.team, "team", _("There is no such team."))
    return Status(201, _stall_out(services.add_stall(event, user, fields), 0, []))


@stalls_router.get(
    "/{id:stall_id}", response={200: StallOut, **ERROR_RESPONSES}, auth=optional_auth,
    openapi_extra=OPTIONAL_AUTH_OPENAPI, summary="One stall and its queue now",
)  # fmt: skip
def get_stall(request, stall_id: Id):
    return _stall_out(_stall(current_user(request), stall_id))


@stalls_router.post(
    "/{id:stall_id}/tickets", response={201: TicketOut, **ERROR_RESPONSES},
    summary="Take a number (on the phone for myself; at the stall for someone)",
)  # fmt: skip
def take_number(request, stall_id: Id, data: QueueTicketIn):
    user = require_user(request)
    stall = _stall(user, stall_id)
    ticket = services.take_number(
        stall, user, resident=data.resident_id, name=data.name, priority=data.priority
    )
    return Status(201, _ticket_out(ticket))


@stalls_router.get(
    "/{id:stall_id}/queue", response={200: list[QueueRowOut], **ERROR_RESPONSES},
    summary="The numbers waiting, called and skipped, in calling order (the stall's people)",
)  # fmt: skip
def stall_queue(request, stall_id: Id):
    user = require_user(request)
    stall = _stall(user, stall_id, "stall.serve")
    return [_queue_row(t) for t in queue_rows(stall)]


def queue_rows(stall: Stall) -> list[QueueTicket]:
    """Called and skipped numbers first, then the waiting ones in calling order."""
    others = list(
        QueueTicket.objects.filter(stall=stall, status__in=[TicketStatus.CALLED, TicketStatus.SKIPPED])
        .select_related("resident")
        .order_by("status", "-called_at", "-id")
    )
    return others + list(services.waiting(stall).select_related("resident"))


def _queue_row(t: QueueTicket) -> dict:
    return {
        "id": t.pk,
        "label": t.label,
        "lane": t.lane,
        "status": t.status,
        "name": t.masked_name,
        "taken_at": t.taken_at,
    }


@stalls_router.post(
    "/{id:stall_id}/call_next", response={200: TicketOut, **ERROR_RESPONSES},
    summary="Call the next number (priority lane first); the number called before is served",
)  # fmt: skip
def call_next(request, stall_id: Id):
    user = require_user(request)
    return _ticket_out(services.call_next(_stall(user, stall_id), user))


@stalls_router.get(
    "/{id:stall_id}/slots", response={200: list[StallSlotOut], **ERROR_RESPONSES}, auth=optional_auth,
    openapi_extra=OPTIONAL_AUTH_OPENAPI, summary="A stall's bookable slots and their free places",
)  # fmt: skip
def list_slots(request, stall_id: Id):
    return services.slots(_stall(current_user(request), stall_id))


@stalls_router.post(
    "/{id:stall_id}/bookings", response={201: StallBookingOut, **ERROR_RESPONSES}, summary="Book a slot"
)
def book(request, stall_id: Id, data: StallBookingIn):
    user = require_user(request)
    b = services.book_slot(_stall(user, stall_id), user, data.starts_at, resident=data.resident_id)
    return Status(201, _booking_out(b))


def _booking_out(b: SlotBooking) -> dict:
    return {
        "id": b.pk,
        "stall": b.stall_id,
        "starts_at": b.starts_at,
        "status": b.status,
        "name": b.masked_name,
    }


@stalls_router.post(
    "/{id:stall_id}/walk_ins", response={201: WalkInOut, **ERROR_RESPONSES},
    summary="Record someone served without a number or a booking",
)  # fmt: skip
def walk_in(request, stall_id: Id, data: StallWalkInIn):
    user = require_user(request)
    v = services.record_walk_in(_stall(user, stall_id), user, resident=data.resident_id, name=data.name)
    return Status(201, {"id": v.pk, "stall": v.stall_id, "kind": v.kind, "served_at": v.served_at})


@stalls_router.get(
    "/fairs/{id:event_id}/summary", response={200: FairSummaryOut, **ERROR_RESPONSES},
    summary="A fair's summary: stalls, units, people served, what it collected, parcels (staff)",
)  # fmt: skip
def summary(request, event_id: Id):
    user = require_user(request)
    event = fair_for(user, event_id)
    return summary_body(event)


def fair_for(user, event_id: int) -> Event:
    event = Event.objects.restrict(user, "fair.summary").filter(pk=event_id, kind="service_fair").first()
    if event is None:
        raise Http404
    return event


def summary_body(event: Event) -> dict:
    s = fair_summary(event)
    return {
        "event": event.pk, "title": event.title, "stalls": s.stalls, "units": s.units,
        "person_visits": s.person_visits, "distinct_residents": s.distinct_residents, "wishes": s.wishes,
        "collected": s.collected, "on_spot": s.on_spot, "transferred": s.transferred,
        "on_spot_share": s.on_spot_share, "parcels": s.parcels, "came": s.came, "door_visits": s.door_visits,
        "stall_rows": [
            {"stall": r.stall.pk, "number": r.stall.number, "provider": r.stall.provider, "service": r.stall.service,
             "person_visits": r.visits, "distinct_residents": r.residents, "wishes": r.wishes}
            for r in s.rows
        ],
        "unit_rows": [
            {"name": u.name, "kind": u.kind, "stalls": u.stalls, "person_visits": u.visits,
             "distinct_residents": u.residents}
            for u in s.unit_rows
        ],
    }  # fmt: skip


# --- queue numbers ----------------------------------------------------------------------------------


@queue_router.get("/tickets/mine", response={200: list[TicketOut], **ERROR_RESPONSES}, summary="My numbers")
def my_tickets(request):
    user = require_user(request)
    tickets = services.my_tickets(user).filter(
        status__in=[TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SKIPPED]
    )
    tickets = list(tickets.select_related("stall", "resident").order_by("-taken_at")[:20])
    found = services.positions(tickets)
    return [_ticket_out(t, found[t.pk]) for t in tickets]


@queue_router.get(
    "/tickets/{id:ticket_id}", response={200: TicketOut, **ERROR_RESPONSES},
    summary="A number: how many are ahead, the expected wait",
)  # fmt: skip
def get_ticket(request, ticket_id: Id):
    user = require_user(request)
    return _ticket_out(_ticket(user, ticket_id))


STEPS = {
    "serve": services.serve_ticket,
    "skip": services.skip_ticket,
    "recall": services.recall_ticket,
    "cancel": services.cancel_ticket,
}


def _step_endpoint(step: str, summary: str):
    def endpoint(request, ticket_id: Id):
        user = require_user(request)
        return _ticket_out(STEPS[step](_ticket(user, ticket_id), user))

    endpoint.__name__ = f"ticket_{step}"
    queue_router.post(
        f"/tickets/{{id:ticket_id}}/{step}", response={200: TicketOut, **ERROR_RESPONSES}, summary=summary
    )(endpoint)


_step_endpoint("serve", "Record the called number as served")
_step_endpoint("skip", "Skip a called number (not here)")
_step_endpoint("recall", "Call a skipped number again")
_step_endpoint("cancel", "Give up my number")


# --- food bank ---------------------------------------------------------------------------------------


def _round_out(r: FoodRound) -> dict:
    return {
        "id": r.pk, "event": r.event_id, "title": r.title, "date": r.date, "parcels": r.parcels,
        "handed_out": services.handed_out(r), "eligible_households": services.eligible_households(r),
    }  # fmt: skip


@food_router.post(
    "", response={201: FoodRoundOut, **ERROR_RESPONSES}, summary="Open a food-bank round (staff)"
)
def open_round(request, data: FoodRoundIn):
    user = require_user(request)
    event = referenced(
        Event.objects.restrict(user, "event.manage"), data.event, "event", _("There is no such event.")
    )
    stall = referenced(Stall.objects, data.stall, "stall", _("There is no such stall."))
    region = referenced(Region.objects, data.region, "region", _("There is no such place."))
    groups = list(PopulationGroup.objects.filter(pk__in=data.groups))
    if len(groups) != len(set(data.groups)):
        groups = data.groups  # the service names the unknown group
    r = services.open_food_round(
        user, region=region, title=data.title, date=data.date, groups=groups, parcels=data.parcels,
        event=event, stall=stall,
    )  # fmt: skip
    return Status(201, _round_out(r))


def _round(user, round_id: int, action: str) -> FoodRound:
    r = FoodRound.objects.restrict(user, action).filter(pk=round_id).first()
    if r is None:
        raise Http404
    return r


@food_router.get(
    "/{id:round_id}", response={200: FoodRoundOut, **ERROR_RESPONSES}, summary="A food-bank round"
)
def get_round(request, round_id: Id):
    user = require_user(request)
    return _round_out(_round(user, round_id, "food.hand_out"))


@food_router.post(
    "/{id:round_id}/hand_out", response={201: ParcelOut, **ERROR_RESPONSES},
    summary="Hand a parcel to a household (by the resident's sign-up code, or the resident)",
)  # fmt: skip
def hand_out(request, round_id: Id, data: HandOutIn):
    user = require_user(request)
    r = _round(user, round_id, "food.hand_out")
    p = services.hand_out(r, user, code=data.code, resident=data.resident_id)
    return Status(
        201,
        {
            "id": p.pk,
            "round": p.round_id,
            "household_member": p.resident.masked_name,
            "handed_at": p.handed_at,
        },
    )

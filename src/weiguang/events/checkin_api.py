"""/api/v1/events/{event_id}/checkins and /helpers: check-in and check-out at an event's desk
(events/checkins.py), for its staff and the volunteers serving it."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from weiguang.core.api import ERROR_RESPONSES, Id, InSchema, Page, Text, invalid, require_user
from weiguang.core.errors import NotAllowed
from weiguang.regions import access
from weiguang.volunteers.models import Volunteer

from . import checkins
from .models import CheckIn, CheckInMethod, CheckInRole, CheckInStatus, Event, EventHelper

router = Router(tags=["check-in"])


class CheckInOut(Schema):
    id: int
    name: str = Field(description="Full name for the event's staff, masked for the volunteers serving")
    role: Literal[tuple(CheckInRole.values)]  # type: ignore[valid-type]
    method: Literal[tuple(CheckInMethod.values)]  # type: ignore[valid-type]
    status: Literal[tuple(CheckInStatus.values)]  # type: ignore[valid-type]
    signup_id: int | None
    party: int = Field(description="How many of the sign-up's party came (1 for a walk-in or a volunteer)")
    checked_in_at: dt.datetime
    checked_in_by: str
    checked_out_at: dt.datetime | None
    service_record_id: int | None = Field(description="A volunteer's pending hours, once checked out")


class CheckInFiguresOut(Schema):
    people: int = Field(
        description="Distinct people who came (someone in twice counts once; a party as many as came)"
    )
    visits: int = Field(description="Person-visits (someone in twice counts twice; a party of 3 is 3)")
    walk_ins: int
    here: int = Field(description="In right now")
    helpers: int = Field(description="Volunteers serving who checked in")
    helpers_here: int


class CheckInPage(Page):
    figures: CheckInFiguresOut
    items: list[CheckInOut]


class CheckInListQuery(InSchema):
    status: Literal[tuple(CheckInStatus.values)] | None = None  # type: ignore[valid-type]
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


class TicketIn(InSchema):
    code: Text | None = Field(None, max_length=20, description="The sign-up's 6-digit code")
    token: Text | None = Field(None, max_length=400, description="The text of the sign-up's QR ticket")
    party: int | None = Field(None, ge=1, le=100, description="How many of the party came; none: all of them")


class CheckInPartyIn(InSchema):
    party: int = Field(ge=1, le=100, description="How many of the sign-up's party came")


class WalkInIn(InSchema):
    resident_id: Id | None = Field(None, description="A resident the staff found")
    name: Text | None = Field(None, max_length=60, description="Or a visitor's name")


class ServeIn(InSchema):
    volunteer_id: Id | None = Field(None, description="Staff: the volunteer of the roster; none: myself")


class CloseOut(Schema):
    checked_out: int


class HelperIn(InSchema):
    volunteer_id: Id


class HelperOut(Schema):
    id: int
    volunteer_id: int
    name: str
    number: str | None


def _staff(user, event: Event) -> bool:
    return access.can(user, "event.signups", event)


def _out(checkin: CheckIn, full: bool) -> dict:
    by = checkin.checked_in_by
    return {
        "id": checkin.pk,
        "name": checkin.name if full else checkin.masked_name,
        "role": checkin.role,
        "method": checkin.method,
        "status": checkin.status,
        "signup_id": checkin.signup_id,
        "party": checkin.party,
        "checked_in_at": checkin.checked_in_at,
        "checked_in_by": checkins.actor_name(by) if by else "",
        "checked_out_at": checkin.checked_out_at,
        "service_record_id": checkin.service_record_id,
    }


def _ticket(data: TicketIn) -> dict:
    if not data.code and not data.token:
        raise invalid("code", _("Type the 6-digit code or scan the QR code."))
    return {"code": data.code, "token": data.token}


def _visit(user, event: Event, checkin_id: int) -> CheckIn:
    return access.get_for_user(
        CheckIn.objects.filter(event=event),
        user,
        see="checkin.view",
        denied=NotAllowed(_("You are not allowed to do this.")),
        pk=checkin_id,
    )


@router.get(
    "/{id:event_id}/checkins",
    response={200: CheckInPage, **ERROR_RESPONSES},
    summary="Who checked in at an event, with its figures (its staff and volunteers serving)",
)
def list_checkins(request, event_id: Id, filters: Query[CheckInListQuery]):
    user = require_user(request)
    event = checkins.desk_event(user, event_id)
    qs = checkins.visits(event, user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    full = _staff(user, event)
    items = [_out(c, full) for c in Page.window(qs, filters)]
    body = Page.body(filters, qs.count(), items)
    body["figures"] = checkins.figures(event)
    return body


@router.get(
    "/{id:event_id}/checkins/figures",
    response={200: CheckInFiguresOut, **ERROR_RESPONSES},
    summary="An event's figures: distinct people and person-visits",
)
def checkin_figures(request, event_id: Id):
    user = require_user(request)
    return checkins.figures(checkins.desk_event(user, event_id))


@router.post(
    "/{id:event_id}/checkins",
    response={201: CheckInOut, **ERROR_RESPONSES},
    summary="Check in a ticket's holder by its 6-digit code or its QR token (409: already in)",
)
def check_in(request, event_id: Id, data: TicketIn):
    user = require_user(request)
    event = checkins.desk_event(user, event_id)
    checkin = checkins.check_in_ticket(event, user, **_ticket(data), party=data.party)
    return Status(201, _out(checkin, _staff(user, event)))


@router.post(
    "/{id:event_id}/checkins/walk_in",
    response={201: CheckInOut, **ERROR_RESPONSES},
    summary="Check in someone without a sign-up: a resident found, or a visitor by name",
)
def check_in_walk_in(request, event_id: Id, data: WalkInIn):
    user = require_user(request)
    event = checkins.desk_event(user, event_id)
    if data.resident_id is None and not (data.name or "").strip():
        raise invalid("name", _("Name the visitor, or choose the resident."))
    checkin = checkins.walk_in(event, user, resident=data.resident_id, name=data.name or "")
    return Status(201, _out(checkin, _staff(user, event)))


@router.post(
    "/{id:event_id}/checkins/serve",
    response={201: CheckInOut, **ERROR_RESPONSES},
    summary="A volunteer of the roster starts serving (themselves, or staff for them)",
)
def check_in_helper(request, event_id: Id, data: ServeIn):
    user = require_user(request)
    event = checkins.desk_event(user, event_id)
    volunteer = None
    if data.volunteer_id is not None:
        volunteer = Volunteer.objects.filter(pk=data.volunteer_id).first()
        if volunteer is None:
            raise invalid("volunteer_id", _("There is no such volunteer."))
    checkin = checkins.start_serving(event, user, volunteer=volunteer)
    return Status(201, _out(checkin, _staff(user, event)))


@router.post(
    "/{id:event_id}/checkins/check_out",
    response={200: CheckInOut, **ERROR_RESPONSES},
    summary="Check out a ticket's holder by code or QR token",
)
def check_out_ticket(request, event_id: Id, data: TicketIn):
    user = require_user(request)
    event = checkins.desk_event(user, event_id)
    return _out(checkins.check_out_ticket(event, user, **_ticket(data)), _staff(user, event))


@router.post(
    "/{id:event_id}/checkins/{id:checkin_id}/party",
    response={200: CheckInOut, **ERROR_RESPONSES},
    summary="Say how many of a sign-up's party came (1 up to its party size)",
)
def set_party(request, event_id: Id, checkin_id: Id, data: CheckInPartyIn):
    user = require_user(request)
    event = checkins.desk_event(user, event_id)
    return _out(checkins.set_party(_visit(user, event, checkin_id), user, data.party), _staff(user, event))


@router.post(
    "/{id:event_id}/checkins/{id:checkin_id}/check_out",
    response={200: CheckInOut, **ERROR_RESPONSES},
    summary="Check out one visit (a volunteer's hours become a pending service record)",
)
def check_out(request, event_id: Id, checkin_id: Id):
    user = require_user(request)
    event = checkins.desk_event(user, event_id)
    visit = access.get_for_user(
        CheckIn.objects.filter(event=event),
        user,
        see="checkin.view",
        denied=NotAllowed(_("You are not allowed to do this.")),
        pk=checkin_id,
    )
    return _out(checkins.check_out(visit, user), _staff(user, event))


@router.post(
    "/{id:event_id}/checkins/close",
    response={200: CloseOut, **ERROR_RESPONSES},
    summary="Everyone still in is checked out (the desk closes)",
)
def close_desk(request, event_id: Id):
    user = require_user(request)
    return {"checked_out": checkins.close_desk(checkins.desk_event(user, event_id), user)}


@router.get(
    "/{id:event_id}/helpers",
    response={200: list[HelperOut], **ERROR_RESPONSES},
    summary="The volunteers serving an event (its roster)",
)
def list_helpers(request, event_id: Id):
    user = require_user(request)
    event = checkins.desk_event(user, event_id)
    rows = EventHelper.objects.filter(event=event).select_related("volunteer").order_by("id")
    full = _staff(user, event)
    return [
        {
            "id": h.pk,
            "volunteer_id": h.volunteer_id,
            "name": h.volunteer.name if full else h.volunteer.masked_name,
            "number": h.volunteer.number,
        }
        for h in rows
    ]


@router.post(
    "/{id:event_id}/helpers",
    response={201: HelperOut, **ERROR_RESPONSES},
    summary="Put a volunteer on the event's roster (its staff)",
)
def add_helper(request, event_id: Id, data: HelperIn):
    user = require_user(request)
    event = checkins.desk_event(user, event_id)
    volunteer = Volunteer.objects.filter(pk=data.volunteer_id).first()
    if volunteer is None:
        raise invalid("volunteer_id", _("There is no such volunteer."))
    h = checkins.add_helper(event, user, volunteer)
    return Status(
        201, {"id": h.pk, "volunteer_id": volunteer.pk, "name": volunteer.name, "number": volunteer.number}
    )


@router.delete(
    "/{id:event_id}/helpers/{id:helper_id}",
    response={204: None, **ERROR_RESPONSES},
    summary="Take a volunteer off the roster (before they served)",
)
def remove_helper(request, event_id: Id, helper_id: Id):
    user = require_user(request)
    event = checkins.desk_event(user, event_id)
    helper = access.get_for_user(EventHelper.objects.filter(event=event), user, pk=helper_id)
    checkins.remove_helper(helper, user)
    return Status(204, None)

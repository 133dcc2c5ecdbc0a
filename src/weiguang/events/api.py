"""Events API (/api/v1/events): thin — parse, call a service, render. Anyone may list and read
published events (no resident's name in them); staff of the event's place create, publish,
close and cancel it and see who signed up; a signed-in person signs up (a grid worker or staff
member for a resident, `resident_id`), cancels, leaves the waiting list, takes an offer."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from weiguang.core.actions import register_api_actions
from weiguang.core.api import (
    ERROR_RESPONSES,
    OPTIONAL_AUTH_OPENAPI,
    Id,
    InSchema,
    Page,
    Ref,
    Text,
    current_user,
    many_of,
    optional_auth,
    ref,
    referenced,
    require_user,
)
from weiguang.core.errors import NotAllowed
from weiguang.partners.models import PartnerUnit
from weiguang.people.models import PopulationGroup
from weiguang.places.models import Room, Station
from weiguang.regions import access
from weiguang.regions.models import Region
from weiguang.volunteers.models import Team

from . import services
from .actions import EVENT_ACTIONS, SIGNUP_ACTIONS
from .filters import EventFilter, SignUpFilter
from .models import EVENT_TRANSITIONS, SIGNUP_TRANSITIONS, Event, EventKind, OrganiserKind, SignUp

events_router = Router(tags=["events"])
signups_router = Router(tags=["events"])

EventKindIn = Literal[tuple(EventKind.values)]  # type: ignore[valid-type]
OrganiserKindIn = Literal[tuple(OrganiserKind.values)]  # type: ignore[valid-type]


class EventPlaceOut(Schema):
    kind: Literal["station", "room", "address", ""] = Field(
        description="How the place is given; empty: not yet"
    )
    station: Ref | None
    room: Ref | None
    centre: Ref | None = Field(description="The room's service centre")
    address: str = Field(description="The address: the free text, the station's, or the centre's")
    booking_status: str = Field(
        description="The room's booking for the event (staff of the event; else empty)"
    )


def _place_out(user, e: Event) -> dict:
    place = {
        "kind": "",
        "station": None,
        "room": None,
        "centre": None,
        "address": e.place_text,
        "booking_status": "",
    }
    if e.station_id:
        place.update(kind="station", station=ref(e.station), address=e.station.address)
    elif e.room_id:
        place.update(kind="room", room=ref(e.room), centre=ref(e.room.centre), address=e.room.centre.address)
        if e.room_booking_id and access.can(user, "event.manage", e):
            place["booking_status"] = e.room_booking.status
    elif e.place_text:
        place["kind"] = "address"
    return place


class EventOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    description: str
    organiser_kind: str
    organiser: str
    region: Ref
    address: str = Field(description="Where, in words")
    place: EventPlaceOut
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int | None = Field(description="None: no limit")
    places_left: int | None
    waiting: int = Field(description="Parties on the waiting list")
    max_party_size: int
    residents_only: bool
    groups: list[str]
    min_age: int | None
    party_members_only: bool
    offer_minutes: int
    auto_promote: bool
    summary: str
    status: str
    photos: list[str]
    my_signup: int | None = Field(description="Your live sign-up's id, if any")
    actions: list[str]


def _event_out(user, e: Event) -> dict:
    return {
        "id": e.pk, "kind": e.kind, "kind_label": e.get_kind_display(), "title": e.title,
        "description": e.description, "organiser_kind": e.organiser_kind, "organiser": e.organiser,
        "region": ref(e.region), "address": e.where, "place": _place_out(user, e), "starts_at": e.starts_at, "ends_at": e.ends_at,
        "capacity": e.capacity, "places_left": services.places_left(e), "waiting": e.n_waiting,
        "max_party_size": e.max_party_size, "residents_only": e.residents_only,
        "groups": [str(g) for g in e.groups.all()], "min_age": e.min_age,
        "party_members_only": e.party_members_only, "offer_minutes": services.offer_minutes(e),
        "auto_promote": e.auto_promote, "summary": e.summary, "status": e.status,
        "photos": [p.image.url for p in e.photos.all()], "my_signup": getattr(e, "mine", None),
        "actions": [t.name for t in EVENT_TRANSITIONS.available(e, user)],
    }  # fmt: skip


def _events(user):
    return services.with_places(
        Event.objects.select_related(
            "region", "team", "partner", "station", "room__centre", "room_booking"
        ).prefetch_related("groups", "photos"),
        user,
    )


def _event(user, event_id: int, action: str | None = None) -> Event:
    denied = NotAllowed(_("Only staff of the event's community or street may do this."))
    return access.get_for_user(
        _events(user), user, action, see=services.may_view_event, denied=denied, pk=event_id
    )


def _render_event(user, event: Event) -> dict:
    return _event_out(user, _events(user).get(pk=event.pk))


EVENT_OUT = {200: EventOut, **ERROR_RESPONSES}


class EventFilters(EventFilter):  # the shared filters (filters.py) and the pages
    scope: Literal["public", "region"] = Field(
        "public", description="public: published events anyone sees; region: every event you run (staff)"
    )
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=1_000_000)


class EventPage(Page):
    items: list[EventOut]


@events_router.get(
    "", auth=optional_auth, openapi_extra=OPTIONAL_AUTH_OPENAPI,
    response={200: EventPage, **ERROR_RESPONSES}, summary="List events",
)  # fmt: skip
def list_events(request, filters: Query[EventFilters]):
    """`scope=public` (default, anyone): published, closed and cancelled events, soonest first.
    `scope=region`: every event of the places where you run events, drafts included (staff)."""
    user = current_user(request)
    if filters.scope == "region":
        user = require_user(request)
        qs = _events(user).restrict(user, "event.manage")
    else:
        qs = _events(user).filter(pk__in=services.public_events().values("pk"))
    qs = filters.apply(qs).order_by("starts_at", "id")
    return Page.body(filters, qs.count(), [_event_out(user, e) for e in Page.window(qs, filters)])


class EventIn(InSchema):
    region: Id = Field(description="The community or street of the event")
    kind: EventKindIn
    title: Text = Field(max_length=services.TITLE_MAX)
    description: Text = Field("", max_length=services.TEXT_MAX)
    organiser_kind: OrganiserKindIn = OrganiserKind.COMMUNITY
    organiser_name: Text = Field("", max_length=services.NAME_MAX)
    team: Id | None = Field(None, description="A volunteer team organising it")
    partner: Id | None = Field(None, description="A partner unit organising it")
    station: Id | None = Field(None, description="A station of the region or its street")
    room: Id | None = Field(
        None, description="A function room of the region or its street: booked for the event's times"
    )
    address: Text = Field(
        "", max_length=services.PLACE_MAX, description="A free address (or a station, or a room)"
    )
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int | None = Field(None, ge=1, le=100_000, description="None: no limit")
    max_party_size: int = Field(1, ge=1, le=services.MAX_PARTY_SIZE)
    residents_only: bool = True
    groups: list[Id] = Field([], max_length=20, description="Population group ids; empty: everyone")
    min_age: int | None = Field(None, ge=0, le=120)
    party_members_only: bool = False
    offer_minutes: int | None = Field(None, ge=5, le=10080, description="None: the site's default")
    auto_promote: bool = False
    summary: Text = Field("", max_length=services.TEXT_MAX)


class EventPatchIn(InSchema):
    kind: EventKindIn | None = None
    title: Text | None = Field(None, max_length=services.TITLE_MAX)
    description: Text | None = Field(None, max_length=services.TEXT_MAX)
    organiser_kind: OrganiserKindIn | None = None
    organiser_name: Text | None = Field(None, max_length=services.NAME_MAX)
    station: Id | None = Field(None, description="Sending any of station, room, address clears the others")
    room: Id | None = None
    address: Text | None = Field(None, max_length=services.PLACE_MAX)
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    capacity: int | None = Field(None, ge=1, le=100_000, description="null: no limit")
    max_party_size: int | None = Field(None, ge=1, le=services.MAX_PARTY_SIZE)
    residents_only: bool | None = None
    groups: list[Id] | None = Field(None, max_length=20)
    min_age: int | None = Field(None, ge=0, le=120)
    party_members_only: bool | None = None
    offer_minutes: int | None = Field(None, ge=5, le=10080)
    auto_promote: bool | None = None
    summary: Text | None = Field(None, max_length=services.TEXT_MAX)


def _event_data(data: dict) -> dict:
    """An API body as the services' fields (ids looked up, 422 on an unknown one)."""
    out = dict(data)
    if "region" in out:
        out["region"] = referenced(Region.objects, out["region"], "region", _("There is no such region."))
    if "team" in out:
        out["team"] = referenced(Team.objects, out["team"], "team", _("There is no such team."))
    if "partner" in out:
        out["partner"] = referenced(
            PartnerUnit.objects, out["partner"], "partner", _("There is no such partner unit.")
        )
    if out.get("groups") is not None:
        out["groups"] = many_of(
            PopulationGroup.objects, out["groups"], "groups", _("There is no such group.")
        )
    if "station" in out:
        out["station"] = referenced(
            Station.objects, out["station"], "station", _("There is no such station.")
        )
    if "room" in out:
        out["room"] = referenced(
            Room.objects.select_related("centre"), out["room"], "room", _("There is no such room.")
        )
    if "address" in out:
        out["place_text"] = out.pop("address") or ""
    return out


@events_router.post("", response={201: EventOut, **ERROR_RESPONSES}, summary="Create an event (staff)")
def create_event(request, data: EventIn):
    """Created as a draft; publish it to open sign-ups."""
    user = require_user(request)
    event = services.create_event(user, _event_data(data.dict()))
    return Status(201, _render_event(user, event))


@events_router.get(
    "/{id:event_id}", auth=optional_auth, openapi_extra=OPTIONAL_AUTH_OPENAPI, response=EVENT_OUT,
    summary="One event",
)  # fmt: skip
def get_event(request, event_id: Id):
    """A draft is 'not found' to everyone but the staff who run it."""
    user = current_user(request)
    return _event_out(user, _event(user, event_id))


@events_router.patch("/{id:event_id}", response=EVENT_OUT, summary="Change an event (staff)")
def update_event(request, event_id: Id, data: EventPatchIn):
    """Only the fields sent change (`capacity: null`: no limit). Fewer places than are taken
    is refused (422); more places go to the waiting list at once."""
    user = require_user(request)
    event = _event(user, event_id, "event.manage")
    return _render_event(user, services.update_event(event, user, _event_data(data.dict(exclude_unset=True))))


register_api_actions(
    events_router,
    EVENT_ACTIONS,
    path="/{id:event_id}",
    load=lambda user, event_id: _event(user, event_id),
    render=_render_event,
    response=EVENT_OUT,
    module=__name__,
)


# --- sign-ups ---------------------------------------------------------------------------


class EventSignUpOut(Schema):
    id: int
    event: int
    event_title: str
    name: str = Field(description="Masked for everyone but the person and the event's staff")
    party_size: int
    status: str
    status_label: str
    code: str = Field(description="The 6-digit code shown at the door; empty for others")
    ticket: str = Field(description="The signed text of the ticket's QR code; empty for others")
    waiting_position: int | None = Field(description="1: first on the waiting list")
    offer_expires_at: dt.datetime | None
    signed_up_for: bool = Field(description="Signed up by a grid worker or staff member")
    created_at: dt.datetime
    actions: list[str]


def _signup_out(user, s: SignUp, staff: bool | None = None) -> dict:
    own = user.is_authenticated and (
        s.user_id == user.pk or (s.resident_id and s.resident.user_id == user.pk)
    )
    if staff is None:
        # the event's staff, and whoever signed the resident up (they tell them the code)
        staff = access.can(user, "event.signups", s.event) or (
            user.is_authenticated and s.signed_up_by_id == user.pk
        )
    return {
        "id": s.pk, "event": s.event_id, "event_title": s.event.title,
        "name": s.name if own or staff else s.masked_name, "party_size": s.party_size, "status": s.status,
        "status_label": s.get_status_display(), "code": s.code if own or staff else "",
        "ticket": services.ticket_token(s) if own else "", "waiting_position": services.waiting_position(s),
        "offer_expires_at": s.offer_expires_at if s.status == "offered" else None,
        "signed_up_for": s.signed_up_by_id is not None and s.signed_up_by_id != s.user_id,
        "created_at": s.created_at, "actions": [t.name for t in SIGNUP_TRANSITIONS.available(s, user)],
    }  # fmt: skip


def _signups():
    return services.with_position(SignUp.objects.select_related("event__region", "resident"))


def _signup(user, signup_id: int) -> SignUp:
    return access.get_for_user(_signups(), user, see="signup.view", pk=signup_id)


SIGNUP_OUT = {200: EventSignUpOut, **ERROR_RESPONSES}


class SignUpIn(InSchema):
    party_size: int = Field(1, ge=1, le=services.MAX_PARTY_SIZE, description="People, yourself included")
    resident_id: Id | None = Field(None, description="Sign this resident up (grid workers, staff)")
    wait: bool = Field(True, description="Join the waiting list when the places are taken (else 409)")


@events_router.post(
    "/{id:event_id}/signups", response={201: EventSignUpOut, **ERROR_RESPONSES},
    summary="Sign up (yourself, or a resident)",
)  # fmt: skip
def sign_up(request, event_id: Id, data: SignUpIn):
    """When the places are taken the sign-up joins the waiting list (`status: waiting`). A
    resident of another place than yours: 403."""
    user = require_user(request)
    event = _event(user, event_id)
    signup = services.sign_up(
        event, user, party_size=data.party_size, resident=data.resident_id, wait=data.wait
    )
    return Status(201, _signup_out(user, _signups().get(pk=signup.pk)))


class SignUpFilters(SignUpFilter):
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


class EventSignUpPage(Page):
    items: list[EventSignUpOut]


@events_router.get(
    "/{id:event_id}/signups", response={200: EventSignUpPage, **ERROR_RESPONSES},
    summary="Who signed up (staff)",
)  # fmt: skip
def list_signups(request, event_id: Id, filters: Query[SignUpFilters]):
    user = require_user(request)
    event = _event(user, event_id, "event.signups")
    qs = filters.apply(_signups().filter(event=event).restrict(user, "signup.view")).order_by(
        "created_at", "id"
    )
    rows = Page.window(qs, filters)
    return Page.body(filters, qs.count(), [_signup_out(user, s, staff=True) for s in rows])


@events_router.get(
    "/{id:event_id}/waiting_list", response={200: list[EventSignUpOut], **ERROR_RESPONSES},
    summary="The waiting list in order, with the open offers first (staff)",
)  # fmt: skip
def waiting_list(request, event_id: Id):
    user = require_user(request)
    event = _event(user, event_id, "event.signups")
    rows = services.waiting_list(_signups().filter(event=event).restrict(user, "signup.view"))
    return [_signup_out(user, s, staff=True) for s in rows[:500]]


@signups_router.get(
    "/signups", response={200: list[EventSignUpOut], **ERROR_RESPONSES}, summary="My sign-ups"
)
def my_signups(request):
    """Yours, and those a grid worker or staff member made for your resident record; newest
    event first."""
    user = require_user(request)
    rows = (
        _signups().filter(pk__in=services.my_signups(user).values("pk")).order_by("-event__starts_at", "-id")
    )
    return [_signup_out(user, s, staff=False) for s in rows[:200]]


@signups_router.get("/signups/{id:signup_id}", response=SIGNUP_OUT, summary="One sign-up")
def get_signup(request, signup_id: Id):
    user = require_user(request)
    return _signup_out(user, _signup(user, signup_id))


register_api_actions(
    signups_router,
    SIGNUP_ACTIONS,
    path="/signups/{id:signup_id}",
    load=_signup,
    render=lambda user, s: _signup_out(user, _signups().get(pk=s.pk)),
    response=SIGNUP_OUT,
    module=__name__,
)

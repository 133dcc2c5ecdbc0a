"""Rooms and bookings API (/api/v1/rooms, /api/v1/bookings): thin — parse, call a service,
render. A booking's booker is named only to themselves and to staff of the centre."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from weiguang.core.actions import register_api_actions
from weiguang.core.api import ERROR_RESPONSES, Id, InSchema, Page, Text, invalid, referenced, require_user
from weiguang.core.errors import NotAllowed
from weiguang.partners.models import PartnerUnit
from weiguang.regions import access
from weiguang.volunteers.models import Team

from ..models import Booking, Equipment, Room, ServiceCentre
from . import services
from .actions import BOOKING_ACTIONS, BookingReasonIn
from .filters import BookingFilter, RoomFilter

rooms_router = Router(tags=["rooms"])
FIRST_YEAR, LAST_YEAR = 2000, 2100  # dates outside are refused (and cannot overflow the arithmetic)


def _within_years(day: dt.date, field: str) -> None:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise invalid(field, _("Give a date between %(a)d and %(b)d.") % {"a": FIRST_YEAR, "b": LAST_YEAR})


bookings_router = Router(tags=["rooms"])


# --- rooms ----------------------------------------------------------------------------------


class RoomCentreOut(Schema):
    id: int
    name: str
    floors: int


class RoomOut(Schema):
    id: int
    name: str
    centre: RoomCentreOut
    floor: int
    capacity: int
    equipment: list[str] = Field(description="Keys: " + ", ".join(Equipment.values))
    hours: dict[str, list[str]] = Field(
        description='Usual bookable hours per weekday, {"mon": ["08:30", "17:00"]}'
    )
    needs_approval: bool
    description: str
    active: bool


def _room_out(room: Room) -> dict:
    return {
        "id": room.pk, "name": room.name, "floor": room.floor, "capacity": room.capacity,
        "centre": {"id": room.centre_id, "name": room.centre.name, "floors": room.centre.floors},
        "equipment": room.equipment, "hours": room.hours, "needs_approval": room.needs_approval,
        "description": room.description, "active": room.active,
    }  # fmt: skip


def visible_rooms(user):
    return Room.objects.select_related("centre").restrict(user, "room.view", within=True)


def _room(user, room_id: int) -> Room:
    return access.get_for_user(
        Room.objects.select_related("centre__region"), user,
        see=lambda u, r: access.can_within(u, "room.view", r), pk=room_id,
    )  # fmt: skip


class RoomFilters(RoomFilter):
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


class RoomPage(Page):
    items: list[RoomOut]


@rooms_router.get("", response={200: RoomPage, **ERROR_RESPONSES}, summary="Function rooms I may book")
def list_rooms(request, filters: Query[RoomFilters]):
    user = require_user(request)
    qs = filters.apply(visible_rooms(user))
    page = Page.window(qs.order_by("centre", "floor", "name", "id"), filters)
    return Page.body(filters, qs.count(), [_room_out(r) for r in page])


@rooms_router.get("/{id:room_id}", response={200: RoomOut, **ERROR_RESPONSES}, summary="A function room")
def get_room(request, room_id: Id):
    return _room_out(_room(require_user(request), room_id))


Hours = dict[str, list[Text]]


class RoomIn(InSchema):
    centre_id: Id
    name: Text = Field(max_length=50)
    floor: int = Field(1, ge=-5, le=200)
    capacity: int = Field(20, ge=1, le=10000)
    equipment: list[Text] = Field(default_factory=list, max_length=20)
    hours: Hours | None = Field(
        None, description='{"mon": ["08:30", "17:00"], ...}; a weekday left out is closed'
    )
    needs_approval: bool = True
    description: Text = Field("", max_length=300)
    active: bool = True


class RoomPatchIn(InSchema):
    name: Text | None = Field(None, max_length=50)
    floor: int | None = Field(None, ge=-5, le=200)
    capacity: int | None = Field(None, ge=1, le=10000)
    equipment: list[Text] | None = Field(None, max_length=20)
    hours: Hours | None = None
    needs_approval: bool | None = None
    description: Text | None = Field(None, max_length=300)
    active: bool | None = None


@rooms_router.post("", response={201: RoomOut, **ERROR_RESPONSES}, summary="Add a function room (staff)")
def create_room(request, data: RoomIn):
    user = require_user(request)
    centres = ServiceCentre.objects.restrict(user, "room.manage")
    centre = referenced(centres, data.centre_id, "centre_id", _("No such service centre."))
    fields = data.dict(exclude={"centre_id"})
    if fields["hours"] is None:
        fields.pop("hours")
    return Status(201, _room_out(services.create_room(centre, user, **fields)))


@rooms_router.patch(
    "/{id:room_id}", response={200: RoomOut, **ERROR_RESPONSES}, summary="Change a room (staff)"
)
def update_room(request, room_id: Id, data: RoomPatchIn):
    user = require_user(request)
    room = _room(user, room_id)
    fields = {k: v for k, v in data.dict(exclude_unset=True).items() if v is not None}
    return _room_out(services.update_room(room, user, **fields))


class SlotOut(Schema):
    id: int
    start: dt.datetime
    end: dt.datetime
    group_name: str
    purpose: str
    status: str
    mine: bool


class WeekDayOut(Schema):
    date: dt.date
    opens: str | None = Field(description="HH:MM, null when closed")
    closes: str | None
    closed: str = Field(description="Why it is closed, empty when open")
    make_up_day: bool = Field(description="A 调休 working day on a weekend")
    bookings: list[SlotOut]


class RoomWeekOut(Schema):
    room: int
    monday: dt.date
    days: list[WeekDayOut]


def _slot(user, b: Booking) -> dict:
    return {
        "id": b.pk, "start": b.start, "end": b.end, "group_name": b.group_name, "purpose": b.purpose,
        "status": b.status, "mine": b.booked_by_id == user.pk,
    }  # fmt: skip


@rooms_router.get(
    "/{id:room_id}/week", response={200: RoomWeekOut, **ERROR_RESPONSES},
    summary="A room's week: open hours on the street's calendar and what is booked",
)  # fmt: skip
def room_week(request, room_id: Id, start: dt.date | None = None):
    """`start`: any day of the week wanted (default: this week)."""
    user = require_user(request)
    room = _room(user, room_id)
    if start is not None:
        _within_years(start, "start")
    monday = services.monday_of(start or timezone.localdate())
    days = services.week_of([room], monday)[room.pk]
    return {
        "room": room.pk,
        "monday": monday,
        "days": [
            {
                "date": d.date,
                "opens": d.hours[0].strftime("%H:%M") if d.hours else None,
                "closes": d.hours[1].strftime("%H:%M") if d.hours else None,
                "closed": d.closed,
                "make_up_day": d.make_up,
                "bookings": [_slot(user, b) for b in d.bookings],
            }  # fmt: skip
            for d in days
        ],
    }


# --- bookings --------------------------------------------------------------------------------


class BookingOut(Schema):
    id: int
    room: int
    room_name: str
    start: dt.datetime
    end: dt.datetime
    purpose: str
    group_name: str
    team: int | None
    partner: int | None
    attendees: int
    status: str
    series: int | None
    note: str
    mine: bool
    checked_in_at: dt.datetime | None
    actions: list[str] = Field(
        description="What I may do now: approve, refuse, cancel, check_in; change (PATCH) and "
        "cancel_rest (a weekly booking: this and the later dates)"
    )


def _booking_out(user, b: Booking) -> dict:
    return {
        "id": b.pk, "room": b.room_id, "room_name": b.room.name, "start": b.start, "end": b.end,
        "purpose": b.purpose, "group_name": b.group_name, "team": b.team_id, "partner": b.partner_id,
        "attendees": b.attendees, "status": b.status, "series": b.series_id, "note": b.note,
        "mine": b.booked_by_id == user.pk, "checked_in_at": b.checked_in_at,
        "actions": booking_actions(user, b),
    }  # fmt: skip


def booking_actions(user, b: Booking) -> list[str]:
    names = [t.name for t in Booking.state_machine.available(b, user) if t.name in BOOKING_ACTIONS]
    if services.may_change(b, user):
        names.append("change")
        if b.series_id:
            names.append("cancel_rest")
    return names


def _booking(user, booking_id: int) -> Booking:
    rows = Booking.objects.select_related("room__centre__region")
    return access.get_for_user(rows, user, see="booking.view", pk=booking_id)


class BookingFilters(BookingFilter):
    queue: bool = Field(
        False, description="Staff: the bookings of my region (with status=requested: to decide)"
    )
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


class BookingPage(Page):
    items: list[BookingOut]


@bookings_router.get(
    "", response={200: BookingPage, **ERROR_RESPONSES},
    summary="My bookings, or (queue=true, staff) those of my region",
)  # fmt: skip
def list_bookings(request, filters: Query[BookingFilters]):
    user = require_user(request)
    rows = Booking.objects.select_related("room__centre__region")
    rows = rows.restrict(user, "booking.approve") if filters.queue else rows.filter(booked_by=user)
    qs = filters.apply(rows)
    page = Page.window(qs.order_by("start", "id"), filters)
    return Page.body(filters, qs.count(), [_booking_out(user, b) for b in page])


@bookings_router.get("/{id:booking_id}", response={200: BookingOut, **ERROR_RESPONSES}, summary="A booking")
def get_booking(request, booking_id: Id):
    user = require_user(request)
    return _booking_out(user, _booking(user, booking_id))


class RepeatIn(InSchema):
    until: dt.date | None = Field(None, description="The last date (or give `count`)")
    count: int | None = Field(None, ge=1, le=services.MAX_WEEKS, description="How many weeks")


class BookingIn(InSchema):
    room_id: Id
    start: dt.datetime = Field(description="The (first) booking's start; a weekly series repeats its weekday")
    end: dt.datetime
    purpose: Text = Field(max_length=services.PURPOSE_MAX)
    group_name: Text = Field("", max_length=services.GROUP_MAX)
    team_id: Id | None = None
    partner_id: Id | None = None
    attendees: int = Field(ge=1, le=10000)
    direct: bool = Field(False, description="Staff: book it approved")
    repeat: RepeatIn | None = Field(None, description="Every week on the start's weekday")
    dates: list[dt.date] | None = Field(
        None, max_length=services.MAX_WEEKS,
        description="With repeat: the dates to save (those the preview showed free); a date no longer free "
        "saves nothing (409). Without: every free date is saved and the others skipped.",
    )  # fmt: skip


class OccurrenceOut(Schema):
    date: dt.date
    start: dt.datetime
    end: dt.datetime
    free: bool
    problem: str = Field(description="booked, hours, closed, past; empty when free")
    message: str


class PreviewOut(Schema):
    occurrences: list[OccurrenceOut]


class BookedOut(Schema):
    bookings: list[BookingOut]
    skipped: list[OccurrenceOut]


def _occurrence(o: services.Occurrence) -> dict:
    return {
        "date": o.date, "start": o.start, "end": o.end, "free": o.free,
        "problem": o.problem.code if o.problem else "", "message": o.problem.message if o.problem else "",
    }  # fmt: skip


def _parse(user, data: BookingIn):
    """(room, the booking's fields, start, end, the weekly rule: given `repeat`, or one week when
    `once` asks for it)."""
    room = _room(user, data.room_id)
    for name in ("start", "end"):
        _within_years(getattr(data, name).date(), name)
    if data.repeat is not None and data.repeat.until is not None:
        _within_years(data.repeat.until, "repeat.until")
    for day in data.dates or []:
        _within_years(day, "dates")
    team = referenced(Team.objects, data.team_id, "team_id", _("No such team."))
    partner = referenced(PartnerUnit.objects, data.partner_id, "partner_id", _("No such partner unit."))
    start, end = (
        timezone.localtime(v if v.tzinfo else timezone.make_aware(v)) for v in (data.start, data.end)
    )
    if start.date() != end.date():
        raise invalid("end", _("A booking starts and ends on the same day."))
    repeat = data.repeat or RepeatIn(count=1)
    rule = services.Rule(
        weekday=start.weekday(), start_time=start.time(), end_time=end.time(), first_date=start.date(),
        until=repeat.until, count=repeat.count,
    )  # fmt: skip
    fields = services.BookingInput(data.purpose, data.group_name, data.attendees, team, partner)
    return room, fields, start, end, rule


@bookings_router.post(
    "/preview", response={200: PreviewOut, **ERROR_RESPONSES},
    summary="Preview a weekly booking: each date and what stands in its way (nothing is saved)",
)  # fmt: skip
def preview(request, data: BookingIn):
    user = require_user(request)
    room, _fields, _start, _end, rule = _parse(user, data)
    if not services.may_request(user, room):
        raise NotAllowed(_("You are not allowed to do this."))
    return {"occurrences": [_occurrence(o) for o in services.preview_series(room, rule)]}


@bookings_router.post(
    "", response={201: BookedOut, **ERROR_RESPONSES},
    summary="Book a room: once, or every week (the group asks; staff may book directly)",
)  # fmt: skip
def create_booking(request, data: BookingIn):
    user = require_user(request)
    room, fields, start, end, rule = _parse(user, data)
    if data.repeat is None:
        booking = services.request_booking(room, user, start=start, end=end, data=fields, direct=data.direct)
        return Status(201, {"bookings": [_booking_out(user, booking)], "skipped": []})
    result = services.book_series(room, user, rule, fields, dates=data.dates, direct=data.direct)
    return Status(
        201,
        {
            "bookings": [_booking_out(user, b) for b in result.bookings],
            "skipped": [_occurrence(o) for o in result.skipped],
        },
    )


register_api_actions(
    bookings_router,
    BOOKING_ACTIONS,
    path="/{id:booking_id}",
    load=_booking,
    render=_booking_out,
    response={200: BookingOut, **ERROR_RESPONSES},
    module=__name__,
)


class DoorIn(InSchema):
    code: Text = Field(max_length=200, description="The token of the room's door QR code")


@bookings_router.post(
    "/door", response={200: BookingOut, **ERROR_RESPONSES},
    summary="Check in with a room's door code (my booking of that room, now)",
)  # fmt: skip
def check_in_at_door(request, data: DoorIn):
    user = require_user(request)
    room = services.room_from_door_token(data.code)
    return _booking_out(user, services.check_in_at_door(room, user))


class BookingChangeIn(InSchema):
    start: dt.datetime
    end: dt.datetime
    purpose: Text | None = Field(None, max_length=services.PURPOSE_MAX)
    attendees: int | None = Field(None, ge=1, le=10000)


@bookings_router.patch(
    "/{id:booking_id}", response={200: BookingOut, **ERROR_RESPONSES},
    summary="Change a booking's time, purpose or people (the booker or staff; the booker's new time "
    "of an approved booking waits for approval again)",
)  # fmt: skip
def change_booking(request, booking_id: Id, data: BookingChangeIn):
    user = require_user(request)
    booking = _booking(user, booking_id)
    for name in ("start", "end"):
        _within_years(getattr(data, name).date(), name)
    start, end = (
        timezone.localtime(v if v.tzinfo else timezone.make_aware(v)) for v in (data.start, data.end)
    )
    if start.date() != end.date():
        raise invalid("end", _("A booking starts and ends on the same day."))
    changed = services.change_booking(
        booking, user, start=start, end=end, purpose=data.purpose, attendees=data.attendees
    )
    return _booking_out(user, changed)


class CancelledOut(Schema):
    cancelled: list[BookingOut]


@bookings_router.post(
    "/{id:booking_id}/cancel_rest", response={200: CancelledOut, **ERROR_RESPONSES},
    summary="Cancel this date of a weekly booking and every later one (the booker or staff)",
)  # fmt: skip
def cancel_rest_of_series(request, booking_id: Id, data: BookingReasonIn | None = None):
    user = require_user(request)
    booking = _booking(user, booking_id)
    cancelled = services.cancel_series_from(booking, user, data.reason if data else "")
    return {"cancelled": [_booking_out(user, b) for b in cancelled]}


class DoorCodeOut(Schema):
    room: int
    code: str = Field(description="The token of the room's door QR code (POST /bookings/door)")
    version: int


@rooms_router.post(
    "/{id:room_id}/door/replace", response={200: DoorCodeOut, **ERROR_RESPONSES},
    summary="Replace a room's door QR code: every earlier code stops working (staff)",
)  # fmt: skip
def replace_door_code(request, room_id: Id):
    user = require_user(request)
    room = services.rotate_door_code(_room(user, room_id), user)
    return {"room": room.pk, "code": services.door_token(room), "version": room.door_key}

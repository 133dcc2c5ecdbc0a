"""Room pages: the rooms of the centres, a room's and a centre's week, the booking request
(once or weekly, with the preview of each date's conflict before saving), my bookings, the
staff's approval queue, the room settings and the printable door QR code with its check-in.
Thin: parse, call a service, render."""

from __future__ import annotations

import datetime as dt
import io

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weiguang.core.actions import run_page_action
from weiguang.core.errors import ServiceError
from weiguang.core.forms import apply_service_error
from weiguang.core.templatetags.wg import safe_next
from weiguang.regions import access

from ..models import ACTIVE_BOOKING, Booking, BookingStatus, Room, ServiceCentre
from . import services
from .actions import BOOKING_ACTIONS
from .filters import BookingFilter
from .forms import WEEKDAY_LABELS, BookingChangeForm, BookingForm, RoomForm, default_booking

FIRST_HOUR, LAST_HOUR = 7, 22  # the week grid's hours


def _room(request, pk: int) -> Room:
    return access.get_for_user(
        Room.objects.select_related("centre__region"), request.user,
        see=lambda u, r: access.can_within(u, "room.view", r), pk=pk,
    )  # fmt: skip


def _week_start(request) -> dt.date:
    raw = request.GET.get("week", "")
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        day = timezone.localdate()
    if not 2000 <= day.year <= 2100:
        day = timezone.localdate()
    return services.monday_of(day)


def _bar(day: services.Day) -> list[dict]:
    """The day's hour bar: each booking and the open hours as spans of the grid's columns
    (quarter hours from FIRST_HOUR)."""

    def col(t: dt.time) -> int:
        minutes = (t.hour - FIRST_HOUR) * 60 + t.minute
        return max(0, min(minutes // 15, (LAST_HOUR - FIRST_HOUR) * 4)) + 1

    spans = []
    if day.hours:
        spans.append({"kind": "open", "start": col(day.hours[0]), "end": col(day.hours[1])})
    for b in day.bookings:
        start, end = timezone.localtime(b.start).time(), timezone.localtime(b.end).time()
        spans.append(
            {"kind": b.status, "start": col(start), "end": max(col(end), col(start) + 1), "booking": b}
        )
    return spans


def _days(days: list[services.Day]) -> list[dict]:
    return [
        {
            "day": d,
            "label": WEEKDAY_LABELS[d.date.weekday()],
            "bar": _bar(d),
            "today": d.date == timezone.localdate(),
        }
        for d in days
    ]


def _week_links(monday: dt.date) -> dict:
    return {
        "monday": monday,
        "sunday": monday + dt.timedelta(days=6),
        "previous": (monday - dt.timedelta(days=7)).isoformat(),
        "next": (monday + dt.timedelta(days=7)).isoformat(),
        "hours": [f"{h:02d}" for h in range(FIRST_HOUR, LAST_HOUR)],
        "columns": (LAST_HOUR - FIRST_HOUR) * 4,
    }


# --- rooms and weeks ---------------------------------------------------------------------------


@login_required
def rooms(request):
    """The centres the user may book in, their rooms by floor."""
    visible = list(
        Room.objects.select_related("centre")
        .restrict(request.user, "room.view", within=True)
        .order_by("centre__name", "centre_id", "floor", "name")
    )
    centres: dict[int, dict] = {}
    for room in visible:
        entry = centres.setdefault(room.centre_id, {"centre": room.centre, "rooms": []})
        entry["rooms"].append(room)
    manageable = set(ServiceCentre.objects.restrict(request.user, "room.manage").values_list("pk", flat=True))
    for entry in centres.values():
        entry["manage"] = entry["centre"].pk in manageable
    empty_centres = ServiceCentre.objects.restrict(request.user, "room.manage").exclude(pk__in=centres.keys())
    for centre in empty_centres:
        centres[centre.pk] = {"centre": centre, "rooms": [], "manage": True}
    return render(request, "places/rooms/rooms.html", {"centres": list(centres.values())})


@login_required
def room_week(request, pk: int):
    room = _room(request, pk)
    monday = _week_start(request)
    days = services.week_of([room], monday)[room.pk]
    return render(
        request,
        "places/rooms/room_week.html",
        {
            "room": room, "days": _days(days), **_week_links(monday),
            "may_book": services.may_request(request.user, room),
            "manage": access.can(request.user, "room.manage", room),
            "staff": access.can(request.user, "booking.approve", room),
        },
    )  # fmt: skip


@login_required
def centre_week(request, pk: int):
    centre = access.get_for_user(
        ServiceCentre.objects.select_related("region"), request.user,
        see=lambda u, c: access.can_within(u, "room.view", c), pk=pk,
    )  # fmt: skip
    centre_rooms = list(
        Room.objects.select_related("centre__region")
        .restrict(request.user, "room.view", within=True)
        .filter(centre=centre)
    )
    monday = _week_start(request)
    week = services.week_of(centre_rooms, monday)
    days = []
    for i in range(7):
        day = monday + dt.timedelta(days=i)
        rows = [
            {"room": room, "bar": _bar(week[room.pk][i]), "day": week[room.pk][i]} for room in centre_rooms
        ]
        days.append(
            {"date": day, "label": WEEKDAY_LABELS[i], "rows": rows, "today": day == timezone.localdate()}
        )
    return render(
        request,
        "places/rooms/centre_week.html",
        {
            "centre": centre,
            "days": days,
            **_week_links(monday),
            "staff": access.can(request.user, "booking.approve", centre),
        },
    )


# --- asking for a room ----------------------------------------------------------------------------


@login_required
def book(request, pk: int):
    """The booking request. A weekly booking is previewed first: each date with what stands in
    its way; the free ones are ticked and saved together, the others listed as skipped. With
    htmx the preview replaces its box only; without, the page comes back with it."""
    room = _room(request, pk)
    if not services.may_request(request.user, room):
        raise PermissionDenied
    form = BookingForm(request.POST or None, room=room, user=request.user, initial=default_booking(room))
    preview, status = None, 200
    step = request.POST.get("step", "preview")
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                if step == "save":
                    return _save(request, room, form)
                preview = services.preview_series(room, form.rule())
                status = 200
            except ServiceError as err:
                apply_service_error(form, err)
                if err.status == 409:  # a date was taken since the preview: show it again
                    try:
                        preview = services.preview_series(room, form.rule())
                    except ServiceError:
                        preview = None
                    messages.error(request, err.message)
    context = {
        "room": room, "form": form, "preview": preview,
        "free": sum(1 for o in preview or [] if o.free), "conflicts": [o for o in preview or [] if not o.free],
    }  # fmt: skip
    if request.htmx and request.method == "POST" and step != "save":
        return render(request, "places/rooms/_preview.html", context, status=status)
    return render(request, "places/rooms/book.html", context, status=status)


def _save(request, room: Room, form: BookingForm):
    direct = bool(form.cleaned_data.get("direct"))
    if form.cleaned_data.get("weekly"):
        dates = []
        for raw in request.POST.getlist("dates"):
            try:
                dates.append(dt.date.fromisoformat(raw))
            except ValueError:
                continue
        result = services.book_series(
            room, request.user, form.rule(), form.input(), dates=dates, direct=direct
        )
        message = _("%(n)d bookings saved.") % {"n": len(result.bookings)}
        if result.skipped:
            message += " " + _("Skipped: %(dates)s.") % {
                "dates": "、".join(o.date.strftime("%m-%d") for o in result.skipped)
            }
    else:
        start, end = form.span()
        services.request_booking(room, request.user, start=start, end=end, data=form.input(), direct=direct)
        message = _("Your booking is saved.")
    messages.success(request, message)
    return redirect("my_bookings")


# --- lists ---------------------------------------------------------------------------------------


_LISTED = Booking.objects.select_related("room__centre__region", "series", "team", "partner", "booked_by")


@login_required
def my_bookings(request):
    filters = BookingFilter.from_query(request.GET)
    rows = filters.apply(_LISTED.filter(booked_by=request.user))
    since = timezone.now() - dt.timedelta(days=1)
    upcoming = list(rows.filter(end__gte=since).order_by("start", "id")[:200])
    past = list(rows.filter(end__lt=since).order_by("-start", "-id")[:20])
    return render(
        request,
        "places/rooms/my_bookings.html",
        {"upcoming": _with_actions(request.user, upcoming), "past": _with_actions(request.user, past),
         "filters": filters, "statuses": BookingStatus.choices},
    )  # fmt: skip


def _with_actions(user, bookings: list[Booking]) -> list[dict]:
    """Each booking with the buttons `user` gets: the transitions of BOOKING_ACTIONS, and
    change / cancel the rest of a weekly series while it is still to come."""
    rows = []
    for b in bookings:
        actions = [t for t in Booking.state_machine.available(b, user) if t.name in BOOKING_ACTIONS]
        rows.append({"b": b, "actions": actions, "may_change": services.may_change(b, user)})
    return rows


@login_required
def booking_queue(request):
    """The requests of the user's region waiting for a decision, soonest first; and what is
    booked in the next days."""
    region_rows = _LISTED.restrict(request.user, "booking.approve")
    if not access.has_role(request.user, access.ACTION_ROLES["booking.approve"]):
        raise PermissionDenied
    waiting = list(
        region_rows.filter(status=BookingStatus.REQUESTED, start__gte=timezone.now()).order_by("start", "id")[
            :200
        ]
    )
    return render(
        request,
        "places/rooms/queue.html",
        {"waiting": _with_actions(request.user, waiting), "active": ACTIVE_BOOKING},
    )


@require_POST
@login_required
def booking_action(request, pk: int, action: str):
    if action not in BOOKING_ACTIONS:
        raise Http404
    booking = access.get_for_user(_LISTED, request.user, see="booking.view", pk=pk)
    default = reverse("my_bookings")
    try:
        run_page_action(BOOKING_ACTIONS[action], request, booking, {})
    except ServiceError as err:
        messages.error(request, err.message)
        return redirect(safe_next(request, default))
    messages.success(request, BOOKING_ACTIONS[action].success)
    return redirect(safe_next(request, default))


@login_required
def booking_edit(request, pk: int):
    """The booker (or staff) changes a booking still to come: its time in the same room (checked
    and held as a new request is), purpose and people."""
    booking = access.get_for_user(_LISTED, request.user, see="booking.view", pk=pk)
    if not services.may_change(booking, request.user):
        if not access.can(request.user, "booking.cancel", booking):
            raise PermissionDenied
        messages.error(request, _("This booking can no longer be changed."))
        return redirect("my_bookings")
    form = BookingChangeForm(request.POST or None, booking=booking)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.change_booking(booking, request.user, **form.values())
        except ServiceError as err:
            apply_service_error(form, err)
            if err.status == 409:
                form.add_error(None, err.message)
        else:
            if changed.status == BookingStatus.REQUESTED and booking.status == BookingStatus.APPROVED:
                messages.success(request, _("Changed. The new time waits for the staff's approval."))
            else:
                messages.success(request, _("Changed."))
            return redirect(safe_next(request, reverse("my_bookings")))
    status = 422 if request.method == "POST" else 200
    return render(
        request, "places/rooms/booking_edit.html",
        {"booking": booking, "form": form, "reapproval": booking.room.needs_approval
         and booking.status == BookingStatus.APPROVED and not access.can(request.user, "booking.approve", booking)},
        status=status,
    )  # fmt: skip


@require_POST
@login_required
def booking_cancel_rest(request, pk: int):
    """Cancel this date of a weekly booking and every later one."""
    booking = access.get_for_user(_LISTED, request.user, see="booking.view", pk=pk)
    try:
        cancelled = services.cancel_series_from(booking, request.user, request.POST.get("reason", ""))
    except ServiceError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("%(n)d bookings cancelled.") % {"n": len(cancelled)})
    return redirect(safe_next(request, reverse("my_bookings")))


# --- room settings ----------------------------------------------------------------------------


def _room_form(request, centre: ServiceCentre, room: Room | None):
    initial = RoomForm.initial_of(room) if room else {"floor": 1, "capacity": 20, "needs_approval": True, "active": True,
                                                       **{f"hours_{d}": "08:30-17:00" for d in ("mon", "tue", "wed", "thu", "fri")}}  # fmt: skip
    form = RoomForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if room is None:
                room = services.create_room(centre, request.user, **form.fields_for_service())
            else:
                room = services.update_room(room, request.user, **form.fields_for_service())
        except ServiceError as err:
            apply_service_error(form, err)
        else:
            messages.success(request, _("Saved."))
            return redirect("room_week", pk=room.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "places/rooms/room_form.html", {"form": form, "centre": centre, "room": room}, status=status
    )


@login_required
def room_new(request, pk: int):
    centre = access.get_for_user(
        ServiceCentre.objects.select_related("region"), request.user, see="room.manage", pk=pk
    )
    return _room_form(request, centre, None)


@login_required
def room_edit(request, pk: int):
    room = _room(request, pk)
    if not access.can(request.user, "room.manage", room):
        raise PermissionDenied
    return _room_form(request, room.centre, room)


# --- the door ----------------------------------------------------------------------------------


@login_required
def room_door(request, pk: int):
    """The printable sign for the room's door: its name and the QR code to check in with; staff
    replace the code when a print is lost or copied (POST)."""
    room = _room(request, pk)
    if not access.can(request.user, "room.manage", room):
        raise PermissionDenied
    if request.method == "POST":
        try:
            services.rotate_door_code(room, request.user)
        except ServiceError as err:
            messages.error(request, err.message)
        else:
            messages.success(
                request,
                _("The QR code is replaced: the old one no longer works. Print this one for the door."),
            )
        return redirect("room_door", pk=room.pk)
    url = request.build_absolute_uri(reverse("room_door_check_in", args=[services.door_token(room)]))
    buf = io.BytesIO()
    segno.make(url, error="m").save(
        buf, kind="svg", scale=6, border=2, xmldecl=False, title=_("Scan to check in")
    )
    return render(
        request, "places/rooms/door.html",
        {"room": room, "qr": mark_safe(buf.getvalue().decode()), "minutes": services.check_in_minutes(), "url": url},
    )  # fmt: skip


@login_required
def door_check_in(request, token: str):
    """Opened from the door's QR code: the user's booking of this room now, and its check-in. A
    code that was replaced (or never valid) says so, with nothing to press."""
    try:
        room = services.room_from_door_token(token)
    except ServiceError as err:
        return render(request, "places/rooms/door_check_in.html", {"invalid": err.message}, status=404)
    if request.method == "POST":
        try:
            booking = services.check_in_at_door(room, request.user)
        except ServiceError as err:
            messages.error(request, err.message)
        else:
            messages.success(
                request,
                _("Checked in: %(group)s, %(room)s.") % {"group": booking.group_name, "room": room.name},
            )
        return redirect("room_door_check_in", token=token)
    booking = services.door_booking(room, request.user)
    return render(
        request, "places/rooms/door_check_in.html",
        {"room": room, "booking": booking, "minutes": services.check_in_minutes()},
    )  # fmt: skip

"""Every change to rooms and bookings, and the reads that decide them (opening hours on the
street's calendar, conflicts, the weekly preview).

Holding a room: each booking is written by core.capacity.reserve() with the room as the
resource (the room's row is locked, the active bookings overlapping the span are counted after
the lock, capacity one per time span), so two requests for the same hour cannot both succeed,
whichever database. A weekly series is written in one transaction, each occurrence through the
same reserve().

Closed days: a room follows its street's holiday calendar (demands.Holiday), by the one rule
of places.calendar (a holiday closes it; a 调休 make-up working day gives it its working-day
hours), as the stations do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from weiguang.core import capacity
from weiguang.core.audit import log_action, save_and_log_update
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from weiguang.core.notifications import notify
from weiguang.core.transitions import SYSTEM, perform
from weiguang.regions import access

from .. import calendar
from ..models import (
    ACTIVE_BOOKING,
    ROOM_WEEKDAYS,
    Booking,
    BookingSeries,
    BookingStatus,
    Equipment,
    Room,
    ServiceCentre,
)

MAX_WEEKS = 52  # a weekly series spans at most a year
PURPOSE_MAX = 200
GROUP_MAX = 100
DOOR_SALT = "weiguang.places.room-door"


def check_in_minutes() -> int:
    """How long after its start an approved booking waits for someone to check in before the
    release job frees the room (settings.ROOM_CHECK_IN_MINUTES, 15 by default); check-in opens
    as many minutes before the start."""
    return int(getattr(settings, "ROOM_CHECK_IN_MINUTES", 15))


# --- the calendar ---------------------------------------------------------------------------


def calendar_exceptions(centre: ServiceCentre, first: dt.date, last: dt.date) -> dict[dt.date, bool]:
    """The street's holidays and make-up days from `first` to `last` (inclusive): {date:
    is_workday}, read in one query."""
    return calendar.exceptions_of(centre.region, first, last)


def opening_hours(
    room: Room, day: dt.date, exceptions: dict[dt.date, bool]
) -> tuple[dt.time, dt.time] | None:
    """The room's bookable hours on `day`, or None when it is closed (places.calendar's rule).
    `exceptions`: calendar_exceptions() covering `day`."""
    return calendar.hours_on(day, exceptions, room.hours_on)


closed_reason = calendar.closed_reason


def local(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


def overlapping(room, start: dt.datetime, end: dt.datetime):
    """The active bookings of `room` that share some minute with [start, end)."""
    return Booking.objects.filter(room=room, status__in=ACTIVE_BOOKING, start__lt=end, end__gt=start)


# --- checking one span --------------------------------------------------------------------------


@dataclass
class Problem:
    code: str  # "booked", "hours", "closed", "past"
    message: str
    other: Booking | None = None


def span_problem(
    room: Room, start: dt.datetime, end: dt.datetime, exceptions: dict[dt.date, bool], taken=None, now=None
) -> Problem | None:
    """Why [start, end) cannot be booked, or None. `taken`: the room's active bookings around
    the span already read (else they are queried)."""
    now = now or timezone.now()
    begin, finish = timezone.localtime(start), timezone.localtime(end)
    if start < now:
        return Problem("past", _("This time has already passed."))
    hours = opening_hours(room, begin.date(), exceptions)
    if hours is None:
        return Problem("closed", closed_reason(exceptions, begin.date()))
    opens, closes = hours
    if finish.date() != begin.date() or begin.time() < opens or finish.time() > closes:
        return Problem(
            "hours",
            _("Outside the bookable hours (%(open)s–%(close)s).")
            % {"open": opens.strftime("%H:%M"), "close": closes.strftime("%H:%M")},
        )
    if taken is None:
        other = overlapping(room, start, end).first()
    else:
        other = next((b for b in taken if b.start < end and b.end > start), None)
    if other is not None:
        return Problem(
            "booked",
            _("Already booked by %(group)s (%(from)s–%(to)s).")
            % {
                "group": other.group_name,
                "from": timezone.localtime(other.start).strftime("%H:%M"),
                "to": timezone.localtime(other.end).strftime("%H:%M"),
            },
            other,
        )
    return None


# --- requesting --------------------------------------------------------------------------------


@dataclass
class BookingInput:
    """What a booking says besides its time: the same for one booking and for a series."""

    purpose: str
    group_name: str
    attendees: int
    team: object = None
    partner: object = None

    def clean(self, room: Room, by) -> BookingInput:
        purpose, group = (self.purpose or "").strip(), (self.group_name or "").strip()
        errors = {}
        if not purpose:
            errors["purpose"] = _("Say what the room is for.")
        elif len(purpose) > PURPOSE_MAX:
            errors["purpose"] = _("At most %(max)d characters.") % {"max": PURPOSE_MAX}
        if self.team is not None and not group:
            group = self.team.name
        if self.partner is not None and not group:
            group = self.partner.name
        if not group:
            errors["group_name"] = _("Name the group that will use the room.")
        elif len(group) > GROUP_MAX:
            errors["group_name"] = _("At most %(max)d characters.") % {"max": GROUP_MAX}
        if not isinstance(self.attendees, int) or self.attendees < 1:
            errors["attendees"] = _("At least one person.")
        elif self.attendees > room.capacity:
            errors["attendees"] = _("The room holds at most %(n)d people.") % {"n": room.capacity}
        staff = access.can(by, "booking.approve", room)
        if self.team is not None and not staff and not self.team.leaders.filter(pk=by.pk).exists():
            errors["team"] = _("Only a leader of the team books for it.")
        if (
            self.partner is not None
            and not staff
            and not self.partner.representatives.filter(pk=by.pk).exists()
        ):
            errors["partner"] = _("Only a representative of the unit books for it.")
        if errors:
            raise InvalidInput(next(iter(errors.values())), fields=errors)
        return BookingInput(purpose, group, self.attendees, self.team, self.partner)


def may_request(user, room: Room) -> bool:
    return room.active and access.can_within(user, "booking.request", room)


def _check_requester(room: Room, by, direct: bool) -> None:
    if direct:
        if not access.can(by, "booking.approve", room):
            raise NotAllowed(_("Only staff of the centre book directly."))
    elif not access.can_within(by, "booking.request", room):
        raise NotAllowed(_("You are not allowed to do this."))
    if not room.active:
        raise Conflict(_("This room is not open for bookings."), code="room_closed")


def _initial_status(room: Room, by, direct: bool) -> str:
    if direct or not room.needs_approval:
        return BookingStatus.APPROVED
    return BookingStatus.REQUESTED


def _reserve(room: Room, by, start, end, data: BookingInput, status: str, series=None) -> Booking:
    def create(locked: Room) -> Booking:
        booking = Booking.objects.create(
            room=locked, series=series, start=start, end=end, purpose=data.purpose, group_name=data.group_name,
            team=data.team, partner=data.partner, attendees=data.attendees, booked_by=by, status=status,
            decided_by=by if status == BookingStatus.APPROVED else None,
            decided_at=timezone.now() if status == BookingStatus.APPROVED else None,
        )  # fmt: skip
        log_action(booking, "book", by, to_state=status, series=series.pk if series else None)
        return booking

    return capacity.reserve(
        room,
        capacity=lambda locked: 1,  # one booking per time span
        held=lambda locked: overlapping(locked, start, end).count(),
        wanted=1,
        create=create,
        message=_("The room is already booked at this time."),
    )


def _notify_new(room: Room, bookings: list[Booking], by) -> None:
    if not bookings or bookings[0].status != BookingStatus.REQUESTED:
        return
    first = bookings[0]
    when = timezone.localtime(first.start).strftime("%m-%d %H:%M")
    title = _("%(group)s asks for %(room)s (%(when)s)") % {
        "group": first.group_name,
        "room": room.name,
        "when": when,
    }
    if len(bookings) > 1:
        title += _(", %(n)d weeks") % {"n": len(bookings)}
    notify(
        access.holders(access.ACTION_ROLES["booking.approve"], room.scope_path).exclude(pk=by.pk),
        title,
        url=reverse("booking_queue"),
    )


def request_booking(
    room: Room,
    by,
    *,
    start: dt.datetime,
    end: dt.datetime,
    data: BookingInput,
    direct: bool = False,
    now=None,
) -> Booking:
    """Ask for `room` from `start` to `end` (staff with `direct`: book it approved). Refused
    with a field error when the span is closed, outside the hours or past, and with 409 when
    another active booking holds any of it."""
    _check_requester(room, by, direct)
    data = data.clean(room, by)
    if end <= start:
        raise InvalidInput(
            _("The end must be after the start."), fields={"end": _("The end must be after the start.")}
        )
    begin = timezone.localtime(start).date()
    exceptions = calendar_exceptions(room.centre, begin, begin)
    with transaction.atomic():
        problem = span_problem(room, start, end, exceptions, taken=[], now=now)  # the overlap: reserve()
        if problem is not None:
            raise InvalidInput(problem.message, fields={"start": problem.message})
        booking = _reserve(room, by, start, end, data, _initial_status(room, by, direct))
        _notify_new(room, [booking], by)
    return booking


# --- a room held for something an app above runs in it (an event) --------------------------

# Bookings with a check-in of their own (an event's desk) are never released for want of a
# check-in at the door: apps above register a query of their booking ids (events does).
RELEASE_EXEMPT: list = []


def _hold_problem(room: Room, start, end, exclude=None, now=None) -> None:
    """Refuse [start, end) in `room` (locked by the caller) with the reason: a field error on
    "start" for the hours, the calendar or the past, `capacity.Full` on "room" (409) naming the
    booking in the way."""
    if end <= start:
        raise InvalidInput(
            _("The end must be after the start."), fields={"end": _("The end must be after the start.")}
        )
    begin = timezone.localtime(start).date()
    taken = overlapping(room, start, end)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    problem = span_problem(room, start, end, calendar_exceptions(room.centre, begin, begin), list(taken), now)
    if problem is not None and problem.code == "booked":
        raise capacity.Full(problem.message, fields={"room": problem.message})
    if problem is not None:
        raise InvalidInput(problem.message, fields={"start": problem.message})


def hold_room(
    room: Room, by, *, start, end, purpose: str, group_name: str, attendees: int, now=None
) -> Booking:
    """Book `room` from `start` to `end` for what `by` runs there (an event): the rules of a
    request (the room open for bookings, its hours on the street's calendar, not in the past, no
    other booking, its approval unless `by` approves the centre's bookings), through reserve().
    The caller's transaction keeps it or drops it with what it holds the room for."""
    direct = access.can(by, "booking.approve", room)
    _check_requester(room, by, direct)
    data = BookingInput(purpose[:PURPOSE_MAX], group_name[:GROUP_MAX], attendees).clean(room, by)
    with transaction.atomic():
        locked = capacity.lock(room)
        _hold_problem(locked, start, end, now=now)
        booking = _reserve(locked, by, start, end, data, _initial_status(room, by, direct))
        _notify_new(room, [booking], by)
    return booking


def move_hold(booking: Booking, by, *, start, end, purpose: str | None = None, group_name: str | None = None,
              attendees: int | None = None, now=None) -> Booking:  # fmt: skip
    """Move a held booking to [start, end) (its event's times changed) and say what it is for
    now: the same checks as a new booking, the booking itself apart, under the room's lock
    (reserve()). A booking no longer active: Conflict."""
    if not access.can_within(by, "booking.request", booking.room):
        raise NotAllowed(_("You are not allowed to do this."))

    def move(room: Room) -> Booking:
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        if locked.status not in ACTIVE_BOOKING:
            raise Conflict(_("This booking no longer holds the room."), code="state_conflict")
        fields = {"start": start, "end": end}
        if purpose is not None:
            fields["purpose"] = purpose[:PURPOSE_MAX]
        if group_name is not None:
            fields["group_name"] = group_name[:GROUP_MAX]
        if attendees is not None:
            fields["attendees"] = attendees
        save_and_log_update(locked, by, fields)
        return locked

    with transaction.atomic():
        room = capacity.lock(booking.room)
        if attendees is not None and attendees > room.capacity:
            message = _("The room holds at most %(n)d people.") % {"n": room.capacity}
            raise InvalidInput(message, fields={"attendees": message})
        _hold_problem(room, start, end, exclude=booking, now=now)
        return capacity.reserve(
            room,
            capacity=lambda locked: 1,
            held=lambda locked: overlapping(locked, start, end).exclude(pk=booking.pk).count(),
            wanted=1,
            create=move,
            message=_("The room is already booked at this time."),
        )


def drop_hold(booking: Booking, by, reason: str = "") -> Booking:
    """Give the room back when what held it no longer needs it (the event cancelled, moved to
    another place): the booking is cancelled by the system on `by`'s behalf (the caller decided
    `by` may), its booker told when it was someone else."""
    reason = (reason or "").strip()[:200]

    def apply(b: Booking):
        if b.booked_by_id != getattr(by, "pk", None):
            _tell_booker(
                b, _("Your booking of %(room)s (%(when)s) was cancelled.") % {"room": b.room.name, "when": _when(b)},
                reason,
            )  # fmt: skip
        b.note = reason

    return perform(
        booking, "withdraw", SYSTEM, apply=apply, note=reason, audit={"for_user": getattr(by, "pk", None)}
    )


# --- weekly series --------------------------------------------------------------------------


@dataclass
class Rule:
    """Every `weekday` from `start_time` to `end_time`, from `first_date` until `until`
    (inclusive) or for `count` weeks."""

    weekday: int
    start_time: dt.time
    end_time: dt.time
    first_date: dt.date
    until: dt.date | None = None
    count: int | None = None

    def dates(self) -> list[dt.date]:
        errors = {}
        if not 0 <= self.weekday <= 6:
            errors["weekday"] = _("Choose a weekday.")
        if self.end_time <= self.start_time:
            errors["end_time"] = _("The end must be after the start.")
        if (self.until is None) == (self.count is None):
            errors["until"] = _("Give either a last date or a number of weeks.")
        elif self.count is not None and not 1 <= self.count <= MAX_WEEKS:
            errors["count"] = _("Between 1 and %(max)d weeks.") % {"max": MAX_WEEKS}
        elif self.until is not None and self.until < self.first_date:
            errors["until"] = _("The last date must not be before the first.")
        if errors:
            raise InvalidInput(next(iter(errors.values())), fields=errors)
        day = self.first_date + dt.timedelta(days=(self.weekday - self.first_date.weekday()) % 7)
        days = []
        while len(days) < (self.count or MAX_WEEKS) and (self.until is None or day <= self.until):
            days.append(day)
            day += dt.timedelta(days=7)
        if self.until is not None and day <= self.until:
            raise InvalidInput(
                _("Between 1 and %(max)d weeks.") % {"max": MAX_WEEKS},
                fields={"until": _("Between 1 and %(max)d weeks.") % {"max": MAX_WEEKS}},
            )
        if not days:
            raise InvalidInput(
                _("No such weekday between the first and the last date."),
                fields={"until": _("No such weekday between the first and the last date.")},
            )
        return days


@dataclass
class Occurrence:
    date: dt.date
    start: dt.datetime
    end: dt.datetime
    problem: Problem | None = None

    @property
    def free(self) -> bool:
        return self.problem is None


def preview_series(room: Room, rule: Rule, now=None) -> list[Occurrence]:
    """Each date of `rule` with what stands in its way (another booking, the hours, a closed
    day, the past): what the person sees before saving. Two queries whatever the length."""
    days = rule.dates()
    exceptions = calendar_exceptions(room.centre, days[0], days[-1])
    spans = [(d, local(d, rule.start_time), local(d, rule.end_time)) for d in days]
    taken = list(
        Booking.objects.filter(
            room=room, status__in=ACTIVE_BOOKING, start__lt=spans[-1][2], end__gt=spans[0][1]
        ).order_by("start")
    )
    return [
        Occurrence(d, start, end, span_problem(room, start, end, exceptions, taken=taken, now=now))
        for d, start, end in spans
    ]


@dataclass
class SeriesResult:
    series: BookingSeries
    bookings: list[Booking]
    skipped: list[Occurrence] = field(default_factory=list)


def book_series(
    room: Room, by, rule: Rule, data: BookingInput, *, dates: list[dt.date] | None = None, direct: bool = False,
    now=None,
) -> SeriesResult:  # fmt: skip
    """Save a weekly series in one transaction: the free occurrences of `rule`, the others
    skipped (returned in `skipped`). `dates`: the occurrences the person saw free in the
    preview and chose; when one of them is no longer free nothing is saved (409), so they see
    the preview again rather than a series with holes they did not see."""
    _check_requester(room, by, direct)
    data = data.clean(room, by)
    with transaction.atomic():
        capacity.lock(room)  # the preview below and the writes see the same bookings
        occurrences = preview_series(room, rule, now=now)
        by_date = {o.date: o for o in occurrences}
        if dates is not None:
            unknown = [d for d in dates if d not in by_date]
            if unknown or not dates:
                raise InvalidInput(
                    _("Choose dates of the series."), fields={"dates": _("Choose dates of the series.")}
                )
            lost = [by_date[d] for d in dates if not by_date[d].free]
            if lost:
                raise Conflict(
                    _("No longer free: %(dates)s. Look at the preview again.")
                    % {"dates": "、".join(o.date.strftime("%m-%d") for o in lost)},
                    code="full",
                )
            chosen = [by_date[d] for d in sorted(set(dates))]
        else:
            chosen = [o for o in occurrences if o.free]
            if not chosen:
                raise Conflict(_("None of these dates is free."), code="full")
        skipped = [o for o in occurrences if o not in chosen]
        series = BookingSeries.objects.create(
            room=room, weekday=rule.weekday, start_time=rule.start_time, end_time=rule.end_time,
            first_date=rule.first_date, until=rule.until, count=rule.count, booked_by=by,
        )  # fmt: skip
        status = _initial_status(room, by, direct)
        bookings = [_reserve(room, by, o.start, o.end, data, status, series) for o in chosen]
        log_action(
            series, "book_series", by, dates=[o.date.isoformat() for o in chosen],
            skipped=[o.date.isoformat() for o in skipped],
        )  # fmt: skip
        _notify_new(room, bookings, by)
    return SeriesResult(series, bookings, skipped)


# --- deciding, cancelling ----------------------------------------------------------------------


def _tell_booker(booking: Booking, title: str, body: str = "") -> None:
    notify([booking.booked_by], title, body, url=reverse("my_bookings"))


def _when(booking: Booking) -> str:
    return timezone.localtime(booking.start).strftime("%m-%d %H:%M")


def approve_booking(booking: Booking, by) -> Booking:
    def apply(b: Booking):
        b.decided_by, b.decided_at = by, timezone.now()
        _tell_booker(
            b, _("Your booking of %(room)s (%(when)s) is approved.") % {"room": b.room.name, "when": _when(b)}
        )

    return perform(booking, "approve", by, apply=apply)


def refuse_booking(booking: Booking, by, reason: str = "") -> Booking:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give a reason."), fields={"reason": _("Give a reason.")})
    if len(reason) > 200:
        raise InvalidInput(_("At most %(max)d characters.") % {"max": 200}, fields={"reason": "too_long"})

    def apply(b: Booking):
        b.decided_by, b.decided_at, b.note = by, timezone.now(), reason
        _tell_booker(
            b,
            _("Your booking of %(room)s (%(when)s) was refused.") % {"room": b.room.name, "when": _when(b)},
            reason,
        )

    return perform(booking, "refuse", by, apply=apply, note=reason)


def cancel_booking(booking: Booking, by, reason: str = "") -> Booking:
    reason = (reason or "").strip()[:200]

    def apply(b: Booking):
        if b.booked_by_id != getattr(by, "pk", None):
            _tell_booker(
                b, _("Your booking of %(room)s (%(when)s) was cancelled.") % {"room": b.room.name, "when": _when(b)},
                reason,
            )  # fmt: skip
        if reason:
            b.note = reason

    return perform(booking, "cancel", by, apply=apply, note=reason)


def may_change(booking: Booking, user) -> bool:
    """The booker or staff may change a booking still to come that nobody checked in to."""
    return (
        booking.status in (BookingStatus.REQUESTED, BookingStatus.APPROVED)
        and booking.start > timezone.now()
        and access.can(user, "booking.cancel", booking)
    )


def change_booking(
    booking: Booking,
    by,
    *,
    start: dt.datetime,
    end: dt.datetime,
    purpose: str | None = None,
    attendees: int | None = None,
    now=None,
) -> Booking:
    """The booker (or staff) moves a booking still to come to another time of the same room,
    or changes its purpose or number of people. The new time is checked as a new request is
    (closed days, hours, the past) and held through the same capacity.reserve() (the booking's
    own old time does not stand in its way). When the booker moves an approved booking of a
    room that needs approval, it waits for approval again (staff are told); staff keep it
    approved. Audited with the old and the new time."""
    now = now or timezone.now()
    room = booking.room
    if not access.can(by, "booking.cancel", booking):
        raise NotAllowed(_("You are not allowed to do this."))
    if booking.start <= now:
        raise Conflict(_("This booking has begun; it can no longer be changed."), code="begun")
    if held_above(booking):
        raise Conflict(
            _("This booking holds the room for an event: change the event's time or place instead."),
            code="held",
        )
    if end <= start:
        message = _("The end must be after the start.")
        raise InvalidInput(message, fields={"end": message})
    data = BookingInput(
        purpose=booking.purpose if purpose is None else purpose, group_name=booking.group_name,
        attendees=booking.attendees if attendees is None else attendees, team=booking.team,
        partner=booking.partner,
    )  # fmt: skip
    data = BookingInput(data.purpose, data.group_name, data.attendees).clean(room, by)
    moved = (start, end) != (booking.start, booking.end)
    staff = access.can(by, "booking.approve", room)
    resubmit = moved and room.needs_approval and not staff and booking.status == BookingStatus.APPROVED
    begin = timezone.localtime(start).date()
    exceptions = calendar_exceptions(room.centre, begin, begin)
    problem = span_problem(room, start, end, exceptions, taken=[], now=now) if moved else None
    if problem is not None:
        raise InvalidInput(problem.message, fields={"start": problem.message})

    def iso(t: dt.datetime) -> str:
        return timezone.localtime(t).isoformat()

    was = {"start": iso(booking.start), "end": iso(booking.end)}

    def apply(b: Booking):
        b.start, b.end, b.purpose, b.attendees = start, end, data.purpose, data.attendees
        if resubmit:
            b.decided_by, b.decided_at = None, None

    def change(locked_room: Room) -> Booking:
        return perform(
            booking, "resubmit" if resubmit else "change", by, apply=apply,
            audit={"was": was, "now": {"start": iso(start), "end": iso(end)}},
        )  # fmt: skip

    with transaction.atomic():
        if moved:
            changed = capacity.reserve(
                room,
                capacity=lambda locked: 1,
                held=lambda locked: overlapping(locked, start, end).exclude(pk=booking.pk).count(),
                wanted=1,
                create=change,
                message=_("The room is already booked at this time."),
            )
        else:
            changed = change(room)
        if resubmit:
            _notify_new(room, [changed], by)
        elif moved and changed.booked_by_id != getattr(by, "pk", None):
            _tell_booker(
                changed,
                _("Your booking of %(room)s was moved to %(when)s.")
                % {"room": room.name, "when": _when(changed)},
            )
    return changed


def cancel_series_from(booking: Booking, by, reason: str = "") -> list[Booking]:
    """Cancel `booking` and every later occurrence of its weekly series still to come (the
    ones waiting or approved that `by` may cancel), in one transaction; the earlier ones stay."""
    if booking.series_id is None:
        return [cancel_booking(booking, by, reason)]
    if not access.can(by, "booking.cancel", booking):
        raise NotAllowed(_("You are not allowed to do this."))
    with transaction.atomic():
        rows = list(
            Booking.objects.filter(
                series_id=booking.series_id,
                start__gte=booking.start,
                status__in=[BookingStatus.REQUESTED, BookingStatus.APPROVED],
            ).order_by("start")
        )
        if not rows:
            raise Conflict(_("Nothing left to cancel in this series."), code="state_conflict")
        cancelled = [cancel_booking(b, by, reason) for b in rows]
        log_action(
            booking.series, "cancel_from", by, note=(reason or "").strip()[:200],
            dates=[timezone.localtime(b.start).date().isoformat() for b in cancelled],
        )  # fmt: skip
    return cancelled


# --- check-in at the door, release of the unclaimed --------------------------------------------


def check_in_window(booking: Booking) -> tuple[dt.datetime, dt.datetime]:
    return booking.start - dt.timedelta(minutes=check_in_minutes()), booking.end


def check_in(booking: Booking, by, now=None) -> Booking:
    """The booker (or staff) checks in, from a while before the start until the end."""
    now = now or timezone.now()

    def check(b: Booking):
        opens, closes = check_in_window(b)
        if not opens <= now < closes:
            raise Conflict(
                _("Check-in is open from %(from)s until %(to)s.")
                % {
                    "from": timezone.localtime(opens).strftime("%m-%d %H:%M"),
                    "to": timezone.localtime(closes).strftime("%H:%M"),
                },
                code="not_now",
            )

    def apply(b: Booking):
        b.checked_in_at = now

    return perform(booking, "check_in", by, check=check, apply=apply)


def door_token(room: Room) -> str:
    """The signed code of the room's door QR: the room and the version of its code (the first
    version signs the room alone, as the codes printed before codes could be replaced)."""
    value = str(room.pk) if not room.door_key else f"{room.pk}.{room.door_key}"
    return signing.Signer(salt=DOOR_SALT).sign(value)


class DoorCodeReplaced(NotFound):
    code = "door_code_replaced"


def room_from_door_token(token: str) -> Room:
    try:
        value = signing.Signer(salt=DOOR_SALT).unsign(token)
        pk, _dot, key = value.partition(".")
        pk, key = int(pk), int(key or 0)
    except (signing.BadSignature, ValueError):
        raise NotFound(_("This door code is not valid.")) from None
    room = Room.objects.select_related("centre").filter(pk=pk).first()
    if room is None:
        raise NotFound(_("This door code is not valid."))
    if key != room.door_key:
        raise DoorCodeReplaced(
            _(
                "This QR code of %(room)s has been replaced and no longer works. Scan the new code on the door."
            )
            % {"room": room.name}
        )
    return room


def rotate_door_code(room: Room, by) -> Room:
    """Staff replace the room's door QR code (a print was lost or copied): every earlier code
    stops working at once; the new one is printed from the door page."""
    if not access.can(by, "room.manage", room):
        raise NotAllowed(_("You are not allowed to do this."))
    with transaction.atomic():
        locked = capacity.lock(room)
        locked.door_key += 1
        locked.save(update_fields=["door_key"])
        log_action(locked, "rotate_door_code", by, version=locked.door_key)
    return locked


def door_booking(room: Room, user, now=None) -> Booking | None:
    """The booking of `room` that `user` may check in to now (theirs, or any for staff)."""
    now = now or timezone.now()
    margin = dt.timedelta(minutes=check_in_minutes())
    rows = Booking.objects.filter(
        room=room,
        status__in=[BookingStatus.APPROVED, BookingStatus.CHECKED_IN],
        start__lte=now + margin,
        end__gt=now,
    ).order_by("start")
    if not access.can(user, "booking.approve", room):
        rows = rows.filter(booked_by=user)
    return rows.first()


def check_in_at_door(room: Room, by, now=None) -> Booking:
    booking = door_booking(room, by, now)
    if booking is None:
        raise Conflict(_("You have no booking of this room now."), code="no_booking")
    if booking.status == BookingStatus.CHECKED_IN:
        return booking
    return check_in(booking, by, now)


def unclaimed(now=None):
    """Approved bookings whose start is more than the check-in time past, nobody checked in."""
    now = now or timezone.now()
    rows = Booking.objects.filter(
        status=BookingStatus.APPROVED, start__lte=now - dt.timedelta(minutes=check_in_minutes())
    )
    for exempt in RELEASE_EXEMPT:
        rows = rows.exclude(pk__in=exempt())
    return rows


def release_booking(booking: Booking, now=None) -> Booking:
    def apply(b: Booking):
        _tell_booker(
            b,
            _("Nobody checked in to %(room)s (%(when)s): the room was released.")
            % {"room": b.room.name, "when": _when(b)},
            _("Check in at the door within %(n)d minutes of the start.") % {"n": check_in_minutes()},
        )

    return perform(booking, "release", SYSTEM, apply=apply, note="no check-in")


def release_unclaimed(now=None) -> int:
    """The periodic job: free the rooms of approved bookings nobody checked in to. Safe to run
    twice or concurrently: a booking checked in or released meanwhile is skipped."""
    count = 0
    for pk in unclaimed(now).values_list("pk", flat=True):
        try:
            release_booking(Booking.objects.get(pk=pk), now)
            count += 1
        except Conflict:
            continue
    return count


def undecided(now=None):
    """Requests nobody approved or refused before their start (not those an app above holds
    the room with, as for the release: the event's desk keeps them)."""
    now = now or timezone.now()
    rows = Booking.objects.filter(status=BookingStatus.REQUESTED, start__lte=now)
    for exempt in RELEASE_EXEMPT:
        rows = rows.exclude(pk__in=exempt())
    return rows


def held_above(booking: Booking) -> bool:
    """Whether an app above (an event) holds the room with `booking` (RELEASE_EXEMPT)."""
    return any(Booking.objects.filter(pk=booking.pk, pk__in=exempt()).exists() for exempt in RELEASE_EXEMPT)


def lapse_booking(booking: Booking) -> Booking:
    def apply(b: Booking):
        _tell_booker(
            b,
            _("Your request for %(room)s (%(when)s) lapsed: nobody decided on it before it began.")
            % {"room": b.room.name, "when": _when(b)},
        )

    return perform(booking, "lapse", SYSTEM, apply=apply, note="not decided before its start")


def lapse_undecided(now=None) -> int:
    """The periodic job: requests still waiting for a decision when their time has come lapse
    (audited, the requester is told and sees it under my bookings). Safe to run twice or
    concurrently: a request decided meanwhile is skipped."""
    count = 0
    for pk in undecided(now).values_list("pk", flat=True):
        try:
            lapse_booking(Booking.objects.select_related("room").get(pk=pk))
            count += 1
        except Conflict:
            continue
    return count


# --- rooms ------------------------------------------------------------------------------------


def parse_hours(hours: dict) -> dict:
    """Checked bookable hours: {weekday: ["HH:MM", "HH:MM"]} with opening before closing."""
    clean = {}
    for day, span in (hours or {}).items():
        if day not in ROOM_WEEKDAYS:
            raise InvalidInput(_("Unknown weekday."), fields={"hours": _("Unknown weekday.")})
        if not span:
            continue
        try:
            opens, closes = (dt.time.fromisoformat(v) for v in span)
        except (TypeError, ValueError):
            raise InvalidInput(
                _("Hours like 08:30–17:00."), fields={f"hours_{day}": _("Hours like 08:30–17:00.")}
            ) from None
        if closes <= opens:
            raise InvalidInput(
                _("Closing must be after opening."),
                fields={f"hours_{day}": _("Closing must be after opening.")},
            )
        clean[day] = [opens.strftime("%H:%M"), closes.strftime("%H:%M")]
    return clean


ROOM_FIELDS = ("name", "floor", "capacity", "equipment", "hours", "needs_approval", "description", "active")


def _room_fields(centre: ServiceCentre, fields: dict, room: Room | None = None) -> dict:
    fields = {k: v for k, v in fields.items() if k in ROOM_FIELDS}
    if "name" in fields:
        name = (fields["name"] or "").strip()
        if not name:
            raise InvalidInput(_("This field is required."), fields={"name": _("This field is required.")})
        clash = Room.objects.filter(centre=centre, name=name).exclude(pk=getattr(room, "pk", None))
        if clash.exists():
            raise InvalidInput(
                _("The centre has a room of this name."),
                fields={"name": _("The centre has a room of this name.")},
            )
        fields["name"] = name
    if "floor" in fields and not 1 <= fields["floor"] <= max(centre.floors, 1):
        message = _("Floor 1 to %(n)d.") % {"n": centre.floors}
        raise InvalidInput(message, fields={"floor": message})
    if "capacity" in fields and not 1 <= fields["capacity"] <= 10000:
        raise InvalidInput(_("At least one person."), fields={"capacity": _("At least one person.")})
    if "equipment" in fields:
        known = set(Equipment.values)
        if any(e not in known for e in fields["equipment"]):
            raise InvalidInput(_("Unknown equipment."), fields={"equipment": _("Unknown equipment.")})
        fields["equipment"] = [e for e in Equipment.values if e in fields["equipment"]]
    if "hours" in fields:
        fields["hours"] = parse_hours(fields["hours"])
    return fields


def create_room(centre: ServiceCentre, by, **fields) -> Room:
    if not access.can(by, "room.manage", centre):
        raise NotAllowed(_("You are not allowed to do this."))
    fields = _room_fields(centre, fields)
    with transaction.atomic():
        room = Room.objects.create(centre=centre, **fields)
        log_action(room, "create", by)
    return room


def update_room(room: Room, by, **fields) -> Room:
    if not access.can(by, "room.manage", room):
        raise NotAllowed(_("You are not allowed to do this."))
    fields = _room_fields(room.centre, fields, room)
    with transaction.atomic():
        locked = capacity.lock(room)
        save_and_log_update(locked, by, fields)
    return locked


# --- the week -------------------------------------------------------------------------------


@dataclass
class Day:
    date: dt.date
    hours: tuple[dt.time, dt.time] | None
    closed: str  # why it is closed ("" when open)
    bookings: list[Booking]
    make_up: bool = False  # a 调休 working day on a weekend


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def week_of(rooms: list[Room], monday: dt.date) -> dict[int, list[Day]]:
    """Each room's seven days from `monday`: its hours on the street's calendar and its active
    bookings. Two queries for any number of rooms of one centre (the calendar, the bookings)."""
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    start, end = local(days[0], dt.time.min), local(days[-1] + dt.timedelta(days=1), dt.time.min)
    bookings: dict[int, list[Booking]] = {room.pk: [] for room in rooms}
    rows = Booking.objects.filter(room__in=rooms, status__in=ACTIVE_BOOKING, start__lt=end, end__gt=start)
    for b in rows.order_by("start"):
        bookings[b.room_id].append(b)
    calendars: dict[int, dict] = {}
    week = {}
    for room in rooms:
        if room.centre_id not in calendars:
            calendars[room.centre_id] = calendar_exceptions(room.centre, days[0], days[-1])
        exceptions = calendars[room.centre_id]
        week[room.pk] = [
            Day(
                date=d,
                hours=(hours := opening_hours(room, d, exceptions)),
                closed="" if hours else closed_reason(exceptions, d),
                bookings=[b for b in bookings[room.pk] if timezone.localtime(b.start).date() == d],
                make_up=calendar.is_make_up_day(exceptions, d),
            )
            for d in days
        ]
    return week

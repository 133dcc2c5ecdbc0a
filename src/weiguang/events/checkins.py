"""Check-in and check-out at an event, as plain functions taking the acting user.

Who: the staff of the event's place and the volunteers serving it (its roster, `EventHelper`),
action "event.check_in". How: the sign-up's 6-digit code typed, its QR ticket scanned (the
signed token of `services.ticket_token`), or a walk-in (a resident staff found, or a named
visitor). A volunteer serving checks in themselves; at their check-out their time becomes a
pending record in the volunteers' ledger (`volunteers.services.record_served_time`).

Exactly one visit per person at a time: the sign-up's row is locked while its visit is looked
for, and a partial unique index (event, person_key) where the visit is open refuses a second
open visit whatever the path (two desks, a walk-in typed while the ticket is scanned). The
second attempt is answered `AlreadyIn` (409): "already checked in at 14:05 by 赵书记".

Every scan a device sends (online or from its offline queue, kind "checkin" in core/offline.py)
is a `CheckInScan`: the one that made the visit, or a flagged duplicate of it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from weiguang.core.audit import log_action
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.core.text import clean_text
from weiguang.core.transitions import SYSTEM, perform
from weiguang.people.services import resident_for
from weiguang.regions import access
from weiguang.volunteers.models import Volunteer, VolunteerStatus
from weiguang.volunteers.services import record_served_time

from .models import (
    CheckIn,
    CheckInMethod,
    CheckInRole,
    CheckInScan,
    CheckInStatus,
    Event,
    EventHelper,
    EventStatus,
    SignUp,
    SignUpStatus,
)
from .services import read_ticket, signup_for_token

NAME_MAX = 50


def _conf(name: str, default):
    return settings.WEIGUANG.get(name, default)


def opens_before() -> dt.timedelta:
    """How long before its start an event's desk opens (check-ins before it are refused)."""
    return dt.timedelta(minutes=int(_conf("EVENT_CHECKIN_OPENS_MINUTES", 120)))


class AlreadyIn(Conflict):
    """The person has an open visit: the message says since when and who let them in."""

    code = "already_checked_in"

    def __init__(self, checkin: CheckIn):
        super().__init__(already_message(checkin))
        self.checkin = checkin


def actor_name(user) -> str:
    if user is None:
        return _("the system")
    return user.get_full_name() or user.get_username()


def already_message(checkin: CheckIn) -> str:
    return _("%(name)s is already checked in (at %(time)s by %(by)s).") % {
        "name": checkin.masked_name,
        "time": timezone.localtime(checkin.checked_in_at).strftime("%H:%M"),
        "by": actor_name(checkin.checked_in_by),
    }


# --- who may ------------------------------------------------------------------------------


def serving(user, event: Event) -> EventHelper | None:
    """The roster row of `user` at `event`, if they are an approved volunteer serving it."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        EventHelper.objects.filter(
            event=event, volunteer__user=user, volunteer__status=VolunteerStatus.APPROVED
        )
        .select_related("volunteer")
        .first()
    )


def may_check_in(user, event: Event) -> bool:
    if getattr(event, "_desk_of", None) == getattr(user, "pk", False):
        return True  # loaded for this user's request by desk_event(), which asked already
    return access.can(user, "event.check_in", event) or serving(user, event) is not None


def desk_event(user, event_id: int) -> Event:
    """The event whose desk `user` works, for one request (its pages and API): 404 when they
    may not check people in there. The answer is kept on the instance, so the services this
    request calls with it do not ask again (a volunteer's roster row is one query)."""
    event = access.get_for_user(Event.objects.select_related("region"), user, see=may_check_in, pk=event_id)
    event._desk_of = user.pk
    return event


def _require_desk(user, event: Event) -> None:
    if not may_check_in(user, event):
        raise NotAllowed(_("Only the event's staff and the volunteers serving it check people in."))


def desk_events(user, now=None) -> QuerySet[Event]:
    """The events whose desk `user` may work now or soon (today's and those running)."""
    now = now or timezone.now()
    qs = Event.objects.filter(
        status__in=[EventStatus.PUBLISHED, EventStatus.CLOSED],
        starts_at__lte=now + opens_before(),
        ends_at__gte=now - dt.timedelta(hours=12),
    )
    staff = qs.restrict(user, "event.check_in")
    helping = qs.filter(helpers__volunteer__user=user, helpers__volunteer__status=VolunteerStatus.APPROVED)
    return Event.objects.filter(Q(pk__in=staff.values("pk")) | Q(pk__in=helping.values("pk"))).order_by(
        "starts_at", "id"
    )


def works_desks(user) -> bool:
    """Whether `user` checks people in at some event (staff of a place, or a volunteer on a
    roster), today or not: the scanner then says there is no event now, rather than 403."""
    if user.is_superuser or access.role_paths(user, "event.check_in"):  # checks people in somewhere
        return True
    return EventHelper.objects.filter(
        volunteer__user=user, volunteer__status=VolunteerStatus.APPROVED
    ).exists()


def _desk_open(event: Event, at: dt.datetime) -> None:
    if event.status not in (EventStatus.PUBLISHED, EventStatus.CLOSED):
        raise Conflict(_("This event is not taking place."), code="not_open")
    if at < event.starts_at - opens_before():
        raise Conflict(
            _("Check-in opens at %(time)s.")
            % {"time": timezone.localtime(event.starts_at - opens_before()).strftime("%m-%d %H:%M")},
            code="not_yet",
        )
    if at > event.ends_at:
        raise Conflict(_("This event has ended."), code="ended")


def _when(at) -> dt.datetime:
    """The moment of a check-in: now, or when an offline device recorded it (never later than
    now)."""
    now = timezone.now()
    return now if at is None or at > now else at


# --- checking in --------------------------------------------------------------------------


def _person_key(signup: SignUp) -> str:
    return f"r:{signup.resident_id}" if signup.resident_id else f"u:{signup.user_id}"


def _open_visit(event: Event, person_key: str) -> CheckIn | None:
    return (
        CheckIn.objects.select_related("checked_in_by")
        .filter(event=event, person_key=person_key, status=CheckInStatus.IN)
        .first()
    )


def _insert(event: Event, by, *, person_key: str, at: dt.datetime, **fields) -> CheckIn:
    """The open visit written with its audit entry, inside the caller's transaction. The
    person's open visit, if any, is not looked for first: the unique index (event, person_key)
    where open refuses the row (IntegrityError), and the caller answers `_already()`."""
    checkin = CheckIn.objects.create(
        event=event, person_key=person_key, checked_in_at=at, checked_in_by=by, **fields
    )
    log_action(checkin, "check_in", by, to_state=checkin.status, method=checkin.method, role=checkin.role)
    return checkin


def _already(event: Event, person_key: str, error: IntegrityError) -> AlreadyIn:
    """After the insert was refused and its transaction rolled back: the open visit that
    refused it (AlreadyIn), or the error itself when it was another constraint."""
    existing = _open_visit(event, person_key)
    if existing is None:
        raise error
    return AlreadyIn(existing)


def _create(event: Event, by, *, person_key: str, at: dt.datetime, **fields) -> CheckIn:
    """A new open visit, or AlreadyIn when the person has one (refused by the unique index,
    whether it was there before or a twin got there at the same moment)."""
    try:
        with transaction.atomic():
            return _insert(event, by, person_key=person_key, at=at, **fields)
    except IntegrityError as error:
        raise _already(event, person_key, error) from None


def find_ticket(
    event: Event, *, code: str | None = None, token: str | None = None, lock: bool = False
) -> SignUp:
    """The sign-up of `event` a typed code or a scanned QR token names (`lock`: its row locked
    until the caller's transaction ends)."""
    if token:
        ticket = read_ticket(token)
        if ticket["event_id"] == event.pk:
            rows = SignUp.objects.select_for_update() if lock else SignUp.objects
            signup = rows.filter(**ticket).first()
            if signup is not None:
                return signup
        signup = signup_for_token(token)  # not ours (InvalidInput), or another event's
        raise InvalidInput(
            _("This ticket is for another event: %(title)s.") % {"title": signup.event.title},
            code="other_event",
            fields={"token": "other_event"},
        )
    code = (code or "").strip()
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        raise InvalidInput(_("The code has 6 digits."), fields={"code": "invalid"})
    rows = SignUp.objects.select_for_update() if lock else SignUp.objects
    signup = rows.filter(event=event, code=code).first()
    if signup is None:
        raise InvalidInput(
            _("No sign-up of this event has this code."), code="unknown", fields={"code": "unknown"}
        )
    return signup


def party_came(signup: SignUp, party: int | None) -> int:
    """How many of the sign-up's party came: the desk's number (1 up to the party's size), or
    the whole party when the desk says nothing."""
    if party is None:
        return signup.party_size
    if isinstance(party, bool) or not isinstance(party, int) or not 1 <= party <= signup.party_size:
        message = _("From 1 to %(n)d: the sign-up is for %(n)d.") % {"n": signup.party_size}
        raise InvalidInput(message, fields={"party": message})
    return party


def check_in_ticket(
    event: Event, by, *, code: str | None = None, token: str | None = None, at=None, party: int | None = None
) -> CheckIn:
    """Check in the holder of a ticket (its code typed or its QR scanned) with `party` of their
    sign-up's people (all of them unless told). A second check-in while in: AlreadyIn (409),
    nothing written.

    Three statements in one transaction: the sign-up's row locked (two desks with the same
    ticket take turns, and a cancellation cannot slip in between), the visit inserted (the
    unique index refuses a second open one: the turn that comes second is AlreadyIn), the
    audit entry. No savepoint: a refused insert rolls the whole transaction back, and the
    visit that refused it is read after."""
    _require_desk(by, event)
    at = _when(at)
    person_key = None
    try:
        with transaction.atomic():
            locked = find_ticket(event, code=code, token=token, lock=True)
            if locked.status != SignUpStatus.CONFIRMED:
                raise Conflict(
                    _("This sign-up holds no place (%(status)s).") % {"status": locked.get_status_display()},
                    code="no_place",
                )
            _desk_open(event, at)
            person_key = _person_key(locked)
            return _insert(
                event, by, person_key=person_key, at=at, signup=locked, resident_id=locked.resident_id,
                user_id=locked.user_id, name=locked.name,
                method=CheckInMethod.QR if token else CheckInMethod.CODE, party=party_came(locked, party),
            )  # fmt: skip
    except IntegrityError as error:
        if person_key is None:
            raise
        raise _already(event, person_key, error) from None


def set_party(checkin: CheckIn, by, party: int) -> CheckIn:
    """The desk corrects how many of the party came (1 up to the sign-up's party size)."""
    if not may_check_in(by, checkin.event):
        raise NotAllowed(_("Only the event's staff and the volunteers serving it check people in."))
    if checkin.signup_id is None:
        message = _("Only a sign-up brings a party.")
        raise InvalidInput(message, fields={"party": message})
    with transaction.atomic():
        locked = CheckIn.objects.select_for_update().get(pk=checkin.pk)
        count = party_came(SignUp.objects.get(pk=locked.signup_id), party)
        if count != locked.party:
            log_action(locked, "set_party", by, before=locked.party, after=count)
            locked.party = count
            locked.save(update_fields=["party"])
    return locked


def walk_in(event: Event, by, *, resident=None, name: str = "", at=None) -> CheckIn:
    """Someone who came without a sign-up: a resident the staff found (`resident`, their id or
    record: the staff must see them, people.services.resident_for), or a visitor by name only
    (each such visit a person of its own)."""
    _require_desk(by, event)
    at = _when(at)
    _desk_open(event, at)
    if resident is not None:
        found = resident_for(by, resident)
        return _create(
            event, by, person_key=f"r:{found.pk}", at=at, resident=found, user_id=found.user_id,
            name=found.name, method=CheckInMethod.WALK_IN,
        )  # fmt: skip
    name = clean_text(name, "name", required=True, max_length=NAME_MAX, one_line=True)
    return _create(
        event, by, person_key=f"v:{uuid.uuid4().hex}", at=at, name=name, method=CheckInMethod.WALK_IN
    )


def start_serving(event: Event, by, *, volunteer: Volunteer | None = None, at=None) -> CheckIn:
    """A volunteer of the roster checks in for their shift (themselves, or the staff for them)."""
    at = _when(at)
    if volunteer is None:
        helper = serving(by, event)
        if helper is None:
            raise NotAllowed(_("You are not on this event's roster."))
    else:
        if not access.can(by, "event.check_in", event):
            raise NotAllowed(_("Only the event's staff and the volunteers serving it check people in."))
        helper = (
            EventHelper.objects.filter(event=event, volunteer=volunteer).select_related("volunteer").first()
        )
        if helper is None:
            raise InvalidInput(
                _("This volunteer is not on the event's roster."), fields={"volunteer_id": "not_serving"}
            )
    _desk_open(event, at)
    return _create(
        event, by, person_key=f"h:{helper.volunteer_id}", at=at, helper=helper, user_id=helper.volunteer.user_id,
        name=helper.volunteer.name, role=CheckInRole.HELPER, method=CheckInMethod.SELF,
    )  # fmt: skip


# --- checking out -------------------------------------------------------------------------


def _leave(checkin: CheckIn, by, step: str, at: dt.datetime) -> CheckIn:
    def check(locked: CheckIn):
        if at < locked.checked_in_at:
            raise InvalidInput(_("Check-out must be after check-in."), fields={"at": "before_check_in"})

    def apply(locked: CheckIn):
        locked.checked_out_at = at
        locked.checked_out_by = by
        if locked.role == CheckInRole.HELPER and locked.helper_id:
            event = locked.event
            locked.service_record = record_served_time(
                locked.helper.volunteer, by,
                content=_("Served at the event “%(title)s”") % {"title": event.title},
                started_at=locked.checked_in_at, ended_at=at, region=event.region, team=event.team,
            )  # fmt: skip

    conflict = Conflict(_("Already checked out."), code="already_checked_out")
    return perform(checkin, step, by, check=check, apply=apply, conflict=conflict)


def check_out(checkin: CheckIn, by, *, at=None) -> CheckIn:
    if not may_check_in(by, checkin.event):
        raise NotAllowed(_("Only the event's staff and the volunteers serving it check people in."))
    return _leave(checkin, by, "check_out", min(_when(at), max(checkin.event.ends_at, checkin.checked_in_at)))


def check_out_ticket(
    event: Event, by, *, code: str | None = None, token: str | None = None, at=None
) -> CheckIn:
    """Check out the holder of a ticket: their open visit ends."""
    _require_desk(by, event)
    signup = find_ticket(event, code=code, token=token)
    visit = _open_visit(event, _person_key(signup))
    if visit is None:
        raise Conflict(_("%(name)s is not checked in.") % {"name": signup.masked_name}, code="not_checked_in")
    return check_out(visit, by, at=at)


def exit_at_close(now=None) -> int:
    """Everyone still in at an event that has ended leaves at its end (a periodic job); the
    volunteers serving get their hours up to the end."""
    now = now or timezone.now()
    done = 0
    open_visits = CheckIn.objects.filter(status=CheckInStatus.IN, event__ends_at__lte=now).select_related(
        "event"
    )
    for visit in open_visits.order_by("id"):
        try:
            _leave(visit, SYSTEM, "exit_at_close", max(visit.event.ends_at, visit.checked_in_at))
        except Conflict:
            continue  # checked out meanwhile
        done += 1
    return done


def close_desk(event: Event, by) -> int:
    """The staff's "everyone out" at the close: every open visit of `event` ends now (or at
    the event's end, if that was earlier)."""
    _require_desk(by, event)
    at = min(timezone.now(), event.ends_at) if event.ends_at > event.starts_at else timezone.now()
    done = 0
    for visit in CheckIn.objects.filter(event=event, status=CheckInStatus.IN).order_by("id"):
        try:
            _leave(visit, by, "check_out", max(at, visit.checked_in_at))
        except Conflict:
            continue
        done += 1
    return done


# --- scans (online and offline) ----------------------------------------------------------


@dataclass
class ScanResult:
    scan: CheckInScan
    created: bool  # False: the person was in already (the scan is a flagged duplicate)


def record_scan(
    event: Event, by, *, code: str | None = None, token: str | None = None, at=None, party: int | None = None
) -> ScanResult:
    """A ticket scanned or typed at a device: the check-in, or (the person is in already, from
    this device, another one, or a desk) a duplicate scan naming the first visit. Either way one
    scan row; refusals (unknown code, no place, not allowed) raise and write nothing."""
    at = _when(at)
    # no savepoint of its own: a refusal raised here ends the caller's transaction anyway, and
    # check_in_ticket's (nested, so a savepoint) takes back a refused insert
    with transaction.atomic(savepoint=False):
        try:
            visit = check_in_ticket(event, by, code=code, token=token, at=at, party=party)
            created = True
        except AlreadyIn as already:
            visit, created = already.checkin, False
        scan = CheckInScan.objects.create(
            event=event, checkin=visit, duplicate=not created, scanned_at=at, scanned_by=by
        )
    return ScanResult(scan, created)


# --- the roster ------------------------------------------------------------------------------


def add_helper(event: Event, by, volunteer: Volunteer) -> EventHelper:
    """Put a volunteer on the event's roster (the staff of its place). A volunteer of another
    street, or not approved, is refused."""
    if not access.can(by, "event.helpers", event):
        raise NotAllowed(_("Only the staff of the event's place keep its roster."))
    if volunteer.status != VolunteerStatus.APPROVED:
        raise InvalidInput(
            _("%(name)s is not an approved volunteer.") % {"name": volunteer.masked_name},
            fields={"volunteer_id": "not_approved"},
        )
    street = event.region if event.region.kind == "street" else event.region.parent
    if not volunteer.home_region.path.startswith(street.path):
        raise InvalidInput(
            _("This volunteer does not serve in this street."), fields={"volunteer_id": "other_street"}
        )
    with transaction.atomic():
        helper, created = EventHelper.objects.get_or_create(
            event=event, volunteer=volunteer, defaults={"added_by": by}
        )
        if created:
            log_action(event, "add_helper", by, volunteer=volunteer.pk)
    return helper


def remove_helper(helper: EventHelper, by) -> None:
    if not access.can(by, "event.helpers", helper.event):
        raise NotAllowed(_("Only the staff of the event's place keep its roster."))
    if helper.checkins.exists():
        raise Conflict(_("This volunteer has checked in here already; the roster keeps them."), code="served")
    with transaction.atomic():
        log_action(helper.event, "remove_helper", by, volunteer=helper.volunteer_id)
        helper.delete()


# --- figures ---------------------------------------------------------------------------------


def figures(event: Event) -> dict[str, int]:
    """Who came: `people` distinct persons (someone in twice counts once; a party counts as
    many as came, at its largest visit), `visits` person-visits (twice; a party of 3 is 3),
    `walk_ins` visits without a sign-up, `here` people in right now, and the volunteers serving
    (`helpers`, `helpers_here`). One query."""
    visitor = Q(role=CheckInRole.VISITOR)
    # each person's largest visit (the first of equals): the one their party is counted at
    larger = CheckIn.objects.filter(
        event=OuterRef("event"), person_key=OuterRef("person_key"), role=CheckInRole.VISITOR
    ).filter(Q(party__gt=OuterRef("party")) | Q(party=OuterRef("party"), pk__lt=OuterRef("pk")))
    row = (
        CheckIn.objects.filter(event=event)
        .annotate(counted=~Exists(larger))
        .aggregate(
            people=Sum("party", filter=visitor & Q(counted=True)),
            visits=Sum("party", filter=visitor),
            walk_ins=Count("id", filter=visitor & Q(method=CheckInMethod.WALK_IN)),
            here=Sum("party", filter=visitor & Q(status=CheckInStatus.IN)),
            helpers=Count("person_key", filter=Q(role=CheckInRole.HELPER), distinct=True),
            helpers_here=Count("id", filter=Q(role=CheckInRole.HELPER, status=CheckInStatus.IN)),
        )
    )
    return {k: v or 0 for k, v in row.items()}


def visits(event: Event, user) -> QuerySet[CheckIn]:
    """The visits of `event` `user` may see, newest first."""
    return (
        CheckIn.objects.restrict(user, "checkin.view")
        .filter(event=event)
        .select_related("checked_in_by", "checked_out_by", "signup")
        .order_by("-checked_in_at", "-id")
    )

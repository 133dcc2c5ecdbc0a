"""Every change at a fair happens here, as plain functions taking the acting user.

Queues. A stall gives numbers per lane (A001 ... for everyone, P001 ... for the priority lane)
from counters on its own row, taken under that row's lock, so no two people get the same
number; calling the next number takes the same lock, so two callers never call the same
ticket. The rule of the priority lane: residents of 70 and over and disabled residents (their
record's date of birth and population groups; at the stall, a worker who sees a senior's or
disability card) take a P number, and a waiting P number is always called before any A
number; inside a lane, first come first served.

Slots. A stall with `slot_minutes` takes bookings for each slot between its opening and
closing; each slot holds `per_slot` bookings through core.capacity.reserve() on the stall's
row.

Food bank. One parcel per household per round: the round's row is locked (reserve()), the
household's parcel is looked for after the lock, and a unique constraint on (round,
household) backs it. A household is the residents of one door (grid, building, door); a
resident with no door recorded is a household alone. The parcel is handed out against the
resident's six-digit sign-up code for the fair (SignUp.code), or, at a station without
sign-ups, for the resident staff found (resident_id).
"""

from __future__ import annotations

import datetime as dt
import math

from django.db import IntegrityError, transaction
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from weiguang.core import capacity
from weiguang.core.audit import log_action, save_and_log_update
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.core.privacy import age_on
from weiguang.core.text import clean_text, natural_key
from weiguang.core.transitions import perform
from weiguang.demands.models import IntakeSession, SessionKind
from weiguang.demands.services import intake as demand_intake
from weiguang.partners.models import PartnerUnit
from weiguang.people.models import PopulationGroup, Resident
from weiguang.people.services import own_resident, resident_for
from weiguang.places.models import Station
from weiguang.regions import access
from weiguang.regions.models import Membership, Region, RegionKind, Role, ancestor_paths
from weiguang.volunteers.models import Team
from weiguang.wishes import services as wish_services
from weiguang.wishes.models import Channel

from ..models import (
    BookingStatus,
    Event,
    EventKind,
    EventStatus,
    FoodParcel,
    FoodRound,
    Lane,
    ProviderKind,
    QueueTicket,
    SignUp,
    SignUpStatus,
    SlotBooking,
    Stall,
    StallVisit,
    StallWish,
    TicketChannel,
    TicketStatus,
    VisitKind,
)

PRIORITY_AGE = 70
PRIORITY_GROUPS = ("disabled",)  # people.PopulationGroup codes
RECENT_SERVED = 10  # the expected wait follows the last ten people served
DEFAULT_SERVICE_SECONDS = 5 * 60  # before anyone was served
NAME_MAX, SERVICE_MAX, SPOT_MAX, TITLE_MAX = 50, 60, 30, 60


def _need(by, action: str, obj, message: str) -> None:
    if not access.can(by, action, obj):
        raise NotAllowed(message)


def _fair(event: Event) -> None:
    if event.kind != EventKind.SERVICE_FAIR:
        raise InvalidInput(_("Stalls belong to a service fair."), fields={"event_id": "not_fair"})


# --- the fair's intake session (demands) ------------------------------------------------------


def intake_session_for(event: Event, by=None) -> IntakeSession:
    """The fair's intake session (demands' IntakeSession of kind "fair"): made with the fair,
    or on first use for a fair made before; one per fair (Event.intake_session is one to one)."""
    _fair(event)
    if event.intake_session_id:
        return event.intake_session
    with transaction.atomic():
        locked = capacity.lock(event)
        if locked.intake_session_id is None:
            locked.intake_session = IntakeSession.objects.create(
                community=locked.region,
                kind=SessionKind.FAIR,
                title=locked.title[:TITLE_MAX],
                date=timezone.localtime(locked.starts_at).date(),
                created_by=by if getattr(by, "is_authenticated", False) else None,
            )
            locked.save(update_fields=["intake_session"])
            log_action(locked.intake_session, "open", by, fair=locked.pk)
        event.intake_session = locked.intake_session
        event.intake_session_id = locked.intake_session_id
    return event.intake_session


def follow_fair(event: Event, by=None) -> None:
    """The fair's intake session says what the fair says now (its title, date and community):
    called inside the transaction that changed the fair. A fair made before sessions gets one."""
    session = intake_session_for(event, by)
    fields = {
        "title": event.title[:TITLE_MAX],
        "date": timezone.localtime(event.starts_at).date(),
        "community": event.region,
    }
    if any(getattr(session, name) != value for name, value in fields.items()):
        save_and_log_update(IntakeSession.objects.select_for_update().get(pk=session.pk), by, fields)
        for name, value in fields.items():
            setattr(session, name, value)


# --- stalls ---------------------------------------------------------------------------------


def add_stall(event: Event, by, data: dict) -> Stall:
    """A stall of the fair, run by a partner unit, a volunteer team or a department by name."""
    _fair(event)
    _need(by, "stall.manage", event, _("Only staff of the fair's place may set up its stalls."))
    fields = _stall_fields(event, data)
    with transaction.atomic():
        locked = capacity.lock(event)
        if fields.get("number") is None:
            last = (
                Stall.objects.filter(event=locked)
                .order_by("-number")
                .values_list("number", flat=True)
                .first()
            )
            fields["number"] = (last or 0) + 1
        elif Stall.objects.filter(event=locked, number=fields["number"]).exists():
            raise InvalidInput(
                _("Stall %(n)d exists already.") % {"n": fields["number"]}, fields={"number": "taken"}
            )
        workers = fields.pop("workers", [])
        stall = Stall.objects.create(event=locked, **fields)
        if workers:
            stall.workers.set(workers)
        log_action(stall, "create", by, event=locked.pk, workers=sorted(w.pk for w in workers))
    intake_session_for(event, by)
    return stall


def _stall_fields(event: Event, data: dict) -> dict:
    fields: dict = {"number": data.get("number")}
    if fields["number"] is not None and not 1 <= fields["number"] <= 999:
        raise InvalidInput(_("Stall number: 1 to 999."), fields={"number": "invalid"})
    kind = data.get("provider_kind") or ""
    if kind not in ProviderKind.values:
        raise InvalidInput(_("Who runs the stall?"), fields={"provider_kind": "invalid"})
    fields["provider_kind"] = kind
    fields["partner"] = fields["team"] = None
    fields["department_name"] = ""
    if kind == ProviderKind.PARTNER:
        partner = data.get("partner")
        if isinstance(partner, int):
            partner = PartnerUnit.objects.filter(pk=partner).first()
        if partner is None:
            raise InvalidInput(_("Choose the partner unit."), fields={"partner_id": "required"})
        if not partner.serves(event.region):
            raise InvalidInput(
                _("This partner unit does not serve this place."), fields={"partner_id": "other_region"}
            )
        fields["partner"] = partner
    elif kind == ProviderKind.TEAM:
        team = data.get("team")
        if isinstance(team, int):
            team = Team.objects.select_related("region").filter(pk=team).first()
        if team is None:
            raise InvalidInput(_("Choose the volunteer team."), fields={"team_id": "required"})
        paths = ancestor_paths(event.region.path)
        street = paths[1] if len(paths) > 1 else event.region.path
        if not team.region.path.startswith(street):
            raise InvalidInput(_("Choose a team of this street."), fields={"team_id": "other_street"})
        fields["team"] = team
    else:
        fields["department_name"] = clean_text(
            data.get("department_name", ""), "department_name", required=True, max_length=60, one_line=True
        )
    fields["service"] = clean_text(
        data.get("service", ""), "service", required=True, min_length=2, max_length=SERVICE_MAX, one_line=True
    )
    fields["spot"] = clean_text(
        data.get("spot", ""), "spot", required=False, max_length=SPOT_MAX, one_line=True
    )
    opens = data.get("opens_at") or event.starts_at
    closes = data.get("closes_at") or event.ends_at
    if closes <= opens:
        raise InvalidInput(_("A stall closes after it opens."), fields={"closes_at": "before_opening"})
    fields["opens_at"], fields["closes_at"] = opens, closes
    minutes = data.get("slot_minutes")
    if minutes is not None and not 5 <= minutes <= 240:
        raise InvalidInput(_("Minutes per slot: 5 to 240, or empty."), fields={"slot_minutes": "invalid"})
    fields["slot_minutes"] = minutes
    per_slot = data.get("per_slot") or 1
    if not 1 <= per_slot <= 50:
        raise InvalidInput(_("People per slot: 1 to 50."), fields={"per_slot": "invalid"})
    fields["per_slot"] = per_slot
    if "workers" in data:
        fields["workers"] = _workers(event, data["workers"] or [])
    return fields


# who may serve at a stall: the staff, grid workers, volunteers and partner representatives of the
# fair's street (a role inside it, or above it: the district's)
NOT_A_WORKER = gettext_lazy(
    "Only staff, grid workers, volunteers and partner representatives of this street serve at its stalls."
)
WORKER_ROLES = (Role.STREET_ADMIN, Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.VOLUNTEER, Role.PARTNER_REP)


def worker_candidates(event: Event) -> QuerySet:
    """The people who may serve at a stall of `event` (the one rule for the API and the
    stall form): active users with a role of WORKER_ROLES inside the fair's street or above it."""
    from django.contrib.auth import get_user_model

    paths = ancestor_paths(event.region.path)
    street = paths[1] if len(paths) > 1 else event.region.path
    roles = Membership.objects.filter(role__in=WORKER_ROLES).filter(
        Q(region__path__startswith=street) | Q(region__path__in=ancestor_paths(street))
    )
    return get_user_model().objects.filter(is_active=True, pk__in=roles.values("user_id"))


def _workers(event: Event, workers) -> list:
    ids = {w if isinstance(w, int) else w.pk for w in workers}
    found = list(worker_candidates(event).filter(pk__in=ids))
    if len(found) != len(ids):
        from django.contrib.auth import get_user_model

        if get_user_model().objects.filter(pk__in=ids, is_active=True).count() != len(ids):
            raise InvalidInput(_("There is no such person."), fields={"workers": "not_found"})
        raise InvalidInput(str(NOT_A_WORKER), fields={"workers": "other_street"})
    return found


def edit_stall(stall: Stall, by, data: dict) -> Stall:
    """Change a stall: who runs it, what, where and when, its slots. Bookings already made
    keep their times; a stall cannot lose its slots while people hold one."""
    event = stall.event
    _need(by, "stall.manage", event, _("Only staff of the fair's place may set up its stalls."))
    fields = _stall_fields(event, data)
    workers = fields.pop("workers", None)  # None: left as they are (not in `data`)
    with transaction.atomic():
        locked_event = capacity.lock(event)
        locked = capacity.lock(stall)
        if fields.get("number") is None:
            fields["number"] = locked.number
        elif (
            fields["number"] != locked.number
            and Stall.objects.filter(event=locked_event, number=fields["number"]).exists()
        ):
            raise InvalidInput(
                _("Stall %(n)d exists already.") % {"n": fields["number"]}, fields={"number": "taken"}
            )
        booked = SlotBooking.objects.filter(stall=locked, status=BookingStatus.BOOKED)
        if booked.exists() and (
            fields["slot_minutes"] != locked.slot_minutes
            or fields["opens_at"] != locked.opens_at
            or fields["per_slot"] < locked.per_slot
            or fields["closes_at"] < locked.closes_at
        ):
            raise Conflict(
                _("People have booked slots at this stall: its hours and slots cannot change now."),
                code="has_bookings",
            )
        before = {k: str(getattr(locked, k)) for k in ("number", "service", "spot", "opens_at", "closes_at")}
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save()
        extra = {}
        if workers is not None:
            had = sorted(locked.workers.values_list("pk", flat=True))
            now = sorted(w.pk for w in workers)
            if had != now:
                locked.workers.set(workers)
                extra = {"workers_before": had, "workers": now}
        log_action(locked, "edit", by, before=before, **extra)
    return locked


def remove_stall(stall: Stall, by) -> None:
    """Take a stall off the fair, while it has served no one: a stall with numbers, bookings,
    people served or wishes recorded keeps its records (the fair's summary counts them)."""
    _need(by, "stall.manage", stall.event, _("Only staff of the fair's place may set up its stalls."))
    with transaction.atomic():
        locked = capacity.lock(stall)
        used = (
            QueueTicket.objects.filter(stall=locked).exists()
            or SlotBooking.objects.filter(stall=locked).exists()
            or StallVisit.objects.filter(stall=locked).exists()
            or StallWish.objects.filter(stall=locked).exists()
        )
        if used:
            raise Conflict(
                _("Stall %(n)d has numbers, bookings or people served; it stays on the fair.")
                % {"n": locked.number},
                code="in_use",
            )
        log_action(locked.event, "remove_stall", by, stall=locked.pk, number=locked.number)
        locked.delete()


def fair_stalls(event: Event) -> QuerySet[Stall]:
    """A fair's stalls, for anyone who may see the fair (stalls are public: no one's data)."""
    return Stall.objects.filter(event=event).select_related("partner", "team").order_by("number", "id")


def _open_stall(stall: Stall, now=None) -> None:
    now = now or timezone.now()
    if stall.event.status not in (EventStatus.PUBLISHED, EventStatus.CLOSED):
        raise Conflict(_("This fair is not open."), code="not_open")
    if now >= stall.closes_at:
        raise Conflict(_("This stall has closed."), code="closed")


# --- queue numbers ------------------------------------------------------------------------


def priority_reason(resident: Resident | None, today: dt.date | None = None) -> str | None:
    """Why `resident` queues in the priority lane ("age", "disabled"), or None."""
    if resident is None:
        return None
    age = age_on(resident.birth_date, today or timezone.localdate())
    if age is not None and age >= PRIORITY_AGE:
        return "age"
    if any(g.code in PRIORITY_GROUPS for g in resident.groups.all()):
        return "disabled"
    return None


def take_number(
    stall: Stall, by, *, resident: Resident | int | None = None, name: str = "", priority: bool = False
) -> QueueTicket:
    """Take a number. On the phone: `by` takes one for themselves (their resident record, if
    any, decides the lane). At the stall: a worker takes one on someone's behalf, for a
    resident found (`resident`: staff) or a person by `name`; `priority` puts a person
    without a record in the priority lane (a senior's or disability card shown)."""
    if not getattr(by, "is_authenticated", False):
        raise NotAllowed(_("Sign in to take a number."), code="unauthenticated")
    on_behalf = resident is not None or bool((name or "").strip())
    user = None
    if on_behalf:
        _need(by, "stall.serve", stall, _("Only the people serving at this stall may give numbers here."))
        channel = TicketChannel.STALL
        if resident is not None:
            resident = resident_for(by, resident)
            name = resident.name
        else:
            name = clean_text(name, "name", required=True, max_length=NAME_MAX, one_line=True)
    else:
        channel = TicketChannel.PHONE
        resident = own_resident(by)
        user = by
        name = resident.name if resident is not None else (by.get_full_name() or by.get_username())
    lane = (
        Lane.PRIORITY
        if priority_reason(resident) or (on_behalf and priority and resident is None)
        else Lane.NORMAL
    )
    _open_stall(stall)
    with transaction.atomic():
        locked = capacity.lock(stall)
        live = QueueTicket.objects.filter(
            stall=locked, status__in=[TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SKIPPED]
        )
        mine = None
        if resident is not None:
            mine = live.filter(resident=resident).first()
        elif user is not None:
            mine = live.filter(user=user, resident=None).first()
        if mine is not None:
            raise Conflict(
                _("Already in this queue with number %(label)s.") % {"label": mine.label},
                code="already_queued",
            )
        if lane == Lane.PRIORITY:
            locked.last_priority += 1
            number = locked.last_priority
        else:
            locked.last_normal += 1
            number = locked.last_normal
        locked.save(update_fields=["last_priority", "last_normal"])
        ticket = QueueTicket.objects.create(
            stall=locked, lane=lane, number=number, resident=resident, user=user, name=name,
            channel=channel, taken_by=by,
        )  # fmt: skip
        log_action(ticket, "take", by, to_state=ticket.status, lane=lane, on_behalf=on_behalf)
    return ticket


LANE_ORDER = Case(When(lane=Lane.PRIORITY, then=Value(0)), default=Value(1), output_field=IntegerField())


def waiting(stall: Stall) -> QuerySet[QueueTicket]:
    """The waiting numbers in the order they will be called."""
    return (
        QueueTicket.objects.filter(stall=stall, status=TicketStatus.WAITING)
        .annotate(lane_order=LANE_ORDER)
        .order_by("lane_order", "number", "id")
    )


def _ahead(ticket: QueueTicket, waiting_rows) -> int:
    """How many of `waiting_rows` ((lane, number) of the stall's waiting tickets) are called
    before `ticket`."""
    if ticket.status != TicketStatus.WAITING:
        return 0
    if ticket.lane == Lane.PRIORITY:
        return sum(1 for lane, n in waiting_rows if lane == Lane.PRIORITY and n < ticket.number)
    return sum(1 for lane, n in waiting_rows if lane == Lane.PRIORITY or n < ticket.number)


def ahead_of(ticket: QueueTicket) -> int:
    """How many waiting numbers will be called before `ticket` (0 once called)."""
    return positions([ticket])[ticket.pk]["ahead"]


def _average(spans) -> float:
    spans = [(served - called).total_seconds() for called, served in spans if served and served >= called]
    return sum(spans) / len(spans) if spans else DEFAULT_SERVICE_SECONDS


def service_seconds(stall: Stall) -> float:
    """The stall's average time per person, from the last people it served."""
    recent = (
        QueueTicket.objects.filter(stall=stall, status=TicketStatus.SERVED, called_at__isnull=False)
        .order_by("-served_at")
        .values_list("called_at", "served_at")[:RECENT_SERVED]
    )
    return _average(recent)


def expected_wait_minutes(ahead: int, seconds_each: float) -> int:
    return math.ceil(ahead * seconds_each / 60)


def positions(tickets) -> dict[int, dict]:
    """What the holder of each ticket sees (how many are ahead, the expected wait, the numbers
    called now), in three queries for any number of tickets."""
    tickets = list(tickets)
    stall_ids = {t.stall_id for t in tickets}
    waiting_rows: dict[int, list] = {pk: [] for pk in stall_ids}
    for stall_id, lane, number in QueueTicket.objects.filter(
        stall_id__in=stall_ids, status=TicketStatus.WAITING
    ).values_list("stall_id", "lane", "number"):
        waiting_rows[stall_id].append((lane, number))
    served: dict[int, list] = {pk: [] for pk in stall_ids}
    for stall_id, called, done in (
        QueueTicket.objects.filter(
            stall_id__in=stall_ids, status=TicketStatus.SERVED, called_at__isnull=False
        )
        .order_by("-served_at")
        .values_list("stall_id", "called_at", "served_at")
    ):
        if len(served[stall_id]) < RECENT_SERVED:
            served[stall_id].append((called, done))
    calling: dict[int, list] = {pk: [] for pk in stall_ids}
    for t in QueueTicket.objects.filter(stall_id__in=stall_ids, status=TicketStatus.CALLED).order_by(
        "-called_at", "-id"
    ):
        if len(calling[t.stall_id]) < 3:
            calling[t.stall_id].append(t.label)
    found = {}
    for t in tickets:
        ahead = _ahead(t, waiting_rows[t.stall_id])
        found[t.pk] = {
            "ahead": ahead,
            "wait_minutes": expected_wait_minutes(ahead, _average(served[t.stall_id])) if ahead else 0,
            "now_calling": calling[t.stall_id],
        }
    return found


def position(ticket: QueueTicket) -> dict:
    """What the holder of `ticket` sees: how many are ahead, the expected wait, who is called."""
    return positions([ticket])[ticket.pk]


def now_calling(stall: Stall, limit: int = 3) -> list[QueueTicket]:
    """The numbers called last (most recent first), for the display and the holders."""
    return list(
        QueueTicket.objects.filter(stall=stall, status=TicketStatus.CALLED)
        .select_related("resident")
        .order_by("-called_at", "-id")[:limit]
    )


def _serve_ticket(ticket: QueueTicket, by, now) -> QueueTicket:
    def apply(locked):
        locked.served_at = now
        StallVisit.objects.create(
            stall_id=locked.stall_id, kind=VisitKind.TICKET, ticket=locked, resident_id=locked.resident_id,
            name=locked.name, served_by=by, served_at=now,
        )  # fmt: skip

    return perform(ticket, "serve", by, apply=apply)


def call_next(stall: Stall, by) -> QueueTicket:
    """Call the next number (priority lane first). The number called before, if still at the
    counter, is recorded as served. Under the stall's lock: two callers get two tickets."""
    _need(by, "stall.serve", stall, _("Only the people serving at this stall may call numbers."))
    now = timezone.now()
    with transaction.atomic():
        locked = capacity.lock(stall)
        for current in QueueTicket.objects.filter(stall=locked, status=TicketStatus.CALLED, called_by=by):
            _serve_ticket(current, by, now)
        nxt = waiting(locked).first()
        called = _call(nxt, by, now, "call") if nxt is not None else None
    if called is None:  # the number before is served all the same
        raise Conflict(_("Nobody is waiting."), code="queue_empty")
    return called


def _call(ticket: QueueTicket, by, now, step: str) -> QueueTicket:
    def apply(locked):
        locked.called_at = now
        locked.called_by = by
        locked.calls += 1

    return perform(ticket, step, by, apply=apply)


def serve_ticket(ticket: QueueTicket, by) -> QueueTicket:
    with transaction.atomic():
        capacity.lock(ticket.stall)
        return _serve_ticket(ticket, by, timezone.now())


def skip_ticket(ticket: QueueTicket, by) -> QueueTicket:
    """The called person is not here: set the number aside (it may be called again)."""
    with transaction.atomic():
        capacity.lock(ticket.stall)
        return perform(ticket, "skip", by)


def recall_ticket(ticket: QueueTicket, by) -> QueueTicket:
    """Call a skipped number again (the person came back)."""
    with transaction.atomic():
        capacity.lock(ticket.stall)
        return _call(ticket, by, timezone.now(), "recall")


def cancel_ticket(ticket: QueueTicket, by) -> QueueTicket:
    with transaction.atomic():
        capacity.lock(ticket.stall)
        return perform(ticket, "cancel", by)


def my_tickets(user) -> QuerySet[QueueTicket]:
    if not getattr(user, "is_authenticated", False):
        return QueueTicket.objects.none()
    return QueueTicket.objects.filter(Q(user=user) | Q(resident__user=user))


# --- bookable slots ---------------------------------------------------------------------------


def slot_starts(stall: Stall) -> list[dt.datetime]:
    if not stall.slot_minutes:
        return []
    step = dt.timedelta(minutes=stall.slot_minutes)
    starts, at = [], stall.opens_at
    while at + step <= stall.closes_at:
        starts.append(at)
        at += step
    return starts


def _booked(stall: Stall, starts_at) -> int:
    return SlotBooking.objects.filter(stall=stall, starts_at=starts_at, status=BookingStatus.BOOKED).count()


def slots(stall: Stall) -> list[dict]:
    """Each slot with its bookings and free places (for display, never for deciding)."""
    counts = dict(
        SlotBooking.objects.filter(stall=stall, status=BookingStatus.BOOKED)
        .values("starts_at")
        .order_by()
        .annotate(n=Count("id"))
        .values_list("starts_at", "n")
    )
    return [
        {"starts_at": at, "booked": counts.get(at, 0), "free": max(stall.per_slot - counts.get(at, 0), 0)}
        for at in slot_starts(stall)
    ]


def book_slot(stall: Stall, by, starts_at, *, resident: Resident | int | None = None) -> SlotBooking:
    """Book the slot starting at `starts_at` for `by` (or for `resident`, by staff). The last
    place of a slot goes to exactly one of those asking at once."""
    if not getattr(by, "is_authenticated", False):
        raise NotAllowed(_("Sign in to book."), code="unauthenticated")
    if not stall.slot_minutes:
        raise InvalidInput(_("This stall takes no bookings."), fields={"starts_at": "no_slots"})
    if starts_at not in slot_starts(stall):
        raise InvalidInput(_("There is no such slot."), fields={"starts_at": "invalid"})
    now = timezone.now()
    if starts_at <= now:
        raise InvalidInput(_("This slot has begun."), fields={"starts_at": "past"})
    _open_stall(stall, now)
    if resident is not None:
        _need(by, "stall.serve", stall, _("Only the people serving at this stall may book for others."))
        resident = resident_for(by, resident)
        user = resident.user
    else:
        resident, user = own_resident(by), by
    name = resident.name if resident is not None else (by.get_full_name() or by.get_username())

    def create(locked):
        mine = SlotBooking.objects.filter(stall=locked, status=BookingStatus.BOOKED)
        mine = (
            mine.filter(resident=resident) if resident is not None else mine.filter(user=user, resident=None)
        )
        if mine.exists():
            raise Conflict(_("Already booked at this stall."), code="already_booked")
        booking = SlotBooking.objects.create(
            stall=locked, starts_at=starts_at, resident=resident, user=user, name=name, booked_by=by
        )
        log_action(booking, "book", by, to_state=booking.status, slot=starts_at.isoformat())
        return booking

    return capacity.reserve(
        stall,
        capacity=lambda locked: locked.per_slot,
        held=lambda locked: _booked(locked, starts_at),
        wanted=1,
        create=create,
        message=_("This slot is fully booked."),
    )


def cancel_booking(booking: SlotBooking, by) -> SlotBooking:
    return perform(booking, "cancel", by)


def serve_booking(booking: SlotBooking, by) -> SlotBooking:
    now = timezone.now()

    def apply(locked):
        StallVisit.objects.create(
            stall_id=locked.stall_id, kind=VisitKind.BOOKING, booking=locked, resident_id=locked.resident_id,
            name=locked.name, served_by=by, served_at=now,
        )  # fmt: skip

    return perform(booking, "serve", by, apply=apply)


# --- whom a stall served -----------------------------------------------------------------------


def record_walk_in(stall: Stall, by, *, resident: Resident | int | None = None, name: str = "") -> StallVisit:
    """Someone served at the stall without a number or a booking."""
    _need(by, "stall.serve", stall, _("Only the people serving at this stall may record whom it served."))
    if resident is not None:
        resident = resident_for(by, resident)
        name = resident.name
    else:
        name = clean_text(name, "name", required=False, max_length=NAME_MAX, one_line=True)
    with transaction.atomic():
        visit = StallVisit.objects.create(
            stall=stall, kind=VisitKind.WALK_IN, resident=resident, name=name, served_by=by,
            served_at=timezone.now(),
        )  # fmt: skip
        log_action(visit, "walk_in", by)
    return visit


# --- wishes and demands collected at a stall --------------------------------------------------


def record_wish_at_stall(stall: Stall, by, **wish_fields):
    """A micro-wish recorded at the stall (channel "stall"), kept by the fair. Recorded by the
    stall's people for a resident they may act for (wishes' own "on behalf of" rule)."""
    _need(by, "stall.serve", stall, _("Only the people serving at this stall may record here."))
    with transaction.atomic():
        wish, created = wish_services.submit_wish(by, channel=Channel.STALL, **wish_fields)
        if created:
            StallWish.objects.create(stall=stall, wish=wish)
            log_action(wish, "recorded_at_stall", by, stall=stall.pk, event=stall.event_id)
    return wish


def record_demand_at_stall(stall: Stall, by, **demand_fields):
    """A demand recorded at the stall, in the fair's intake session (channel "stall"), by the
    stall's people who record demands in that grid (staff, its grid workers): anyone else's
    would be an online demand outside the fair, so it is refused here."""
    from weiguang.demands.access import may
    from weiguang.demands.models import DemandChannel

    _need(by, "stall.serve", stall, _("Only the people serving at this stall may record here."))
    grid = demand_fields.get("grid")
    if grid is not None and not may(by, "demand.create", grid):
        raise NotAllowed(_("Only staff and grid workers of this place record demands at the fair."))
    session = intake_session_for(stall.event, by)
    return demand_intake.submit_demand(by, channel=DemandChannel.STALL, session=session, **demand_fields)


# --- food bank ----------------------------------------------------------------------------------


def open_food_round(
    by, *, region: Region, title: str, date: dt.date, groups, parcels: int | None = None,
    event: Event | None = None, stall: Stall | None = None, station: Station | None = None,
) -> FoodRound:  # fmt: skip
    """A round of food parcels for the households of `groups` in `region`, at a fair or a station."""
    if event is not None:
        region = event.region
    if region is None or region.kind not in (RegionKind.COMMUNITY, RegionKind.STREET):
        raise InvalidInput(_("A round belongs to a community or a street."), fields={"region_id": "invalid"})
    if not access.can(by, "food.manage", path=region.path):
        raise NotAllowed(_("Only staff of this place may open a food-bank round."))
    title = clean_text(title, "title", required=True, min_length=2, max_length=TITLE_MAX, one_line=True)
    if date is None:
        raise InvalidInput(_("Give the date."), fields={"date": "required"})
    groups = list(groups or [])
    ids = [g.pk if isinstance(g, PopulationGroup) else g for g in groups]
    found = list(PopulationGroup.objects.filter(pk__in=ids))
    if not found or len(found) != len(set(ids)):
        raise InvalidInput(_("Choose who the parcels are for."), fields={"groups": "required"})
    if parcels is not None and not 1 <= parcels <= 100_000:
        raise InvalidInput(
            _("Parcels: a number from 1, or empty for no limit."), fields={"parcels": "invalid"}
        )
    if stall is not None and (event is None or stall.event_id != event.pk):
        raise InvalidInput(_("The stall belongs to another fair."), fields={"stall_id": "invalid"})
    with transaction.atomic():
        round_ = FoodRound.objects.create(
            region=region, event=event, stall=stall, station=station, title=title, date=date,
            parcels=parcels, created_by=by,
        )  # fmt: skip
        round_.groups.set(found)
        log_action(round_, "create", by)
    return round_


def household_key(resident: Resident) -> str:
    if resident.door:
        return f"{resident.grid_id}|{resident.building.strip()}|{resident.door.strip()}"
    return f"resident:{resident.pk}"


def household_members(resident: Resident) -> QuerySet[Resident]:
    if resident.door:
        return Resident.objects.filter(
            grid_id=resident.grid_id, building=resident.building, door=resident.door
        )
    return Resident.objects.filter(pk=resident.pk)


def eligible(round_: FoodRound, resident: Resident) -> bool:
    """A household is eligible when one of its residents, in the round's place, belongs to one
    of the round's groups."""
    if not resident.grid.path.startswith(round_.region.path):
        return False
    groups = [g.pk for g in round_.groups.all()]
    return household_members(resident).filter(groups__in=groups).exists()


def eligible_households(round_: FoodRound) -> int:
    rows = (
        Resident.objects.filter(grid__path__startswith=round_.region.path, groups__in=round_.groups.all())
        .values_list("pk", "grid_id", "building", "door")
        .distinct()
    )
    return len({f"{g}|{b.strip()}|{d.strip()}" if d else f"resident:{pk}" for pk, g, b, d in rows})


def household_list(round_: FoodRound) -> list[dict]:
    """The round's eligible households, each once (its eligible residents, the first of them
    to hand the parcel to) and whether it had its parcel: a fixed number of queries. In the
    order a person walks them: by grid, then building and door with numbers by value (2号楼
    before 12号楼)."""
    residents = sorted(
        Resident.objects.filter(grid__path__startswith=round_.region.path, groups__in=round_.groups.all())
        .select_related("grid")
        .distinct(),
        key=lambda r: (r.grid.path, natural_key(r.building), natural_key(r.door), r.name, r.pk),
    )
    given = dict(FoodParcel.objects.filter(round=round_).values_list("household", "handed_at"))
    households: dict[str, dict] = {}
    for r in residents:
        key = household_key(r)
        row = households.setdefault(
            key, {"key": key, "resident": r, "members": [], "handed_at": given.get(key)}
        )
        row["members"].append(r)
    return list(households.values())


def food_rounds(event: Event) -> QuerySet[FoodRound]:
    """A fair's rounds with their handed-out count (one query for the list)."""
    return (
        FoodRound.objects.filter(event=event)
        .select_related("stall")
        .prefetch_related("groups")
        .annotate(n_handed_out=Count("handed_out"))
        .order_by("-date", "-id")
    )


def handed_out(round_: FoodRound) -> int:
    return FoodParcel.objects.filter(round=round_).count()


def hand_out(round_: FoodRound, by, *, code: str = "", resident: Resident | int | None = None) -> FoodParcel:
    """Hand a parcel to the household of the resident whose fair sign-up code is `code` (or of
    `resident`, found by staff). A second parcel for the household is refused, also when two
    desks try at once."""
    _need(by, "food.hand_out", round_, _("Only the people handing out this round may do this."))
    code = (code or "").strip()
    if code:
        signup = None
        if round_.event_id and code.isdigit() and len(code) == 6:
            signup = (
                SignUp.objects.select_related("resident__grid")
                .filter(
                    event_id=round_.event_id, code=code, status=SignUpStatus.CONFIRMED, resident__isnull=False
                )
                .first()
            )
        if signup is None:
            raise InvalidInput(_("No sign-up of this fair has this code."), fields={"code": "not_found"})
        resident = signup.resident
    elif resident is not None:
        resident = resident_for(by, resident)
    else:
        raise InvalidInput(_("Type the code or choose the resident."), fields={"code": "required"})
    if not eligible(round_, resident):
        raise InvalidInput(
            _("This household is not on the list of this round."), fields={"code": "not_eligible"}
        )
    key = household_key(resident)

    def create(locked):
        given = FoodParcel.objects.filter(round=locked, household=key).first()
        if given is not None:
            raise Conflict(
                _("This household already had its parcel at %(time)s.")
                % {"time": timezone.localtime(given.handed_at).strftime("%H:%M")},
                code="already_handed_out",
            )
        try:
            with transaction.atomic():
                parcel = FoodParcel.objects.create(
                    round=locked, household=key, resident=resident, handed_by=by
                )
        except IntegrityError:
            raise Conflict(_("This household already had its parcel."), code="already_handed_out") from None
        log_action(parcel, "hand_out", by, round=locked.pk)
        return parcel

    return capacity.reserve(
        round_,
        capacity=lambda locked: locked.parcels,
        held=handed_out,
        wanted=1,
        create=create,
        message=_("All parcels of this round are handed out."),
    )

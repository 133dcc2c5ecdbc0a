"""Every change to an event and its sign-ups happens here, as plain functions taking the
acting user.

Places: a sign-up that is confirmed or offered holds `party_size` places. Every hold goes
through `core.capacity.reserve()` with the event's row as the resource, counted after the
lock. A sign-up that does not fit joins the waiting list; whenever places free up (a
cancellation, an offer that lapsed, more places) `_fill()` walks the waiting list in order
and offers each party that fits a place (or confirms it, with `auto_promote`), inside the
transaction that freed them and under the event's lock. Lock order everywhere: the event's
row first, then the sign-up's (perform()).
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from weiguang.core import capacity
from weiguang.core.audit import log_action, save_and_log_update
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.core.notifications import notify
from weiguang.core.privacy import age_on
from weiguang.core.text import clean_text
from weiguang.core.transitions import SYSTEM, perform
from weiguang.core.uploads import check_photos
from weiguang.partners.models import PartnerUnit
from weiguang.people.models import PopulationGroup, Resident
from weiguang.people.services import own_resident, resident_for
from weiguang.places.models import ACTIVE_BOOKING, Room, Station
from weiguang.places.rooms import services as rooms
from weiguang.regions import access
from weiguang.regions.models import Region, RegionKind, ancestor_paths
from weiguang.volunteers.models import Team, Volunteer

from .models import (
    HOLDING,
    LIVE,
    Event,
    EventKind,
    EventPhoto,
    EventStatus,
    OrganiserKind,
    SignUp,
    SignUpStatus,
)

TITLE_MIN, TITLE_MAX, TEXT_MAX, PLACE_MAX, NAME_MAX, REASON_MAX = 2, 60, 2000, 120, 60, 300
MAX_PARTY_SIZE = 20  # what an event may allow one sign-up to bring
TICKET_SALT = "weiguang.events.ticket"


def conf(name: str, default=None):
    """A Weiguang setting, read at call time (so override_settings works in tests)."""
    return settings.WEIGUANG.get(name, default)


def offer_minutes(event: Event) -> int:
    return event.offer_minutes or int(conf("EVENT_OFFER_MINUTES", 30))


def event_url(event: Event) -> str:
    return f"/events/{event.pk}/"


# --- places -----------------------------------------------------------------------------


def held_places(event: Event) -> int:
    """Places held now (confirmed and offered sign-ups, each counting its party)."""
    return SignUp.objects.filter(event=event, status__in=HOLDING).aggregate(n=Sum("party_size"))["n"] or 0


def free_places(event: Event) -> int | None:
    """Places left (None: no limit); for display, never for deciding."""
    return capacity.free(event, held=held_places, capacity=lambda e: e.capacity)


def _reserve(event: Event, wanted: int, create):
    return capacity.reserve(
        event,
        capacity=lambda locked: locked.capacity,
        held=held_places,
        wanted=wanted,
        create=create,
        message=_("All places are taken."),
    )


def _open_for_signups(event: Event, now=None) -> None:
    now = now or timezone.now()
    if event.status != EventStatus.PUBLISHED:
        raise Conflict(_("This event does not take sign-ups now."), code="not_open")
    if event.starts_at <= now:
        raise Conflict(_("This event has already started."), code="started")


def _fill(event: Event, now=None) -> list[SignUp]:
    """Give freed places to the waiting list, first come first served among the parties that
    fit. `event` is locked by the caller's transaction."""
    now = now or timezone.now()
    # a closed event takes no new sign-ups, but its waiting list still moves up
    if event.status not in (EventStatus.PUBLISHED, EventStatus.CLOSED) or event.starts_at <= now:
        return []
    step = "promote" if event.auto_promote else "offer"
    minutes = offer_minutes(event)
    done = []
    for waiting in SignUp.objects.filter(event=event, status=SignUpStatus.WAITING).order_by(
        "waiting_since", "id"
    ):
        free = free_places(event)
        if free is not None and free <= 0:
            break
        if free is not None and waiting.party_size > free:
            continue  # a bigger party waits for more places; the next one that fits goes first

        def apply(locked, step=step):
            if step == "offer":
                locked.offered_at = now
                locked.offer_expires_at = now + dt.timedelta(minutes=minutes)
            else:
                locked.confirmed_at = now

        done.append(
            _reserve(
                event, waiting.party_size, lambda locked, w=waiting: perform(w, step, SYSTEM, apply=apply)
            )
        )
    for signup in done:
        _tell(signup, event)
    return done


def _tell(signup: SignUp, event: Event) -> None:
    account = signup.user or (signup.resident.user if signup.resident_id else None)
    if account is None:
        return
    if signup.status == SignUpStatus.OFFERED:
        expires = timezone.localtime(signup.offer_expires_at).strftime("%H:%M")
        title = _("A place is free for you at “%(event)s”: take it by %(time)s.") % {
            "event": event.title,
            "time": expires,
        }
    else:
        title = _("You have a place at “%(event)s” from the waiting list.") % {"event": event.title}
    notify([account], title, url="/events/mine/")


# --- events -----------------------------------------------------------------------------


def _clean_event_fields(by, data: dict, event: Event | None = None) -> tuple[dict, list | None]:
    """The event's fields from `data` (a form's cleaned_data or an API body), checked; and its
    population groups (None: leave them)."""
    fields: dict = {}
    region = data.get("region", event.region if event else None)
    if isinstance(region, int):
        region = Region.objects.filter(pk=region).first()
    if region is None:
        raise InvalidInput(_("Choose the community or street."), fields={"region": "required"})
    if region.kind not in (RegionKind.COMMUNITY, RegionKind.STREET):
        raise InvalidInput(
            _("An event belongs to a community or a street."), fields={"region": "not_community"}
        )
    if not access.can(by, "event.manage", path=region.path):
        raise NotAllowed(_("You may only run events in the places you serve."))
    fields["region"] = region
    kind = data.get("kind", event.kind if event else "")
    if kind not in EventKind.values:
        raise InvalidInput(_("Choose what kind of event it is."), fields={"kind": "invalid"})
    fields["kind"] = kind
    fields["title"] = clean_text(
        data.get("title", event.title if event else ""), "title",
        required=True, min_length=TITLE_MIN, max_length=TITLE_MAX, one_line=True,
    )  # fmt: skip
    fields["description"] = clean_text(
        data.get("description", event.description if event else ""), "description",
        required=False, max_length=TEXT_MAX,
    )  # fmt: skip
    fields.update(_place_fields(data, event, region))
    fields["summary"] = clean_text(
        data.get("summary", event.summary if event else ""), "summary", required=False, max_length=TEXT_MAX
    )
    organiser_kind = data.get("organiser_kind") or (
        event.organiser_kind if event else OrganiserKind.COMMUNITY
    )
    if organiser_kind not in OrganiserKind.values:
        raise InvalidInput(_("Choose who organises it."), fields={"organiser_kind": "invalid"})
    fields["organiser_kind"] = organiser_kind
    fields["organiser_name"] = clean_text(
        data.get("organiser_name", event.organiser_name if event else ""), "organiser_name",
        required=False, max_length=NAME_MAX, one_line=True,
    )  # fmt: skip
    team = data.get("team", event.team if event else None)
    if isinstance(team, int):
        team = Team.objects.filter(pk=team).first() or _no_such("team")
    if team is not None and not team.region.path.startswith(_street_path(region)):
        raise InvalidInput(_("Choose a team of this street."), fields={"team": "other_street"})
    partner = data.get("partner", event.partner if event else None)
    if isinstance(partner, int):
        partner = PartnerUnit.objects.filter(pk=partner).first() or _no_such("partner")
    if partner is not None and not partner.serves(region):
        raise InvalidInput(
            _("This partner unit does not serve this place."), fields={"partner": "other_region"}
        )
    fields["team"], fields["partner"] = team, partner
    starts_at = data.get("starts_at", event.starts_at if event else None)
    ends_at = data.get("ends_at", event.ends_at if event else None)
    if starts_at is None:
        raise InvalidInput(_("When does it start?"), fields={"starts_at": "required"})
    if ends_at is None:
        raise InvalidInput(_("When does it end?"), fields={"ends_at": "required"})
    if ends_at < starts_at:
        raise InvalidInput(_("It cannot end before it starts."), fields={"ends_at": "before_start"})
    fields["starts_at"], fields["ends_at"] = starts_at, ends_at
    places = data.get("capacity", event.capacity if event else None)
    if places is not None and not 1 <= places <= 100_000:
        raise InvalidInput(
            _("Places: a number from 1, or empty for no limit."), fields={"capacity": "invalid"}
        )
    fields["capacity"] = places
    room = fields["room"]
    if room is not None and places is not None and places > room.capacity:
        raise InvalidInput(
            _("%(room)s holds at most %(n)d people.") % {"room": room.name, "n": room.capacity},
            fields={"capacity": "over_room"},
        )
    party = data.get("max_party_size", event.max_party_size if event else 1) or 1
    if not 1 <= party <= MAX_PARTY_SIZE:
        raise InvalidInput(
            _("One sign-up may bring 1 to %(n)d people.") % {"n": MAX_PARTY_SIZE},
            fields={"max_party_size": "invalid"},
        )
    fields["max_party_size"] = party
    min_age = data.get("min_age", event.min_age if event else None)
    if min_age is not None and not 0 <= min_age <= 120:
        raise InvalidInput(_("Minimum age: 0 to 120."), fields={"min_age": "invalid"})
    fields["min_age"] = min_age
    minutes = data.get("offer_minutes", event.offer_minutes if event else None)
    if minutes is not None and not 5 <= minutes <= 7 * 24 * 60:
        raise InvalidInput(
            _("Minutes to accept: from 5 up to a week (10080)."), fields={"offer_minutes": "invalid"}
        )
    fields["offer_minutes"] = minutes
    for flag in ("residents_only", "party_members_only", "auto_promote"):
        default = getattr(event, flag) if event else Event._meta.get_field(flag).default
        value = data.get(flag, default)
        fields[flag] = bool(default if value is None else value)
    groups = data.get("groups")
    if groups is not None:
        groups = list(groups)
        ids = [g.pk if isinstance(g, PopulationGroup) else g for g in groups]
        found = list(PopulationGroup.objects.filter(pk__in=ids))
        if len(found) != len(set(ids)):
            raise InvalidInput(_("There is no such group."), fields={"groups": "not_found"})
        groups = found
    return fields, groups


PLACE_FIELDS = ("station", "room", "place_text")


def places_for(region: Region | str, model):
    """The stations (or rooms) an event of `region` (or of every region under the paths given)
    may be held at: those of the region and the places inside it, and those of the regions
    above it up to its street (the street's service centre serves its communities)."""
    lookup = "region__path" if model is Station else "centre__region__path"
    paths = [region.path] if isinstance(region, Region) else list(region)
    where = Q(pk__in=[])
    for path in paths:
        street = street_path_of(path)
        above = [p for p in ancestor_paths(path) if p.startswith(street)]
        where |= Q(**{f"{lookup}__startswith": path}) | Q(**{f"{lookup}__in": above})
    return model.objects.filter(where)


def _place_fields(data: dict, event: Event | None, region: Region) -> dict:
    """Where: a station, a function room or an address, at most one. When `data` names any of
    them (a form always does), the ones it leaves out are cleared; else the event's stay."""
    given = any(k in data for k in PLACE_FIELDS)

    def value(name, empty):
        if given:
            return data.get(name) or empty
        return getattr(event, name) if event is not None else empty

    station, room = value("station", None), value("room", None)
    if isinstance(station, int):
        station = Station.objects.filter(pk=station).first() or _no_such("station")
    if isinstance(room, int):
        room = Room.objects.select_related("centre").filter(pk=room).first() or _no_such("room")
    address = clean_text(
        value("place_text", ""), "place_text", required=False, max_length=PLACE_MAX, one_line=True
    )
    chosen = [name for name, v in (("station", station), ("room", room), ("place_text", address)) if v]
    if len(chosen) > 1:
        message = _("Say where in one way: a station, a function room or an address.")
        raise InvalidInput(message, code="two_places", fields={name: message for name in chosen})
    if station is not None and not places_for(region, Station).filter(pk=station.pk).exists():
        message = _("Choose a station of %(place)s or its street.") % {"place": region.name}
        raise InvalidInput(message, fields={"station": message})
    if station is not None and not station.active and getattr(event, "station_id", None) != station.pk:
        message = _("This station is not shown to the public.")
        raise InvalidInput(message, fields={"station": message})
    if room is not None and not places_for(region, Room).filter(pk=room.pk).exists():
        message = _("Choose a function room of %(place)s or its street.") % {"place": region.name}
        raise InvalidInput(message, fields={"room": message})
    return {"station": station, "room": room, "place_text": address}


def _no_such(field: str):
    raise InvalidInput(_("There is no such record."), fields={field: "not_found"})


def street_path_of(path: str) -> str:
    """The path of the street a place at `path` is in (or `path`, for a street or above)."""
    paths = ancestor_paths(path)
    return paths[1] if len(paths) > 1 else path


def _street_path(region: Region) -> str:
    return street_path_of(region.path)


paths_above = ancestor_paths


def create_event(by, data: dict) -> Event:
    fields, groups = _clean_event_fields(by, data)
    with transaction.atomic():
        event = Event.objects.create(created_by=by, **fields)
        if groups:
            event.groups.set(groups)
        log_action(event, "create", by, to_state=event.status)
        _hold_room(event, by)
        if event.kind == EventKind.SERVICE_FAIR:  # what the fair collects: its intake session
            from .fairs.services import intake_session_for

            intake_session_for(event, by)
    return event


def update_event(event: Event, by, data: dict) -> Event:
    """Change what the event says. Fewer places than are held is refused; more places go to
    the waiting list at once."""
    if not access.can(by, "event.manage", event):
        raise NotAllowed(_("You may only run events in the places you serve."))
    fields, groups = _clean_event_fields(by, data, event)
    with transaction.atomic():
        locked = capacity.lock(event)
        if locked.status == EventStatus.CANCELLED:
            raise Conflict(_("This event was cancelled."), code="cancelled")
        held = held_places(locked)
        if fields["capacity"] is not None and fields["capacity"] < held:
            raise InvalidInput(
                _("%(n)d places are taken already; cancel sign-ups first.") % {"n": held},
                fields={"capacity": "below_held"},
            )
        before = (locked.room_id, locked.starts_at, locked.ends_at, locked.title, locked.organiser)
        save_and_log_update(locked, by, fields, {"groups": groups} if groups is not None else None)
        if before != (locked.room_id, locked.starts_at, locked.ends_at, locked.title, locked.organiser):
            _hold_room(locked, by)
        if locked.kind == EventKind.SERVICE_FAIR:  # its intake session follows its title and date
            from .fairs.services import follow_fair

            follow_fair(locked, by)
        _fill(locked)
    return locked


# --- the room an event is held in -----------------------------------------------------------


def _booking_purpose(event: Event) -> dict:
    return {"purpose": event.title, "group_name": event.organiser}


def _hold_room(event: Event, by) -> None:
    """Keep the event's room booking in step with the event (inside its transaction): a room
    chosen is booked for the event's times through the rooms' service (one capacity engine), a
    change of times moves the booking, another place (or none) gives the room back. A refusal
    (another booking, the room's hours, a holiday) raises, and the caller's transaction saves
    nothing; its fields name the event's form fields."""
    booking = event.room_booking
    active = booking is not None and booking.status in ACTIVE_BOOKING
    try:
        if active and booking.room_id == event.room_id:
            rooms.move_hold(
                booking, by, start=event.starts_at, end=event.ends_at, **_booking_purpose(event),
                attendees=event.capacity or booking.attendees,
            )  # fmt: skip
            return
        if active:
            rooms.drop_hold(booking, by, _("The event moved elsewhere."))
        booking = None
        if event.room_id is not None:
            booking = rooms.hold_room(
                event.room, by, start=event.starts_at, end=event.ends_at, **_booking_purpose(event),
                attendees=event.capacity or event.room.capacity,
            )  # fmt: skip
    except (InvalidInput, Conflict) as err:
        raise type(err)(err.message, code=err.code, fields=_event_fields_of(err.fields)) from None
    if booking != event.room_booking:
        event.room_booking = booking
        event.save(update_fields=["room_booking"])


BOOKING_TO_EVENT_FIELDS = {"start": "starts_at", "end": "ends_at", "attendees": "capacity"}


def _event_fields_of(fields: dict) -> dict:
    """A booking's field errors as the event's (the room's hours: on the start)."""
    return {
        BOOKING_TO_EVENT_FIELDS.get(k, "room" if k in ("purpose", "group_name") else k): v
        for k, v in fields.items()
    }


def room_bookings_held():
    """The room bookings events hold (their desks check people in): never released for want of
    a check-in at the door (places.rooms.services.RELEASE_EXEMPT)."""
    return Event.objects.filter(room_booking__isnull=False).values("room_booking")


def add_photos(event: Event, by, files) -> list[EventPhoto]:
    if not access.can(by, "event.manage", event):
        raise NotAllowed(_("You may only run events in the places you serve."))
    pictures = check_photos(files)
    with transaction.atomic():
        photos = [EventPhoto.objects.create(event=event, image=p, uploaded_by=by) for p in pictures]
        if photos:
            log_action(event, "add_photos", by, count=len(photos))
    return photos


def publish_event(event: Event, by) -> Event:
    return perform(event, "publish", by, apply=lambda locked: setattr(locked, "published_at", timezone.now()))


def close_event(event: Event, by) -> Event:
    """No more sign-ups (the waiting list stays as it is, offers may still be taken)."""
    return perform(event, "close", by)


def cancel_event(event: Event, by, *, reason: str = "") -> Event:
    reason = clean_text(reason, "reason", required=True, max_length=REASON_MAX, min_length=2)

    def apply(locked):
        locked.cancel_reason = reason

    with transaction.atomic():
        event = perform(event, "cancel", by, apply=apply, note=reason)
        booking = event.room_booking
        if booking is not None and booking.status in ACTIVE_BOOKING:
            rooms.drop_hold(booking, by, _("The event was cancelled: %(reason)s") % {"reason": reason})
    accounts = [
        s.user or (s.resident.user if s.resident_id else None)
        for s in event.signups.filter(status__in=LIVE).select_related("user", "resident__user")
    ]
    notify(accounts, _("“%(event)s” is cancelled: %(reason)s") % {"event": event.title, "reason": reason})
    return event


# --- who may sign up --------------------------------------------------------------------


def is_party_member(resident: Resident | None, user=None) -> bool:
    """A party member is known from their volunteer record (volunteers.Volunteer.party_member)."""
    accounts = [a for a in [user, resident.user if resident is not None else None] if a is not None]
    return bool(accounts) and Volunteer.objects.filter(user__in=accounts, party_member=True).exists()


def eligibility_problem(event: Event, resident: Resident | None, user=None) -> tuple[str, str] | None:
    """Why this person may not sign up, as (code, message), or None when they may."""
    if event.residents_only:
        if resident is None:
            return "not_resident", _(
                "This event is for residents of %(place)s; tell us where you live first."
            ) % {"place": event.region.name}
        if not resident.grid.path.startswith(event.region.path):
            return "other_region", _("This event is for residents of %(place)s.") % {
                "place": event.region.name
            }
    groups = list(event.groups.all())
    if groups:
        mine = set(resident.groups.values_list("pk", flat=True)) if resident is not None else set()
        if not mine & {g.pk for g in groups}:
            return "not_in_group", _("This event is for: %(groups)s.") % {
                "groups": "、".join(map(str, groups))
            }
    if event.min_age:
        age = age_on(resident.birth_date if resident else None, timezone.localtime(event.starts_at).date())
        if age is None:
            return "age_unknown", _(
                "This event is for people of %(n)d and over; the date of birth is not known."
            ) % {"n": event.min_age}
        if age < event.min_age:
            return "too_young", _("This event is for people of %(n)d and over.") % {"n": event.min_age}
    if event.party_members_only and not is_party_member(resident, user):
        return "not_party_member", _("This event is for party members.")
    return None


# --- signing up ---------------------------------------------------------------------------


def _new_code(event: Event) -> str:
    taken = set(SignUp.objects.filter(event=event).values_list("code", flat=True))
    while True:
        code = f"{secrets.randbelow(1_000_000):06d}"
        if code not in taken:
            return code


def sign_up(event: Event, by, *, party_size: int = 1, resident=None, wait: bool = True) -> SignUp:
    """Sign `by` up (or, with `resident`, that resident on their behalf: a grid worker or staff
    member of the resident's place) for `party_size` people. When the places are taken, the
    sign-up joins the waiting list (`wait`), else `capacity.Full` (409)."""
    if not getattr(by, "is_authenticated", False):
        raise NotAllowed(_("Sign in to sign up."))
    if resident is not None:
        if not access.can_within(by, "event.sign_up_for", event.region):
            raise NotAllowed(_("You may only sign up residents of the places you serve."))
        resident = resident_for(by, resident)
        account = resident.user
    else:
        resident = own_resident(by)
        account = by
    if isinstance(party_size, bool) or not isinstance(party_size, int) or party_size < 1:
        raise InvalidInput(_("How many people? At least 1."), fields={"party_size": "invalid"})
    if party_size > event.max_party_size:
        raise InvalidInput(
            _("One sign-up may bring at most %(n)d people here.") % {"n": event.max_party_size},
            fields={"party_size": "too_many"},
        )
    if event.capacity is not None and party_size > event.capacity:
        raise InvalidInput(
            _("This event has only %(n)d places.") % {"n": event.capacity},
            fields={"party_size": "over_capacity"},
        )
    problem = eligibility_problem(event, resident, account)
    if problem:
        code, message = problem
        raise InvalidInput(message, code=code, fields={"resident_id": code} if by != account else None)
    name = resident.name if resident is not None else (by.get_full_name() or by.get_username())
    now = timezone.now()
    person = Q(resident=resident) if resident is not None else Q(user=account, resident=None)

    def refuse_if_taken(ev: Event) -> None:
        _open_for_signups(ev, now)
        if SignUp.objects.filter(person, event=ev, status__in=LIVE).exists():
            raise Conflict(_("Already signed up for this event."), code="already_signed_up")

    if not wait and capacity.full_already(
        event, capacity=lambda e: e.capacity, held=held_places, wanted=party_size
    ):
        # full before any lock: refused at once (the same answers in the same order as under
        # the lock) instead of queueing for the event's row behind the winners
        refuse_if_taken(event)
        raise capacity.Full(_("All places are taken."))
    with transaction.atomic():
        locked = capacity.lock(event)  # held until the end: a refused hold still joins the list in order
        refuse_if_taken(locked)
        fields = dict(
            event=locked, resident=resident, user=account if account is not None else None, name=name,
            party_size=party_size, signed_up_by=by,
        )  # fmt: skip
        try:
            signup = _reserve(
                locked,
                party_size,
                lambda ev: SignUp.objects.create(
                    status=SignUpStatus.CONFIRMED, confirmed_at=now, code=_new_code(ev), **fields
                ),
            )
        except capacity.Full:
            if not wait:
                raise
            signup = SignUp.objects.create(
                status=SignUpStatus.WAITING, waiting_since=now, code=_new_code(locked), **fields
            )
        log_action(
            signup, "sign_up", by, to_state=signup.status, party_size=party_size, on_behalf=by != account
        )
    return signup


def _end(signup: SignUp, by, step: str) -> SignUp:
    now = timezone.now()
    with transaction.atomic():
        event = capacity.lock(signup.event)
        if event.starts_at <= now and step == "cancel":
            raise Conflict(_("The event has started: a place can no longer be given back."), code="started")
        ended = perform(signup, step, by, apply=lambda locked: setattr(locked, "ended_at", now))
        _fill(event, now)
    return ended


def cancel_signup(signup: SignUp, by) -> SignUp:
    """Give a confirmed or offered place back; the waiting list moves up. A second
    cancellation (or one after check-in) is refused by the state machine and frees nothing."""
    return _end(signup, by, "cancel")


def leave_waiting_list(signup: SignUp, by) -> SignUp:
    return _end(signup, by, "leave")


def withdraw(signup: SignUp, by) -> SignUp:
    """Cancel a place or leave the waiting list, whichever the sign-up is in."""
    return (
        leave_waiting_list(signup, by) if signup.status == SignUpStatus.WAITING else cancel_signup(signup, by)
    )


def accept_offer(signup: SignUp, by) -> SignUp:
    """Take an offered place within its time. Too late: the offer lapses now (the place moves
    on) and the answer is a 409."""
    now = timezone.now()
    lapsed = False
    with transaction.atomic():
        event = capacity.lock(signup.event)
        current = SignUp.objects.get(pk=signup.pk)
        if current.status == SignUpStatus.OFFERED and current.offer_expires_at <= now:
            if not access.can(by, "signup.respond", current):
                raise NotAllowed(_("You are not allowed to do this."))
            _lapse(current, event, now)
            lapsed = True
        else:
            accepted = perform(
                signup, "accept", by, apply=lambda locked: setattr(locked, "confirmed_at", now)
            )
    if lapsed:
        raise Conflict(_("The offer has expired; the place went to the next person waiting."), code="expired")
    return accepted


def _lapse(signup: SignUp, event: Event, now) -> None:
    perform(signup, "expire", SYSTEM, apply=lambda locked: setattr(locked, "ended_at", now))
    _fill(event, now)


def expire_offers(now=None) -> int:
    """Offers past their time lapse and their places go to the next waiting (a periodic job)."""
    now = now or timezone.now()
    lapsed = 0
    due = SignUp.objects.filter(status=SignUpStatus.OFFERED, offer_expires_at__lte=now).order_by(
        "offer_expires_at"
    )
    for signup in due.select_related("event"):
        with transaction.atomic():
            event = capacity.lock(signup.event)
            current = SignUp.objects.get(pk=signup.pk)
            if current.status != SignUpStatus.OFFERED or current.offer_expires_at > now:
                continue  # taken or cancelled meanwhile
            _lapse(current, event, now)
            lapsed += 1
    return lapsed


# --- tickets ------------------------------------------------------------------------------


def ticket_token(signup: SignUp) -> str:
    """The signed text of a sign-up's QR code: which event, which sign-up, its code. Check-in
    reads it back with `signup_for_token()`."""
    return signing.dumps({"e": signup.event_id, "s": signup.pk, "c": signup.code}, salt=TICKET_SALT)


def _not_ours() -> InvalidInput:
    return InvalidInput(_("This is not a ticket of ours."), fields={"token": "invalid"})


def read_ticket(token: str) -> dict:
    """What a QR ticket says, its signature checked (no query): {"event_id", "pk", "code"},
    the lookup of its sign-up. Not signed by us: InvalidInput."""
    try:
        data = signing.loads(token, salt=TICKET_SALT)
        return {"event_id": int(data["e"]), "pk": int(data["s"]), "code": str(data["c"])}
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise _not_ours() from None


def signup_for_token(token: str) -> SignUp:
    signup = SignUp.objects.select_related("event").filter(**read_ticket(token)).first()
    if signup is None:
        raise _not_ours()
    return signup


# --- lists ----------------------------------------------------------------------------------


def public_events() -> QuerySet[Event]:
    """Events anyone may see: published or held, never drafts."""
    return Event.objects.filter(status__in=[EventStatus.PUBLISHED, EventStatus.CLOSED])


def upcoming_for(user, now=None) -> QuerySet[Event]:
    """Upcoming public events; for a resident, those of their community and street first
    (only theirs when `residents_only`)."""
    resident = own_resident(user)
    return upcoming_near(resident.grid.path if resident is not None else None, now)


def upcoming_near(grid_path: str | None, now=None) -> QuerySet[Event]:
    """Upcoming public events; for a resident of the grid at `grid_path`, those of the places
    above it and those open to all (None: every one)."""
    qs = public_events().filter(ends_at__gte=now or timezone.now())
    if grid_path is not None:
        qs = qs.filter(Q(region__path__in=ancestor_paths(grid_path)) | Q(residents_only=False))
    return qs


def next_events_for_home(user, grid_path: str | None, limit: int = 3) -> list[Event]:
    """The next few events a resident of the grid at `grid_path` may come to, for their home
    page (the home page's role flags know the grid: one query). Nobody else gets any: staff
    have 举办活动."""
    if grid_path is None:
        return []
    qs = upcoming_near(grid_path).select_related("region", "station", "room__centre")
    return list(with_places(qs, user).order_by("starts_at", "id")[:limit])


def my_signups(user) -> QuerySet[SignUp]:
    """The sign-ups of `user` (their own, and their resident record's made by staff)."""
    if not getattr(user, "is_authenticated", False):
        return SignUp.objects.none()
    return SignUp.objects.filter(Q(user=user) | Q(resident__user=user))


def residents_to_sign_up(user, event: Event, text: str, limit: int = 20) -> QuerySet[Resident]:
    """Residents of the event's place `user` may pick (people.services.search_residents' rule:
    a grid worker only those of their grids) whose name, phone end or building match `text`."""
    qs = Resident.objects.select_related("grid").restrict(user, "resident.search")
    qs = qs.filter(grid__path__startswith=event.region.path)
    text = (text or "").strip()
    if text:
        qs = qs.filter(Q(name__contains=text) | Q(phone__endswith=text) | Q(building__contains=text))
    return qs.order_by("name", "id")[:limit]


def has_started(event: Event) -> bool:
    return event.starts_at <= timezone.now()


def owns_signup(user, signup: SignUp) -> bool:
    """Is it `user`'s own sign-up (theirs, or their resident record's)? Only they get the ticket."""
    return bool(getattr(user, "is_authenticated", False)) and (
        signup.user_id == user.pk or (signup.resident_id is not None and signup.resident.user_id == user.pk)
    )


def may_view_event(user, event: Event) -> bool:
    """Anyone sees a published (or closed, or cancelled) event; a draft only its staff."""
    return event.status != EventStatus.DRAFT or access.can(user, "event.manage", event)


def with_places(qs: QuerySet[Event], user=None) -> QuerySet[Event]:
    """Events with what a list shows of each in the same query: places held (`n_held`),
    parties waiting (`n_waiting`) and, for a signed-in user, their live sign-up's id (`mine`)."""
    from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce

    qs = qs.annotate(
        n_held=Coalesce(Sum("signups__party_size", filter=Q(signups__status__in=HOLDING)), Value(0)),
        n_waiting=Count("signups", filter=Q(signups__status=SignUpStatus.WAITING)),
    )
    if getattr(user, "is_authenticated", False):
        live = my_signups(user).filter(event=OuterRef("pk"), status__in=LIVE).order_by("-id").values("pk")[:1]
        qs = qs.annotate(mine=Subquery(live, output_field=IntegerField()))
    return qs


def places_left(event: Event) -> int | None:
    """Free places of an event from with_places() (or counted now, for one event)."""
    if event.capacity is None:
        return None
    held = getattr(event, "n_held", None)
    return max(event.capacity - (held_places(event) if held is None else held), 0)


def with_position(qs: QuerySet[SignUp]) -> QuerySet[SignUp]:
    """Sign-ups with `ahead`: the parties before them on the waiting list (in the same query)."""
    from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce

    before = (
        SignUp.objects.filter(event=OuterRef("event"), status=SignUpStatus.WAITING)
        .filter(
            Q(waiting_since__lt=OuterRef("waiting_since"))
            | Q(waiting_since=OuterRef("waiting_since"), pk__lt=OuterRef("pk"))
        )
        .order_by()
        .values("event")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(ahead=Coalesce(Subquery(before, output_field=IntegerField()), Value(0)))


def waiting_position(signup: SignUp) -> int | None:
    """1 for the first party on the waiting list (from with_position(), or counted now)."""
    if signup.status != SignUpStatus.WAITING:
        return None
    ahead = getattr(signup, "ahead", None)
    if ahead is None:
        ahead = with_position(SignUp.objects.filter(pk=signup.pk)).values_list("ahead", flat=True).get()
    return ahead + 1


def waiting_list(qs: QuerySet[SignUp]) -> QuerySet[SignUp]:
    """The open offers (soonest to lapse first), then the waiting list in its order."""
    from django.db.models import Case, IntegerField, Value, When

    return (
        qs.filter(status__in=[SignUpStatus.OFFERED, SignUpStatus.WAITING])
        .annotate(
            offer_first=Case(
                When(status=SignUpStatus.OFFERED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("offer_first", "offer_expires_at", "waiting_since", "id")
    )

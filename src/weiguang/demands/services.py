"""Every change to a demand happens here, as plain functions taking the acting user."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from weiguang.core import ratelimit
from weiguang.core.audit import log_action
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed, NotFound, RateLimited
from weiguang.core.notifications import notify
from weiguang.core.text import clean_text
from weiguang.core.transitions import SYSTEM, perform
from weiguang.core.uploads import check_photos
from weiguang.people.models import Resident
from weiguang.people.services import resident_for
from weiguang.regions import access
from weiguang.regions.models import Region, RegionKind, Role

from . import calendar
from .models import (
    DEMAND_TRANSITIONS,
    OPEN_STATUSES,
    OVERDUE_CAN_ESCALATE,
    YELLOW_WINDOW,
    DeadlineColour,
    DeadlineReminder,
    Deliberation,
    Demand,
    DemandCategory,
    DemandChannel,
    DemandPhoto,
    DemandPhotoStage,
    DemandStatus,
    Department,
    Evaluation,
    IntakeSession,
    MeetingStatus,
    SessionKind,
    Transfer,
    TransferStatus,
    new_tracking_code,
    normalize_tracking_code,
    overdue_q,
)

TITLE_MIN, TITLE_MAX, TEXT_MAX, REASON_MAX, PLACE_MAX = 2, 60, 2000, 300, 100
CONTACT_NAME_MAX, PHONE_TEXT_MAX, DECISION_MAX = 50, 30, 4000  # the API schemas use these too
AUTO_CLOSE_DAYS = 7  # a reply not evaluated within this many days closes the demand
PUBLIC_PER_HOUR = 5  # online submissions per user, or per address when anonymous
PUBLIC_WINDOW = 3600
# Public look-ups by phone number, and tracking codes that match nothing, per address and hour:
# enough for a person who mistypes, too few to walk through codes or phone numbers.
LOOKUPS_PER_HOUR = 20
PHONE_LOOKUP_MAX = 20  # the newest demands shown for one phone number
PHONE_TEXT = re.compile(r"^\+?[0-9\s()\-]+$")  # "139 1234-5678", "+86 139…"
DISPATCHERS = {Role.STREET_ADMIN, Role.COMMUNITY_STAFF, Role.GRID_WORKER}
# Channels a person records a demand from; the others are set by the system.
INTAKE_CHANNELS = [
    c for c in DemandChannel.values if c not in (DemandChannel.WISH, DemandChannel.DELIBERATION)
]


def auto_close_days() -> int:
    return settings.WEIGUANG.get("DEMAND_AUTO_CLOSE_DAYS", AUTO_CLOSE_DAYS)


def public_limit() -> int:
    return settings.WEIGUANG.get("DEMAND_PUBLIC_PER_HOUR", PUBLIC_PER_HOUR)


def lookup_limit() -> int:
    return settings.WEIGUANG.get("DEMAND_LOOKUPS_PER_HOUR", LOOKUPS_PER_HOUR)


def demand_url(demand: Demand) -> str:
    return f"/demands/{demand.pk}/"


def _text(value, field: str, *, required: bool, max_length: int = TEXT_MAX, message: str = "") -> str:
    return clean_text(value, field, required=required, max_length=max_length, message=message)


def _street_admins(demand: Demand):
    return access.holders({Role.STREET_ADMIN}, demand.street.path)


def _resident_user(demand: Demand):
    return demand.resident.user if demand.resident_id else None


def _mark_responded(d: Demand) -> None:
    if d.first_response_at is None:
        d.first_response_at = timezone.now()


# --- intake -----------------------------------------------------------------------------


def submit_demand(
    by,
    *,
    grid: Region,
    title: str,
    description: str = "",
    channel: str | None = None,
    category: DemandCategory | None = None,
    urgent: bool = False,
    resident: Resident | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    session: IntakeSession | None = None,
    client: str = "",
    place: str = "",
    photos=(),
    public_limits: bool = True,
) -> Demand:
    """Record a demand. Staff and grid workers record it for their region from any channel
    (at a desk session or fair when `session` is given); anyone else (a logged-in resident, or
    nobody at all) submits online, possibly anonymously: the returned demand's tracking_code
    lets them follow it. Online submissions are rate-limited per user, or per `client` (the
    visitor's address) when anonymous; `public_limits=False` is for the demo street only, whose
    made-up visitors are not the public."""
    authenticated = getattr(by, "is_authenticated", False)
    if grid is None or grid.kind != RegionKind.GRID:
        raise InvalidInput(_("Choose the grid the demand is about."), fields={"grid": "invalid"})
    if authenticated and access.can(by, "demand.create", grid):
        channel = channel or DemandChannel.DESK
        if channel not in INTAKE_CHANNELS:
            raise InvalidInput(_("Unknown channel."), fields={"channel": "invalid"})
        if session is not None and not session.community.contains(grid):
            raise InvalidInput(_("The session belongs to another community."), fields={"session": "invalid"})
        if resident is not None:  # the one check of every "on behalf of" path
            resident = resident_for(by, resident, grid)
    else:
        session = None
        if public_limits:
            _check_public_rate(by if authenticated else None, client)
        channel = DemandChannel.ONLINE
        own = getattr(by, "resident", None) if authenticated and hasattr(by, "resident") else None
        if resident is not None and (own is None or resident.pk != own.pk):
            raise NotAllowed(_("You may only record demands for residents of your own grids."))
        resident = own  # a logged-in resident's demand is theirs; a visitor's is anonymous
    errors = {}
    title = (title or "").strip()
    description = (description or "").strip()
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        errors["title"] = _("The title needs %(min)d to %(max)d characters.") % {
            "min": TITLE_MIN,
            "max": TITLE_MAX,
        }
    if len(description) > TEXT_MAX:
        errors["description"] = _("At most %(max)d characters.") % {"max": TEXT_MAX}
    contact_name = (contact_name or "").strip()
    raw_phone = unicodedata.normalize("NFKC", (contact_phone or "").strip())
    contact_phone = normalize_phone(raw_phone)  # as digits, so that a look-up by phone finds it
    if len(contact_name) > CONTACT_NAME_MAX:
        errors["contact_name"] = _("At most %(max)d characters.") % {"max": CONTACT_NAME_MAX}
    if raw_phone and not (
        PHONE_TEXT.match(raw_phone) and len(raw_phone) <= PHONE_TEXT_MAX and 5 <= len(contact_phone) <= 20
    ):
        errors["contact_phone"] = _("Enter the phone number as digits.")
    place = (place or "").strip()
    if len(place) > PLACE_MAX:
        errors["place"] = _("At most %(max)d characters.") % {"max": PLACE_MAX}
    if errors:
        raise InvalidInput(next(iter(errors.values())), fields=errors)
    files = check_photos(photos)
    with transaction.atomic():
        demand = _create(
            by, grid=grid, title=title, description=description, channel=channel, category=category,
            urgent=bool(urgent), resident=resident, contact_name=contact_name,
            contact_phone=contact_phone, session=session, place=place,
        )  # fmt: skip
        _attach_photos(demand, files, DemandPhotoStage.INTAKE, by)
        if not authenticated and public_limits:
            ratelimit.record("demand-anon", client or "unknown", PUBLIC_WINDOW)
    return demand


def _attach_photos(demand: Demand, files, stage: str, by) -> None:
    uploader = by if getattr(by, "is_authenticated", False) else None
    for f in files:
        DemandPhoto.objects.create(demand=demand, image=f, stage=stage, uploaded_by=uploader)


def open_session(
    by, *, community: Region, title: str, date: dt.date, kind: str = SessionKind.DESK
) -> IntakeSession:
    """Open a desk session (书记面对面) or fair whose demands are summarised together."""
    if community is None or community.kind != RegionKind.COMMUNITY:
        raise InvalidInput(_("Choose a community."), fields={"community": "invalid"})
    if not access.can_within(by, "demand.create", community):
        raise NotAllowed(_("Only staff and grid workers of the community may open a session."))
    if kind not in SessionKind.values:
        raise InvalidInput(_("Unknown kind of session."), fields={"kind": "invalid"})
    title = _text(title, "title", required=True, max_length=TITLE_MAX, message=_("Name the session."))
    if date is None:
        raise InvalidInput(_("Give the date."), fields={"date": "required"})
    with transaction.atomic():
        session = IntakeSession.objects.create(
            community=community, kind=kind, title=title, date=date, created_by=by
        )
        log_action(session, "open", by)
    return session


def _check_public_rate(user, client: str) -> None:
    if user is not None:
        hour_ago = timezone.now() - dt.timedelta(seconds=PUBLIC_WINDOW)
        if Demand.objects.filter(created_by=user, created_at__gte=hour_ago).count() >= public_limit():
            raise RateLimited(_("Too many demands in one hour; please try again later."))
    elif ratelimit.hits("demand-anon", client or "unknown") >= public_limit():
        raise RateLimited(_("Too many demands from this network in one hour; please try again later."))


def _create(by, *, grid: Region, title: str, channel: str, urgent: bool = False, **fields) -> Demand:
    """Insert a demand with its deadlines, audit entry and staff notification (in the caller's
    transaction). Every way a demand comes into being ends here."""
    community, street = grid.community, grid.street
    if community is None or street is None:
        raise InvalidInput(_("This grid is not inside a community."), fields={"grid": "invalid"})
    now = timezone.now()
    authenticated = getattr(by, "is_authenticated", False)
    code = new_tracking_code()
    while Demand.objects.filter(tracking_code=code).exists():  # one in 10^12: draw again
        code = new_tracking_code()
    demand = Demand.objects.create(
        tracking_code=code,
        grid=grid, community=community, street=street, channel=channel, title=title, urgent=urgent,
        created_by=by if authenticated else None,
        response_due=calendar.response_due(street, now, urgent),
        handle_due=calendar.handle_due(street, now),
        **fields,
    )  # fmt: skip
    log_action(demand, "submit", by, to_state=demand.status, channel=channel)
    notify(
        access.holders(access.STAFF, grid.path),
        (_("URGENT demand: %(t)s") if urgent else _("New demand: %(t)s")) % {"t": title},
        url=demand_url(demand),
    )
    return demand


# --- dispatch ---------------------------------------------------------------------------


def resolve_on_spot(demand: Demand, by, result: str) -> Demand:
    result = _text(result, "result", required=True, message=_("Describe how it was resolved."))

    def apply(d: Demand):
        now = timezone.now()
        _mark_responded(d)
        d.result, d.action_taken, d.handled_at, d.replied_at = result, result, now, now

    return perform(demand, "resolve_on_spot", by, note=result, apply=apply)


def assign_demand(demand: Demand, by, assignee, note: str = "") -> Demand:
    """Give the demand to a staff member or grid worker of its community."""
    note = _text(note, "note", required=False, max_length=REASON_MAX)

    def check(d: Demand):
        if assignee is None or not (access.roles_at(assignee, d.grid.path) & DISPATCHERS):
            raise InvalidInput(
                _("Assign the demand to staff or a grid worker of its area."),
                fields={"assignee_id": "invalid"},
            )

    def apply(d: Demand):
        _mark_responded(d)
        d.assignee = assignee
        notify(
            [assignee],
            _("A demand was assigned to you: %(t)s") % {"t": d.title},
            body=note,
            url=demand_url(d),
        )

    audit = {"assignee": getattr(assignee, "pk", None)}  # None: refused by check() with a field error
    return perform(demand, "assign", by, note=note, check=check, apply=apply, audit=audit)


def default_transfer_deadline(demand: Demand, now: dt.datetime | None = None) -> dt.datetime:
    """A department's deadline when none is given. The street's usual time limit counted from now
    when the street blows the whistle (the demand is escalated, usually because its own deadline
    has passed) or when the demand's deadline is already behind us; else the demand's deadline."""
    now = now or timezone.now()
    if demand.status == DemandStatus.ESCALATED or demand.handle_due <= now:
        return calendar.handle_due(demand.street, now)
    return demand.handle_due


def transfer_demand(
    demand: Demand, by, departments: list[tuple[Department, dt.date | None]], note: str = ""
) -> Demand:
    """Transfer to one or more departments of the demand's street, each with its own deadline
    (a date, today or later; by default default_transfer_deadline). From the escalated state
    this is the street's whistle (吹哨): the departments are summoned to report in; a department
    that already has the demand keeps its transfer, with the new deadline."""
    note = _text(note, "note", required=False, max_length=REASON_MAX)
    if not departments:
        raise InvalidInput(_("Choose at least one department."), fields={"departments": "required"})
    if len({dep.pk for dep, _ in departments}) != len(departments):
        raise InvalidInput(_("Each department only once."), fields={"departments": "duplicate"})
    today = timezone.localdate()
    for _dep, deadline in departments:
        if deadline is not None and deadline < today:
            raise InvalidInput(_("A deadline cannot be in the past."), fields={"departments": "past"})

    def check(d: Demand):
        if any(dep.street_id != d.street_id for dep, _ in departments):
            raise InvalidInput(
                _("Transfer only to departments of the demand's street."), fields={"departments": "invalid"}
            )

    def apply(d: Demand):
        _mark_responded(d)
        tz = timezone.get_current_timezone()
        summoned = d.status == DemandStatus.ESCALATED  # 吹哨报到: each department must report in
        usual = default_transfer_deadline(d)
        for dep, deadline in departments:
            due = dt.datetime.combine(deadline, dt.time(23, 59, 59), tzinfo=tz) if deadline else usual
            live = Transfer.objects.filter(
                demand=d, department=dep, status__in=Transfer.LIVE_STATUSES
            ).first()
            if live is not None:
                # The same department again: its transfer goes on with the new deadline (it is not
                # "done": nothing was reported).
                live.deadline, live.status, live.return_reason = due, TransferStatus.ACTIVE, ""
                live.summoned = live.summoned or summoned
                live.save(update_fields=["deadline", "status", "return_reason", "summoned"])
            else:
                Transfer.objects.create(demand=d, department=dep, deadline=due, summoned=summoned)
            title = (
                _("The street summons %(dep)s (吹哨): %(t)s")
                if summoned
                else _("A demand was transferred to %(dep)s: %(t)s")
            )
            notify(dep.handlers.all(), title % {"dep": dep.name, "t": d.title}, body=note, url=demand_url(d))

    return perform(
        demand, "transfer", by, note=note, check=check, apply=apply,
        audit={"departments": [dep.pk for dep, _ in departments]},
    )  # fmt: skip


def _own_transfer(d: Demand, by, status: str) -> Transfer | None:
    if not getattr(by, "is_authenticated", False):
        return None  # a visitor belongs to no department (and cannot be used in a query)
    return (
        Transfer.objects.select_for_update()
        .filter(demand=d, status=status, department__handlers=by)
        .select_related("department")
        .first()
    )


def accept_transfer(demand: Demand, by) -> Demand:
    """A department handler acknowledges (签收) the demand transferred to their department."""

    def check(d: Demand):
        t = _own_transfer(d, by, TransferStatus.ACTIVE)
        if t is None:
            raise NotAllowed(_("Only a department the demand was transferred to may accept it."))
        if t.accepted_at is not None:
            raise Conflict(_("Your department has already accepted this demand."), code="already_accepted")

    def apply(d: Demand):
        t = _own_transfer(d, by, TransferStatus.ACTIVE)
        t.accepted_at = timezone.now()
        t.save(update_fields=["accepted_at"])

    return perform(demand, "accept", by, check=check, apply=apply)


def request_return(demand: Demand, by, reason: str) -> Demand:
    """A department sends a demand back (退单) with a reason; the street decides."""
    reason = _text(
        reason, "reason", required=True, max_length=REASON_MAX, message=_("Give the reason for the return.")
    )

    def check(d: Demand):
        if _own_transfer(d, by, TransferStatus.ACTIVE) is None:
            raise NotAllowed(_("Only a department the demand was transferred to may return it."))

    def apply(d: Demand):
        t = _own_transfer(d, by, TransferStatus.ACTIVE)
        t.status, t.return_reason = TransferStatus.RETURN_REQUESTED, reason
        t.save(update_fields=["status", "return_reason"])
        notify(
            _street_admins(d),
            _("%(dep)s returns a demand: %(t)s") % {"dep": t.department.name, "t": d.title},
            body=reason,
            url=demand_url(d),
        )

    return perform(demand, "return", by, note=reason, check=check, apply=apply)


def review_return(demand: Demand, by, *, approve: bool, note: str = "") -> Demand:
    """The street approves a return (the demand waits for the street to dispatch it again) or
    rejects it (the department must handle it)."""
    note = _text(note, "note", required=False, max_length=REASON_MAX)

    def apply(d: Demand):
        pending = Transfer.objects.select_for_update().filter(
            demand=d, status=TransferStatus.RETURN_REQUESTED
        )
        recipients = []
        for t in pending.select_related("department"):
            t.status = TransferStatus.RETURNED if approve else TransferStatus.ACTIVE
            t.save(update_fields=["status"])
            recipients += list(t.department.handlers.all())
        message = _("The return was approved: %(t)s") if approve else _("The return was rejected: %(t)s")
        notify(recipients, message % {"t": d.title}, body=note, url=demand_url(d))

    return perform(demand, "approve_return" if approve else "reject_return", by, note=note, apply=apply)


def escalate_demand(demand: Demand, by, reason: str) -> Demand:
    """Hand an overdue or cross-department matter to the street."""
    reason = _text(
        reason, "reason", required=True, max_length=REASON_MAX, message=_("Say why the street is needed.")
    )

    def check(d: Demand):
        if _summoned_handler(d, by):
            raise NotAllowed(
                _("The street has already summoned your department: please handle it, or ask to return it."),
                code="summoned",
            )

    def apply(d: Demand):
        notify(
            _street_admins(d), _("Escalated demand: %(t)s") % {"t": d.title}, body=reason, url=demand_url(d)
        )

    return perform(demand, "escalate", by, note=reason, check=check, apply=apply)


def _summoned_handler(d: Demand, user) -> bool:
    """Is `user` a handler of a department the street summoned for `d` (and not its staff)? Such
    a department does not escalate back to the street that summoned it."""
    if not getattr(user, "is_authenticated", False) or access.roles_at(user, d.grid.path) & DISPATCHERS:
        return False
    return d.transfers.filter(
        status__in=Transfer.LIVE_STATUSES, summoned=True, department__handlers=user
    ).exists()


def escalate_overdue(now: dt.datetime | None = None) -> int:
    """Periodic job: escalate every open demand past its handling deadline. Safe to re-run."""
    now = now or timezone.now()
    # A demand the street has summoned departments for is already with the street: the
    # departments have their own deadline from the whistle.
    summoned = Transfer.objects.filter(status__in=Transfer.LIVE_STATUSES, summoned=True)
    overdue = Demand.objects.filter(overdue_q(now), status__in=OVERDUE_CAN_ESCALATE).exclude(
        pk__in=summoned.values("demand_id")
    )
    count = 0
    for demand in overdue:
        try:
            perform(
                demand, "auto_escalate", SYSTEM,
                apply=lambda d: notify(_street_admins(d), _("Overdue demand: %(t)s") % {"t": d.title}, url=demand_url(d)),
            )  # fmt: skip
            count += 1
        except Conflict:
            continue
    return count


# --- handle, reply, evaluate ------------------------------------------------------------


def handle_demand(
    demand: Demand, by, *, result: str, action_taken: str = "", is_genuine: bool | None = None,
    beyond_remit: bool = False, photos=(),
) -> Demand:  # fmt: skip
    """Record the handler's result: what was found (属实 or not, beyond our remit or not) and done.

    A department handler records their own department's result. While other departments the
    demand went to have not reported yet, the demand waits (handle_part); the last report
    makes it handled, with every department's result. Staff (or the assignee) record the
    result for the whole demand."""
    result = _text(result, "result", required=True, message=_("Describe the result."))
    action_taken = _text(action_taken, "action_taken", required=False)
    flags = {"is_genuine": is_genuine, "beyond_remit": bool(beyond_remit)}
    files = check_photos(photos)
    with transaction.atomic():
        # Lock first: two departments reporting at once must not both think the other is last.
        locked = Demand.objects.select_for_update().get(pk=demand.pk)
        assignee = locked.assignee_id is not None and locked.assignee_id == getattr(by, "pk", None)
        staff = bool(access.roles_at(by, locked.grid.path) & DISPATCHERS) or assignee
        own = None if staff else _own_transfer(locked, by, TransferStatus.ACTIVE)
        if own is None:
            done = perform(
                locked, "handle", by, note=result, apply=_handled_by_all(result, action_taken, flags),
                audit=flags,
            )  # fmt: skip
            _attach_photos(done, files, DemandPhotoStage.RESULT, by)
            return done
        others = locked.live_transfers().exclude(pk=own.pk).exists()

        def record_own(d: Demand):
            own.result, own.action_taken = result, action_taken
            own.is_genuine, own.beyond_remit = is_genuine, bool(beyond_remit)
            own.handled_at, own.handled_by, own.status = timezone.now(), by, TransferStatus.DONE
            own.save()
            if not others:
                _combine_department_results(d)

        audit = {**flags, "department": own.department_id}
        done = perform(
            locked, "handle_part" if others else "handle", by, note=result, apply=record_own, audit=audit
        )
        _attach_photos(done, files, DemandPhotoStage.RESULT, by)
        return done


def _handled_by_all(result: str, action_taken: str, flags: dict):
    def apply(d: Demand):
        d.result, d.action_taken = result, action_taken
        d.is_genuine, d.beyond_remit = flags["is_genuine"], flags["beyond_remit"]
        d.handled_at = timezone.now()
        Transfer.objects.filter(demand=d, status__in=Transfer.LIVE_STATUSES).update(
            status=TransferStatus.DONE
        )
        _ask_staff_to_reply(d)

    return apply


def _combine_department_results(d: Demand) -> None:
    """The demand's result from the departments' reports of this round (the latest report of
    each department)."""
    reports: dict[int, Transfer] = {}
    for t in d.transfers.filter(status=TransferStatus.DONE, handled_at__isnull=False).select_related(
        "department"
    ):
        reports[t.department_id] = t  # ordered by creation: the latest wins
    rows = list(reports.values())
    if len(rows) == 1:
        d.result, d.action_taken = rows[0].result, rows[0].action_taken
    else:
        d.result = "\n".join(f"{t.department.name}：{t.result}" for t in rows)
        d.action_taken = "\n".join(f"{t.department.name}：{t.action_taken}" for t in rows if t.action_taken)
    verdicts = [t.is_genuine for t in rows if t.is_genuine is not None]
    d.is_genuine = any(verdicts) if verdicts else None
    d.beyond_remit = bool(rows) and all(t.beyond_remit for t in rows)
    d.handled_at = timezone.now()
    _ask_staff_to_reply(d)


def _ask_staff_to_reply(d: Demand) -> None:
    notify(
        access.holders(access.STAFF, d.grid.path),
        _("Demand handled, please reply: %(t)s") % {"t": d.title},
        url=demand_url(d),
    )


def reply_demand(demand: Demand, by, *, reply: str, public_reply: str = "") -> Demand:
    reply = _text(reply, "reply", required=True, message=_("Write the reply to the resident."))
    public_reply = _text(public_reply, "public_reply", required=False)

    def apply(d: Demand):
        _mark_responded(d)
        d.reply, d.public_reply, d.replied_at = reply, public_reply, timezone.now()
        notify(
            [_resident_user(d)],
            _("Reply to your demand: %(t)s") % {"t": d.title},
            body=reply,
            url=demand_url(d),
        )

    return perform(demand, "reply", by, note=reply, apply=apply)


def evaluate_demand(demand: Demand, by, *, evaluation: str, note: str = "") -> Demand:
    """The resident's verdict closes the demand; the first 'unsatisfied' reopens it instead as
    a warning order with a shorter deadline."""
    return _evaluate(demand, by, evaluation, note, via_code=False)


# --- following a demand without an account ------------------------------------------------


def _count_lookup(client: str) -> None:
    """Count one public look-up of `client`; refuse once the hour's allowance is spent."""
    if ratelimit.hits("demand-lookup", client or "unknown") >= lookup_limit():
        raise RateLimited(_("Too many look-ups from this network; please try again in an hour."))
    ratelimit.record("demand-lookup", client or "unknown", PUBLIC_WINDOW)


def find_by_code(code: str, *, client: str) -> Demand | None:
    """The demand with this tracking code, as a person wrote or read it out ("3815 0274-6692"),
    or None. A code that matches nothing counts against the address's look-ups."""
    code = normalize_tracking_code(code)
    demand = Demand.objects.filter(tracking_code=code).first() if 4 <= len(code) <= 12 else None
    if demand is None:
        _count_lookup(client)
    return demand


def normalize_phone(text: str) -> str:
    """Digits only; a leading +86 / 0086 country code dropped."""
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", text or "") if ch in "0123456789")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    elif len(digits) == 15 and digits.startswith("0086"):
        digits = digits[4:]
    return digits


def find_by_phone(phone: str, *, client: str) -> list[Demand]:
    """The newest demands given with this phone number at submission (the number a visitor or a
    hotline caller left). Every such look-up counts against the address's look-ups."""
    phone = normalize_phone(phone)
    if not 5 <= len(phone) <= 20:
        raise InvalidInput(_("Enter the phone number you gave, as digits."), fields={"phone": "invalid"})
    _count_lookup(client)
    return list(
        Demand.objects.filter(contact_phone=phone)
        .select_related("category")
        .order_by("-created_at", "-id")[:PHONE_LOOKUP_MAX]
    )


def evaluate_by_code(code: str, *, evaluation: str, note: str = "") -> Demand:
    """Evaluation by whoever holds the tracking code (an anonymous online submitter, or a
    resident given the code on a slip at the desk). The system acts for them."""
    demand = Demand.objects.filter(tracking_code=normalize_tracking_code(code)).first()
    if demand is None:
        raise NotFound(_("No demand has this tracking code."))
    return _evaluate(demand, SYSTEM, evaluation, note, via_code=True)


def _evaluate(demand: Demand, by, evaluation: str, note: str, *, via_code: bool) -> Demand:
    if evaluation not in Evaluation.values:
        raise InvalidInput(
            _("Choose satisfied, basically satisfied or unsatisfied."), fields={"evaluation": "invalid"}
        )
    note = _text(note, "note", required=False, max_length=REASON_MAX)
    reopen = evaluation == Evaluation.UNSATISFIED and demand.warning_count == 0

    def check(d: Demand):
        if reopen and d.warning_count:
            raise Conflict(_("The demand changed meanwhile; reload and try again."), code="state_conflict")

    def apply(d: Demand):
        d.evaluation, d.evaluation_note = evaluation, note
        now = timezone.now()
        if reopen:
            d.warning_count += 1
            d.handle_due = calendar.warning_due(d.street, now)
            d.handled_at = d.replied_at = None
            latest = {}  # department -> its latest finished transfer (one live per department)
            for t in Transfer.objects.filter(demand=d, status=TransferStatus.DONE).order_by(
                "created_at", "id"
            ):
                latest[t.department_id] = t.pk
            Transfer.objects.filter(pk__in=latest.values()).update(
                status=TransferStatus.ACTIVE, deadline=d.handle_due, handled_at=None, accepted_at=None
            )
            handlers = [d.assignee, *(u for t in d.live_transfers() for u in t.department.handlers.all())]
            notify(
                [*handlers, *access.holders(access.STAFF, d.grid.path)],
                _("Warning order: the resident is unsatisfied with “%(t)s”") % {"t": d.title},
                body=note,
                url=demand_url(d),
            )
        else:
            d.closed_at = now

    action = ("reopen" if reopen else "evaluate") + ("_by_code" if via_code else "")
    return perform(
        demand, action, by, note=note, check=check, apply=apply, audit={"evaluation": evaluation},
    )  # fmt: skip


def close_unevaluated(now: dt.datetime | None = None) -> int:
    """Periodic job: close replied demands the resident did not evaluate in time."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=auto_close_days())
    count = 0
    for demand in Demand.objects.filter(status=DemandStatus.REPLIED, replied_at__lte=cutoff):

        def apply(d: Demand):
            d.closed_at = now

        try:
            perform(demand, "auto_close", SYSTEM, apply=apply)
            count += 1
        except Conflict:
            continue
    return count


# --- deliberation meetings (党群联席议事会) ----------------------------------------------


def schedule_meeting(
    by, *, region: Region, title: str, held_at: dt.datetime, place: str = "", attendees: str = ""
) -> Deliberation:
    if region is None or region.kind not in (RegionKind.STREET, RegionKind.COMMUNITY):
        raise InvalidInput(_("A meeting belongs to a street or a community."), fields={"region": "invalid"})
    if not access.can(by, "demand.deliberate", region):
        raise NotAllowed(_("Only staff of the region may call a meeting."))
    title = _text(title, "title", required=True, max_length=TITLE_MAX, message=_("Give the meeting a topic."))
    place = _text(place, "place", required=False, max_length=PLACE_MAX)
    attendees = _text(attendees, "attendees", required=False)
    if held_at is None:
        raise InvalidInput(_("When is the meeting?"), fields={"held_at": "required"})
    with transaction.atomic():
        meeting = Deliberation.objects.create(
            region=region, title=title, held_at=held_at, place=place, attendees=attendees, created_by=by
        )
        log_action(meeting, "schedule", by, to_state=meeting.status)
    return meeting


def refer_to_meeting(demand: Demand, by, meeting: Deliberation, note: str = "") -> Demand:
    """A big shared issue goes to the meeting; the decision will answer it."""
    note = _text(note, "note", required=False, max_length=REASON_MAX)

    def check(d: Demand):
        # the caller's copy may be stale: read (and hold) the meeting as it is now
        fresh = Deliberation.objects.select_for_update().get(pk=meeting.pk)
        if fresh.status != MeetingStatus.SCHEDULED:
            raise Conflict(_("That meeting has already decided."), code="meeting_decided")
        if not meeting.region.contains(d.grid):
            raise InvalidInput(_("The meeting is for another area."), fields={"meeting": "invalid"})

    def apply(d: Demand):
        _mark_responded(d)
        d.deliberation = meeting

    return perform(demand, "refer", by, note=note, check=check, apply=apply, audit={"meeting": meeting.pk})


def record_decision(
    meeting: Deliberation, by, *, decision: str, attendees: str | None = None,
    actions: list[tuple[str, object, Region | None]] = (),
) -> Deliberation:  # fmt: skip
    """Record what the meeting decided. Every demand referred to it is handled with the
    decision as its result (staff then reply to each resident); each action item
    (title, assignee, grid) becomes a demand assigned to its owner, linked to the meeting."""
    decision = _text(
        decision, "decision", required=True, max_length=DECISION_MAX, message=_("Write the decision.")
    )
    if attendees is not None:
        attendees = _text(attendees, "attendees", required=False)
    items = []
    for title, assignee, grid in actions:
        title = _text(title, "actions", required=True, max_length=TITLE_MAX)
        if len(title) < TITLE_MIN:
            raise InvalidInput(_("Describe each action item."), fields={"actions": "invalid"})
        items.append((title, assignee, grid))

    def apply(m: Deliberation):
        m.decision, m.decided_at = decision, timezone.now()
        if attendees is not None:
            m.attendees = attendees
        for demand in m.referred.filter(status=DemandStatus.DELIBERATING):
            perform(demand, "decide", by, note=decision, apply=_decided(decision), audit={"meeting": m.pk})
        fallback = m.referred.select_related("grid").first()
        for title, assignee, grid in items:
            grid = grid or (fallback.grid if fallback else None)
            if grid is None or grid.kind != RegionKind.GRID or not m.region.contains(grid):
                raise InvalidInput(_("Choose a grid of the meeting's area for each action item."),
                                   fields={"actions": "invalid"})  # fmt: skip
            work = _create(
                by, grid=grid, title=title, channel=DemandChannel.DELIBERATION, action_of=m,
                description=_("Action item of the meeting “%(m)s”: %(d)s") % {"m": m.title, "d": decision[:1000]},
            )  # fmt: skip
            assign_demand(work, by, assignee, note=m.title)

    return perform(meeting, "decide", by, note=decision, apply=apply, audit={"actions": len(items)})


def _decided(decision: str):
    def apply(d: Demand):
        d.result = d.action_taken = decision
        d.handled_at = timezone.now()
        # the decision answers the demand for every department it was still with
        live = Transfer.objects.filter(demand=d, status__in=Transfer.LIVE_STATUSES)
        live.update(status=TransferStatus.DONE)
        _ask_staff_to_reply(d)

    return apply


# --- a wish too big for a micro-wish ------------------------------------------------------


def convert_wish(wish, by, *, note: str = "", category: DemandCategory | None = None) -> Demand:
    """Turn a micro-wish into a demand (it leaves the wall); each links to the other."""
    from weiguang.wishes.services import wish_url

    note = _text(note, "note", required=False, max_length=REASON_MAX)
    created: list[Demand] = []

    def apply(w):
        created.append(
            _create(
                by, grid=w.grid, title=w.title, channel=DemandChannel.WISH, resident=w.resident,
                description=w.description, category=category, source_wish=w,
            )
        )  # fmt: skip
        if w.resident.user_id:
            notify(
                [w.resident.user],
                _("Your wish “%(t)s” will be handled as a demand.") % {"t": w.title},
                body=note,
                url=wish_url(w),
            )

    with transaction.atomic():
        perform(wish, "convert", by, note=note, apply=apply)
    return created[0]


# --- reminders ----------------------------------------------------------------------------


def _remind(demand: Demand, target: str, kind: str, due: dt.datetime, recipients, title: str) -> bool:
    """Send one reminder unless it was sent before (the unique row decides, also when two
    jobs run at once)."""
    try:
        with transaction.atomic():
            DeadlineReminder.objects.create(demand=demand, target=target, kind=kind, due=due)
            notify(recipients, title, url=demand_url(demand))
    except IntegrityError:
        return False
    return True


def send_deadline_reminders(now: dt.datetime | None = None) -> int:
    """Periodic job: remind whoever must act when a deadline is near (yellow) and when it has
    passed (red): community staff for first contact, the assignee or departments for handling."""
    now = now or timezone.now()
    soon = now + YELLOW_WINDOW
    recent = now - dt.timedelta(days=2)  # a deadline missed long ago was reminded then
    sent = 0

    def kind_of(due: dt.datetime) -> str:
        return "due" if due <= now else "soon"

    pending_contact = Demand.objects.filter(
        status=DemandStatus.RECEIVED, first_response_at__isnull=True, response_due__lte=soon,
        response_due__gte=recent,
    ).select_related("grid")  # fmt: skip
    for d in pending_contact:
        kind = kind_of(d.response_due)
        title = (_("Overdue: contact the resident about “%(t)s”") if kind == "due"
                 else _("Due soon: contact the resident about “%(t)s”")) % {"t": d.title}  # fmt: skip
        sent += _remind(d, "response", kind, d.response_due, access.holders(access.STAFF, d.grid.path), title)

    handling = Demand.objects.filter(
        status__in=[DemandStatus.ASSIGNED, DemandStatus.REOPENED],
        handle_due__lte=soon,
        handle_due__gte=recent,
    ).select_related("assignee", "grid")
    for d in handling:
        kind = kind_of(d.handle_due)
        title = (_("Overdue: “%(t)s” should have been handled") if kind == "due"
                 else _("Due soon: handle “%(t)s”")) % {"t": d.title}  # fmt: skip
        recipients = [d.assignee] if d.assignee_id else list(access.holders(access.STAFF, d.grid.path))
        sent += _remind(d, "handle", kind, d.handle_due, recipients, title)

    transfers = Transfer.objects.filter(
        status=TransferStatus.ACTIVE, deadline__lte=soon, deadline__gte=recent
    ).select_related("demand", "department")
    for t in transfers:
        kind = kind_of(t.deadline)
        title = (_("Overdue: %(dep)s should have handled “%(t)s”") if kind == "due"
                 else _("Due soon: %(dep)s, please handle “%(t)s”")) % {"dep": t.department.name, "t": t.demand.title}  # fmt: skip
        sent += _remind(t.demand, f"transfer:{t.pk}", kind, t.deadline, t.department.handlers.all(), title)
    return sent


# --- queries ----------------------------------------------------------------------------


def can_see_contact(user, demand: Demand) -> bool:
    return access.can(user, "demand.view", demand)


def region_demands(user) -> QuerySet[Demand]:
    return access.scope(Demand.objects.all(), user, "demand.list_region")


def visible_demands(user) -> QuerySet[Demand]:
    """Every demand the user may read: by region role, as the resident, or as its handler."""
    return access.scope(Demand.objects.all(), user, "demand.view")


def community_queue(user, community: Region, colour: str = "") -> QuerySet[Demand]:
    """The open orders of a community the user may list, soonest handling deadline first
    (read off the partial index demand_open_queue); `colour` keeps only green, yellow or red."""
    qs = region_demands(user).filter(community=community, status__in=OPEN_STATUSES)
    if colour:
        qs = by_colour(qs, colour)
    return qs.select_related("grid", "category__parent", "assignee").order_by("handle_due", "id")


def by_colour(qs: QuerySet[Demand], colour: str, now: dt.datetime | None = None) -> QuerySet[Demand]:
    """Open orders whose handling deadline is green, yellow (within 24 h) or red (passed)."""
    now = now or timezone.now()
    qs = qs.filter(status__in=OPEN_STATUSES)
    if colour == DeadlineColour.RED:
        return qs.filter(overdue_q(now))
    if colour == DeadlineColour.YELLOW:
        return qs.filter(handle_due__gte=now, handle_due__lte=now + YELLOW_WINDOW)
    if colour == DeadlineColour.GREEN:
        return qs.filter(handle_due__gt=now + YELLOW_WINDOW)
    raise ValueError(f"unknown colour {colour!r}")


def department_inbox(user) -> QuerySet[Transfer]:
    """The live transfers of the user's departments, soonest deadline first."""
    return (
        Transfer.objects.filter(department__handlers=user, status__in=Transfer.LIVE_STATUSES)
        .select_related("demand", "demand__grid", "demand__community", "department")
        .order_by("deadline", "id")
    )


def escalation_board(user) -> QuerySet[Demand]:
    """Escalated and returned demands of the streets the user administers (吹哨), with the
    departments summoned to report in."""
    return (
        access.scope(Demand.objects.all(), user, "demand.review_return")
        .filter(
            Q(status__in=[DemandStatus.ESCALATED, DemandStatus.RETURNED])
            | Q(transfers__summoned=True, status=DemandStatus.TRANSFERRED)
        )
        .distinct()
        .select_related("grid", "community")
        .prefetch_related("transfers__department")
        .order_by("handle_due", "id")
    )


# --- what a user may do now -------------------------------------------------------------

_UNSET = object()


def handler_transfer(demand: Demand, user) -> Transfer | None:
    """The live transfer of `demand` to a department `user` handles for, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        demand.transfers.filter(status__in=Transfer.LIVE_STATUSES, department__handlers=user)
        .select_related("department")
        .first()
    )


def available_actions(demand: Demand, user, transfer=_UNSET) -> dict:
    """The transitions `user` may start on `demand` now, by name: those the state machine and
    the access rules allow, less those the service would refuse for a reason known here (a
    department that already accepted, or whose part is done, has nothing to accept or return).
    The page and the API's `actions` both show this."""
    if transfer is _UNSET:
        transfer = handler_transfer(demand, user)
    available = {t.name: t for t in DEMAND_TRANSITIONS.available(demand, user)}
    active = transfer is not None and transfer.status == TransferStatus.ACTIVE
    if "accept" in available and (not active or transfer.accepted_at):
        del available["accept"]
    if "return" in available and not active:
        del available["return"]
    if "escalate" in available and _summoned_handler(demand, user):
        del available["escalate"]
    if transfer is not None and not active:
        staff = bool(access.roles_at(user, demand.grid.path) & DISPATCHERS)
        if not staff and demand.assignee_id != user.pk:
            available.pop("handle", None)
            available.pop("handle_part", None)
    return available

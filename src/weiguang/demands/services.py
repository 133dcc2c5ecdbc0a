"""Every change to a demand happens here, as plain functions taking the acting user."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from weiguang.core.audit import log_action
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.core.notifications import notify
from weiguang.core.transitions import SYSTEM, perform
from weiguang.people.models import Resident
from weiguang.regions import access
from weiguang.regions.models import Region, RegionKind, Role

from . import calendar
from .models import (
    Demand,
    DemandCategory,
    DemandChannel,
    DemandStatus,
    Department,
    Evaluation,
    Transfer,
    TransferStatus,
)

TITLE_MIN, TITLE_MAX, TEXT_MAX, REASON_MAX = 2, 60, 2000, 300
AUTO_CLOSE_DAYS = 7  # a reply not evaluated within this many days closes the demand
DISPATCHERS = {Role.STREET_ADMIN, Role.COMMUNITY_STAFF, Role.GRID_WORKER}


def auto_close_days() -> int:
    return settings.WEIGUANG.get("DEMAND_AUTO_CLOSE_DAYS", AUTO_CLOSE_DAYS)


def demand_url(demand: Demand) -> str:
    return f"/demands/{demand.pk}/"


def _text(value, field: str, *, required: bool, max_length: int = TEXT_MAX, message: str = "") -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(message or _("This field is required."), fields={field: "required"})
    if len(value) > max_length:
        raise InvalidInput(_("At most %(max)d characters.") % {"max": max_length}, fields={field: "too_long"})
    return value


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
) -> Demand:
    """Record a demand. Staff and grid workers record it for their region from any channel;
    anyone else (a logged-in resident, or nobody at all) submits online, possibly anonymously:
    the returned demand's tracking_code lets them follow it."""
    authenticated = getattr(by, "is_authenticated", False)
    if grid is None or grid.kind != RegionKind.GRID:
        raise InvalidInput(_("Choose the grid the demand is about."), fields={"grid": "invalid"})
    if authenticated and access.can(by, "demand.create", grid):
        channel = channel or DemandChannel.DESK
    else:
        channel = DemandChannel.ONLINE
        own = getattr(by, "resident", None) if authenticated and hasattr(by, "resident") else None
        if resident is not None and (own is None or resident.pk != own.pk):
            raise NotAllowed(_("You may only record demands for residents of your own grids."))
        resident = own  # a logged-in resident's demand is theirs; a visitor's is anonymous
    if channel not in DemandChannel.values:
        raise InvalidInput(_("Unknown channel."), fields={"channel": "invalid"})
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
    contact_phone = (contact_phone or "").strip()
    if len(contact_name) > 50:
        errors["contact_name"] = _("At most %(max)d characters.") % {"max": 50}
    if contact_phone and not (contact_phone.isdigit() and 5 <= len(contact_phone) <= 20):
        errors["contact_phone"] = _("Enter the phone number as digits.")
    if errors:
        raise InvalidInput(next(iter(errors.values())), fields=errors)
    community, street = grid.community, grid.street
    if community is None or street is None:
        raise InvalidInput(_("This grid is not inside a community."), fields={"grid": "invalid"})
    now = timezone.now()
    with transaction.atomic():
        demand = Demand.objects.create(
            resident=resident, contact_name=contact_name, contact_phone=contact_phone,
            grid=grid, community=community, street=street, channel=channel, category=category,
            title=title, description=description, urgent=bool(urgent),
            created_by=by if authenticated else None,
            response_due=calendar.response_due(street, now, bool(urgent)),
            handle_due=calendar.handle_due(street, now),
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

    return perform(demand, "assign", by, note=note, check=check, apply=apply, audit={"assignee": assignee.pk})


def transfer_demand(
    demand: Demand, by, departments: list[tuple[Department, dt.date | None]], note: str = ""
) -> Demand:
    """Transfer to one or more departments of the demand's street, each with its own deadline
    (a date; by default the demand's handling deadline)."""
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
        for dep, deadline in departments:
            due = dt.datetime.combine(deadline, dt.time(23, 59, 59), tzinfo=tz) if deadline else d.handle_due
            Transfer.objects.filter(demand=d, department=dep, status__in=Transfer.LIVE_STATUSES).update(
                status=TransferStatus.DONE
            )
            Transfer.objects.create(demand=d, department=dep, deadline=due)
            notify(
                dep.handlers.all(),
                _("A demand was transferred to %(dep)s: %(t)s") % {"dep": dep.name, "t": d.title},
                body=note,
                url=demand_url(d),
            )

    return perform(
        demand, "transfer", by, note=note, check=check, apply=apply,
        audit={"departments": [dep.pk for dep, _ in departments]},
    )  # fmt: skip


def _own_transfer(d: Demand, by, status: str) -> Transfer | None:
    return (
        Transfer.objects.select_for_update()
        .filter(demand=d, status=status, department__handlers=by)
        .select_related("department")
        .first()
    )


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

    def apply(d: Demand):
        notify(
            _street_admins(d), _("Escalated demand: %(t)s") % {"t": d.title}, body=reason, url=demand_url(d)
        )

    return perform(demand, "escalate", by, note=reason, apply=apply)


def escalate_overdue(now: dt.datetime | None = None) -> int:
    """Periodic job: escalate every open demand past its handling deadline. Safe to re-run."""
    now = now or timezone.now()
    overdue = Demand.objects.filter(
        status__in=[
            DemandStatus.RECEIVED,
            DemandStatus.ASSIGNED,
            DemandStatus.TRANSFERRED,
            DemandStatus.REOPENED,
        ],
        handle_due__lt=now,
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
    beyond_remit: bool = False,
) -> Demand:  # fmt: skip
    """Record the handler's result: what was found (属实 or not, beyond our remit or not) and done."""
    result = _text(result, "result", required=True, message=_("Describe the result."))
    action_taken = _text(action_taken, "action_taken", required=False)

    def apply(d: Demand):
        d.result, d.action_taken = result, action_taken
        d.is_genuine, d.beyond_remit = is_genuine, bool(beyond_remit)
        d.handled_at = timezone.now()
        Transfer.objects.filter(demand=d, status__in=Transfer.LIVE_STATUSES).update(
            status=TransferStatus.DONE
        )
        notify(
            access.holders(access.STAFF, d.grid.path),
            _("Demand handled, please reply: %(t)s") % {"t": d.title},
            url=demand_url(d),
        )

    return perform(
        demand, "handle", by, note=result, apply=apply,
        audit={"is_genuine": is_genuine, "beyond_remit": bool(beyond_remit)},
    )  # fmt: skip


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
            Transfer.objects.filter(demand=d, status=TransferStatus.DONE).update(
                status=TransferStatus.ACTIVE, deadline=d.handle_due
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

    return perform(
        demand, "reopen" if reopen else "evaluate", by, note=note, check=check, apply=apply,
        audit={"evaluation": evaluation},
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


# --- queries ----------------------------------------------------------------------------


def can_see_contact(user, demand: Demand) -> bool:
    return access.can(user, "demand.view", demand)


def region_demands(user) -> QuerySet[Demand]:
    return access.scope(Demand.objects.all(), user, "demand.list_region")


def visible_demands(user) -> QuerySet[Demand]:
    """Every demand the user may read: by region role, as the resident, or as its handler."""
    return access.scope(Demand.objects.all(), user, "demand.view")

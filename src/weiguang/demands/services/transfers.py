"""Transfers to departments: send, accept, ask to return, review the return."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.core.notifications import notify
from weiguang.core.transitions import SYSTEM, perform

from .. import calendar
from ..models import (
    Demand,
    DemandStatus,
    Department,
    Transfer,
    TransferStatus,
)
from .common import REASON_MAX, _mark_responded, _street_admins, _text, demand_url


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
                perform(live, "resend", by, note=note, apply=_resent(due, summoned))
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


def _resent(due: dt.datetime, summoned: bool):
    def apply(t: Transfer):
        t.deadline, t.return_reason = due, ""
        t.summoned = t.summoned or summoned

    return apply


def _accepted(t: Transfer) -> None:
    t.accepted_at = timezone.now()


def close_live_transfers(d: Demand, because: str) -> None:
    """The demand was answered for every department it was still with (handled for all, or
    decided by a meeting): their transfers are done, a step of the system after `because`."""
    for t in d.live_transfers().order_by("id"):
        perform(t, "close", SYSTEM, audit={"demand_action": because})


def reopen_transfers(d: Demand, because: str) -> None:
    """A warning order: each department whose part was done has it back (its latest transfer),
    with the demand's new deadline."""
    latest = {}  # department -> its latest finished transfer (one live per department)
    for t in Transfer.objects.filter(demand=d, status=TransferStatus.DONE).order_by("created_at", "id"):
        latest[t.department_id] = t

    def apply(t: Transfer):
        t.deadline, t.handled_at, t.accepted_at = d.handle_due, None, None

    for t in latest.values():
        perform(t, "reopen", SYSTEM, apply=apply, audit={"demand_action": because})


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
        perform(_own_transfer(d, by, TransferStatus.ACTIVE), "accept", by, apply=_accepted)

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
        perform(t, "return", by, note=reason, apply=lambda locked: setattr(locked, "return_reason", reason))
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
            perform(t, "approve_return" if approve else "reject_return", by, note=note)
            recipients += list(t.department.handlers.all())
        message = _("The return was approved: %(t)s") if approve else _("The return was rejected: %(t)s")
        notify(recipients, message % {"t": d.title}, body=note, url=demand_url(d))

    return perform(demand, "approve_return" if approve else "reject_return", by, note=note, apply=apply)

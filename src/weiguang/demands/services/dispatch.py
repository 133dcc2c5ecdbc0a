"""Dispatch: resolve on the spot, assign to a grid worker, escalate to the street."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.core.notifications import notify
from weiguang.core.transitions import SYSTEM, perform

from ..access import works_at
from ..models import (
    OVERDUE_CAN_ESCALATE,
    Demand,
    Transfer,
    overdue_q,
)
from .common import REASON_MAX, _mark_responded, _street_admins, _text, demand_url

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
        if assignee is None or not works_at(assignee, d.grid.path):
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
    if not getattr(user, "is_authenticated", False) or works_at(user, d.grid.path):
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

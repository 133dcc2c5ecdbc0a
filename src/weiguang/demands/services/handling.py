"""Handle, reply, evaluate, and close what the resident never evaluated."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weiguang.core.errors import Conflict, InvalidInput
from weiguang.core.notifications import notify
from weiguang.core.transitions import SYSTEM, perform
from weiguang.core.uploads import check_photos
from weiguang.regions import access

from .. import calendar
from ..access import works_at
from ..models import (
    Demand,
    DemandPhotoStage,
    DemandStatus,
    Evaluation,
    Transfer,
    TransferStatus,
)
from .common import (
    REASON_MAX,
    _mark_responded,
    _resident_user,
    _text,
    auto_close_days,
    demand_url,
)
from .intake import _attach_photos
from .transfers import _own_transfer, close_live_transfers, reopen_transfers

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
        staff = works_at(by, locked.grid.path) or assignee
        own = None if staff else _own_transfer(locked, by, TransferStatus.ACTIVE)
        if own is None:
            done = perform(
                locked, "handle", by, note=result, apply=_handled_by_all(result, action_taken, flags),
                audit=flags,
            )  # fmt: skip
            _attach_photos(done, files, DemandPhotoStage.RESULT, by)
            return done
        others = locked.live_transfers().exclude(pk=own.pk).exists()

        def report(t: Transfer):
            t.result, t.action_taken = result, action_taken
            t.is_genuine, t.beyond_remit = is_genuine, bool(beyond_remit)
            t.handled_at, t.handled_by = timezone.now(), by

        def record_own(d: Demand):
            perform(own, "report", by, note=result, apply=report)
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
        close_live_transfers(d, "handle")
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


def evaluate_demand(demand: Demand, by, *, evaluation: str, note: str = "", via_code: bool = False) -> Demand:
    """The resident's verdict closes the demand; the first 'unsatisfied' reopens it instead as
    a warning order with a shorter deadline. `via_code`: given with the tracking code, the
    system acting for its holder (tracking.evaluate_by_code)."""
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
            d.reopened_at = now
            d.handle_due = calendar.warning_due(d.street, now)
            d.handled_at = d.replied_at = None
            reopen_transfers(d, action)
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

"""Real threads, real connections, real locks on demands: two departments reporting at the
same moment, two evaluations at once, two reminder jobs at once.

Marked `postgres` (row locks are the reference there); on SQLite the writers queue on the
database lock (WAL, BEGIN IMMEDIATE) and the outcome must be the same."""

from __future__ import annotations

import pytest
import time_machine

from tests.wishes.test_concurrency import at_once
from weiguang.core.audit import history_of
from weiguang.core.errors import Conflict
from weiguang.core.models import Notification
from weiguang.demands.models import DeadlineReminder, Demand, TransferStatus
from weiguang.demands.services import common, handling, intake, reminders, tracking, transfers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("round_", range(3))
def test_two_departments_report_at_the_same_moment(make_demand, people, depts, round_):
    d = transfers.transfer_demand(make_demand(), people.staff, [(depts.city, None), (depts.civil, None)])

    outcomes = at_once(
        [
            lambda: handling.handle_demand(d, depts.handler, result="已清运垃圾"),
            lambda: handling.handle_demand(d, depts.handler2, result="已走访住户"),
        ]
    )

    assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
    d.refresh_from_db()
    assert d.status == "handled"
    assert d.result == "城管科：已清运垃圾\n民政科：已走访住户"
    actions = sorted(e.action for e in history_of(d) if e.action in ("handle", "handle_part"))
    assert actions == ["handle", "handle_part"]
    assert set(d.transfers.values_list("status", flat=True)) == {TransferStatus.DONE}
    # staff were asked to reply exactly once
    assert Notification.objects.filter(recipient=people.staff, url=common.demand_url(d)).count() == 2


@pytest.mark.parametrize("round_", range(3))
def test_two_evaluations_at_once_one_wins(make_demand, people, round_):
    d = make_demand("replied")

    satisfied, unsatisfied = at_once(
        [
            lambda: handling.evaluate_demand(d, people.resident_user, evaluation="satisfied"),
            lambda: tracking.evaluate_by_code(d.tracking_code, evaluation="unsatisfied", note="没修好"),
        ]
    )

    kinds = sorted([satisfied[0], unsatisfied[0]])
    assert kinds == ["ok", "refused"], (satisfied, unsatisfied)
    loser = satisfied[1] if satisfied[0] == "refused" else unsatisfied[1]
    assert isinstance(loser, Conflict) and loser.code == "state_conflict" and loser.status == 409
    d.refresh_from_db()
    verdicts = [e.action for e in history_of(d) if e.action in ("evaluate", "reopen_by_code")]
    assert len(verdicts) == 1
    if verdicts == ["evaluate"]:
        assert (d.status, d.evaluation, d.warning_count) == ("closed", "satisfied", 0)
    else:
        assert (d.status, d.evaluation, d.warning_count) == ("reopened", "unsatisfied", 1)


def test_two_reminder_jobs_at_once_remind_once(people):
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        for title in ("楼道灯坏了", "小区门口垃圾堆放", "喷淋头需要恢复"):
            intake.submit_demand(people.staff, grid=people.tree.grid_a1, title=title)
    with time_machine.travel("2026-03-02 12:00 +0800", tick=False):
        first, second = at_once([reminders.send_deadline_reminders, reminders.send_deadline_reminders])
    assert first[0] == second[0] == "ok"
    assert first[1] + second[1] == 3
    assert DeadlineReminder.objects.count() == 3
    for d in Demand.objects.all():
        assert Notification.objects.filter(recipient=people.staff, url=common.demand_url(d)).count() == 2

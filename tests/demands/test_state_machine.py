"""Any sequence of actions, by anyone, on a few demands keeps the demand life whole.

Hypothesis drives random actions (submit, resolve on the spot, assign, transfer to one or two
departments, accept, a department's report, staff handling, return and its review, escalate,
refer to a meeting and decide, reply, evaluate, evaluate with the tracking code, and the
periodic jobs with time moving on) by random people with sometimes bad input, and after every
step checks the invariants:

- the status is always a DemandStatus value; a refused action changes nothing;
- every state change has exactly one audit entry, and the entries chain from "received" to the
  current status through the transition table;
- at most one live transfer per department; "transferred" has at least one live transfer;
- "handled" has no live transfer and a result; a closed demand has an evaluation or was
  closed by the job, and its closed_at;
- at most one warning order (warning_count ≤ 1, "reopened" at most once);
- first_response_at is set once the demand was dispatched, referred or replied to.

Each example runs in a transaction rolled back in `teardown`, at a clock of its own."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from weiguang.core.audit import history_of
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed, RateLimited
from weiguang.demands.access import DISPATCHERS
from weiguang.demands.models import (
    DEMAND_TRANSITIONS,
    Demand,
    DemandStatus,
    Transfer,
    TransferStatus,
)
from weiguang.demands.services import (
    deliberations,
    dispatch,
    handling,
    intake,
    reminders,
    tracking,
    transfers,
)
from weiguang.regions import access

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
MAX_DEMANDS = 4
ACTORS = [
    "staff",
    "street_admin",
    "staff_b",
    "grid_worker",
    "handler",
    "handler2",
    "outsider_handler",
    "resident_user",
    "volunteer",
    "stranger",
    "anonymous",
    "the_assignee",  # whoever the demand is assigned to (a stranger if nobody)
]
PICK = st.integers(min_value=0, max_value=MAX_DEMANDS - 1)
ANY = st.sampled_from([False, False, False, True])  # usually a demand the action fits
TEXT = st.sampled_from(["已处理", "已协调物业清运", "已处理", "已上门查看", ""])  # blank is refused
DISPATCHED_BY = {"resolve_on_spot", "assign", "transfer", "refer", "reply"}
CONFLICT_CODES = {"state_conflict", "already_accepted", "meeting_decided"}


def who(*likely: str):
    """Someone whose job it is (two times out of three), or anyone at all."""
    return st.one_of(st.sampled_from(likely), st.sampled_from(likely), st.sampled_from(ACTORS))


STAFF = who("staff", "street_admin")
DEPARTMENT = who("handler", "handler2")


class DemandLife(RuleBasedStateMachine):
    def __init__(self, people, depts):
        super().__init__()
        self.people, self.depts = people, depts
        self.users = {
            "staff": people.staff,
            "street_admin": people.street_admin,
            "staff_b": people.staff_b,
            "grid_worker": people.grid_worker,
            "handler": depts.handler,
            "handler2": depts.handler2,
            "outsider_handler": depts.outsider_handler,
            "resident_user": people.resident_user,
            "volunteer": people.volunteer,
            "stranger": people.stranger,
            "anonymous": AnonymousUser(),
        }
        self.assignees = [people.grid_worker, people.staff, people.volunteer, people.outsider_grid_worker]
        self.departments = [depts.city, depts.civil, depts.other]
        cache.clear()  # the public rate limit counts in the cache
        self.clock = time_machine.travel(START, tick=False)
        self.coordinates = self.clock.start()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.ids: list[int] = []
        self.auto_closed: set[int] = set()

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)
        self.clock.stop()

    @initialize()
    def first_demand_and_meeting(self):
        p = self.people
        self.ids.append(
            intake.submit_demand(p.staff, grid=p.tree.grid_a1, title="楼道灯坏了", resident=p.resident).pk
        )
        self.meeting = self.new_meeting()

    def new_meeting(self):
        return deliberations.schedule_meeting(
            self.people.street_admin, region=self.people.tree.street, title="党群联席议事会", held_at=START
        )

    # --- doing things -------------------------------------------------------------------

    def pick(self, names: set[str], i: int, anywhere: bool) -> Demand:
        sources = set().union(*(DEMAND_TRANSITIONS[n].sources for n in names))
        fitting = sorted(
            Demand.objects.filter(pk__in=self.ids, status__in=sources).values_list("pk", flat=True)
        )
        pool = self.ids if anywhere or not fitting else fitting
        return Demand.objects.get(pk=pool[i % len(pool)])

    def actor(self, name: str, d: Demand):
        if name == "the_assignee":
            return d.assignee or self.people.stranger
        return self.users[name]

    def snapshot(self, d: Demand):
        fresh = Demand.objects.get(pk=d.pk)
        return (
            fresh.status,
            fresh.warning_count,
            fresh.result,
            fresh.evaluation,
            fresh.assignee_id,
            fresh.handle_due,
            history_of(d).count(),
            sorted(
                Transfer.objects.filter(demand=d).values_list("pk", "status", "accepted_at", "handled_at")
            ),
        )

    def attempt(
        self, names: set[str], i: int, anywhere: bool, who: str, call, bad: bool = False, target=None
    ):
        """Run `call(demand, user)`; the outcome must agree with the transition table."""
        d = target or self.pick(names, i, anywhere)
        user = self.actor(who, d)
        permitted = {n for n in names if access.can(user, DEMAND_TRANSITIONS[n].permission, d)}
        before = self.snapshot(d)
        try:
            call(d, user)
        except InvalidInput:
            assert bad, f"{names} by {who} refused good input"
            assert self.snapshot(d) == before
            return None
        except NotAllowed:
            assert self.snapshot(d) == before
            return None
        except Conflict as e:
            assert e.code in CONFLICT_CODES, e.code
            assert permitted, f"{who} learnt the state of a demand they may not touch"
            assert self.snapshot(d) == before
            return None
        assert not bad, f"{names} by {who} accepted bad input"
        entries = list(history_of(d).order_by("id"))
        assert len(entries) == before[6] + 1, "one audit entry per action"
        done = entries[-1]
        assert done.action in names and done.action in permitted, (done.action, who)
        assert done.from_state == before[0]
        assert Demand.objects.get(pk=d.pk).status == done.to_state
        return d, done

    @rule(
        who=who("staff", "grid_worker", "resident_user", "anonymous"),
        grid=st.sampled_from(["grid_a1", "grid_a2"]),
    )
    def submit(self, who, grid):
        if len(self.ids) >= MAX_DEMANDS:
            return
        p = self.people
        count = Demand.objects.count()
        try:
            d = intake.submit_demand(
                self.users.get(who, p.stranger),
                grid=getattr(p.tree, grid),
                title="小区门口垃圾堆放",
                resident=None,
                client="10.0.0.1",
            )
        except RateLimited:
            assert Demand.objects.count() == count
            return
        assert d.status == DemandStatus.RECEIVED
        assert [e.action for e in history_of(d)] == ["submit"]
        self.ids.append(d.pk)

    @rule(i=PICK, anywhere=ANY, who=STAFF, result=TEXT, now=st.sampled_from([True, False, False]))
    def resolve_on_spot(self, i, anywhere, who, result, now):
        if not now:  # rarely: it ends the demand's life at once
            return
        self.attempt(
            {"resolve_on_spot"},
            i,
            anywhere,
            who,
            lambda d, u: dispatch.resolve_on_spot(d, u, result),
            not result.strip(),
        )

    @rule(i=PICK, anywhere=ANY, who=STAFF, assignee=st.integers(0, 3))
    def assign(self, i, anywhere, who, assignee):
        target = self.assignees[assignee]
        d = self.pick({"assign"}, i, anywhere)
        fits = bool(access.roles_at(target, d.grid.path) & DISPATCHERS)
        self.attempt(
            {"assign"}, i, anywhere, who, lambda d, u: dispatch.assign_demand(d, u, target), not fits
        )

    @rule(i=PICK, anywhere=ANY, who=STAFF, first=st.integers(0, 2), second=st.sampled_from([None, 0, 1]))
    def transfer(self, i, anywhere, who, first, second):
        chosen = [self.departments[first]]
        if second is not None and self.departments[second] not in chosen:
            chosen.append(self.departments[second])
        bad = self.depts.other in chosen
        picked = self.pick({"transfer"}, i, anywhere)
        was = picked.status
        summoned_before = {t.department_id: t.summoned for t in picked.live_transfers()}
        outcome = self.attempt(
            {"transfer"},
            i,
            anywhere,
            who,
            lambda d, u: transfers.transfer_demand(d, u, [(c, None) for c in chosen]),
            bad,
        )
        if outcome:
            d, _ = outcome
            # one live transfer per chosen department (a department that had one keeps it), each
            # with a deadline still ahead, summoned when the street blew the whistle
            live = {t.department: t for t in d.live_transfers()}
            assert set(chosen) <= set(live)
            for dep in chosen:
                t = live[dep]
                assert t.deadline > timezone.now()
                assert t.summoned == (was == DemandStatus.ESCALATED or summoned_before.get(dep.pk, False))

    @rule(i=PICK, anywhere=ANY, who=DEPARTMENT)
    def accept(self, i, anywhere, who):
        self.attempt({"accept"}, i, anywhere, who, lambda d, u: transfers.accept_transfer(d, u))

    @rule(
        i=PICK,
        anywhere=ANY,
        who=who("handler", "handler2", "the_assignee"),
        result=TEXT,
        genuine=st.booleans(),
    )
    def department_handles(self, i, anywhere, who, result, genuine):
        outcome = self.attempt(
            {"handle", "handle_part"},
            i,
            anywhere,
            who,
            lambda d, u: handling.handle_demand(d, u, result=result, is_genuine=genuine),
            not result.strip(),
        )
        if outcome and outcome[1].action == "handle_part":
            assert outcome[0].live_transfers().exists()

    @rule(i=PICK, anywhere=ANY, who=STAFF, result=TEXT)
    def staff_handles(self, i, anywhere, who, result):
        self.attempt(
            {"handle", "handle_part"}, i, anywhere, who, lambda d, u: handling.handle_demand(d, u, result=result),
            not result.strip(),
        )  # fmt: skip

    @rule(i=PICK, anywhere=ANY, who=DEPARTMENT, reason=TEXT)
    def request_return(self, i, anywhere, who, reason):
        self.attempt(
            {"return"},
            i,
            anywhere,
            who,
            lambda d, u: transfers.request_return(d, u, reason),
            not reason.strip(),
        )

    @rule(i=PICK, anywhere=ANY, who=who("street_admin"), approve=st.booleans())
    def review_return(self, i, anywhere, who, approve):
        self.attempt(
            {"approve_return", "reject_return"}, i, anywhere, who,
            lambda d, u: transfers.review_return(d, u, approve=approve),
        )  # fmt: skip

    @rule(i=PICK, anywhere=ANY, who=who("staff", "handler", "the_assignee"), reason=TEXT)
    def escalate(self, i, anywhere, who, reason):
        self.attempt(
            {"escalate"},
            i,
            anywhere,
            who,
            lambda d, u: dispatch.escalate_demand(d, u, reason),
            not reason.strip(),
        )

    @rule(i=PICK, anywhere=ANY, who=STAFF, now=st.sampled_from([True, False, False]))
    def refer(self, i, anywhere, who, now):
        if not now:
            return
        meeting = self.meeting
        self.attempt({"refer"}, i, anywhere, who, lambda d, u: deliberations.refer_to_meeting(d, u, meeting))

    @rule(who=who("street_admin"), with_item=st.booleans())
    def decide_rule(self, who, with_item):
        self.decide(who, with_item)

    def decide(self, who, with_item):
        user = self.users.get(who) or self.people.stranger
        waiting = {
            d.pk: self.snapshot(d)
            for d in Demand.objects.filter(
                pk__in=self.ids, deliberation=self.meeting, status=DemandStatus.DELIBERATING
            )
        }
        items = (
            [("征求三号楼住户意见", self.people.grid_worker, self.people.tree.grid_a1)] if with_item else []
        )
        try:
            deliberations.record_decision(self.meeting, user, decision="同意加装电梯", actions=items)
        except NotAllowed:
            for pk, before in waiting.items():
                assert self.snapshot(Demand.objects.get(pk=pk)) == before
            return
        for pk, before in waiting.items():
            d = Demand.objects.get(pk=pk)
            assert d.status == DemandStatus.HANDLED and d.result == "同意加装电梯"
            assert history_of(d).count() == before[6] + 1
        for item in Demand.objects.filter(action_of=self.meeting):
            assert item.status == DemandStatus.ASSIGNED and item.channel == "deliberation"
            self.ids.append(item.pk)
        self.meeting = self.new_meeting()

    @rule(i=PICK, anywhere=ANY, who=STAFF, reply=TEXT)
    def reply(self, i, anywhere, who, reply):
        self.attempt(
            {"reply"},
            i,
            anywhere,
            who,
            lambda d, u: handling.reply_demand(d, u, reply=reply),
            not reply.strip(),
        )

    @rule(
        i=PICK,
        anywhere=ANY,
        who=who("resident_user", "staff"),
        verdict=st.sampled_from(["satisfied", "basically_satisfied", "unsatisfied", "unsatisfied", "great"]),
    )
    def evaluate(self, i, anywhere, who, verdict):
        self.attempt(
            {"evaluate", "reopen"}, i, anywhere, who, lambda d, u: handling.evaluate_demand(d, u, evaluation=verdict),
            verdict == "great",
        )  # fmt: skip

    @rule(i=PICK, anywhere=ANY, verdict=st.sampled_from(["satisfied", "basically_satisfied", "unsatisfied"]))
    def evaluate_by_code(self, i, anywhere, verdict):
        d = self.pick({"evaluate_by_code"}, i, anywhere)
        before = self.snapshot(d)
        try:
            tracking.evaluate_by_code(d.tracking_code.lower(), evaluation=verdict)
        except Conflict as e:
            assert e.code == "state_conflict" and before[0] != DemandStatus.REPLIED
            assert self.snapshot(d) == before
            return
        last = history_of(d).order_by("-id").first()
        assert last.action in {"evaluate_by_code", "reopen_by_code"} and last.actor is None
        assert history_of(d).count() == before[6] + 1

    # --- the usual next step, by the person whose job it is (so runs get deep) -------------

    def department_of(self, d: Demand) -> str:
        live = d.live_transfers().filter(status=TransferStatus.ACTIVE).order_by("id").first()
        if live is None:
            return "stranger"
        return "handler" if live.department == self.depts.city else "handler2"

    def next_step(self, i: int, k: int) -> None:
        d = Demand.objects.get(pk=self.ids[i % len(self.ids)])
        S = DemandStatus

        def go(names, who, call, bad=False):
            self.attempt(names, 0, False, who, call, bad, target=d)

        if d.status == S.RECEIVED:
            if k == 0:
                p = self.people  # the grid worker walks grid A1 only
                worker = p.grid_worker if d.grid_id == p.tree.grid_a1.pk else p.staff
                go({"assign"}, "staff", lambda d, u: dispatch.assign_demand(d, u, worker))
            else:
                chosen = [self.depts.city] if k == 1 else [self.depts.city, self.depts.civil]
                go(
                    {"transfer"},
                    "staff",
                    lambda d, u: transfers.transfer_demand(d, u, [(c, None) for c in chosen]),
                )
        elif d.status == S.ASSIGNED:
            if k == 3:
                go({"escalate"}, "the_assignee", lambda d, u: dispatch.escalate_demand(d, u, "需要街道协调"))
            else:
                go({"handle"}, "the_assignee", lambda d, u: handling.handle_demand(d, u, result="已处理"))
        elif d.status in (S.TRANSFERRED, S.REOPENED):
            who = self.department_of(d)
            if k == 0:
                go({"accept"}, who, lambda d, u: transfers.accept_transfer(d, u))
            elif k == 3 and d.status == S.TRANSFERRED:
                go({"return"}, who, lambda d, u: transfers.request_return(d, u, "不属于本部门职责"))
            elif who == "stranger":
                go({"handle"}, "staff", lambda d, u: handling.handle_demand(d, u, result="社区已处理"))
            else:
                go(
                    {"handle", "handle_part"},
                    who,
                    lambda d, u: handling.handle_demand(d, u, result=f"{who}已处理"),
                )
        elif d.status == S.RETURNED:
            go(
                {"approve_return", "reject_return"}, "street_admin",
                lambda d, u: transfers.review_return(d, u, approve=k % 2 == 0),
            )  # fmt: skip
        elif d.status == S.ESCALATED:
            chosen = [self.depts.civil] if k % 2 else [self.depts.city, self.depts.civil]
            go(
                {"transfer"},
                "street_admin",
                lambda d, u: transfers.transfer_demand(d, u, [(c, None) for c in chosen]),
            )
        elif d.status == S.HANDLED:
            go({"reply"}, "staff", lambda d, u: handling.reply_demand(d, u, reply="已处理完毕"))
        elif d.status == S.REPLIED:
            verdict = ["satisfied", "basically_satisfied", "unsatisfied", "unsatisfied"][k]
            go(
                {"evaluate", "reopen"},
                "resident_user",
                lambda d, u: handling.evaluate_demand(d, u, evaluation=verdict),
            )
        elif d.status == S.DELIBERATING:
            self.decide("street_admin", k % 2 == 0)

    @rule(i=PICK, k=st.integers(0, 3))
    def next_step_by_the_right_person(self, i, k):
        self.next_step(i, k)

    @rule(i=PICK, k=st.integers(0, 3))
    def another_next_step(self, i, k):
        self.next_step(i, k)

    @rule(hours=st.sampled_from([1, 6, 30, 80, 200]))
    def time_passes(self, hours):
        self.coordinates.shift(dt.timedelta(hours=hours))

    def run_job(self, job, action: str, sources) -> None:
        before = {d.pk: self.snapshot(d) for d in Demand.objects.filter(pk__in=self.ids)}
        changed = job()
        moved = 0
        for pk, snap in before.items():
            d = Demand.objects.get(pk=pk)
            if d.status == snap[0]:
                assert history_of(d).count() == snap[6]
                continue
            moved += 1
            assert snap[0] in sources
            last = history_of(d).order_by("-id").first()
            assert (last.action, last.actor, history_of(d).count()) == (action, None, snap[6] + 1)
            if action == "auto_close":
                self.auto_closed.add(pk)
        assert moved == changed

    @rule()
    def escalate_job(self):
        self.run_job(dispatch.escalate_overdue, "auto_escalate", DEMAND_TRANSITIONS["auto_escalate"].sources)

    @rule()
    def close_job(self):
        self.run_job(handling.close_unevaluated, "auto_close", DEMAND_TRANSITIONS["auto_close"].sources)

    @rule()
    def reminder_job(self):
        reminders.send_deadline_reminders()
        assert reminders.send_deadline_reminders() == 0  # idempotent

    # --- what must always hold ------------------------------------------------------------

    @invariant()
    def states_and_history_agree(self):
        for d in Demand.objects.filter(pk__in=self.ids):
            assert d.status in DemandStatus.values
            entries = list(history_of(d).order_by("id"))
            assert entries[0].action == "submit" and entries[0].to_state == DemandStatus.RECEIVED
            state = DemandStatus.RECEIVED
            for e in entries[1:]:
                t = DEMAND_TRANSITIONS[e.action]
                assert e.from_state == state and state in t.sources, (e.action, e.from_state, state)
                assert e.to_state == (t.target or e.from_state), (e.action, e.to_state)
                state = e.to_state
            assert state == d.status
            actions = {e.action for e in entries}
            reopens = sum(e.action in ("reopen", "reopen_by_code") for e in entries)
            assert reopens == d.warning_count <= 1
            if actions & DISPATCHED_BY:
                assert d.first_response_at is not None

    @invariant()
    def transfers_match_the_status(self):
        doubled = (
            Transfer.objects.filter(demand_id__in=self.ids, status__in=Transfer.LIVE_STATUSES)
            .values("demand", "department")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
        )
        assert not doubled.exists(), list(doubled)
        for d in Demand.objects.filter(pk__in=self.ids):
            live = d.live_transfers()
            if d.status == DemandStatus.TRANSFERRED:
                assert live.filter(status=TransferStatus.ACTIVE).exists()
            if d.status == DemandStatus.RETURNED:
                assert live.filter(status=TransferStatus.RETURN_REQUESTED).exists()
            if d.status in (DemandStatus.HANDLED, DemandStatus.REPLIED, DemandStatus.CLOSED):
                assert not live.exists(), (d.status, list(live.values_list("department__name", "status")))
            if d.status in (DemandStatus.HANDLED, DemandStatus.REPLIED):
                assert d.result.strip() and d.handled_at is not None
            if d.status == DemandStatus.REPLIED:
                assert d.reply and d.replied_at is not None
            if d.status == DemandStatus.CLOSED:
                assert d.closed_at is not None
                assert d.evaluation or d.pk in self.auto_closed
            else:
                assert d.closed_at is None


def test_any_sequence_of_actions_keeps_the_invariants(people, depts):
    run_state_machine_as_test(
        lambda: DemandLife(people, depts),
        settings=settings(max_examples=15, stateful_step_count=50, deadline=None),
    )

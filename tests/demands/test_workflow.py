"""The newer demand services, as the people using them would notice: a department accepting
and reporting (several departments, one combined result), evaluation by tracking code, the
public rate limit, desk sessions, deliberation meetings, wishes turned into demands, deadline
reminders, the summoned departments (吹哨报到) and the queues.

Every refusal is checked to write nothing: no audit entry, no state change, no new rows."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache

from weiguang.core.audit import history_of
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed, NotFound, RateLimited
from weiguang.core.models import AuditEntry, Notification
from weiguang.demands.models import (
    DeadlineReminder,
    Deliberation,
    Demand,
    IntakeSession,
    Transfer,
    TransferStatus,
)
from weiguang.demands.services import (
    common,
    deliberations,
    dispatch,
    handling,
    intake,
    queries,
    reminders,
    tracking,
)
from weiguang.demands.services import transfers as demand_transfers
from weiguang.wishes.models import Wish

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)  # an ordinary week, no holidays


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


class Snapshot:
    """Everything a refused action must leave alone."""

    def __init__(self, demand: Demand | None = None):
        self.demand = demand
        self.state = self.take()

    def take(self):
        d = Demand.objects.get(pk=self.demand.pk) if self.demand else None
        return (
            AuditEntry.objects.count(),
            Notification.objects.count(),
            Demand.objects.count(),
            sorted(Transfer.objects.values_list("pk", "status", "accepted_at", "result")),
            Deliberation.objects.count(),
            (d.status, d.result, d.warning_count, d.evaluation, d.handle_due) if d else None,
        )

    def unchanged(self) -> bool:
        return self.take() == self.state


def refused(exc, call, demand: Demand | None = None):
    """Run `call`, expect `exc`, and check that nothing was written."""
    snap = Snapshot(demand)
    with pytest.raises(exc) as info:
        call()
    assert snap.unchanged(), f"{exc.__name__} changed something"
    return info.value


def notes_for(user, demand: Demand | None = None):
    qs = Notification.objects.filter(recipient=user)
    return qs.filter(url=common.demand_url(demand)) if demand is not None else qs


def actions_of(demand: Demand) -> list[str]:
    return [e.action for e in history_of(demand).order_by("id")]


@pytest.fixture
def both(make_demand, people, depts):
    """A demand transferred to the city management and civil affairs sections at once."""
    d = make_demand()
    return demand_transfers.transfer_demand(d, people.staff, [(depts.city, None), (depts.civil, None)])


# --- transfers stay inside the street -----------------------------------------------------


def test_a_department_of_another_street_gets_nothing(make_demand, people, depts):
    d = make_demand()
    e = refused(
        InvalidInput,
        lambda: demand_transfers.transfer_demand(d, people.staff, [(depts.city, None), (depts.other, None)]),
        d,
    )
    assert "departments" in e.fields
    assert not notes_for(depts.outsider_handler).exists()
    d = make_demand("transferred", via="transfer", title="小区门口垃圾堆放")
    for call in (
        lambda: demand_transfers.accept_transfer(d, depts.outsider_handler),
        lambda: handling.handle_demand(d, depts.outsider_handler, result="已处理"),
        lambda: demand_transfers.request_return(d, depts.outsider_handler, reason="不归我们"),
        lambda: dispatch.escalate_demand(d, depts.outsider_handler, reason="上报"),
    ):
        refused(NotAllowed, call, d)
    assert d not in queries.visible_demands(depts.outsider_handler)


# --- a department accepts (签收) ----------------------------------------------------------


def test_a_department_accepts_what_was_transferred_to_it(make_demand, depts):
    d = make_demand("transferred", via="transfer")
    d = demand_transfers.accept_transfer(d, depts.handler)
    assert d.status == "transferred"
    t = d.transfers.get()
    assert t.accepted_at is not None and t.status == TransferStatus.ACTIVE
    entry = history_of(d).get(action="accept")
    assert (entry.actor, entry.from_state, entry.to_state) == (depts.handler, "transferred", "transferred")
    e = refused(Conflict, lambda: demand_transfers.accept_transfer(d, depts.handler), d)
    assert e.code == "already_accepted" and e.status == 409


def test_only_the_department_it_went_to_accepts(make_demand, people, depts):
    d = make_demand("transferred", via="transfer")
    for user in [
        depts.handler2,
        depts.outsider_handler,
        people.staff,
        people.street_admin,
        people.resident_user,
    ]:
        refused(NotAllowed, lambda user=user: demand_transfers.accept_transfer(d, user), d)
    refused(NotAllowed, lambda: demand_transfers.accept_transfer(d, AnonymousUser()), d)
    # the assignee of a demand (no transfer) is its handler, but there is nothing to accept
    assigned = make_demand("assigned")
    refused(Conflict, lambda: demand_transfers.accept_transfer(assigned, people.grid_worker), assigned)


def test_accepting_in_the_wrong_state_is_a_conflict(make_demand, depts):
    d = make_demand("returned", via="transfer")  # the return request keeps the transfer live
    e = refused(Conflict, lambda: demand_transfers.accept_transfer(d, depts.handler), d)
    assert e.code == "state_conflict"


def test_a_department_accepts_its_warning_order_again(make_demand, people, depts):
    d = make_demand("transferred", via="transfer")
    demand_transfers.accept_transfer(d, depts.handler)
    d = handling.handle_demand(d, depts.handler, result="已修复")
    d = handling.reply_demand(d, people.staff, reply="已修好")
    d = handling.evaluate_demand(d, people.resident_user, evaluation="unsatisfied", note="灯还是不亮")
    assert d.status == "reopened"
    t = d.transfers.get()
    assert t.status == TransferStatus.ACTIVE and t.accepted_at is None  # new work, not yet signed for
    d = demand_transfers.accept_transfer(d, depts.handler)
    assert d.status == "reopened" and d.transfers.get().accepted_at is not None


# --- several departments, one result ------------------------------------------------------


def test_each_department_reports_and_the_last_report_handles_the_demand(both, people, depts):
    staff_notes = notes_for(people.staff, both).count()
    d = handling.handle_demand(
        both, depts.handler, result="已清理垃圾", action_taken="派环卫车清运", is_genuine=True
    )
    assert d.status == "transferred" and d.result == "" and d.handled_at is None
    city = d.transfers.get(department=depts.city)
    assert (city.status, city.result, city.handled_by) == (TransferStatus.DONE, "已清理垃圾", depts.handler)
    assert city.handled_at is not None
    assert d.live_transfers().get().department == depts.civil
    entry = history_of(d).get(action="handle_part")
    assert (entry.from_state, entry.to_state, entry.data["department"]) == (
        "transferred",
        "transferred",
        depts.city.pk,
    )
    assert notes_for(people.staff, d).count() == staff_notes  # nobody asked to reply yet

    # the city section is done: it may not report again
    refused(NotAllowed, lambda: handling.handle_demand(d, depts.handler, result="再报一次"), d)

    d = handling.handle_demand(
        d, depts.handler2, result="已联系低保户", action_taken="上门走访", beyond_remit=True
    )
    assert d.status == "handled" and d.handled_at is not None
    assert d.result == "城管科：已清理垃圾\n民政科：已联系低保户"
    assert d.action_taken == "城管科：派环卫车清运\n民政科：上门走访"
    assert d.is_genuine is True  # one department found it genuine
    assert d.beyond_remit is False  # not every department found it beyond its remit
    assert not d.live_transfers().exists()
    assert actions_of(d)[-2:] == ["handle_part", "handle"]
    assert notes_for(people.staff, d).count() == staff_notes + 1  # now: please reply


def test_staff_record_the_result_for_every_department(both, people, depts):
    d = handling.handle_demand(both, people.staff, result="社区协调物业已处理", is_genuine=False)
    assert d.status == "handled" and d.result == "社区协调物业已处理" and d.is_genuine is False
    assert set(d.transfers.values_list("status", flat=True)) == {TransferStatus.DONE}
    assert not queries.department_inbox(depts.handler).exists()
    assert not queries.department_inbox(depts.handler2).exists()


def test_handling_refusals_write_nothing(both, make_demand, people, depts):
    for user in [
        depts.outsider_handler,
        people.volunteer,
        people.resident_user,
        people.staff_b,
        people.grid_worker,
    ]:
        refused(NotAllowed, lambda user=user: handling.handle_demand(both, user, result="已处理"), both)
    refused(NotAllowed, lambda: handling.handle_demand(both, AnonymousUser(), result="已处理"), both)
    e = refused(InvalidInput, lambda: handling.handle_demand(both, depts.handler, result="  "), both)
    assert "result" in e.fields
    e = refused(
        InvalidInput,
        lambda: handling.handle_demand(both, depts.handler, result="好", action_taken="长" * 2001),
        both,
    )
    assert "action_taken" in e.fields
    returned = make_demand("returned", via="transfer")
    e = refused(Conflict, lambda: handling.handle_demand(returned, people.staff, result="已处理"), returned)
    assert e.code == "state_conflict"


def test_a_warning_order_goes_back_to_every_department_and_ends_with_both_reports(both, people, depts):
    d = handling.handle_demand(both, depts.handler, result="第一次清理")
    d = handling.handle_demand(d, depts.handler2, result="第一次走访")
    d = handling.reply_demand(d, people.staff, reply="已处理")
    d = handling.evaluate_demand(d, people.resident_user, evaluation="unsatisfied", note="又堆上了")
    assert d.status == "reopened"
    assert d.live_transfers().count() == 2
    assert notes_for(depts.handler, d).filter(body="又堆上了").exists()
    assert notes_for(depts.handler2, d).filter(body="又堆上了").exists()
    d = handling.handle_demand(d, depts.handler2, result="第二次走访")
    assert d.status == "reopened"
    d = handling.handle_demand(d, depts.handler, result="第二次清理")
    assert d.status == "handled"
    assert d.result == "城管科：第二次清理\n民政科：第二次走访"


def test_a_department_transferred_again_reports_only_once(make_demand, people, depts):
    """A demand escalated and transferred again to the same department: one live transfer."""
    d = make_demand("transferred", via="transfer")
    d = dispatch.escalate_demand(d, depts.handler, reason="需要街道协调")
    d = demand_transfers.transfer_demand(d, people.street_admin, [(depts.city, None)])
    assert d.transfers.count() == 1 and d.live_transfers().count() == 1  # the same transfer goes on
    d = handling.handle_demand(d, depts.handler, result="已处理")
    assert d.status == "handled" and d.result == "已处理"


# --- evaluation with the tracking code ----------------------------------------------------


def test_whoever_holds_the_code_evaluates(make_demand):
    d = make_demand("replied")
    closed = tracking.evaluate_by_code(
        f"  {d.tracking_code.lower()} ", evaluation="basically_satisfied", note="还行"
    )
    assert closed.status == "closed" and closed.closed_at is not None
    assert (closed.evaluation, closed.evaluation_note) == ("basically_satisfied", "还行")
    entry = history_of(d).get(action="evaluate_by_code")
    assert entry.actor is None and entry.to_state == "closed"


def test_unsatisfied_by_code_is_a_warning_order_once(make_demand, people, depts):
    d = make_demand("replied", via="transfer")
    d = tracking.evaluate_by_code(d.tracking_code, evaluation="unsatisfied", note="没修好")
    assert d.status == "reopened" and d.warning_count == 1
    assert history_of(d).get(action="reopen_by_code").actor is None
    assert notes_for(depts.handler, d).filter(body="没修好").exists()
    d = handling.handle_demand(d, depts.handler, result="重新修好")
    d = handling.reply_demand(d, people.staff, reply="已重新处理")
    d = tracking.evaluate_by_code(d.tracking_code, evaluation="unsatisfied")
    assert d.status == "closed" and d.warning_count == 1 and d.evaluation == "unsatisfied"


def test_evaluation_by_code_refusals(make_demand):
    d = make_demand("replied")
    refused(NotFound, lambda: tracking.evaluate_by_code("NOSUCHCODE", evaluation="satisfied"), d)
    refused(NotFound, lambda: tracking.evaluate_by_code("", evaluation="satisfied"), d)
    e = refused(InvalidInput, lambda: tracking.evaluate_by_code(d.tracking_code, evaluation="great"), d)
    assert "evaluation" in e.fields
    e = refused(
        InvalidInput,
        lambda: tracking.evaluate_by_code(d.tracking_code, evaluation="satisfied", note="长" * 301),
        d,
    )
    assert "note" in e.fields
    early = make_demand("assigned", title="路灯不亮")
    e = refused(
        Conflict, lambda: tracking.evaluate_by_code(early.tracking_code, evaluation="satisfied"), early
    )
    assert e.code == "state_conflict"
    tracking.evaluate_by_code(d.tracking_code, evaluation="satisfied")
    e = refused(Conflict, lambda: tracking.evaluate_by_code(d.tracking_code, evaluation="unsatisfied"), d)
    assert e.code == "state_conflict"


def test_a_person_may_not_use_the_systems_transitions(make_demand, people):
    from weiguang.core.transitions import perform

    d = make_demand("replied")
    refused(NotAllowed, lambda: perform(d, "evaluate_by_code", people.resident_user), d)
    refused(NotAllowed, lambda: perform(d, "reopen_by_code", people.street_admin), d)


# --- the public rate limit ----------------------------------------------------------------


def online(by, client: str = "", *, grid, title: str = "小区门口垃圾堆放"):
    """A demand submitted online (by a resident, a visitor, anyone without a role here)."""
    return intake.submit_demand(by, grid=grid, title=title, client=client)


def test_anonymous_submissions_are_limited_per_address(people, settings):
    settings.WEIGUANG = {**settings.WEIGUANG, "DEMAND_PUBLIC_PER_HOUR": 3}
    grid = people.tree.grid_a1
    with time_machine.travel(MONDAY, tick=False):
        for _ in range(3):
            online(AnonymousUser(), "10.0.0.1", grid=grid)
        e = refused(RateLimited, lambda: online(AnonymousUser(), "10.0.0.1", grid=grid))
        assert e.code == "rate_limited" and e.status == 429
        online(AnonymousUser(), "10.0.0.2", grid=grid)  # another address is not affected
        # staff at the desk are never limited
        intake.submit_demand(people.staff, grid=grid, title="现场登记", client="10.0.0.1")
    assert Demand.objects.count() == 5
    with time_machine.travel(MONDAY + dt.timedelta(hours=1, minutes=1), tick=False):
        online(AnonymousUser(), "10.0.0.1", grid=grid)  # a new hour
    assert Demand.objects.filter(channel="online").count() == 5


def test_the_default_limit_is_five_an_hour(people):
    cache.clear()
    for _ in range(5):
        online(AnonymousUser(), "10.0.0.9", grid=people.tree.grid_a2)
    refused(RateLimited, lambda: online(AnonymousUser(), "10.0.0.9", grid=people.tree.grid_a2))


def test_a_logged_in_resident_is_limited_per_account_from_any_address(people, settings):
    settings.WEIGUANG = {**settings.WEIGUANG, "DEMAND_PUBLIC_PER_HOUR": 2}
    with time_machine.travel(MONDAY, tick=False):
        mine = [online(people.resident_user, f"10.1.0.{i}", grid=people.tree.grid_a1) for i in range(2)]
        assert all(d.resident == people.resident and d.channel == "online" for d in mine)
        refused(RateLimited, lambda: online(people.resident_user, "10.9.9.9", grid=people.tree.grid_a1))
        # someone else is not affected
        online(people.volunteer, "10.1.0.1", grid=people.tree.grid_a1)
    with time_machine.travel(MONDAY + dt.timedelta(minutes=61), tick=False):
        online(people.resident_user, "10.1.0.1", grid=people.tree.grid_a1)


# --- desk sessions ------------------------------------------------------------------------


def test_demands_collected_at_a_desk_session_belong_to_it(people, tree):
    session = IntakeSession.objects.create(community=tree.community_a, title="书记面对面", date=MONDAY.date())
    d = intake.submit_demand(people.staff, grid=tree.grid_a2, title="七楼楼道杂物堆积", session=session)
    assert d.session == session and d.channel == "desk"
    # a resident online cannot attach their demand to a session
    own = intake.submit_demand(people.resident_user, grid=tree.grid_a1, title="楼道灯坏了", session=session)
    assert own.session is None and own.channel == "online"
    assert list(session.demands.all()) == [d]


def test_a_session_of_another_community_is_refused(people, tree):
    other = IntakeSession.objects.create(community=tree.community_b, title="海晏市集", date=MONDAY.date())
    e = refused(
        InvalidInput,
        lambda: intake.submit_demand(
            people.street_admin, grid=tree.grid_a1, title="楼道灯坏了", session=other
        ),
    )
    assert "session" in e.fields


def test_staff_open_a_desk_session_for_their_community(people, tree):
    session = intake.open_session(
        people.staff, community=tree.community_a, title="书记面对面", date=MONDAY.date()
    )
    assert (session.community, session.kind, session.created_by) == (tree.community_a, "desk", people.staff)
    assert [e.action for e in history_of(session)] == ["open"]
    fair = intake.open_session(
        people.street_admin, community=tree.community_b, title="党员服务市集", date=MONDAY.date(), kind="fair"
    )
    assert fair.kind == "fair"


@pytest.mark.parametrize(
    ("who", "region", "kwargs", "error", "field"),
    [
        ("staff_b", "community_a", {}, NotAllowed, None),
        ("volunteer", "community_a", {}, NotAllowed, None),
        ("outsider_staff", "community_a", {}, NotAllowed, None),
        ("resident_user", "community_a", {}, NotAllowed, None),
        ("staff", "grid_a1", {}, InvalidInput, "community"),
        ("staff", "community_a", {"kind": "party"}, InvalidInput, "kind"),
        ("staff", "community_a", {"title": ""}, InvalidInput, "title"),
        ("staff", "community_a", {"date": None}, InvalidInput, "date"),
    ],
)
def test_session_refusals(people, tree, who, region, kwargs, error, field):
    args = {"title": "书记面对面", "date": MONDAY.date(), **kwargs}
    e = refused(
        error, lambda: intake.open_session(getattr(people, who), community=getattr(tree, region), **args)
    )
    if field:
        assert field in e.fields
    assert not IntakeSession.objects.exists()


# --- deliberation meetings (党群联席议事会) ---------------------------------------------------


@pytest.fixture
def meeting(people, tree):
    return deliberations.schedule_meeting(
        people.street_admin,
        region=tree.street,
        title="老旧小区加装电梯议事会",
        held_at=MONDAY + dt.timedelta(days=3),
        place="党群服务中心二楼",
        attendees="街道、社区、物业、居民代表",
    )


def test_schedule_a_meeting(meeting, people, tree):
    assert meeting.status == "scheduled" and meeting.created_by == people.street_admin
    assert [e.action for e in history_of(meeting)] == ["schedule"]
    own = deliberations.schedule_meeting(
        people.staff, region=tree.community_a, title="停车难议事", held_at=MONDAY
    )
    assert own.region == tree.community_a


@pytest.mark.parametrize(
    ("who", "region", "kwargs", "error", "field"),
    [
        ("staff_b", "community_a", {}, NotAllowed, None),
        ("staff", "street", {}, NotAllowed, None),
        ("grid_worker", "community_a", {}, NotAllowed, None),
        ("outsider_staff", "community_a", {}, NotAllowed, None),
        ("street_admin", "grid_a1", {}, InvalidInput, "region"),
        ("street_admin", "street", {"title": " "}, InvalidInput, "title"),
        ("street_admin", "street", {"held_at": None}, InvalidInput, "held_at"),
        ("street_admin", "street", {"place": "地" * 101}, InvalidInput, "place"),
    ],
)
def test_meeting_refusals(people, tree, who, region, kwargs, error, field):
    args = {"title": "停车难议事", "held_at": MONDAY, **kwargs}
    e = refused(
        error,
        lambda: deliberations.schedule_meeting(getattr(people, who), region=getattr(tree, region), **args),
    )
    if field:
        assert field in e.fields


def test_refer_a_demand_to_the_meeting(meeting, make_demand, people):
    d = deliberations.refer_to_meeting(make_demand(), people.staff, meeting, note="涉及全楼居民")
    assert d.status == "deliberating" and d.deliberation == meeting and d.first_response_at is not None
    assert history_of(d).get(action="refer").data["meeting"] == meeting.pk


def test_referral_refusals(meeting, make_demand, people, tree):
    d = make_demand()
    refused(NotAllowed, lambda: deliberations.refer_to_meeting(d, people.grid_worker, meeting), d)
    refused(NotAllowed, lambda: deliberations.refer_to_meeting(d, people.staff_b, meeting), d)
    elsewhere = deliberations.schedule_meeting(
        people.staff_b, region=tree.community_b, title="海晏议事", held_at=MONDAY
    )
    e = refused(InvalidInput, lambda: deliberations.refer_to_meeting(d, people.staff, elsewhere), d)
    assert "meeting" in e.fields
    handled = make_demand("handled", title="井盖松动")
    e = refused(Conflict, lambda: deliberations.refer_to_meeting(handled, people.staff, meeting), handled)
    assert e.code == "state_conflict"
    deliberations.record_decision(meeting, people.street_admin, decision="暂缓")
    e = refused(Conflict, lambda: deliberations.refer_to_meeting(d, people.staff, meeting), d)
    assert e.code == "meeting_decided"


def test_the_decision_answers_every_referred_demand_and_creates_the_action_items(
    meeting, make_demand, people, tree
):
    first = deliberations.refer_to_meeting(make_demand(title="加装电梯"), people.staff, meeting)
    second = deliberations.refer_to_meeting(make_demand(title="电梯费用分摊"), people.street_admin, meeting)
    before = notes_for(people.staff).count()
    decided = deliberations.record_decision(
        meeting,
        people.street_admin,
        decision="同意三号楼加装电梯，费用按楼层分摊",
        attendees="街道、社区、物业、居民代表12人",
        actions=[
            ("征求三号楼住户意见", people.grid_worker, tree.grid_a1),
            ("联系电梯厂家报价", people.staff, None),
        ],
    )
    assert decided.status == "decided" and decided.decided_at is not None
    assert decided.attendees == "街道、社区、物业、居民代表12人"
    for d in (first, second):
        d.refresh_from_db()
        assert d.status == "handled" and d.result == "同意三号楼加装电梯，费用按楼层分摊" and d.handled_at
        assert history_of(d).get(action="decide").data["meeting"] == meeting.pk
    items = list(Demand.objects.filter(action_of=meeting).order_by("id"))
    assert [(i.title, i.channel, i.status, i.assignee) for i in items] == [
        ("征求三号楼住户意见", "deliberation", "assigned", people.grid_worker),
        ("联系电梯厂家报价", "deliberation", "assigned", people.staff),
    ]
    assert items[1].grid == first.grid  # no grid given: the grid of a referred demand
    assert notes_for(people.grid_worker, items[0]).exists()
    assert notes_for(people.staff).count() > before  # please reply to the residents
    assert [e.action for e in history_of(decided).order_by("id")] == ["schedule", "decide"]
    e = refused(
        Conflict, lambda: deliberations.record_decision(meeting, people.street_admin, decision="再议"), first
    )
    assert e.code == "state_conflict"


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"decision": "  "}, InvalidInput, "decision"),
        ({"actions": [("x", "grid_worker", "grid_a1")]}, InvalidInput, "actions"),
        ({"actions": [("请志愿者走访", "volunteer", "grid_a1")]}, InvalidInput, "assignee_id"),
        ({"actions": [("请外街网格员走访", "outsider_grid_worker", "grid_a1")]}, InvalidInput, "assignee_id"),
        ({"actions": [("无人负责的事项", None, "grid_a1")]}, InvalidInput, "assignee_id"),
        ({"actions": [("外街的事项", "grid_worker", "other_grid")]}, InvalidInput, "actions"),
        ({"actions": [("放在社区的事项", "grid_worker", "community_a")]}, InvalidInput, "actions"),
        ({"by": "staff"}, NotAllowed, None),
        ({"by": "grid_worker"}, NotAllowed, None),
    ],
)
def test_decision_refusals_write_nothing(meeting, make_demand, people, tree, kwargs, error, field):
    d = deliberations.refer_to_meeting(make_demand(), people.staff, meeting)
    by = getattr(people, kwargs.pop("by", "street_admin"))
    actions = [
        (title, getattr(people, who) if who else None, getattr(tree, grid))
        for title, who, grid in kwargs.pop("actions", [])
    ]
    args = {"decision": "同意加装", **kwargs}
    e = refused(error, lambda: deliberations.record_decision(meeting, by, actions=actions, **args), d)
    if field:
        assert field in e.fields
    assert Deliberation.objects.get(pk=meeting.pk).status == "scheduled"
    assert Demand.objects.get(pk=d.pk).status == "deliberating"


def test_a_decision_closes_the_departments_transfers(meeting, make_demand, people, depts):
    """A warning order still with a department, referred to the meeting: once decided, the
    department's inbox no longer holds it and nobody reminds the department of it."""
    d = make_demand("reopened", via="transfer")
    assert d.live_transfers().count() == 1
    deliberations.refer_to_meeting(d, people.street_admin, meeting)
    deliberations.record_decision(meeting, people.street_admin, decision="由物业统一更换线路")
    d.refresh_from_db()
    assert d.status == "handled"
    assert not d.live_transfers().exists()
    assert not queries.department_inbox(depts.handler).exists()


# --- a wish too big for a micro-wish ------------------------------------------------------


@pytest.mark.parametrize("state", ["submitted", "published"])
def test_a_wish_becomes_a_demand(make_wish, people, state):
    wish = make_wish(state, title="想给楼道装个扶手", description="楼道太陡，老人上下楼不安全")
    resident_notes = notes_for(people.resident_user).count()
    d = intake.convert_wish(wish, people.staff, note="涉及全楼，转诉求办理")
    wish.refresh_from_db()
    assert wish.status == "converted" and wish.demand == d
    assert (d.channel, d.source_wish, d.resident, d.title, d.description, d.status) == (
        "wish", wish, people.resident, "想给楼道装个扶手", "楼道太陡，老人上下楼不安全", "received",
    )  # fmt: skip
    assert d.grid == wish.grid and d.created_by == people.staff
    assert history_of(wish).filter(action="convert").count() == 1
    assert actions_of(d) == ["submit"]
    assert notes_for(people.resident_user).count() == resident_notes + 1
    assert notes_for(people.staff, d).exists()  # the community sees a new demand


@pytest.mark.parametrize(
    ("state", "who", "error"),
    [
        ("claimed", "staff", Conflict),
        ("confirmed", "street_admin", Conflict),
        ("rejected", "staff", Conflict),
        ("submitted", "grid_worker", NotAllowed),
        ("published", "volunteer", NotAllowed),
        ("published", "resident_user", NotAllowed),
        ("submitted", "staff_b", NotAllowed),
        ("submitted", "outsider_staff", NotAllowed),
    ],
)
def test_a_wish_that_cannot_become_a_demand(make_wish, people, state, who, error):
    wish = make_wish(state)
    audit = AuditEntry.objects.count()
    e = refused(error, lambda: intake.convert_wish(wish, getattr(people, who), note="太大了"))
    if error is Conflict:
        assert e.code == "state_conflict"
    assert Wish.objects.get(pk=wish.pk).status == state
    assert AuditEntry.objects.count() == audit and not Demand.objects.exists()


def test_a_long_note_is_refused(make_wish, people):
    wish = make_wish("submitted")
    e = refused(InvalidInput, lambda: intake.convert_wish(wish, people.staff, note="长" * 301))
    assert "note" in e.fields and Wish.objects.get(pk=wish.pk).status == "submitted"


# --- deadline reminders -------------------------------------------------------------------


def remind_at(when: dt.datetime) -> int:
    with time_machine.travel(when, tick=False):
        return reminders.send_deadline_reminders()


def test_staff_are_reminded_to_contact_the_resident_once_soon_and_once_late(people, depts):
    with time_machine.travel(MONDAY, tick=False):
        d = intake.submit_demand(people.staff, grid=people.tree.grid_a1, title="楼道灯坏了")
    assert d.response_due == at(2026, 3, 3, 9, 0)
    assert remind_at(at(2026, 3, 2, 8, 0)) == 0  # before it was received: nothing due within a day
    staff = [people.staff, people.street_admin]
    bystanders = [
        people.staff_b,
        people.grid_worker,
        depts.handler,
        people.resident_user,
        people.outsider_staff,
    ]
    before = {u.pk: notes_for(u, d).count() for u in staff + bystanders}
    assert remind_at(at(2026, 3, 2, 12, 0)) == 1  # due within 24 h: yellow
    assert remind_at(at(2026, 3, 2, 18, 0)) == 0  # sent once
    for u in staff:
        assert notes_for(u, d).count() == before[u.pk] + 1
    assert remind_at(at(2026, 3, 3, 9, 30)) == 1  # past due: red
    assert remind_at(at(2026, 3, 3, 11, 0)) == 0
    for u in staff:
        assert notes_for(u, d).count() == before[u.pk] + 2
    for u in bystanders:
        assert notes_for(u, d).count() == before[u.pk]
    assert set(DeadlineReminder.objects.values_list("target", "kind")) == {
        ("response", "soon"),
        ("response", "due"),
    }


def test_no_contact_reminder_once_the_resident_was_contacted(people):
    with time_machine.travel(MONDAY, tick=False):
        d = intake.submit_demand(people.staff, grid=people.tree.grid_a1, title="楼道灯坏了")
        dispatch.assign_demand(d, people.staff, people.grid_worker)
    assert remind_at(at(2026, 3, 3, 9, 30)) == 0


def test_the_assignee_is_reminded_to_handle(people):
    with time_machine.travel(MONDAY, tick=False):
        d = intake.submit_demand(people.staff, grid=people.tree.grid_a1, title="上学路段路面破损")
        d = dispatch.assign_demand(d, people.staff, people.grid_worker)
    assert d.handle_due == at(2026, 3, 9, 9, 0)
    staff_before = notes_for(people.staff, d).count()
    assert remind_at(at(2026, 3, 7, 9, 0)) == 0  # two days ahead: green
    assert remind_at(at(2026, 3, 8, 10, 0)) == 1
    assert remind_at(at(2026, 3, 9, 10, 0)) == 1
    assert remind_at(at(2026, 3, 9, 11, 0)) == 0
    assert notes_for(people.grid_worker, d).count() == 3  # assigned, due soon, overdue
    assert notes_for(people.staff, d).count() == staff_before


def test_each_department_is_reminded_of_its_own_deadline(make_demand, people, depts):
    with time_machine.travel(MONDAY, tick=False):
        d = intake.submit_demand(people.staff, grid=people.tree.grid_a1, title="小区门口垃圾堆放")
        demand_transfers.transfer_demand(
            d, people.staff, [(depts.city, dt.date(2026, 3, 4)), (depts.civil, None)]
        )
    city_deadline = at(2026, 3, 4, 23, 59, 59)
    assert remind_at(city_deadline - dt.timedelta(hours=2)) == 1
    assert notes_for(depts.handler, d).count() == 2 and notes_for(depts.handler2, d).count() == 1
    assert remind_at(city_deadline - dt.timedelta(hours=1)) == 0
    # the civil section's deadline is the demand's: Monday next week
    assert remind_at(at(2026, 3, 8, 12, 0)) == 1
    assert notes_for(depts.handler2, d).count() == 2
    assert notes_for(depts.handler, d).count() == 2  # city was reminded only of its own


def test_a_department_that_reported_is_not_reminded(make_demand, people, depts):
    with time_machine.travel(MONDAY, tick=False):
        d = intake.submit_demand(people.staff, grid=people.tree.grid_a1, title="小区门口垃圾堆放")
        d = demand_transfers.transfer_demand(d, people.staff, [(depts.city, None), (depts.civil, None)])
        handling.handle_demand(d, depts.handler, result="已清运")
    assert remind_at(at(2026, 3, 8, 12, 0)) == 1
    assert notes_for(depts.handler, d).count() == 1  # only the transfer itself
    assert notes_for(depts.handler2, d).count() == 2


def test_a_warning_order_moves_the_deadline_and_reminds_again(make_demand, people, depts):
    with time_machine.travel(MONDAY, tick=False):
        d = make_demand("transferred", via="transfer")
    assert remind_at(at(2026, 3, 8, 12, 0)) == 1
    with time_machine.travel(at(2026, 3, 9, 8, 0), tick=False):
        d = handling.handle_demand(d, depts.handler, result="已修复")
        d = handling.reply_demand(d, people.staff, reply="已修好")
    with time_machine.travel(at(2026, 3, 10, 9, 0), tick=False):
        d = handling.evaluate_demand(d, people.resident_user, evaluation="unsatisfied")
    assert d.handle_due == at(2026, 3, 13, 9, 0)  # three working days
    assert d.transfers.get().deadline == d.handle_due
    before = notes_for(depts.handler, d).count()
    assert remind_at(at(2026, 3, 12, 10, 0)) == 2  # the department, and staff for the warning order
    assert remind_at(at(2026, 3, 12, 11, 0)) == 0
    assert notes_for(depts.handler, d).count() == before + 1
    transfer_reminders = DeadlineReminder.objects.filter(
        demand=d, target__startswith="transfer:", kind="soon"
    )
    assert sorted(transfer_reminders.values_list("due", flat=True)) == [at(2026, 3, 9, 9, 0), d.handle_due]


def test_a_deadline_missed_long_ago_is_not_reminded_again_and_again(people):
    with time_machine.travel(MONDAY, tick=False):
        d = intake.submit_demand(people.staff, grid=people.tree.grid_a1, title="楼道灯坏了")
        dispatch.assign_demand(d, people.staff, people.grid_worker)
    assert remind_at(at(2026, 3, 20, 9, 0)) == 0


# --- summoned departments, the queues ------------------------------------------------------


def test_a_transfer_from_the_escalated_state_summons_the_department(make_demand, people, depts):
    d = make_demand("transferred", via="transfer")
    assert not d.transfers.get().summoned
    d = dispatch.escalate_demand(d, depts.handler, reason="涉及城管和民政")
    assert d in queries.escalation_board(people.street_admin)
    d = demand_transfers.transfer_demand(d, people.street_admin, [(depts.city, None), (depts.civil, None)])
    live = {t.department: t.summoned for t in d.live_transfers()}
    assert live == {depts.city: True, depts.civil: True}
    assert list(queries.escalation_board(people.street_admin)) == [d]
    assert not queries.escalation_board(people.staff).exists()
    assert not queries.escalation_board(depts.handler).exists()


def _overdue_and_escalated(make_demand, depts):
    """Transferred to 城管科 on Monday 2 March, accepted, never handled: on Tuesday 17 March the
    scheduler escalates it to the street."""
    with time_machine.travel(MONDAY, tick=False):
        d = make_demand("transferred", via="transfer")
        demand_transfers.accept_transfer(d, depts.handler)
    with time_machine.travel(at(2026, 3, 17, 10, 0), tick=False):
        assert dispatch.escalate_overdue() == 1
    return Demand.objects.get(pk=d.pk)


def test_a_whistle_without_a_date_gives_the_usual_time_from_the_whistle(make_demand, people, depts):
    from weiguang.demands import calendar

    d = _overdue_and_escalated(make_demand, depts)
    assert d.status == "escalated" and d.handle_due < at(2026, 3, 17, 10, 0)
    whistle = at(2026, 3, 17, 11, 0)
    with time_machine.travel(whistle, tick=False):
        d = demand_transfers.transfer_demand(
            d, people.street_admin, [(depts.city, None), (depts.civil, None)]
        )
    usual = calendar.handle_due(d.street, whistle)
    assert usual == at(2026, 3, 24, 11, 0)  # five working days from the whistle
    transfers = list(d.transfers.order_by("pk"))
    assert [(t.department, t.deadline, t.summoned, t.status) for t in transfers] == [
        (depts.city, usual, True, TransferStatus.ACTIVE),
        (depts.civil, usual, True, TransferStatus.ACTIVE),
    ]
    # 城管科's earlier transfer goes on (it was accepted, nothing was reported): not "done"
    assert not Transfer.objects.filter(status=TransferStatus.DONE, result="").exists()
    assert transfers[0].accepted_at is not None
    # the scheduler does not escalate it again while the departments work to the new deadline
    with time_machine.travel(at(2026, 3, 18, 10, 0), tick=False):
        assert dispatch.escalate_overdue() == 0
    assert Demand.objects.get(pk=d.pk).status == "transferred"


def test_a_summoned_department_is_not_offered_to_escalate_again(make_demand, people, depts):
    d = _overdue_and_escalated(make_demand, depts)
    with time_machine.travel(at(2026, 3, 17, 11, 0), tick=False):
        d = demand_transfers.transfer_demand(d, people.street_admin, [(depts.city, None)])
        assert "escalate" not in queries.available_actions(d, depts.handler)
        assert {"handle", "return"} <= set(queries.available_actions(d, depts.handler))
        before = Snapshot(d)
        with pytest.raises(NotAllowed) as refused:
            dispatch.escalate_demand(d, depts.handler, reason="还是不归我们管")
        assert refused.value.code == "summoned"
        assert before.unchanged()
        # community staff still may (a department that was merely transferred to, too)
        assert "escalate" in queries.available_actions(d, people.staff)


def test_a_given_deadline_must_not_be_in_the_past(make_demand, people, depts):
    d = _overdue_and_escalated(make_demand, depts)
    with time_machine.travel(at(2026, 3, 17, 11, 0), tick=False):
        before = Snapshot(d)
        with pytest.raises(InvalidInput) as refused:
            demand_transfers.transfer_demand(d, people.street_admin, [(depts.civil, dt.date(2026, 3, 16))])
        assert refused.value.fields == {"departments": "past"}
        assert before.unchanged()
        d = demand_transfers.transfer_demand(d, people.street_admin, [(depts.civil, dt.date(2026, 3, 17))])
        assert d.transfers.get(department=depts.civil).deadline == at(2026, 3, 17, 23, 59, 59)


def test_a_plain_transfer_of_an_overdue_demand_counts_from_now(make_demand, people, depts):
    with time_machine.travel(MONDAY, tick=False):
        d = make_demand()
    with time_machine.travel(at(2026, 3, 12, 9, 0), tick=False):  # its own deadline was 9 March
        d = demand_transfers.transfer_demand(d, people.staff, [(depts.city, None)])
    assert d.transfers.get().deadline == at(2026, 3, 19, 9, 0)


def test_the_escalation_board_shows_escalated_and_returned_demands(make_demand, people, depts):
    returned = make_demand("returned", via="transfer", title="路面破损")
    escalated = dispatch.escalate_demand(
        make_demand("assigned", title="树枝挡路"), people.staff, reason="超期"
    )
    make_demand("transferred", via="transfer", title="普通转办")
    make_demand("closed", title="已经办结")
    assert set(queries.escalation_board(people.street_admin)) == {returned, escalated}
    assert not queries.escalation_board(people.outsider_staff).exists()


def test_the_community_queue_lists_open_orders_by_deadline_with_colours(make_demand, people, tree):
    with time_machine.travel(at(2026, 3, 2, 9, 0), tick=False):
        red = make_demand("assigned", title="最早的")
    with time_machine.travel(at(2026, 3, 4, 9, 0), tick=False):
        yellow = make_demand(title="中间的")
        make_demand("closed", title="已经办结")
        make_demand("resolved_on_spot", title="当场解决")
    with time_machine.travel(at(2026, 3, 6, 9, 0), tick=False):
        green = make_demand(title="最新的")
        intake.submit_demand(people.staff, grid=tree.grid_b1, title="别的社区")
    with time_machine.travel(at(2026, 3, 10, 12, 0), tick=False):
        assert list(queries.community_queue(people.staff, tree.community_a)) == [red, yellow, green]
        assert [d.colour() for d in queries.community_queue(people.staff, tree.community_a)] == [
            "red", "yellow", "green",
        ]  # fmt: skip
        assert list(queries.community_queue(people.staff, tree.community_a, "red")) == [red]
        assert list(queries.community_queue(people.staff, tree.community_a, "yellow")) == [yellow]
        assert list(queries.community_queue(people.staff, tree.community_a, "green")) == [green]
        assert list(queries.community_queue(people.grid_worker, tree.community_a)) == [red, yellow, green]
        for outsider in [people.staff_b, people.outsider_staff, people.volunteer, people.resident_user]:
            assert not queries.community_queue(outsider, tree.community_a).exists()


def test_a_departments_inbox_holds_its_live_transfers_soonest_first(make_demand, people, depts):
    with time_machine.travel(MONDAY, tick=False):
        late = make_demand("transferred", via="transfer", title="晚到期")
        soon = demand_transfers.transfer_demand(
            make_demand(title="早到期"),
            people.staff,
            [(depts.city, dt.date(2026, 3, 3)), (depts.civil, None)],
        )
        done = make_demand("handled", via="transfer", title="已办结")
        returned = make_demand("returned", via="transfer", title="已退回")
    assert [t.demand for t in queries.department_inbox(depts.handler)] == [soon, late, returned]
    assert [t.demand for t in queries.department_inbox(depts.handler2)] == [soon]
    assert not queries.department_inbox(depts.outsider_handler).exists()
    assert not queries.department_inbox(people.staff).exists()
    assert done not in [t.demand for t in queries.department_inbox(depts.handler)]

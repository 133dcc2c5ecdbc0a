"""The four rates and the average first response time, on a known-answer fixture."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from weiguang.demands import stats
from weiguang.demands.models import IntakeSession
from weiguang.demands.services import dispatch, handling, intake, queries, transfers

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)  # a Monday


def at(hours: float = 0, days: int = 0) -> dt.datetime:
    return T0 + dt.timedelta(days=days, hours=hours)


def step(when, fn, *args, **kwargs):
    with time_machine.travel(when, tick=False):
        return fn(*args, **kwargs)


@pytest.fixture
def sample(people, depts):
    """Six demands received on Mon 2 March in street A (+ two that must not count):
    d1 resolved on the spot after 1 h; d2 assigned after 3 h, handled, satisfied;
    d3 assigned after 5 h, handled, basically satisfied; d4 transferred after 7 h, handled
    late (day 10), replied, not evaluated; d5 untouched; d6 assigned after 3 h, handled,
    unsatisfied (reopened)."""
    staff, gw = people.staff, people.grid_worker
    tree = people.tree

    def new(title, grid=tree.grid_a1, by=staff, when=T0):
        return step(when, intake.submit_demand, by, grid=grid, title=title, resident=None)

    d1, d2, d3, d4, d5, d6 = (new(f"诉求{i}") for i in range(1, 7))
    step(at(1), dispatch.resolve_on_spot, d1, staff, result="当场解答")
    for d, hours, verdict in [(d2, 3, "satisfied"), (d3, 5, "basically_satisfied"), (d6, 3, "unsatisfied")]:
        d = step(at(hours), dispatch.assign_demand, d, staff, gw)
        d = step(at(days=1), handling.handle_demand, d, gw, result="已处理")
        d = step(at(days=2), handling.reply_demand, d, staff, reply="已答复")
        step(at(days=3), handling.evaluate_demand, d, staff, evaluation=verdict)
    d4 = step(at(7), transfers.transfer_demand, d4, staff, [(depts.city, None)])
    d4 = step(at(days=10), handling.handle_demand, d4, depts.handler, result="已处理")
    step(at(days=11), handling.reply_demand, d4, staff, reply="已答复")
    # not counted: another street, and another day
    outside = new("外街诉求", grid=tree.other_grid, by=people.outsider_staff)
    step(at(1), dispatch.resolve_on_spot, outside, people.outsider_staff, result="当场解答")
    new("上周诉求", when=T0 - dt.timedelta(days=7))
    return [d1, d2, d3, d4, d5, d6]


def test_known_answer_for_the_street(sample, tree):
    # on Saturday 14 March: d5 (due 9 March) and the reopened d6 (due 10 March) are open and overdue
    s = stats.demand_stats(tree.street, dt.date(2026, 3, 2), dt.date(2026, 3, 2), now=at(days=12))
    assert (s.total, s.responded, s.resolved, s.evaluated, s.handled, s.overdue) == (6, 5, 4, 3, 4, 2)
    assert s.response_rate == pytest.approx(5 / 6, abs=1e-4)
    assert s.resolution_rate == pytest.approx(4 / 6, abs=1e-4)
    assert s.satisfaction_rate == pytest.approx((1 + 0.9) / 3, abs=1e-4)
    # d1, d2, d3 on time; d4 handled late; d5 and d6 overdue: not on time either
    assert s.on_time_rate == pytest.approx(3 / 6)
    assert s.avg_first_response_hours == pytest.approx((1 + 3 + 5 + 7 + 3) / 5)


def test_open_overdue_demands_are_not_on_time_and_agree_with_the_red_list(sample, people, tree, client):
    """ "按时办结率 100.0%" while demands of the community were overdue: the overdue open ones count,
    and over the whole period the figure's overdue demands are the red list."""
    start, end = dt.date(2026, 2, 23), dt.date(2026, 3, 2)  # every demand of community A
    with time_machine.travel(at(days=12), tick=False):
        red = queries.community_queue(people.staff, tree.community_a, "red")
        s = stats.demand_stats(tree.community_a, start, end)
        assert s.overdue == red.count() == 3 and {d.title for d in red} == {"诉求5", "诉求6", "上周诉求"}
        assert (s.handled, s.on_time_rate) == (4, pytest.approx(3 / 7, abs=1e-4))  # 4 handled + 3 overdue
        client.force_login(people.staff)
        client.cookies["wg_lang"] = "en"
        page = client.get(
            "/staff/demands/figures/", {"region": tree.community_a.pk, "start": start, "end": end}
        ).content.decode()
        assert 'data-figure="on_time_rate">42.9%' in page
        assert 'colour=red">3</a>' in page  # the overdue figure links to the red list
        queue = client.get("/staff/demands/", {"community": tree.community_a.pk, "colour": "red"})
        assert all(title in queue.content.decode() for title in ("诉求5", "诉求6", "上周诉求"))


def test_a_smaller_region_and_a_wider_range(sample, tree):
    week = stats.demand_stats(tree.street, dt.date(2026, 2, 23), dt.date(2026, 3, 2))
    assert week.total == 7 and week.responded == 5
    assert stats.demand_stats(tree.community_b, dt.date(2026, 3, 2), dt.date(2026, 3, 2)).total == 0
    assert stats.demand_stats(tree.other_street, dt.date(2026, 3, 2), dt.date(2026, 3, 2)).total == 1


def test_no_demands_means_no_rates_rather_than_zero(tree):
    s = stats.demand_stats(tree.street, dt.date(2026, 3, 2), dt.date(2026, 3, 2))
    assert s.total == 0
    assert s.response_rate is s.satisfaction_rate is s.on_time_rate is s.avg_first_response_hours is None


def test_breakdowns_split_the_same_figures(sample, tree, depts):
    day = dt.date(2026, 3, 2)
    by_community = stats.breakdown(tree.street, day, day, "community")
    assert [(r.label, r.stats.total, r.stats.resolved) for r in by_community] == [
        (tree.community_a.name, 6, 4)
    ]
    by_department = stats.breakdown(tree.street, day, day, "department")
    assert [(r.label, r.stats.total, r.stats.handled, r.stats.on_time_rate) for r in by_department] == [
        ("城管科", 1, 1, 0.0)  # d4 was handled on day 10, after its deadline
    ]
    by_month = stats.breakdown(tree.street, dt.date(2026, 2, 1), dt.date(2026, 3, 31), "month")
    assert [(r.key, r.stats.total) for r in by_month] == [("2026-02", 1), ("2026-03", 6)]
    by_category = stats.breakdown(tree.street, day, day, "category")
    assert [(r.label, r.stats.total) for r in by_category] == [("—", 6)]
    assert by_month[1].stats == stats.demand_stats(tree.street, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    with pytest.raises(ValueError):
        stats.breakdown(tree.street, day, day, "colour")


def test_session_summary_counts_what_happened_at_the_desk(people, depts, tree):
    session = IntakeSession.objects.create(community=tree.community_a, title="书记面对面", date=T0.date())
    made = [
        intake.submit_demand(people.staff, grid=tree.grid_a1, title=f"现场诉求{i}", session=session)
        for i in range(6)
    ]
    for d in made[:3]:
        dispatch.resolve_on_spot(d, people.staff, result="当场答复")
    transfers.transfer_demand(made[3], people.staff, [(depts.city, None), (depts.civil, None)])
    dispatch.assign_demand(made[4], people.staff, people.grid_worker)
    intake.submit_demand(people.staff, grid=tree.grid_a1, title="不在这次")
    summary = stats.session_summary(session)
    assert (summary.total, summary.resolved_on_spot, summary.transferred, summary.assigned, summary.open) == (
        6, 3, 1, 1, 3,
    )  # fmt: skip

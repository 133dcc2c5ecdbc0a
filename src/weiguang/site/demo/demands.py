"""The demo demands: each lived through the services along its route, then deadlines fixed."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from weiguang.demands import calendar as demand_calendar
from weiguang.demands.models import Demand, DemandChannel, DemandStatus, Transfer
from weiguang.demands.services import deliberations, dispatch, handling, tracking, transfers
from weiguang.demands.services import intake as demand_intake
from weiguang.people.models import Resident
from weiguang.regions.models import Region

from .demand_plan import DEMAND_PLAN, DEMANDS, EVALUATION_NOTES, PUBLIC_REPLIES, RESULTS, START_DAYS
from .departments import CITY, SOCIAL


class DemandsMixin:
    """Demands in every state, the steps of their routes and their deadlines."""

    def make_demands(self, demo_resident: Resident) -> None:
        """About sixty demands in every state: DEMAND_PLAN, a desk session and two
        deliberation meetings (one decided with action items, one still to come)."""
        rng = self.rng
        self.demo_resident = demo_resident
        communities = self.communities
        admin = self.User.objects.get(username="admin")
        self.admin = admin
        jobs = []  # (start, callable)

        # the meeting still to come, on parking in the second community
        parking_staff = self.staff[communities[1].pk]
        held = timezone.localtime(self.now).replace(hour=14, minute=30, second=0, microsecond=0)
        self.meeting = self.step(
            self.now - dt.timedelta(days=10),
            lambda: deliberations.schedule_meeting(
                parking_staff, region=communities[1], title="小区停车难议事会", held_at=held + dt.timedelta(days=4),
                place="海晏社区党群服务站二楼", attendees="社区两委、物业公司、业委会、居民代表",
            ),
        )  # fmt: skip

        for n, (key, route, intake) in enumerate(DEMAND_PLAN):
            final = self.final_status(route)
            if "refer" in route:
                community = communities[1]
            elif intake in ("online_resident", "visit_own"):
                community = communities[0]
            else:
                community = communities[n % len(communities)]
            low, high = START_DAYS[final]
            start = self.now - dt.timedelta(days=rng.uniform(low, high))
            jobs.append(
                (
                    start,
                    n,
                    lambda k=key, r=route, i=intake, c=community, s=start: self.live_demand(k, r, i, c, s),
                )
            )

        # one transferred order due within the day (yellow), where the calendar allows it today
        yellow = self.yellow_start() or self.now - dt.timedelta(days=2)
        jobs.append(
            (
                yellow,
                len(jobs),
                lambda: self.live_demand("meals", ("transfer",), "hotline", communities[2], yellow),
            )
        )

        # the desk session: a morning in 七星里, most answered on the spot, a few transferred
        session_day = timezone.localtime(self.now - dt.timedelta(days=9)).replace(hour=9, minute=0, second=0)
        jobs.append((session_day, len(jobs), lambda: self.desk_session(session_day)))
        # the decided meeting: two residents asked for a lift, the meeting agreed a plan
        lift_start = self.now - dt.timedelta(days=rng.uniform(24, 28))
        jobs.append((lift_start, len(jobs), lambda: self.lift_meeting(lift_start)))

        for _start, _n, job in sorted(jobs, key=lambda j: (j[0], j[1])):
            job()
        self.fix_deadlines()

    @staticmethod
    def final_status(route) -> str:
        S = DemandStatus
        last = route[-1] if route else ""
        if "summon" in route:
            return S.ESCALATED  # escalated, then sent to departments summoned to report in
        if last in ("satisfied", "basically_satisfied", "code_satisfied", "autoclose"):
            return S.CLOSED
        if last == "unsatisfied" and route.count("unsatisfied") == 2:
            return S.CLOSED  # unsatisfied again after the warning order: closed as it is
        return {
            "": S.RECEIVED, "resolve": S.RESOLVED_ON_SPOT, "assign": S.ASSIGNED, "transfer": S.TRANSFERRED,
            "transfer2": S.TRANSFERRED, "accept": S.TRANSFERRED, "return": S.RETURNED, "approve": S.ESCALATED,
            "escalate": S.ESCALATED, "refer": S.DELIBERATING, "dept": S.HANDLED, "handle": S.HANDLED,
            "reply": S.REPLIED, "unsatisfied": S.REOPENED,
        }[last]  # fmt: skip

    def yellow_start(self) -> dt.datetime | None:
        """A receiving time whose handling deadline falls 3 to 20 hours from now."""
        for hours in range(24 * 5, 24 * 12):
            start = self.now - dt.timedelta(hours=hours)
            due = demand_calendar.handle_due(self.street, start)
            if dt.timedelta(hours=3) <= due - self.now <= dt.timedelta(hours=20):
                return start
        return None

    def resident_in(self, community: Region) -> Resident:
        here = [r for r in self.residents[1:] if r.grid.parent_id == community.pk]
        return self.rng.choice(here)

    DELAYS = {  # hours after the previous step
        "resolve": (0.1, 0.6), "assign": (0.5, 20), "transfer": (1, 24), "transfer2": (1, 24), "refer": (2, 30),
        "accept": (1, 18), "return": (4, 30), "approve": (3, 24), "reject": (3, 24), "escalate": (30, 80),
        "summon": (2, 20), "report": (20, 90), "handle": (12, 72), "reply": (2, 24), "satisfied": (5, 60),
        "basically_satisfied": (5, 60), "unsatisfied": (5, 48), "code_satisfied": (5, 60), "autoclose": (170, 180),
    }  # fmt: skip

    def expand(self, route) -> list[str]:
        """The route as single steps: a department report per department the demand is with."""
        steps, live, reported = [], 0, 0
        for step in route:
            if step == "reject_flow":
                steps += ["return", "reject"]
            elif step == "dept":
                steps += ["report"] * live
                reported, live = live, 0
            else:
                steps.append(step)
                if step == "transfer":
                    live = 1
                elif step in ("transfer2", "summon"):
                    live = 2
                elif step == "unsatisfied":
                    live = reported
        return steps

    def live_demand(self, key: str, route, intake: str, community: Region, start: dt.datetime) -> None:
        rng = self.rng
        title, description, category, departments, place = DEMANDS[key]
        staff = self.staff[community.pk]
        resident, client = None, ""
        if intake in ("online_resident", "visit_own"):
            resident = self.demo_resident
        elif intake != "online_anonymous":
            resident = self.resident_in(community)
        grid = resident.grid if resident else rng.choice(self.grids[community.pk])
        if intake == "online_resident":
            by, channel = self.resident_user, None
        elif intake == "online_anonymous":
            by, channel, client = AnonymousUser(), None, f"192.0.2.{rng.randint(2, 250)}"
        elif intake in ("visit", "visit_own"):
            by, channel = self.grid_workers[grid.pk], DemandChannel.VISIT
        else:
            by, channel = staff, intake
        steps = self.expand(route)
        # when each step happens; a long route that would run into the future is squeezed
        delays = [rng.uniform(*self.DELAYS[step]) for step in steps]
        room = (self.now - start).total_seconds() / 3600 - 0.2
        factor = min(1.0, room / sum(delays)) if delays else 1.0
        contact = {"contact_phone": resident.phone} if resident and channel == DemandChannel.HOTLINE else {}
        d = self.step(
            start,
            lambda: demand_intake.submit_demand(
                by, grid=grid, title=title, description=description, channel=channel,
                category=self.demand_categories[category], urgent=key == "elderly_care", resident=resident,
                place=place, client=client, public_limits=False, **contact,
            ),
        )  # fmt: skip
        when = start
        for step, delay in zip(steps, delays, strict=True):
            when = when + dt.timedelta(hours=delay * factor)
            d = self.demand_step(d, step, when, staff, departments) or d

    def demand_step(self, d: Demand, step: str, when: dt.datetime, staff, departments):
        rng = self.rng
        city, city_handler = self.departments[CITY]
        social, social_handler = self.departments[SOCIAL]
        handler_of = {city.pk: city_handler, social.pk: social_handler}
        first = self.departments[departments[0]][0]
        live = list(d.live_transfers().order_by("id"))
        evaluator = self.resident_user if d.resident_id == self.demo_resident.pk else staff
        if step == "resolve":
            return self.step(
                when, lambda: dispatch.resolve_on_spot(d, staff, "现场答复并协调解决，居民表示认可。")
            )
        if step == "assign":
            worker = self.grid_workers[d.grid_id]
            return self.step(
                when, lambda: dispatch.assign_demand(d, staff, worker, note="请两个工作日内上门查看")
            )
        if step == "transfer":
            return self.step(
                when, lambda: transfers.transfer_demand(d, staff, [(first, None)], note="请按期办理并反馈")
            )
        if step in ("transfer2", "summon"):
            by = self.admin if step == "summon" else staff
            note = (
                "街道吹哨：请城管、社会事务两办到场会商" if step == "summon" else "涉及两个部门，请分别办理"
            )
            return self.step(
                when, lambda: transfers.transfer_demand(d, by, [(city, None), (social, None)], note=note)
            )
        if step == "accept":
            for t in live:
                d = self.step(
                    when, lambda t=t, d=d: transfers.accept_transfer(d, handler_of[t.department_id])
                )
            return d
        if step == "return":
            handler = handler_of[live[0].department_id]
            return self.step(
                when,
                lambda: transfers.request_return(
                    d, handler, "经现场核实，该事项属于物业管理范围，不属于本部门职责。"
                ),
            )
        if step in ("approve", "reject"):
            note = "同意退回，街道另行协调" if step == "approve" else "属于本部门职责，请继续办理"
            return self.step(
                when, lambda: transfers.review_return(d, self.admin, approve=step == "approve", note=note)
            )
        if step == "escalate":
            if live:
                by, reason = handler_of[live[0].department_id], "涉及多个部门，需要街道统筹协调。"
            else:
                by, reason = staff, "社区多次协调未果，请街道协调解决。"
            return self.step(when, lambda: dispatch.escalate_demand(d, by, reason))
        if step == "refer":
            return self.step(
                when,
                lambda: deliberations.refer_to_meeting(
                    d, staff, self.meeting, note="涉及多户居民，提交议事会"
                ),
            )
        if step == "report":
            t = live[0]
            result = rng.choice(RESULTS[CITY if t.department_id == city.pk else SOCIAL])
            return self.step(
                when,
                lambda: handling.handle_demand(
                    d, handler_of[t.department_id], result=result, action_taken="现场核实并处理",
                    is_genuine=rng.random() < 0.85,
                ),
            )  # fmt: skip
        if step == "handle":
            worker = d.assignee
            return self.step(
                when,
                lambda: handling.handle_demand(d, worker, result=rng.choice(RESULTS[""]), action_taken="上门查看",
                                        is_genuine=True),
            )  # fmt: skip
        if step == "reply":
            return self.step(
                when,
                lambda: handling.reply_demand(
                    d, staff, reply="您好，您反映的问题已经处理：" + d.result.splitlines()[0][:200],
                    public_reply=rng.choice(PUBLIC_REPLIES),
                ),
            )  # fmt: skip
        if step in ("satisfied", "basically_satisfied", "unsatisfied"):
            note = rng.choice(EVALUATION_NOTES[step])
            return self.step(when, lambda: handling.evaluate_demand(d, evaluator, evaluation=step, note=note))
        if step == "code_satisfied":
            return self.step(
                when, lambda: tracking.evaluate_by_code(d.tracking_code, evaluation="satisfied", note="谢谢")
            )
        if step == "autoclose":
            self.step(when, lambda: handling.close_unevaluated(now=when))
            return Demand.objects.get(pk=d.pk)
        raise ValueError(step)

    def fix_deadlines(self) -> None:
        """Deadlines were computed when each service ran (today); compute them again from the
        backdated times, on the street's calendar, as they were when each step happened."""
        for d in Demand.objects.select_related("street").order_by("id"):
            d.response_due = demand_calendar.response_due(d.street, d.created_at, d.urgent)
            first_due = demand_calendar.handle_due(d.street, d.created_at)
            d.handle_due = (
                demand_calendar.warning_due(d.street, d.reopened_at) if d.reopened_at else first_due
            )
            Demand.objects.filter(pk=d.pk).update(response_due=d.response_due, handle_due=d.handle_due)
            d.transfers.filter(status__in=Transfer.LIVE_STATUSES).update(deadline=d.handle_due)
            d.transfers.exclude(status__in=Transfer.LIVE_STATUSES).update(deadline=first_due)

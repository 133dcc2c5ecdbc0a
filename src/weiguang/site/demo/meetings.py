"""The desk session (书记面对面) and the decided deliberation meeting on a lift."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from weiguang.demands.models import Demand, DemandChannel, SessionKind
from weiguang.demands.services import deliberations, dispatch, handling
from weiguang.demands.services import intake as demand_intake

from .demand_plan import DEMANDS, ON_THE_SPOT, SESSION_TITLE


class MeetingsMixin:
    """Demands raised at a desk session and at a deliberation meeting."""

    def desk_session(self, start: dt.datetime) -> None:
        community = self.communities[0]
        staff = self.staff[community.pk]
        session = self.step(
            start,
            lambda: demand_intake.open_session(
                staff, community=community, title=SESSION_TITLE, date=timezone.localdate(start),
                kind=SessionKind.DESK,
            ),
        )  # fmt: skip
        when = start
        for title, result in ON_THE_SPOT[:8]:
            resident = self.resident_in(community)
            when += dt.timedelta(minutes=self.rng.randint(6, 15))
            d = self.step(
                when,
                lambda r=resident, t=title: demand_intake.submit_demand(
                    staff, grid=r.grid, title=t, resident=r, session=session, channel=DemandChannel.DESK
                ),
            )  # fmt: skip
            self.step(
                when + dt.timedelta(minutes=5),
                lambda d=d, res=result: dispatch.resolve_on_spot(d, staff, res),
            )
        follow_ups = [
            ("light", ("transfer", "dept", "reply", "satisfied")),
            ("rubbish", ("transfer", "dept", "reply", "basically_satisfied")),
            ("relief", ("transfer", "accept")),
            ("children", ("assign", "handle", "reply", "satisfied")),
        ]
        for key, route in follow_ups:
            resident = self.resident_in(community)
            title, description, category, departments, place = DEMANDS[key]
            when += dt.timedelta(minutes=self.rng.randint(6, 15))
            d = self.step(
                when,
                lambda r=resident, t=title, desc=description, c=category, p=place: demand_intake.submit_demand(
                    staff, grid=r.grid, title=t, description=desc, resident=r, session=session,
                    channel=DemandChannel.DESK, category=self.demand_categories[c], place=p,
                ),
            )  # fmt: skip
            step_time = when
            for step in self.expand(route):
                step_time += dt.timedelta(hours=self.rng.uniform(*self.DELAYS[step]))
                d = self.demand_step(d, step, min(step_time, self.now), staff, departments) or d

    def lift_meeting(self, start: dt.datetime) -> None:
        """Two residents asked for a lift; the deliberation meeting agreed a plan with two
        action items; the residents got their replies and evaluated."""
        community = self.communities[0]
        staff = self.staff[community.pk]
        grid = self.grids[community.pk][0]
        title, description, category, _departments, _place = DEMANDS["lift"]
        held = start + dt.timedelta(days=4)
        meeting = self.step(
            start + dt.timedelta(hours=2),
            lambda: deliberations.schedule_meeting(
                staff, region=community, title="老旧小区加装电梯议事会", held_at=held,
                place="七星里社区党群服务中心", attendees="社区书记、物业公司、三号楼楼长、居民代表8人",
            ),
        )  # fmt: skip
        asked = []
        for n in range(2):
            resident = self.rng.choice([r for r in self.residents[1:] if r.grid_id == grid.pk])
            when = start + dt.timedelta(hours=n * 20)
            d = self.step(
                when,
                lambda r=resident: demand_intake.submit_demand(
                    staff, grid=grid, title=title, description=description, resident=r,
                    channel=DemandChannel.DESK, category=self.demand_categories[category],
                ),
            )  # fmt: skip
            asked.append(
                self.step(
                    when + dt.timedelta(hours=26),
                    lambda d=d: deliberations.refer_to_meeting(d, staff, meeting),
                )
            )
        worker = self.grid_workers[grid.pk]
        decision = "同意三号楼启动加装电梯，费用按楼层分摊，一楼住户不出资；由网格员征求全体住户意见，社区联系厂家测算费用。"
        self.step(
            held + dt.timedelta(hours=2),
            lambda: deliberations.record_decision(
                meeting, staff, decision=decision,
                actions=[("征求三号楼住户加装电梯意见", worker, grid), ("联系电梯厂家和物业测算费用", staff, grid)],
            ),
        )  # fmt: skip
        for n, (d, verdict) in enumerate(zip(asked, ["satisfied", "basically_satisfied"], strict=True)):
            d = self.step(
                held + dt.timedelta(hours=20 + n),
                lambda d=d: handling.reply_demand(
                    d, staff, reply="议事会已同意加装电梯，费用按楼层分摊，后续进展会及时告知您。",
                    public_reply="议事会已同意三号楼加装电梯。",
                ),
            )  # fmt: skip
            self.step(
                held + dt.timedelta(days=2, hours=n),
                lambda d=d, v=verdict: handling.evaluate_demand(d, staff, evaluation=v),
            )
        item = Demand.objects.filter(action_of=meeting, assignee=worker).get()
        item = self.step(held + dt.timedelta(days=5), lambda: handling.handle_demand(
            item, worker, result="已逐户征求意见，三号楼18户中16户同意加装。", is_genuine=True))  # fmt: skip
        item = self.step(held + dt.timedelta(days=5, hours=3), lambda: handling.reply_demand(
            item, staff, reply="住户意见已征集完毕。"))  # fmt: skip
        self.step(
            held + dt.timedelta(days=6),
            lambda: handling.evaluate_demand(item, staff, evaluation="satisfied"),
        )

"""The demo street's past service fair: the first community's party-members' service fair
(党员服务市集) of last Saturday, with stalls of the demo partner units, a volunteer team and a
department, its queue history (numbers taken on the phone and at the stall, both lanes, called,
served, one skipped), a few booked slots and walk-ins, the demands and wishes it collected (most
handled on the spot, some transferred), a food-bank round, and so its summary.

Everything is made through the services while the fair is open, then moved back to last
Saturday, as the street's other records are backdated."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from weiguang.demands.models import IntakeSession
from weiguang.demands.services import dispatch, transfers
from weiguang.events import checkins
from weiguang.events import services as event_services
from weiguang.events.fairs import services
from weiguang.events.models import (
    CheckIn,
    Event,
    EventKind,
    FoodParcel,
    FoodRound,
    QueueTicket,
    SlotBooking,
    Stall,
    StallVisit,
)
from weiguang.people.models import PopulationGroup
from weiguang.volunteers.models import Team

SERVICES = ["家电维修", "金融知识·防诈骗", "义诊测血压", "法律咨询", "免费理发", "中医推拿"]
DEMANDS = [
    ("楼道声控灯不亮", True), ("小区门口人行道破损", False), ("垃圾分类亭异味大", True),
    ("老年食堂想增加晚餐", False), ("健身器材螺丝松动", True), ("电动车充电桩不够用", False),
    ("楼下违规停车堵消防通道", True), ("想报名老年大学书法班", True),
]  # fmt: skip


def seed_fair(b) -> Event:
    """`b`: the demo Builder (street, communities, staff, partners, residents, departments)."""
    home = b.communities[0]
    staff = b.staff[home.pk]
    now = timezone.now()
    start = now.replace(second=0, microsecond=0) - dt.timedelta(minutes=now.minute % 15 + 30)
    fair = event_services.create_event(staff, {
        "region": home, "kind": EventKind.SERVICE_FAIR, "title": "七月党员服务市集",
        "place_text": f"{home.name}文化广场", "starts_at": start, "ends_at": start + dt.timedelta(hours=3),
        "description": "共建单位、志愿服务队和职能部门现场服务：家电维修、义诊、法律咨询、理发、防诈骗宣传。",
        "residents_only": False,
    })  # fmt: skip
    fair = event_services.publish_event(fair, staff)
    team = Team.objects.filter(region__path__startswith=b.street.path).order_by("id").first()
    volunteers = [user for user, _region in b.volunteers[:6]]
    stalls = []
    for i, (unit, rep) in enumerate(b.partners[:4]):
        stalls.append(services.add_stall(fair, staff, {
            "provider_kind": "partner", "partner": unit, "service": SERVICES[i], "spot": f"A{i + 1}",
            "slot_minutes": 15 if i == 0 else None, "per_slot": 2, "workers": [rep, volunteers[i]],
        }))  # fmt: skip
    if team is not None:
        stalls.append(services.add_stall(fair, staff, {
            "provider_kind": "team", "team": team, "service": SERVICES[4], "spot": "B1", "workers": volunteers[4:6],
        }))  # fmt: skip
    department = next(iter(b.departments.values()))[0]
    stalls.append(services.add_stall(fair, staff, {
        "provider_kind": "department", "department_name": department.name, "service": "政策咨询", "spot": "B2",
    }))  # fmt: skip

    residents = [r for r in b.residents if r.grid.path.startswith(home.path) and r.consent][:24]
    # the desk at the square's entrance: each resident checked in as they came (walk-ins: a fair
    # takes no sign-ups), a few minutes apart from the opening; the passers-by served at the
    # stalls below came in by name
    for i, resident in enumerate(residents):
        checkins.walk_in(fair, staff, resident=resident, at=start + dt.timedelta(minutes=i))
    for i in range(len(stalls)):
        checkins.walk_in(
            fair, staff, name=f"路过居民{i + 1}", at=start + dt.timedelta(minutes=len(residents) + i)
        )
    # the queue: residents with an account take numbers on their phones, others at the stall
    for i, resident in enumerate(residents):
        stall = stalls[i % len(stalls)]
        if resident.user_id:
            services.take_number(stall, resident.user)
        else:
            services.take_number(stall, staff, resident=resident)
    for stall in stalls:
        caller = stall.workers.first() or staff
        for _ in range(3):
            try:
                services.call_next(stall, caller)
            except Exception:
                break
    skipped = QueueTicket.objects.filter(stall=stalls[0], status="called").first()
    if skipped is not None:
        services.skip_ticket(skipped, staff)
    repair = stalls[0]
    slots = [s for s in services.slot_starts(repair) if s > timezone.now()][:2]
    for resident, at in zip(residents[-4:], slots * 2, strict=False):
        booking = services.book_slot(repair, staff, at, resident=resident)
        if at == slots[0]:
            services.serve_booking(booking, staff)
    for i, stall in enumerate(stalls):
        services.record_walk_in(stall, staff, name=f"路过居民{i + 1}")

    # what the fair collected: demands in its intake session, and wishes
    depts = list(b.departments.values())
    for i, (title, on_spot) in enumerate(DEMANDS):
        resident = residents[i % len(residents)]
        demand = services.record_demand_at_stall(
            stalls[i % len(stalls)], staff, grid=resident.grid, title=title, resident=resident,
            description="服务市集现场收集", public_limits=False,
        )  # fmt: skip
        if on_spot:
            dispatch.resolve_on_spot(demand, staff, result="现场答复并处理")
        else:
            transfers.transfer_demand(demand, staff, [(depts[i % len(depts)][0], None)])
    for i, title in enumerate(["想要一台电风扇", "想请人上门修水龙头"]):
        services.record_wish_at_stall(
            stalls[i], staff, kind="item" if i == 0 else "service", title=title, resident=residents[i],
            description="在市集摊位登记", confirm_duplicate=True, public_limits=False,
        )  # fmt: skip

    # the food bank's round at the fair: low-income and disabled households
    groups = PopulationGroup.objects.filter(code__in=["low_income", "disabled", "child_in_difficulty"])
    food = services.open_food_round(
        staff, region=None, event=fair, stall=stalls[-1], title="爱心食物银行·七月", date=timezone.localdate(),
        groups=groups, parcels=100,
    )  # fmt: skip
    for resident in residents:
        if (
            services.eligible(food, resident)
            and not FoodParcel.objects.filter(round=food, household=services.household_key(resident)).exists()
        ):
            services.hand_out(food, staff, resident=resident)

    checkins.close_desk(fair, staff)  # everyone out when the stalls pack up: the summary's door figures
    _move_back(fair, now)
    return fair


def _move_back(fair: Event, now) -> None:
    """The fair took place last Saturday from 09:00: every time it holds moves back by the same span."""
    today = timezone.localdate()
    saturday = today - dt.timedelta(days=(today.weekday() - 5) % 7 or 7)
    shift = fair.starts_at - timezone.make_aware(dt.datetime.combine(saturday, dt.time(9, 0)))  # 09:00 then
    Event.objects.filter(pk=fair.pk).update(starts_at=fair.starts_at - shift, ends_at=fair.ends_at - shift)
    IntakeSession.objects.filter(pk=fair.intake_session_id).update(date=saturday)
    for stall in Stall.objects.filter(event=fair):
        Stall.objects.filter(pk=stall.pk).update(
            opens_at=stall.opens_at - shift, closes_at=stall.closes_at - shift
        )
        for t in QueueTicket.objects.filter(stall=stall):
            QueueTicket.objects.filter(pk=t.pk).update(
                taken_at=t.taken_at - shift,
                called_at=t.called_at and t.called_at - shift,
                served_at=t.served_at and t.served_at - shift,
            )
        for booking in SlotBooking.objects.filter(stall=stall):
            SlotBooking.objects.filter(pk=booking.pk).update(
                starts_at=booking.starts_at - shift, created_at=booking.created_at - shift
            )
        for v in StallVisit.objects.filter(stall=stall):
            StallVisit.objects.filter(pk=v.pk).update(served_at=v.served_at - shift)
    FoodRound.objects.filter(event=fair).update(date=saturday)
    for visit in CheckIn.objects.filter(event=fair):
        CheckIn.objects.filter(pk=visit.pk).update(
            checked_in_at=visit.checked_in_at - shift,
            checked_out_at=visit.checked_out_at and visit.checked_out_at - shift,
        )

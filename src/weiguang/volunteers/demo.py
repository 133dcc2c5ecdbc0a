"""The demo street's volunteers, made through the services like everything else in the demo:
registration and approval (before the wishes, so fulfilled claims write service records),
then the seven colour teams, their activities, verification, honour hours, the love
supermarket and a certificate."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal
from functools import partial

from django.utils import timezone

from weiguang.regions.models import Region, RegionKind

from . import services
from .models import PointsRule, RecordStatus, ServiceRecord, Skill, TeamColour, Volunteer

SKILLS = [
    ("理发", "Haircuts", "理发 剪发 头发"),
    ("家电维修", "Appliance repair", "电器 家电 维修 电饭煲 电水壶 风扇 修理"),
    ("医疗护理", "Medical care", "医生 体检 血压 护理 看病 上门"),
    ("心理陪伴", "Company and a listening ear", "陪伴 聊天 心理 探访 独居"),
    ("法律咨询", "Legal advice", "法律 咨询 纠纷 合同"),
    ("助老出行", "Helping the elderly get about", "轮椅 下楼 出行 陪同 买菜"),
    ("文艺宣传", "Arts and publicity", "文艺 宣传 演出 书法 绘画"),
    ("环境整治", "Tidying the neighbourhood", "卫生 垃圾 清理 绿化 楼道"),
    ("儿童辅导", "Tutoring children", "作业 辅导 儿童 学习 书包"),
]
TEAMS = [
    (TeamColour.RED, "红色先锋队", "党员先锋，急难险重冲在前"),
    (TeamColour.ORANGE, "橙色关爱队", "关爱独居老人，幸福来敲门"),
    (TeamColour.GOLD, "金色守望队", "邻里守望，平安巡逻"),
    (TeamColour.GREEN, "绿色环保队", "垃圾分类宣传，楼道清理"),
    (TeamColour.CYAN, "青色青春队", "青少年课后服务"),
    (TeamColour.BLUE, "蓝色平安队", "防诈宣传，消防安全"),
    (TeamColour.PURPLE, "紫色文化队", "文艺演出，书法课堂"),
]
ACTIVITIES = {
    TeamColour.RED: ["义务清扫积雪", "党员志愿服务日"],
    TeamColour.ORANGE: ["入户探访独居老人", "陪老人去医院复查"],
    TeamColour.GOLD: ["夜间平安巡逻", "小区门岗值守"],
    TeamColour.GREEN: ["垃圾分类宣传", "楼道杂物清理"],
    TeamColour.CYAN: ["四点半课堂", "周末作业辅导"],
    TeamColour.BLUE: ["反诈骗知识宣讲", "消防器材检查"],
    TeamColour.PURPLE: ["重阳节文艺演出", "书法进社区"],
}
REWARDS = [
    ("大米 5 斤", 80, 20),
    ("食用油 1 桶", 120, 10),
    ("洗衣液", 50, 30),
    ("理发券", 30, 40),
    ("毛巾两条", 20, 50),
]


def register_volunteers(
    people: list[tuple[object, Region]], *, communities: list[Region], staff: dict[int, object],
    rng: random.Random, id_number: Callable[[], str], phone: Callable[[], str],
) -> list[Volunteer]:  # fmt: skip
    """Register and approve the demo's volunteer accounts; most get a skill or two and some
    free slots, a third are party members (some dual-reporting from their workplace)."""
    skills = [
        Skill.objects.update_or_create(name=name, defaults={"name_en": name_en, "keywords": kw})[0]
        for name, name_en, kw in SKILLS
    ]
    made = []
    for user, region in people:
        home = region if region.kind == RegionKind.COMMUNITY else rng.choice(communities)
        days = rng.sample(["mon", "tue", "wed", "thu", "fri", "sat", "sun"], rng.randint(1, 3))
        party = rng.random() < 0.35
        volunteer = services.register_volunteer(
            user, name=user.first_name, phone=phone(), id_number=id_number(), home_region=home,
            skills=rng.sample(skills, rng.randint(1, 2)),
            availability={d: rng.sample(["am", "pm", "eve"], rng.randint(1, 2)) for d in days},
            party_member=party, dual_reporting_unit=rng.choice(["", "市南区税务局", "青岛银行八大湖支行"]) if party else "",
        )  # fmt: skip
        made.append(services.approve_volunteer(volunteer, staff[home.pk]))
    return made


def seed_volunteer_life(
    *, street: Region, communities: list[Region], staff: dict[int, object], admin, rng: random.Random,
    step: Callable, now: dt.datetime,
) -> None:  # fmt: skip
    """Teams, activities, verified hours, honour hours, the love supermarket."""
    PointsRule.objects.get_or_create(street=street)
    volunteers = list(Volunteer.objects.filter(home_region__path__startswith=street.path).order_by("id"))
    teams = []
    for i, (colour, name, description) in enumerate(TEAMS):
        community = communities[i % len(communities)]
        leader = volunteers[i].user
        team = services.create_team(
            staff[community.pk],
            region=community,
            name=name,
            colour=colour,
            description=description,
            leaders=[leader],
        )
        services.add_project(team, leader, name=description.split("，")[-1])
        members = [v for v in volunteers if v.pk != volunteers[i].pk and rng.random() < 0.3][:8]
        for v in [volunteers[i], *members]:
            membership = services.request_to_join(team, v.user)
            if v.pk == volunteers[i].pk or rng.random() < 0.85:
                services.decide_membership(membership, leader, accept=True)
        teams.append((team, leader, colour))

    # Each team's activities in the last weeks; most hours verified by the leader.
    for team, leader, colour in teams:
        members = list(services.team_members(team))
        for title in ACTIVITIES[colour]:
            day = timezone.localdate(now) - dt.timedelta(days=rng.randint(2, 40))
            start = timezone.make_aware(dt.datetime.combine(day, dt.time(rng.choice([9, 14, 19]))))
            attendance = [
                (v, start, start + dt.timedelta(minutes=rng.choice([60, 90, 120, 150, 180])))
                for v in rng.sample(members, min(len(members), rng.randint(2, 6)))
            ]
            if not attendance:
                continue
            activity = step(start + dt.timedelta(hours=4), partial(
                services.record_activity, team, leader, title=title, date=day, place=team.region.name,
                attendance=attendance,
            ))  # fmt: skip
            for record in activity.records.all():
                if rng.random() < 0.8 and record.volunteer.user_id != leader.pk:
                    step(start + dt.timedelta(days=1), partial(services.verify_record, record, leader))

    # Service records from fulfilled wishes: the community staff verify most of them.
    for record in ServiceRecord.objects.filter(kind="wish", status=RecordStatus.PENDING).select_related(
        "region"
    ):
        if rng.random() < 0.75:
            step(
                record.created_at + dt.timedelta(days=1),
                partial(services.verify_record, record, staff[record.region_id]),
            )

    # Honour hours for two outstanding volunteers.
    for v in volunteers[:2]:
        services.add_honour_hours(v, staff[v.home_region_id], hours=Decimal("4"), reason="社区疫情防控值守")

    items = [
        services.create_reward_item(admin, street=street, name=name, points=points, stock=stock)
        for name, points, stock in REWARDS
    ]
    for v in Volunteer.objects.filter(points_balance__gte=30).order_by("-points_balance")[:5]:
        affordable = [i for i in items if i.points <= v.points_balance]
        if affordable:
            services.redeem(v.user, rng.choice(affordable))
    demo = Volunteer.objects.filter(user__username="volunteer").first()
    if demo is not None:
        services.issue_certificate(demo, demo.user)

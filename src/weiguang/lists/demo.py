"""Demo data for the three lists: the partner units' side (partners/demo.py), a needs survey
with about fifty answers, and two projects (one running, one done). Everything goes through
the services, so the audit log reads like real use.

The demo street calls `seed_partner_demo(street, communities, staff_user, rng)` after its
partner units, grid workers, wishes and demands exist.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db.models import Q
from django.utils import timezone

from weiguang.demands.models import OPEN_STATUSES, Demand
from weiguang.partners.demo import seed_units
from weiguang.partners.models import Resource
from weiguang.regions import access
from weiguang.regions.models import Region, RegionKind, Role
from weiguang.wishes.models import Wish, WishStatus

from . import services
from .models import Project, Survey

SURVEY_TITLE = "“我为群众办实事”民生需求征集"
SURVEY_RESPONSES = 52  # "52 suggestions: free clinic, appliance repair, free haircuts, cultural events"

QUESTIONS = [
    {"text": "您最希望社区提供哪些便民服务？（可多选）", "multiple": True,
     "options": ["义诊", "家电维修", "免费理发", "文化活动", "法律咨询", "助餐配餐"]},
    {"text": "您的年龄段", "options": ["60岁以下", "60—79岁", "80岁及以上"]},
    {"text": "您希望服务安排在什么时间？", "options": ["工作日白天", "工作日晚上", "周末"]},
    {"text": "其他意见和建议"},
]  # fmt: skip
# The share of residents asking for each service: the tally comes out as free clinic,
# appliance repair, free haircuts, cultural events, then the rest.
WANTED = {
    "义诊": 0.72,
    "家电维修": 0.56,
    "免费理发": 0.45,
    "文化活动": 0.36,
    "法律咨询": 0.14,
    "助餐配餐": 0.2,
}
SUGGESTIONS = [
    "希望义诊能每个月都有", "小区里的路灯晚上太暗", "希望多组织老年人合唱活动", "电饭煲坏了不知道去哪修",
    "希望有人上门理发，腿脚不方便", "能不能开个智能手机培训班", "希望周末有书法班", "老年食堂饭菜再便宜点",
]  # fmt: skip


def _grids(communities) -> list[Region]:
    return [g for c in communities for g in c.children.filter(kind=RegionKind.GRID).order_by("path")]


def _collector(grid: Region, fallback):
    worker = access.holders({Role.GRID_WORKER}, grid.path).order_by("id").first()
    return worker or fallback


def _survey(street: Region, communities, staff_user, rng: random.Random) -> Survey:
    survey = services.create_survey(staff_user, region=street, title=SURVEY_TITLE, questions=QUESTIONS)
    ids = [str(q.pk) for q in survey.questions.all()]
    grids = _grids(communities) or [None]
    # each option is asked for by its share of the residents, exactly, so the tally keeps its
    # order whatever the seed; who asked for what is random
    picks: list[list[str]] = [[] for _ in range(SURVEY_RESPONSES)]
    for option, share in WANTED.items():
        for i in rng.sample(range(SURVEY_RESPONSES), k=round(share * SURVEY_RESPONSES)):
            picks[i].append(option)
    for wanted in picks:
        answers = {
            ids[1]: rng.choices(QUESTIONS[1]["options"], weights=[3, 5, 2])[0],
            ids[2]: rng.choices(QUESTIONS[2]["options"], weights=[5, 2, 4])[0],
        }
        if wanted:
            answers[ids[0]] = wanted
        if rng.random() < 0.3:
            answers[ids[3]] = rng.choice(SUGGESTIONS)
        grid = rng.choice(grids)
        collector = _collector(grid, staff_user) if grid is not None else staff_user
        services.record_response(survey, collector, answers=answers, channel="visit", grid=grid)
    return survey


def _needs_in(region: Region, words: tuple[str, ...], rng: random.Random):
    """Up to two wishes on the wall and one open demand of `region` that the project answers
    (by a word of their title); none when nothing fits: the survey is the need then."""
    fits = Q()
    for word in words:
        fits |= Q(title__contains=word)
    wishes = list(
        Wish.objects.filter(fits, grid__path__startswith=region.path, status=WishStatus.PUBLISHED).order_by(
            "id"
        )[:20]
    )
    demands = list(
        Demand.objects.filter(fits, grid__path__startswith=region.path, status__in=OPEN_STATUSES).order_by(
            "id"
        )[:20]
    )
    return rng.sample(wishes, k=min(2, len(wishes))), rng.sample(demands, k=min(1, len(demands)))


def _find(resources: list[Resource], titles: tuple[str, ...]) -> list[Resource]:
    return [r for r in resources if r.title in titles]


def seed_partner_demo(street: Region, communities, staff_user, rng: random.Random) -> dict:
    """Build the partner demo in `street`. `staff_user` must be a street admin of it (it acts
    for the alliance, the resources, the survey and the projects); `communities` are the
    street's communities (the survey's answers come from their grids); `rng` makes it
    repeatable. Returns what was made: {alliance, resources, survey, projects}."""
    communities = list(communities)
    today = timezone.localdate()
    alliance, resources = seed_units(street, staff_user, rng)
    survey = _survey(street, communities, staff_user, rng)

    projects: list[Project] = []
    plans = [
        (
            ("家电义务维修", "楼道维修志愿队"), ("修", "坏", "灯", "电"), "家电义修进社区",
            "根据民生需求征集结果，物业工程部师傅每月第一、三个周六上午在社区广场义务维修小家电；"
            "行动不便的老人由网格员登记后上门维修。",
        ),
        (
            ("社区义诊日", "上门量血压"), ("医", "血压", "体检", "药", "病", "护理"), "社区义诊服务日",
            "社区卫生服务中心每月第二个周六在党群服务中心开展义诊：测血压、血糖，慢病用药咨询，"
            "为独居老人建立健康档案。",
        ),
    ]  # fmt: skip
    for i, (offers, words, title, plan) in enumerate(plans):
        region = communities[i % len(communities)] if communities else street
        wishes, demands = _needs_in(region, words, rng)
        used = [r for r in _find(resources, offers) if r.unit.serves(region)]
        owner = used[0].unit.representatives.order_by("id").first() if used else None
        project = services.create_project(
            staff_user, region=region, title=title, plan=plan, owner=owner or staff_user,
            starts_on=today - dt.timedelta(days=40 - i * 5), ends_on=today + dt.timedelta(days=60) if i == 0 else None,
            wishes=wishes, demands=demands, surveys=[survey], resources=used,
        )  # fmt: skip
        project = services.start_project(project, staff_user, note="联盟单位已确认人员和时间")
        if i == 1:
            project = services.finish_project(
                project, staff_user,
                outcome="开展义诊3场，为86位居民测量血压、血糖，为32位独居老人建立健康档案，"
                "发现并转诊高血压控制不佳者7人。",
            )  # fmt: skip
        projects.append(project)
    return {"alliance": alliance, "resources": resources, "survey": survey, "projects": projects}

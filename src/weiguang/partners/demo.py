"""Demo data for the three lists: a livelihood alliance (民生联盟) of the street's units, what
each unit offers, a needs survey with about fifty answers, and two projects (one running, one
done). Everything goes through the services, so the audit log reads like real use.

The demo street calls `seed_partner_demo(street, communities, staff_user, rng)` after its
partner units, grid workers, wishes and demands exist.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db.models import Q
from django.utils import timezone

from weiguang.regions import access
from weiguang.regions.models import Region, RegionKind, Role

from . import services
from .models import Alliance, PartnerKind, PartnerUnit, Project, Resource, ResourceKind, Survey

ALLIANCE = "民生联盟"
SURVEY_TITLE = "“我为群众办实事”民生需求征集"
SURVEY_RESPONSES = 52  # "52 suggestions: free clinic, appliance repair, free haircuts, cultural events"

G, S, V, P, F = (
    ResourceKind.GOODS,
    ResourceKind.SERVICE,
    ResourceKind.VENUE,
    ResourceKind.PEOPLE,
    ResourceKind.FUNDS,
)

# Per kind of unit: (kind, title, keywords, quantity, unit, description); the first is always
# offered, one or two of the others besides.
OFFERS: dict[str, list[tuple[str, str, str, int | None, str, str]]] = {
    PartnerKind.HOSPITAL: [
        (
            S,
            "社区义诊日",
            "义诊 体检 血压 血糖",
            12,
            "次",
            "每月第二个周六上午，全科医生和护士到社区为居民测血压、血糖，解答用药问题。",
        ),
        (
            S,
            "上门量血压",
            "上门 血压 老人 独居",
            40,
            "户",
            "为行动不便的独居老人上门测量血压、建立健康档案。",
        ),
        (S, "健康知识讲座", "讲座 健康 慢病", 6, "场", "高血压、糖尿病等慢病防治讲座。"),
    ],
    PartnerKind.PROPERTY: [
        (
            S,
            "家电义务维修",
            "家电 维修 电饭煲 风扇 热水壶",
            60,
            "次",
            "物业工程部师傅每月两次在小区广场义务维修小家电。",
        ),
        (
            V,
            "物业服务中心会议室",
            "会议室 场地 议事",
            None,
            "",
            "可容纳30人，工作日白天可预约，用于议事会、培训。",
        ),
        (P, "楼道维修志愿队", "维修 楼道 灯 水管", 8, "人", "工程部党员师傅组成的维修小分队。"),
    ],
    PartnerKind.BANK: [
        (S, "反诈宣传进社区", "反诈 讲座 金融 老人", 8, "场", "识别电信诈骗、养老诈骗的讲座和一对一咨询。"),
        (F, "爱心助学金", "助学 困难 儿童", 20000, "元", "资助困难家庭儿童购买学习用品。"),
        (S, "金融知识课堂", "金融 理财 讲座", 4, "场", "防范非法集资、智能手机支付使用教学。"),
    ],
    PartnerKind.SCHOOL: [
        (V, "多功能教室", "场地 教室 活动", None, "", "周末和寒暑假向社区开放，可举办文化活动。"),
        (S, "四点半课堂", "托管 课后 儿童 作业", 30, "人", "双职工家庭孩子放学后的托管和作业辅导。"),
        (P, "师生志愿服务队", "志愿者 文艺 演出", 20, "人", "文艺演出、敬老院慰问。"),
    ],
    PartnerKind.MERCHANT: [
        (
            G,
            "食物银行爱心包",
            "食物银行 粮油 困难 残疾",
            100,
            "份",
            "米、面、油、牛奶组成的爱心包，发给残疾人、低保户和困境儿童家庭。",
        ),
        (
            S,
            "免费理发",
            "理发 剪发 老人 上门",
            50,
            "次",
            "合作理发店师傅每月到社区为老人免费理发，行动不便的可上门。",
        ),
        (G, "爱心粮油", "粮油 大米 食用油", 40, "份", "节日慰问困难老人。"),
    ],
}
DEFAULT_OFFERS = [
    (P, "党员志愿服务队", "志愿者 党员", 10, "人", "在职党员双报到，参与社区服务。"),
    (V, "单位活动室", "场地 活动室", None, "", "可预约使用。"),
    (S, "免费理发", "理发 剪发", 20, "次", "每月一次到社区为老人免费理发。"),
]

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


def _offer(unit: PartnerUnit, staff_user, rng: random.Random, today: dt.date) -> list[Resource]:
    pool = OFFERS.get(unit.kind, DEFAULT_OFFERS)
    chosen = [pool[0], *rng.sample(pool[1:], k=min(len(pool) - 1, rng.choice([1, 2])))]
    made = []
    for kind, title, keywords, quantity, unit_word, description in chosen:
        if Resource.objects.filter(unit=unit, title=title).exists():
            continue
        start = today - dt.timedelta(days=rng.randint(10, 60))
        until = None if kind in (V, P) else today + dt.timedelta(days=rng.choice([60, 90, 180]))
        made.append(
            services.add_resource(
                unit,
                staff_user,
                kind=kind,
                title=title,
                description=description,
                keywords=keywords,
                quantity=quantity,
                quantity_unit=unit_word,
                available_from=start,
                available_until=until,
            )  # fmt: skip
        )
    return made


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
    from weiguang.demands.models import OPEN_STATUSES, Demand
    from weiguang.wishes.models import Wish, WishStatus

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
    units = list(PartnerUnit.objects.filter(region__path__startswith=street.path).order_by("id"))
    alliance = Alliance.objects.filter(street=street, name=ALLIANCE).first()
    if alliance is None:
        alliance = services.create_alliance(staff_user, street=street, name=ALLIANCE, units=units)
    else:
        alliance.units.add(*units)
    for unit in units:
        if not unit.party_organisation:
            services.update_unit(
                unit, staff_user, party_organisation=f"{unit.name}党支部", party_members=rng.randint(3, 40),
                contact_name=unit.contact_name or "联络员", contact_phone=unit.contact_phone or f"0532{rng.randint(80000000, 89999999)}",
            )  # fmt: skip
    resources = [r for unit in units for r in _offer(unit, staff_user, rng, today)]
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
        used = [r for r in _find(resources, offers) if services.serves_any(r.unit, region)]
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

"""Demo data for the partner units: a livelihood alliance (民生联盟) of the street's units,
their profiles and what each unit offers. Everything goes through the services, so the audit
log reads like real use. The lists app's demo (lists/demo.py, `seed_partner_demo`) calls
`seed_units` and then adds a survey and projects.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from weiguang.regions.models import Region

from . import services
from .models import Alliance, PartnerKind, PartnerUnit, Resource, ResourceKind

ALLIANCE = "民生联盟"

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


def seed_units(street: Region, staff_user, rng: random.Random) -> tuple[Alliance, list[Resource]]:
    """The street's units in an alliance, with their profiles and resources. `staff_user` must be
    a street admin of it; `rng` makes it repeatable. Returns the alliance and the resources."""
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
    return alliance, resources

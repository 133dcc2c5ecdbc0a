"""The demo street: a fictional 街道 with residents, volunteers, partner units and wishes in
every state, so that `make run` shows a lived-in site.

Every wish goes through the services in wishes/services.py (so it has its audit trail and
notifications); afterwards the timestamps of each step are moved into the past, so that the
wall and the inboxes read like the last two months of a real programme. Deterministic for a
given seed (names, ages, IDs, which wish ends in which state); dates are relative to today.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from weiguang.core.models import AuditEntry, Notification
from weiguang.core.privacy import id_number_check_digit
from weiguang.demands import services as demand_services
from weiguang.demands.models import Demand
from weiguang.partners.models import PartnerKind, PartnerUnit
from weiguang.people.models import Gender, PopulationGroup, Resident
from weiguang.regions.models import Membership, Region, RegionKind, Role
from weiguang.wishes import services
from weiguang.wishes.models import (
    Channel,
    Claim,
    ClaimStatus,
    Wish,
    WishCategory,
    WishKind,
    WishPolicy,
    WishStatus,
)

DEMO_PASSWORD = "weiguang2026"
DEMO_SEED = 2026

DISTRICT = "市南区"
STREET = "八大湖街道"
COMMUNITIES = [("七星里社区", "七星里"), ("海晏社区", "海晏"), ("金湖路社区", "金湖路"), ("云溪社区", "云溪")]
GRID_ORDINALS = ["第一网格", "第二网格", "第三网格"]
RESIDENTS = 200
VOLUNTEERS = 30
STREET_VOLUNTEERS = 10  # the rest serve in one community each
# How the 60 wishes end up. Sums to 60; every state is present.
STATUS_PLAN = {
    WishStatus.SUBMITTED: 8,
    WishStatus.PUBLISHED: 14,
    WishStatus.CLAIMED: 10,
    WishStatus.FULFILLED: 7,
    WishStatus.CONFIRMED: 13,
    WishStatus.REJECTED: 3,
    WishStatus.WITHDRAWN: 4,
    WishStatus.CONVERTED: 1,
}
# Administrative division codes used as the first six digits of the demo ID numbers
# (市南区, 市北区, 黄岛区, 崂山区, 平度市, 兰山区, 高密市).
ID_REGION_CODES = ["370202", "370202", "370202", "370203", "370211", "370212", "370283", "371302", "370785"]

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
OLD_FEMALE = [
    "秀英",
    "桂兰",
    "玉兰",
    "淑珍",
    "凤英",
    "秀兰",
    "桂英",
    "玉珍",
    "淑英",
    "素芳",
    "翠花",
    "桂芝",
    "兰英",
    "凤兰",
]
OLD_MALE = [
    "建国",
    "国强",
    "德明",
    "福贵",
    "长生",
    "志刚",
    "振华",
    "保国",
    "明德",
    "树林",
    "文忠",
    "玉山",
    "庆丰",
    "洪涛",
]
MID_FEMALE = ["丽", "静", "敏", "艳", "娟", "霞", "丽华", "晓燕", "红梅", "海燕", "雪梅", "春燕", "婷", "慧"]
MID_MALE = ["伟", "强", "磊", "军", "勇", "涛", "斌", "海峰", "志强", "建华", "晓东", "鹏", "浩", "杰"]
YOUNG_FEMALE = ["子涵", "梓萱", "欣怡", "雨桐", "诗涵", "可馨", "一诺", "思彤", "佳怡", "语嫣"]
YOUNG_MALE = ["浩然", "宇轩", "子墨", "梓睿", "俊杰", "一鸣", "子豪", "皓轩", "博文", "天佑"]


@dataclass(frozen=True)
class Account:
    role: str
    username: str
    password: str
    region: str
    name: str = ""

    def as_json(self) -> dict:
        data = asdict(self)
        data.pop("name")
        return data


# (title, kind, description, value in yuan, the group it suits best, category)
WISHES = [
    (
        "想要一个电饭煲",
        WishKind.ITEM,
        "家里的电饭煲用了十几年，最近插上电也不热了，想要一个按键简单的。",
        199,
        "elderly_alone",
        "生活用品",
    ),
    (
        "给孩子买个新书包",
        WishKind.ITEM,
        "孩子上三年级，旧书包的拉链和背带都坏了，缝了几次还是不行。",
        89,
        "child",
        "学习用品",
    ),
    (
        "夏天想要一台电风扇",
        WishKind.ITEM,
        "家里没有空调，老伴有高血压，夏天屋里特别闷。",
        129,
        "low_income",
        "生活用品",
    ),
    (
        "需要一个大容量充电宝",
        WishKind.ITEM,
        "每天跑单十几个小时，手机总是没电，错过好几单。",
        69,
        "new_economy",
        "生活用品",
    ),
    (
        "想要一个电水壶",
        WishKind.ITEM,
        "烧水的壶漏水了，自己腿脚不方便出去买。",
        59,
        "elderly_alone",
        "生活用品",
    ),
    (
        "一床冬天盖的厚棉被",
        WishKind.ITEM,
        "被子盖了很多年，又薄又硬，冬天晚上冷。",
        159,
        "low_income",
        "生活用品",
    ),
    ("一盏护眼台灯", WishKind.ITEM, "孩子晚上写作业，家里灯光太暗。", 79, "child", "学习用品"),
    ("一本新华字典", WishKind.ITEM, "孩子刚上小学，想要一本自己的字典。", 29, "child", "学习用品"),
    ("一副老花镜", WishKind.ITEM, "眼睛花了，看不清药盒上的字。", 39, "elderly", "生活用品"),
    (
        "一袋大米和一桶油",
        WishKind.ITEM,
        "家里就靠低保，月底手头紧，想要点米面油。",
        120,
        "low_income",
        "生活用品",
    ),
    ("想要一个保温饭盒", WishKind.ITEM, "在外面送餐，中午饭总是凉的。", 49, "new_economy", "生活用品"),
    ("一个助行器", WishKind.ITEM, "腿做过手术，走路需要扶着东西。", 180, "disabled", "生活用品"),
    ("一双防滑棉鞋", WishKind.ITEM, "冬天楼道结冰，怕滑倒。", 69, "elderly_alone", "生活用品"),
    (
        "一套课外书",
        WishKind.ITEM,
        "孩子喜欢看书，想要几本适合四年级的课外书。",
        99,
        "child_in_difficulty",
        "学习用品",
    ),
    ("一个电热水袋", WishKind.ITEM, "晚上脚凉睡不着。", 35, "elderly", "生活用品"),
    ("一件雨衣", WishKind.ITEM, "下雨天也要跑单，旧雨衣破了。", 45, "new_economy", "生活用品"),
    (
        "上门理发",
        WishKind.SERVICE,
        "行动不便，好几个月没理发了，想请人上门帮忙理一下。",
        None,
        "disabled",
        "理发美容",
    ),
    (
        "家庭医生上门测血糖",
        WishKind.SERVICE,
        "有糖尿病，出门不方便，想请医生上门测一下血糖、看看用药。",
        None,
        "elderly_alone",
        "医疗健康",
    ),
    (
        "推轮椅下楼买菜",
        WishKind.SERVICE,
        "坐轮椅，住五楼没有电梯，想每周有人推我下楼去市场买一次菜。",
        None,
        "disabled",
        "助老助残",
    ),
    (
        "维修燃气灶",
        WishKind.SERVICE,
        "燃气灶左边的灶眼打不着火了，不敢自己拆。",
        None,
        "elderly_alone",
        "维修服务",
    ),
    ("修理漏水的水龙头", WishKind.SERVICE, "厨房水龙头一直滴水，拧不紧。", None, "elderly", "维修服务"),
    (
        "陪同去医院复查",
        WishKind.SERVICE,
        "下周要去医院复查，子女在外地，一个人不会在机器上挂号。",
        None,
        "elderly_alone",
        "助老助残",
    ),
    (
        "帮忙换个灯泡",
        WishKind.SERVICE,
        "卫生间灯泡坏了，够不着，怕从凳子上摔下来。",
        None,
        "elderly",
        "维修服务",
    ),
    ("上门量血压", WishKind.SERVICE, "最近头晕，想有人上门帮忙量一量血压。", None, "elderly", "医疗健康"),
    ("教我用智能手机", WishKind.SERVICE, "想学会用手机挂号、和孙子视频通话。", None, "elderly", "文化娱乐"),
    (
        "辅导孩子数学作业",
        WishKind.SERVICE,
        "家长不会辅导，孩子数学跟不上，想请志愿者每周辅导一次。",
        None,
        "child_in_difficulty",
        "文化娱乐",
    ),
    ("上门助浴", WishKind.SERVICE, "自己洗澡不方便，想请人帮忙。", None, "disabled", "助老助残"),
    ("修理洗衣机", WishKind.SERVICE, "洗衣机不脱水了。", None, "low_income", "维修服务"),
    (
        "陪老人读报聊天",
        WishKind.SERVICE,
        "老人一个人在家，眼睛不好，想有人来读读报、说说话。",
        None,
        "elderly_alone",
        "文化娱乐",
    ),
    ("电动车充电桩咨询", WishKind.SERVICE, "想了解小区哪里能安全给电动车充电。", None, "new_economy", "其他"),
]

FULFIL_NOTES = [
    "已送到家中，当面交给老人，并教会了使用方法。",
    "和社区工作人员一起上门，服务完成，老人很满意。",
    "已按约定时间完成，顺便检查了家里的用电安全。",
    "东西已送到，孩子当场试了，很喜欢。",
    "已上门服务，约好下个月再来一次。",
]
THANKS = [
    "谢谢你们，真是帮了大忙！",
    "感谢志愿者，太贴心了。",
    "谢谢社区，谢谢好心人。",
    "孩子很开心，谢谢！",
    "",
]
REJECT_REASONS = [
    "该需求金额较大，已转为社区帮扶项目跟进，工作人员会联系您。",
    "经核实，民政部门已为您办理了临时救助，本心愿不再上墙。",
    "属于物业维修范围，已转交物业公司处理。",
    "描述不够清楚，请联系网格员补充后重新提交。",
]
WITHDRAW_REASONS = ["家里人已经买了，谢谢。", "已经自己解决了。", "搬去子女家住了。", "问题已由物业修好。"]

PARTNERS = [
    ("青岛银行八大湖支行", PartnerKind.BANK, "partner", "郑经理"),
    ("八大湖社区卫生服务中心", PartnerKind.HOSPITAL, "partner2", "冯医生"),
    ("海诚物业八大湖服务中心", PartnerKind.PROPERTY, "partner3", "陈主管"),
    ("延安路小学", PartnerKind.SCHOOL, "partner4", "褚老师"),
    ("惠民超市八大湖店", PartnerKind.MERCHANT, "partner5", "卫店长"),
]


class DemoExists(Exception):
    pass


def database_is_empty() -> bool:
    return not Region.objects.exists()


class _Builder:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.password_hash = make_password(DEMO_PASSWORD)  # hashed once: PBKDF2 per user is slow
        self.accounts: list[Account] = []
        self.used_ids: set[str] = set()
        self.User = get_user_model()

    # --- people -----------------------------------------------------------------------

    def user(self, username: str, name: str, *, superuser: bool = False):
        user = self.User(username=username, first_name=name, is_superuser=superuser, is_staff=superuser)
        user.password = self.password_hash
        user.save()
        return user

    def grant(self, user, role: str, region: Region, *, listed: bool = True) -> None:
        Membership.objects.create(user=user, role=role, region=region)
        if listed:
            self.accounts.append(Account(role, user.username, DEMO_PASSWORD, region.name, user.first_name))

    def person_name(self, gender: str, age: int) -> str:
        surname = self.rng.choice(SURNAMES)
        if age >= 55:
            pool = OLD_FEMALE if gender == Gender.FEMALE else OLD_MALE
        elif age >= 18:
            pool = MID_FEMALE if gender == Gender.FEMALE else MID_MALE
        else:
            pool = YOUNG_FEMALE if gender == Gender.FEMALE else YOUNG_MALE
        return surname + self.rng.choice(pool)

    def birth_date(self, age: int) -> dt.date:
        born = self.today - dt.timedelta(days=age * 365 + self.rng.randint(10, 355))
        return born

    def id_number(self, birth: dt.date, gender: str) -> str:
        while True:
            order = self.rng.randint(0, 99)
            sex_digit = self.rng.choice("13579" if gender == Gender.MALE else "02468")
            first17 = f"{self.rng.choice(ID_REGION_CODES)}{birth:%Y%m%d}{order:02d}{sex_digit}"
            number = first17 + id_number_check_digit(first17)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def phone(self) -> str:
        prefix = self.rng.choice(["130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "158", "159",
                                  "177", "180", "186", "187", "189", "199"])  # fmt: skip
        return prefix + f"{self.rng.randint(0, 99_999_999):08d}"

    def address(self) -> tuple[str, str]:
        building = f"{self.rng.randint(1, 24)}号楼"
        door = f"{self.rng.randint(1, 3)}单元{self.rng.randint(1, 7)}0{self.rng.randint(1, 4)}室"
        return building, door

    def age(self) -> int:
        band = self.rng.random()
        if band < 0.10:
            return self.rng.randint(6, 14)
        if band < 0.18:
            return self.rng.randint(15, 25)
        if band < 0.58:
            return self.rng.randint(26, 59)
        return self.rng.randint(60, 92)

    def groups_for(self, age: int) -> list[str]:
        codes = []
        r = self.rng.random
        if age >= 60:
            codes.append("elderly")
            if r() < 0.35:
                codes.append("elderly_alone")
        if age < 15:
            codes.append("child")
            if r() < 0.25:
                codes.append("child_in_difficulty")
        if 20 <= age <= 45 and r() < 0.25:
            codes.append("new_economy")
        if r() < 0.07:
            codes.append("disabled")
        if r() < 0.10:
            codes.append("low_income")
        if 40 <= age <= 80 and r() < 0.04:
            codes.append("veteran")
        return codes

    # --- the whole street ---------------------------------------------------------------

    def build(self) -> list[Account]:
        district = Region.objects.create(name=DISTRICT, kind=RegionKind.DISTRICT)
        self.street = street = Region.objects.create(name=STREET, kind=RegionKind.STREET, parent=district)
        WishPolicy.objects.create(street=street, item_value_cap=Decimal("300"))
        self.communities, self.grids = [], {}
        for name, short in COMMUNITIES:
            community = Region.objects.create(name=name, kind=RegionKind.COMMUNITY, parent=street)
            community.refresh_from_db()
            self.communities.append(community)
            self.grids[community.pk] = []
            for ordinal in GRID_ORDINALS:
                grid = Region.objects.create(name=short + ordinal, kind=RegionKind.GRID, parent=community)
                grid.refresh_from_db()
                self.grids[community.pk].append(grid)
        all_grids = [g for c in self.communities for g in self.grids[c.pk]]

        # Accounts, one per role (and one staff member and grid worker per community / grid).
        admin = self.user("admin", "李建华", superuser=True)
        self.grant(admin, Role.STREET_ADMIN, street)
        self.staff = {}
        for i, community in enumerate(self.communities):
            user = self.user(
                "staff" if i == 0 else f"staff{i + 1}", ["赵丽", "钱海燕", "孙志刚", "李红梅"][i]
            )
            self.grant(user, Role.COMMUNITY_STAFF, community)
            self.staff[community.pk] = user
        self.grid_workers = {}
        for i, grid in enumerate(all_grids):
            user = self.user(
                "grid" if i == 0 else f"grid{i + 1}", self.person_name(self.rng.choice("FM"), 35)
            )
            self.grant(user, Role.GRID_WORKER, grid, listed=i == 0)
            self.grid_workers[grid.pk] = user

        # Volunteers: some serve the whole street, the others one community each.
        self.volunteers = []  # (user, region)
        for i in range(VOLUNTEERS):
            username = "volunteer" if i == 0 else f"vol{i + 1:02d}"
            user = self.user(username, self.person_name(self.rng.choice("FM"), self.rng.randint(20, 68)))
            region = (
                street
                if i < STREET_VOLUNTEERS
                else self.communities[(i - STREET_VOLUNTEERS) % len(self.communities)]
            )
            self.grant(user, Role.VOLUNTEER, region, listed=i == 0)
            self.volunteers.append((user, region))

        self.partners = []  # (unit, representative)
        for name, kind, username, rep_name in PARTNERS:
            unit = PartnerUnit.objects.create(name=name, kind=kind, region=street)
            rep = self.user(username, rep_name)
            self.grant(rep, Role.PARTNER_REP, street, listed=username == "partner")
            unit.representatives.add(rep)
            self.partners.append((unit, rep))

        dept = self.user("dept", "刘洋")
        self.grant(dept, Role.DEPARTMENT, street)

        # Residents. The first is the demo resident, with an account.
        groups = {g.code: g for g in PopulationGroup.objects.all()}
        residents, memberships = [], []
        for i in range(RESIDENTS):
            if i == 0:
                gender, age, grid = Gender.FEMALE, 74, all_grids[0]
                name = "王秀英"
            else:
                gender = self.rng.choice([Gender.FEMALE, Gender.MALE])
                age = self.age()
                grid = self.rng.choice(all_grids)
                name = self.person_name(gender, age)
            birth = self.birth_date(age)
            building, door = self.address()
            residents.append(
                Resident(
                    name=name, gender=gender, birth_date=birth, phone=self.phone(),
                    id_number=self.id_number(birth, gender), grid=grid, building=building, door=door,
                    consent=True,
                )
            )  # fmt: skip
            memberships.append(["elderly", "elderly_alone"] if i == 0 else self.groups_for(age))
        residents = Resident.objects.bulk_create(residents)
        if residents[0].pk is None:  # backends that do not return ids from bulk inserts
            residents = list(Resident.objects.order_by("id"))
        Through = Resident.groups.through
        Through.objects.bulk_create(
            Through(resident_id=r.pk, populationgroup_id=groups[code].pk)
            for r, codes in zip(residents, memberships, strict=True)
            for code in codes
            if code in groups
        )
        self.resident_groups = {r.pk: set(codes) for r, codes in zip(residents, memberships, strict=True)}
        demo_resident = residents[0]
        resident_user = self.user("resident", demo_resident.name)
        Resident.objects.filter(pk=demo_resident.pk).update(user=resident_user)
        demo_resident.user = resident_user
        self.grant(resident_user, Role.RESIDENT, demo_resident.grid)
        self.residents = residents
        self.resident_user = resident_user

        self.categories = {c.name: c for c in WishCategory.objects.all()}
        self.make_wishes(demo_resident)
        order = [Role.STREET_ADMIN, Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.VOLUNTEER, Role.PARTNER_REP,
                 Role.DEPARTMENT, Role.RESIDENT]  # fmt: skip
        return sorted(self.accounts, key=lambda a: order.index(a.role))

    # --- wishes -----------------------------------------------------------------------

    def make_wishes(self, demo_resident: Resident) -> None:
        # Each plan entry: the resident, the wish template and the final state.
        statuses = [s for s, n in STATUS_PLAN.items() for _ in range(n)]
        # The demo resident's own wishes: one waiting for review, one to confirm, one lit.
        own = {WishStatus.SUBMITTED: 24, WishStatus.FULFILLED: 2, WishStatus.CONFIRMED: 16}
        for status in own:
            statuses.remove(status)
        self.rng.shuffle(statuses)
        plan = [(demo_resident, WISHES[i], s) for s, i in own.items()]
        free = [r for r in self.residents[1:]]
        self.rng.shuffle(free)
        templates = [t for i, t in enumerate(WISHES) if i not in own.values()]
        community_ids = [c.pk for c in self.communities]
        for n, status in enumerate(statuses):
            template = templates[n % len(templates)]
            # Spread the wishes over the communities; prefer a resident the wish suits.
            here = [r for r in free if r.grid.parent_id == community_ids[n % len(community_ids)]] or free
            suited = [r for r in here if template[4] in self.resident_groups[r.pk]]
            resident = suited[0] if suited else here[0]
            free.remove(resident)
            plan.append((resident, template, status))
        # Oldest first, so ids grow with time like in real life.
        starts = sorted(self.now - dt.timedelta(days=self.rng.uniform(1.5, 58)) for _ in plan)
        # Finished wishes started earlier than open ones, mostly.
        weight = {WishStatus.CONFIRMED: 0, WishStatus.FULFILLED: 1, WishStatus.REJECTED: 1, WishStatus.WITHDRAWN: 2,
                  WishStatus.CONVERTED: 1, WishStatus.CLAIMED: 2, WishStatus.PUBLISHED: 3,
                  WishStatus.SUBMITTED: 4}  # fmt: skip
        plan.sort(key=lambda p: weight[p[2]] + self.rng.random() * 2.5)
        for (resident, template, status), start in zip(plan, starts, strict=True):
            self.live_wish(resident, template, status, start)
        # Claims that ended (fulfilled, released, cancelled) promised a date a few days after
        # they were made, now in the past; live ones keep their date in the future.
        for claim in Claim.objects.exclude(status=ClaimStatus.ACTIVE).order_by("id"):
            promised = timezone.localdate(claim.created_at) + dt.timedelta(days=self.rng.randint(3, 14))
            Claim.objects.filter(pk=claim.pk).update(promised_date=promised)

    def claimer_for(self, wish: Wish):
        """A volunteer serving the wish's place, or a partner unit's representative."""
        if self.rng.random() < 0.3:
            unit, rep = self.rng.choice(self.partners)
            return rep, unit
        options = [u for u, region in self.volunteers if region.contains(wish.grid)]
        return self.rng.choice(options), None

    def live_wish(self, resident: Resident, template, status: str, start: dt.datetime) -> None:
        title, kind, description, value, _group, category_name = template
        rng = self.rng
        community_staff = self.staff[resident.grid.parent_id]
        clock = [start]

        def later(hours_low: float, hours_high: float) -> dt.datetime:
            clock[0] = min(clock[0] + dt.timedelta(hours=rng.uniform(hours_low, hours_high)), self.now)
            return clock[0]

        # Intake: the demo resident posts herself; others through their grid worker, the desk,
        # the phone or an event stall.
        if resident.user_id:
            by, channel = resident.user, Channel.SELF
        else:
            channel = rng.choice([Channel.GRID, Channel.GRID, Channel.DESK, Channel.PHONE, Channel.STALL])
            by = self.grid_workers[resident.grid_id] if channel == Channel.GRID else community_staff
        owner = resident.user if resident.user_id else community_staff
        price = None if value is None else Decimal(value)
        wish = self.step(
            start,
            lambda: services.submit_wish(
                by, kind=kind, title=title, description=description, value=price, resident=resident,
                channel=channel, category=self.categories.get(category_name), confirm_duplicate=True,
            )[0],
        )  # fmt: skip
        if status == WishStatus.SUBMITTED:
            return
        if status == WishStatus.CONVERTED:  # too big for a micro-wish: handled as a demand
            self.step(
                later(3, 30),
                lambda: demand_services.convert_wish(wish, community_staff, note="涉及多户，转为诉求办理"),
            )
            return
        if status == WishStatus.WITHDRAWN and rng.random() < 0.5:
            self.step(later(2, 30), lambda: services.withdraw_wish(wish, owner, rng.choice(WITHDRAW_REASONS)))
            return
        if status == WishStatus.REJECTED and rng.random() < 0.75:
            self.step(
                later(3, 40), lambda: services.reject_wish(wish, community_staff, rng.choice(REJECT_REASONS))
            )
            return
        wish = self.step(later(2, 36), lambda: services.publish_wish(wish, community_staff))
        if status == WishStatus.REJECTED:  # taken down from the wall after a second look
            self.step(
                later(5, 48), lambda: services.reject_wish(wish, community_staff, rng.choice(REJECT_REASONS))
            )
            return
        if status == WishStatus.PUBLISHED and rng.random() > 0.25:
            return
        claimer, unit = self.claimer_for(wish)
        days = rng.randint(3, 14)
        wish = self.step(later(4, 72), lambda: services.claim_wish(wish, claimer, partner=unit,
                                                                    promised_date=self.today + dt.timedelta(days=days)))  # fmt: skip
        if status == WishStatus.PUBLISHED:  # the claimer could not make it after all
            self.step(
                later(12, 72), lambda: services.release_claim(wish, claimer, "临时出差，时间排不开，抱歉。")
            )
            return
        if status == WishStatus.WITHDRAWN:
            self.step(later(6, 48), lambda: services.withdraw_wish(wish, owner, rng.choice(WITHDRAW_REASONS)))
            return
        if status == WishStatus.CLAIMED:
            return
        wish = self.step(
            later(20, 120), lambda: services.fulfil_wish(wish, claimer, rng.choice(FULFIL_NOTES))
        )
        if status == WishStatus.FULFILLED:
            return
        rating = rng.choice([5, 5, 5, 4, 4, 3])
        self.step(
            later(3, 48), lambda: services.confirm_wish(wish, owner, thanks=rng.choice(THANKS), rating=rating)
        )

    TIMESTAMPS = [
        (AuditEntry, "created_at"),
        (Demand, "created_at"),
        (Demand, "updated_at"),
        (Notification, "created_at"),
        (Claim, "created_at"),
        (Claim, "ended_at"),
        (Wish, "created_at"),
        (Wish, "published_at"),
        (Wish, "fulfilled_at"),
        (Wish, "confirmed_at"),
        (Wish, "updated_at"),
    ]

    def step(self, when: dt.datetime, action):
        """Run a service call, then move every timestamp it wrote to `when`. Everything
        written earlier already lies in the past, so "written now" means "by this call"."""
        began = timezone.now()
        result = action()
        for model, field in self.TIMESTAMPS:
            model.objects.filter(**{f"{field}__gte": began}).update(**{field: when})
        return result


LISTED_USERNAMES = [
    "admin",
    "staff",
    "staff2",
    "staff3",
    "staff4",
    "grid",
    "volunteer",
    "partner",
    "dept",
    "resident",
]


def existing_accounts() -> list[Account]:
    """The listed demo accounts already in the database (for `make run` on a second start)."""
    from weiguang.regions.models import Membership

    found = {}
    memberships = Membership.objects.filter(user__username__in=LISTED_USERNAMES).select_related(
        "user", "region"
    )
    for m in memberships.order_by("id"):
        found.setdefault(
            m.user.username, Account(m.role, m.user.username, DEMO_PASSWORD, m.region.name, m.user.first_name)
        )
    return [found[u] for u in LISTED_USERNAMES if u in found]


def seed(seed: int = DEMO_SEED) -> list[Account]:
    """Build the demo street in an empty database; return the demo accounts."""
    with transaction.atomic():
        if not database_is_empty():
            raise DemoExists("The database already holds regions.")
        taken = get_user_model().objects.filter(username__in=LISTED_USERNAMES)
        if taken.exists():
            raise DemoExists(
                "Demo usernames are taken: " + ", ".join(taken.values_list("username", flat=True))
            )
        return _Builder(seed).build()

"""The demo wishes: sixty wishes, each lived through the services to its planned state."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from weiguang.demands.services import intake as demand_intake
from weiguang.people.models import Resident
from weiguang.wishes import services
from weiguang.wishes.models import Channel, Claim, ClaimStatus, Wish, WishKind, WishStatus

# How the 60 wishes end up. Sums to 60; every state is present.
STATUS_PLAN = {
    WishStatus.SUBMITTED: 8,
    WishStatus.PUBLISHED: 14,
    WishStatus.CLAIMED: 10,
    WishStatus.FULFILLED: 6,
    WishStatus.DISPUTED: 1,  # the resident says it did not come true; staff follow up
    WishStatus.CONFIRMED: 13,
    WishStatus.REJECTED: 3,
    WishStatus.WITHDRAWN: 4,
    WishStatus.CONVERTED: 1,
}


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


class WishesMixin:
    """Wishes, their claims and who claims them."""

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
        weight = {WishStatus.CONFIRMED: 0, WishStatus.FULFILLED: 1, WishStatus.DISPUTED: 1, WishStatus.REJECTED: 1, WishStatus.WITHDRAWN: 2,
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
                public_limits=False,
            )[0],
        )  # fmt: skip
        if status == WishStatus.SUBMITTED:
            return
        if status == WishStatus.CONVERTED:  # too big for a micro-wish: handled as a demand
            self.step(
                later(3, 30),
                lambda: demand_intake.convert_wish(wish, community_staff, note="涉及多户，转为诉求办理"),
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
        if status == WishStatus.DISPUTED:
            self.step(
                later(3, 48),
                lambda: services.dispute_wish(wish, owner, reason="东西还没收到，电话也打不通。"),
            )
            return
        rating = rng.choice([5, 5, 5, 4, 4, 3])
        self.step(
            later(3, 48), lambda: services.confirm_wish(wish, owner, thanks=rng.choice(THANKS), rating=rating)
        )

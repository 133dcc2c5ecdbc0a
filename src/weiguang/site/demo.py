"""The demo street: a fictional 街道 with residents, volunteers, partner units, wishes in
every state and demands (诉求) in every state, so that `make run` shows a lived-in site.

Every wish and demand goes through the services (wishes/services.py, demands/services/),
so each has its audit trail and notifications; afterwards the timestamps of each step are
moved into the past, so that the wall, the queues and the inboxes read like the last weeks of
a real programme. The street has two departments, a holiday calendar (2026 and 2027, with
the 调休 make-up days), a desk session (书记面对面) and two deliberation meetings. Demand
deadlines are computed again from the backdated times, so the community queue shows green,
yellow and red orders. Deterministic for a given seed (names, ages, IDs, which wish or demand
ends in which state); dates are relative to today.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from weiguang.core.models import AuditEntry, Notification
from weiguang.core.privacy import id_number_check_digit
from weiguang.demands import calendar as demand_calendar
from weiguang.demands.models import (
    Deliberation,
    Demand,
    DemandCategory,
    DemandChannel,
    DemandStatus,
    Department,
    Holiday,
    IntakeSession,
    SessionKind,
    Transfer,
)
from weiguang.demands.services import deliberations, dispatch, handling, tracking, transfers
from weiguang.demands.services import intake as demand_intake
from weiguang.lists import demo as partner_demo
from weiguang.partners.models import PartnerKind, PartnerUnit
from weiguang.people.models import Gender, PopulationGroup, Resident
from weiguang.regions.models import Membership, Region, RegionKind, Role
from weiguang.volunteers import demo as volunteer_demo
from weiguang.volunteers.models import Activity, PointsEntry, ServiceRecord
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
    WishStatus.FULFILLED: 6,
    WishStatus.DISPUTED: 1,  # the resident says it did not come true; staff follow up
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

# --- demands (诉求) ------------------------------------------------------------------------

# The street's departments: (name, handler username, handler name). `dept` is listed.
DEPARTMENTS = [("城市管理办公室", "dept", "刘洋"), ("社会事务办公室", "dept2", "陈静")]
CITY, SOCIAL = "城市管理办公室", "社会事务办公室"

# The national holidays and their make-up working days (调休), as the State Council lays them
# out: (name, days off, make-up working days). 2026 as published; 2027 around the lunar dates.
HOLIDAYS = [
    ("元旦", "2026-01-01..2026-01-03", ["2026-01-04"]),
    ("春节", "2026-02-15..2026-02-23", ["2026-02-14", "2026-02-28"]),
    ("清明节", "2026-04-04..2026-04-06", []),
    ("劳动节", "2026-05-01..2026-05-05", ["2026-05-09"]),
    ("端午节", "2026-06-19..2026-06-21", []),
    ("中秋节", "2026-09-25..2026-09-27", []),
    ("国庆节", "2026-10-01..2026-10-07", ["2026-09-20", "2026-10-10"]),
    ("元旦", "2027-01-01..2027-01-03", []),
    ("春节", "2027-02-05..2027-02-13", ["2027-01-31", "2027-02-20"]),
    ("清明节", "2027-04-03..2027-04-05", []),
    ("劳动节", "2027-05-01..2027-05-05", ["2027-04-25", "2027-05-08"]),
    ("端午节", "2027-06-09..2027-06-11", ["2027-06-13"]),
    ("中秋节", "2027-09-15..2027-09-17", ["2027-09-19"]),
    ("国庆节", "2027-10-01..2027-10-07", ["2027-09-26", "2027-10-09"]),
]

DEMAND_CATEGORIES = {
    "市容环境": ["环境卫生", "垃圾清运", "违章搭建", "油烟噪音"],
    "设施维修": ["楼道照明", "消防设施", "道路破损", "供水排水", "公共设施", "加装电梯"],
    "邻里纠纷": ["楼道杂物", "噪音扰民", "漏水纠纷"],
    "民政救助": ["临时救助", "养老服务", "残疾人服务", "儿童关爱"],
    "交通出行": ["停车管理", "公交站点"],
}
# The same, for the English pages.
DEMAND_CATEGORIES_EN = {
    "市容环境": "City appearance", "环境卫生": "Sanitation", "垃圾清运": "Rubbish collection",
    "违章搭建": "Illegal structures", "油烟噪音": "Fumes and noise",
    "设施维修": "Repairs to facilities", "楼道照明": "Stairwell lighting", "消防设施": "Fire safety equipment",
    "道路破损": "Damaged roads", "供水排水": "Water and drains", "公共设施": "Public facilities",
    "加装电梯": "Adding lifts",
    "邻里纠纷": "Neighbour disputes", "楼道杂物": "Clutter in stairwells", "噪音扰民": "Noise nuisance",
    "漏水纠纷": "Leak disputes",
    "民政救助": "Civil affairs and relief", "临时救助": "Emergency relief", "养老服务": "Elderly care",
    "残疾人服务": "Services for the disabled", "儿童关爱": "Care for children",
    "交通出行": "Traffic and transport", "停车管理": "Parking", "公交站点": "Bus stops",
}  # fmt: skip

# key -> (title, description, category, the department(s) it goes to, place)
DEMANDS = {
    "light": ("楼道灯坏了", "三号楼二单元三楼到五楼的楼道灯不亮，晚上上下楼看不清，老人怕摔。", "楼道照明", [CITY], "3号楼2单元楼道"),
    "rubbish": ("小区门口垃圾堆放", "小区东门口的垃圾桶满了没人清，旁边又堆了好几袋，味道很大。", "垃圾清运", [CITY], "小区东门"),
    "road": ("上学路段路面破损", "延安路小学门口到路口一段路面坑洼，下雨就积水，孩子上学不安全。", "道路破损", [CITY], "延安路小学门口"),
    "clutter": ("七楼楼道杂物堆积", "七楼楼道里堆满了纸箱和旧家具，把消防通道都挡住了。", "楼道杂物", [CITY], "5号楼7楼楼道"),
    "sprinkler": ("喷淋头需要恢复", "地下车库的消防喷淋头被拆下来一直没装回去，存在安全隐患。", "消防设施", [CITY], "地下车库"),
    "dance": ("广场舞音响声音太大", "晚上九点以后广场舞音响还很响，影响老人和孩子休息。", "噪音扰民", [CITY], "中心广场"),
    "relief": ("申请临时救助", "家里老人住院花费很大，想咨询临时救助怎么申请、需要什么材料。", "临时救助", [SOCIAL], ""),
    "meals": ("独居老人想订助餐", "想了解社区助老食堂怎么办卡，腿脚不好能不能送餐上门。", "养老服务", [SOCIAL], ""),
    "parking": ("消防通道长期停车", "消防通道上长期停着几辆车，上次救护车都进不来。", "停车管理", [CITY], "8号楼北侧"),
    "shelter": ("公交站没有遮雨棚", "金湖路公交站没有遮雨棚，下雨天老人等车只能淋雨。", "公交站点", [CITY], "金湖路公交站"),
    "drain": ("下水道堵塞返味", "一楼下水道堵了，污水往上返，屋里味道很大。", "供水排水", [CITY], "2号楼1单元"),
    "shed": ("楼顶违章搭建", "楼顶有人私自搭了彩钢房，担心刮大风不安全。", "违章搭建", [CITY], "11号楼楼顶"),
    "smoke": ("楼下烧烤油烟扰民", "楼下烧烤店的油烟直接排到楼上，夏天窗户都不敢开。", "油烟噪音", [CITY], "沿街商铺"),
    "disability": ("残疾证办理咨询", "孩子需要办理残疾证，不清楚流程和要准备的材料。", "残疾人服务", [SOCIAL], ""),
    "subsidy": ("高龄补贴没有到账", "老人满八十岁三个月了，高龄补贴一直没有到账。", "养老服务", [SOCIAL], ""),
    "fitness": ("健身器材损坏", "小区广场有两个健身器材螺丝松动，扶手晃得厉害。", "公共设施", [CITY], "中心广场"),
    "ebike": ("电动车推进楼道充电", "有住户把电动车推进楼道里充电，大家担心起火。", "楼道杂物", [CITY], "6号楼楼道"),
    "leak": ("楼上卫生间漏水", "楼上卫生间漏水渗到我家天花板，和邻居协商不成。", "漏水纠纷", [CITY], ""),
    "streetlamp": ("路口路灯不亮", "金湖路口的两盏路灯坏了一个多月，晚上很黑。", "公共设施", [CITY], "金湖路口"),
    "dogs": ("流浪狗太多", "小区里流浪狗越来越多，晚上叫，还追着孩子跑。", "环境卫生", [CITY], ""),
    "children": ("孩子放学没人看护", "双职工家庭，孩子放学后没人看，希望社区办四点半课堂。", "儿童关爱", [SOCIAL], ""),
    "manhole": ("井盖松动", "小区北门的井盖松动，车一压就响，晚上吵得睡不着。", "道路破损", [CITY], "小区北门"),
    "stairs": ("楼梯扶手松动", "单元楼梯扶手松了，老人上下楼扶着晃。", "公共设施", [CITY], "4号楼3单元"),
    "lift": ("老旧小区加装电梯", "六层老楼没有电梯，楼上老人上下楼太难，希望能加装电梯。", "加装电梯", [CITY, SOCIAL], ""),
    "elderly_care": ("独居老人家中无人照看", "邻居家老人独居，最近几天没见出门，希望社区去看看。", "养老服务", [SOCIAL], ""),
}  # fmt: skip

RESULTS = {
    CITY: ["已安排人员到现场处理，问题已解决。", "已联系物业和环卫所，当天清理完毕。", "已现场核查，责令整改并复查合格。"],
    SOCIAL: ["已上门了解情况，协助准备了申请材料。", "已为老人办理相关手续，待审批后发放。", "已对接养老服务中心，明天开始上门服务。"],
    "": ["网格员上门查看，已协调物业维修完毕。", "社区已协调双方达成一致，问题解决。", "已联系产权单位，维修完成。"],
}  # fmt: skip
PUBLIC_REPLIES = ["问题已处理，感谢您的反映。", "已处理完毕，欢迎继续监督。", "已按您反映的情况处理。"]
ON_THE_SPOT = [
    ("咨询居民医保缴费", "现场讲解了缴费渠道，已帮助在手机上完成缴费。"),
    ("老年优待证怎么办理", "现场说明了办理材料，已帮助在线提交申请。"),
    ("想报名社区书法班", "已现场登记报名，开课前电话通知。"),
    ("单元门禁卡失灵", "现场联系物业，当场重新写卡。"),
    ("咨询独生子女父母奖励", "现场讲解政策，已告知办理窗口和材料。"),
    ("想了解疫苗接种时间", "已告知社区卫生服务中心接种时间并帮助预约。"),
    ("绿化带杂草太高", "现场联系绿化养护人员，当天修剪完毕。"),
    ("咨询公租房申请条件", "现场讲解申请条件，已发放申请表。"),
    ("楼道墙面小广告多", "网格员现场清理，并在楼道张贴提示。"),
    ("快递乱堆在单元门口", "现场联系快递站点，约定统一放到驿站。"),
]
EVALUATION_NOTES = {"satisfied": ["处理得很及时，谢谢！", "很满意", ""], "basically_satisfied": ["还行，就是慢了点。", ""],
                    "unsatisfied": ["问题没有根本解决。", "过两天又坏了。"]}  # fmt: skip

# Each demand: (template key, route, community index or None for any, who submits).
# A route lists the steps after intake, in order; the final status follows from it.
R_TRANSFER = ("transfer", "accept")
DEMAND_PLAN = [
    # received: waiting for first contact
    ("meals", (), "online_resident"),
    ("dogs", (), "hotline"),
    ("shelter", (), "online_anonymous"),
    ("fitness", (), "visit"),
    ("stairs", (), "desk"),
    # resolved on the spot (besides the desk session's)
    *[(key, ("resolve",), "desk") for key in ("leak", "manhole", "ebike")],
    # assigned inside the community
    ("drain", ("assign",), "hotline"),
    ("leak", ("assign",), "visit"),
    ("stairs", ("assign",), "group_chat"),
    ("fitness", ("assign",), "desk"),
    # transferred to one or two departments, some already signed for
    ("rubbish", ("transfer",), "hotline"),
    ("road", R_TRANSFER, "group_chat"),
    ("sprinkler", R_TRANSFER, "visit"),
    ("subsidy", ("transfer",), "desk"),
    ("elderly_care", ("transfer2", "accept"), "visit"),
    ("smoke", ("transfer2",), "hotline"),
    # returned by a department (退单), waiting for the street
    ("leak", ("transfer", "return"), "hotline"),
    ("dance", (*R_TRANSFER, "return"), "group_chat"),
    # escalated to the street; one summoned the departments (吹哨报到)
    ("shed", ("assign", "escalate"), "visit"),
    ("streetlamp", (*R_TRANSFER, "escalate"), "hotline"),
    ("clutter", (*R_TRANSFER, "return", "approve"), "desk"),
    ("smoke", (*R_TRANSFER, "escalate", "summon"), "group_chat"),
    # referred to the scheduled meeting on parking (community 2)
    ("parking", ("refer",), "desk"),
    ("ebike", ("refer",), "group_chat"),
    ("parking", ("assign", "refer"), "hotline"),
    # handled, waiting for the reply
    ("rubbish", (*R_TRANSFER, "dept"), "hotline"),
    ("elderly_care", ("transfer2", "accept", "dept"), "visit"),
    ("drain", ("assign", "handle"), "desk"),
    ("streetlamp", ("transfer", "reject_flow", "dept"), "hotline"),
    # replied, waiting for the resident's evaluation
    ("light", (*R_TRANSFER, "dept", "reply"), "visit_own"),
    ("road", (*R_TRANSFER, "dept", "reply"), "hotline"),
    ("relief", ("transfer", "dept", "reply"), "desk"),
    ("manhole", ("assign", "handle", "reply"), "group_chat"),
    # warning orders (督办): the resident was not satisfied
    ("sprinkler", (*R_TRANSFER, "dept", "reply", "unsatisfied"), "visit"),
    ("children", ("transfer2", "accept", "dept", "reply", "unsatisfied"), "desk"),
    # closed, with each evaluation
    ("rubbish", ("transfer", "dept", "reply", "satisfied"), "online_resident"),
    ("light", ("assign", "handle", "reply", "satisfied"), "visit"),
    ("disability", (*R_TRANSFER, "dept", "reply", "satisfied"), "desk"),
    ("subsidy", ("transfer", "dept", "reply", "satisfied"), "hotline"),
    ("dance", ("assign", "handle", "reply", "satisfied"), "group_chat"),
    ("clutter", ("transfer", "dept", "reply", "basically_satisfied"), "visit"),
    ("drain", ("assign", "handle", "reply", "basically_satisfied"), "hotline"),
    ("road", ("transfer", "dept", "reply", "code_satisfied"), "online_anonymous"),
    ("dogs", ("transfer", "dept", "reply", "unsatisfied", "dept", "reply", "unsatisfied"), "hotline"),
    ("smoke", ("transfer2", "dept", "reply", "unsatisfied", "dept", "reply", "satisfied"), "group_chat"),
    ("streetlamp", ("transfer", "dept", "reply", "autoclose"), "hotline"),
]
# Where each final status starts, in days before today (the long routes began earlier).
START_DAYS = {
    DemandStatus.RECEIVED: (0.1, 1.5),
    DemandStatus.RESOLVED_ON_SPOT: (2, 40),
    DemandStatus.ASSIGNED: (1, 9),
    DemandStatus.TRANSFERRED: (1, 10),
    DemandStatus.RETURNED: (3, 8),
    DemandStatus.ESCALATED: (6, 12),
    DemandStatus.DELIBERATING: (3, 9),
    DemandStatus.HANDLED: (3, 8),
    DemandStatus.REPLIED: (3, 6),
    DemandStatus.REOPENED: (5, 8),
    DemandStatus.CLOSED: (14, 45),
}
SESSION_TITLE = "书记面对面·七星里议事角"


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

        self.make_departments()
        self.make_calendar()
        self.make_demand_categories()

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

        # Volunteers register and are approved before the wishes, so that the claims they
        # fulfil write service records; their teams and hours come after.
        volunteer_demo.register_volunteers(
            self.volunteers, communities=self.communities, staff=self.staff, rng=self.rng,
            id_number=lambda: self.id_number(
                self.birth_date(self.rng.randint(20, 68)), self.rng.choice([Gender.FEMALE, Gender.MALE])
            ),
            phone=self.phone,
        )  # fmt: skip
        self.categories = {c.name: c for c in WishCategory.objects.all()}
        self.make_wishes(demo_resident)
        self.make_demands(demo_resident)
        volunteer_demo.seed_volunteer_life(
            street=street, communities=self.communities, staff=self.staff, admin=admin, rng=self.rng,
            step=self.step, now=self.now,
        )  # fmt: skip
        partner_demo.seed_partner_demo(street, self.communities, admin, self.rng)
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

    # --- departments, calendar, categories --------------------------------------------

    def make_departments(self) -> None:
        self.departments = {}
        for i, (name, username, person) in enumerate(DEPARTMENTS):
            handler = self.user(username, person)
            self.grant(handler, Role.DEPARTMENT, self.street, listed=i == 0)
            department = Department.objects.create(name=name, street=self.street)
            department.handlers.add(handler)
            self.departments[name] = (department, handler)

    def make_calendar(self) -> None:
        rows = []
        for name, span, workdays in HOLIDAYS:
            first, last = (dt.date.fromisoformat(day) for day in span.split(".."))
            # A holiday's Saturday and Sunday are rest days anyway: only its weekdays are kept
            # (the street's calendar page refuses a "holiday" on a weekend).
            days = (first + dt.timedelta(days=n) for n in range((last - first).days + 1))
            rows += [Holiday(street=self.street, date=day, name=name) for day in days if day.weekday() < 5]
            rows += [
                Holiday(
                    street=self.street, date=dt.date.fromisoformat(day), is_workday=True, name=f"{name}调休"
                )
                for day in workdays
            ]
        Holiday.objects.bulk_create(rows)

    def make_demand_categories(self) -> None:
        self.demand_categories = {}
        for n, (parent_name, children) in enumerate(DEMAND_CATEGORIES.items()):
            parent = DemandCategory.objects.create(
                name=parent_name, name_en=DEMAND_CATEGORIES_EN[parent_name], ordering=n
            )
            for m, child in enumerate(children):
                self.demand_categories[child] = DemandCategory.objects.create(
                    name=child, name_en=DEMAND_CATEGORIES_EN[child], parent=parent, ordering=m
                )

    # --- demands ----------------------------------------------------------------------

    def make_demands(self, demo_resident: Resident) -> None:
        """About sixty demands in every state: the plan above, a desk session and two
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

    TIMESTAMPS = [
        (AuditEntry, "created_at"),
        (Demand, "created_at"),
        (Demand, "updated_at"),
        (Demand, "first_response_at"),
        (Demand, "handled_at"),
        (Demand, "replied_at"),
        (Demand, "closed_at"),
        (Demand, "reopened_at"),
        (Transfer, "created_at"),
        (Transfer, "accepted_at"),
        (Transfer, "handled_at"),
        (Deliberation, "created_at"),
        (Deliberation, "decided_at"),
        (IntakeSession, "created_at"),
        (Notification, "created_at"),
        (Claim, "created_at"),
        (Claim, "ended_at"),
        (Wish, "created_at"),
        (Wish, "published_at"),
        (Wish, "fulfilled_at"),
        (Wish, "confirmed_at"),
        (Wish, "updated_at"),
        (Activity, "created_at"),
        (ServiceRecord, "created_at"),
        (ServiceRecord, "verified_at"),
        (PointsEntry, "created_at"),
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

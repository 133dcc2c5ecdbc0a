"""What the demo demands (诉求) say and which route each takes to its final state."""

from __future__ import annotations

from weiguang.demands.models import DemandStatus

from .departments import CITY, SOCIAL

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

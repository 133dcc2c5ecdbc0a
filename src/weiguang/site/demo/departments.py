"""The street's departments, its holiday calendar and the demand categories."""

from __future__ import annotations

import datetime as dt

from weiguang.demands.models import DemandCategory, Department, Holiday
from weiguang.regions.models import Role

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


class DepartmentsMixin:
    """Departments with their handlers, holidays, categories."""

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

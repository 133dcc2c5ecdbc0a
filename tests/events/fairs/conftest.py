"""Fair fixtures: a service fair of community A happening now, a stall of a partner unit with
a volunteer serving at it and 15-minute slots, and the 园东 fair of 18 stalls that collected 39
demands (27 handled on the spot, 12 transferred)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import PartnerFactory, ResidentFactory, UserFactory, grant
from weiguang.demands.models import Department
from weiguang.demands.services import dispatch, transfers
from weiguang.events import services as event_services
from weiguang.events.fairs import services
from weiguang.events.models import EventKind
from weiguang.regions.models import Role
from weiguang.volunteers.models import Team


def make_fair(people, title="七星里党员服务市集", hours_from_now=-1, length=4):
    starts = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(hours=hours_from_now)
    starts = starts.replace(minute=0)
    event = event_services.create_event(
        people.staff,
        {
            "region": people.tree.community_a,
            "kind": EventKind.SERVICE_FAIR,
            "title": title,
            "place_text": "七星里社区广场",
            "starts_at": starts,
            "ends_at": starts + dt.timedelta(hours=length),
        },
    )
    return event_services.publish_event(event, people.staff)


@pytest.fixture
def fair(people):
    return make_fair(people)


@pytest.fixture
def stall(fair, people):
    return services.add_stall(
        fair,
        people.staff,
        {
            "provider_kind": "partner",
            "partner": people.partner,
            "service": "家电维修",
            "spot": "A3",
            "slot_minutes": 15,
            "per_slot": 2,
            "workers": [people.volunteer],
        },
    )


def young(name, grid, **kw):
    """A resident of 40 (normal lane), with an account."""
    user = UserFactory(username=kw.pop("username", None) or f"u_{name}")
    grant(user, Role.RESIDENT, grid)
    return ResidentFactory(name=name, grid=grid, user=user, birth_date=dt.date(1985, 1, 1), **kw)


@pytest.fixture
def young_residents(people):
    return [
        young(n, people.tree.grid_a1, username=f"young{i}")
        for i, n in enumerate(["刘小明", "陈小红", "杨小军", "黄小丽"])
    ]


YUANDONG_UNITS = [
    "中国银行园东支行", "市立医院", "八大湖派出所", "律师事务所", "中医院", "理发店",
    "电信营业厅", "供电所", "燃气公司", "物业公司", "眼镜店", "宠物医院", "社区卫生服务中心",
]  # fmt: skip


def make_yuandong(people, tree):
    """The 园东 fair: 18 stalls (13 partner units, 3 of a volunteer team, 2 departments), and
    39 demands in its intake session: 27 handled on the spot, 12 transferred."""
    fair = make_fair(people, title="园东社区党员服务市集", hours_from_now=-3, length=2)
    team = Team.objects.create(name="彩虹志愿服务队", region=tree.community_a)
    stalls = []
    for unit in YUANDONG_UNITS:
        partner = PartnerFactory(name=unit, region=tree.street)
        stalls.append(services.add_stall(fair, people.staff, {"provider_kind": "partner", "partner": partner,
                                                                 "service": f"{unit}服务"}))  # fmt: skip
    for service in ["义务理发", "测血压", "磨剪刀"]:
        stalls.append(
            services.add_stall(
                fair, people.staff, {"provider_kind": "team", "team": team, "service": service}
            )
        )
    for dept in ["城管科", "民政科"]:
        stalls.append(services.add_stall(fair, people.staff, {"provider_kind": "department",
                                                                 "department_name": dept, "service": f"{dept}咨询"}))  # fmt: skip
    city = Department.objects.create(name="城管科", street=tree.street)
    for i in range(39):
        d = services.record_demand_at_stall(
            stalls[i % 18],
            people.staff,
            grid=tree.grid_a1,
            title=f"市集诉求第{i + 1}条",
            description="现场收集",
        )
        if i < 27:
            dispatch.resolve_on_spot(d, people.staff, result="现场答复")
        else:
            transfers.transfer_demand(d, people.staff, [(city, None)])
    return fair, stalls


@pytest.fixture
def yuandong(people, tree):
    return make_yuandong(people, tree)

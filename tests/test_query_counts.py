"""The query-count baseline (issue 10): every list page and every API list answers in the same
number of queries for 1 row as for 8 (NetBox keeps such a baseline). A list whose count grows
with its rows has an N+1: fix it in the service or view that builds the list
(select_related, prefetch_related, annotate), never here.

Each case builds its rows one at a time through the services (varied: with and without a
resident, photos, claims, other grids and communities), asks the list as a role that sees
them with 1 row and again with 8, and compares the two counts (where a list mixes kinds of
rows, the first row is one of each: a prefetch that finds nothing runs no query). The rows'
markers must be in the answer, so a case cannot pass by showing nothing. The cache (and the content types'
cache) is cleared before each measured request, so both are cold alike.

Which routes are lists: API GET routes whose 200 answer is an array or has `items`, plus
API_LISTS_BY_NAME; pages are classified by name in PAGES (lists) and NOT_LISTS, and a new
page name must be put in one of them.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from weiguang.api import api
from weiguang.regions.models import Role

from .demands.conftest import Depts
from .factories import ResidentFactory, UserFactory, grant, make_id_number
from .test_sweep_pages import walk

pytestmark = pytest.mark.django_db

FEW, MANY = 1, 8


def png(name: str = "photo.png") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 120, 200)).save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


class World:
    """The conftest's tree and people, the demands' departments, and what the builders share."""

    def __init__(self, people, depts):
        self.people = people
        self.tree = people.tree
        self.depts = depts
        self.memo: dict = {}

    def once(self, key: str, make: Callable):
        if key not in self.memo:
            self.memo[key] = make()
        return self.memo[key]

    def grid(self, i: int):
        return (self.tree.grid_a1, self.tree.grid_a2, self.tree.grid_a1, self.tree.grid_b1)[i % 4]

    def community(self, i: int):
        return (self.tree.community_a, self.tree.community_b)[i % 2]

    def resident(self, i: int):
        """Every other row for a resident of its own (in another grid), else the account holder."""
        if i % 2 == 0:
            return self.people.resident
        return ResidentFactory(name=f"李{'秀英桂兰建国明'[i % 7]}", grid=self.grid(i))


# --- builders: add(w, i) makes the i-th row and returns a text the list must show ---------------


def wish(w: World, i: int, status: str = "published", *, own=False, community_a=False, partner=True):
    """The i-th wish: every other one for a resident of its own, in grids of both communities
    (or only community A), every third with a photo. "published" claims every third (for a
    partner unit every other time); "open" claims none; "claimed" claims all; "disputed" is
    fulfilled and then disputed by the resident."""
    from weiguang.wishes import services
    from weiguang.wishes.models import WishKind

    p = w.people
    resident = p.resident if own else w.resident(i)
    if community_a and resident != p.resident:
        resident.grid = (w.tree.grid_a1, w.tree.grid_a2)[i % 2]
        resident.save()
    by = p.resident_user if resident == p.resident else p.street_admin
    title = f"心愿第{i}号想要电饭煲"
    made, _ = services.submit_wish(
        by,
        kind=(WishKind.ITEM, WishKind.SERVICE)[i % 2],
        title=title,
        description="家里的坏了",
        resident=resident,
        photos=[png()] if i % 3 == 0 else (),
        confirm_duplicate=True,
        public_limits=False,
    )
    if status == "submitted":
        return made, title
    made = services.publish_wish(made, p.street_admin)
    if status in ("claimed", "disputed") or (status == "published" and i % 3 == 1):
        unit = p.partner if partner and i % 2 else None
        made = services.claim_wish(made, p.partner_rep if unit else p.volunteer2, partner=unit)
    if status == "disputed":
        made = services.fulfil_wish(made, p.partner_rep if unit else p.volunteer2, note="已送到家")
        made = services.dispute_wish(made, p.resident_user, reason="东西没收到")
    return made, title


def titles_of(make: Callable, default: str):
    """add(w, i) for a builder that returns (row, title): add_wish("claimed", own=True) ..."""

    def adder(status: str = default, **kw):
        def add(w: World, i: int) -> str:
            return make(w, i, status, **kw)[1]

        return add

    return adder


add_wish = titles_of(wish, "published")


def add_wish_history(w: World, i: int) -> str:
    """The i-th step in one wish's life: claims and releases after publishing."""
    from weiguang.wishes import services

    p = w.people
    made = w.once("wish", lambda: wish(w, 0, "published")[0])
    if i == 0:
        return ""
    made.refresh_from_db()
    if made.status == "published":
        services.claim_wish(made, p.volunteer)
    else:
        services.release_claim(made, p.volunteer, reason=f"有事第{i}次")
    return ""


def demand(w: World, i: int, status: str = "mixed", *, own=False, community_a=False):
    """The i-th demand, in grids of both communities (or community A only); one in four without
    a resident (a contact name instead), every third with a photo, every other one urgent.
    "mixed" leaves a third received, a third transferred (to one or two departments) and a
    third assigned; "escalated" transfers it and the department escalates it (every other one
    then summoned back by the street)."""
    from weiguang.demands.services import dispatch, intake, transfers

    p, d = w.people, w.depts
    grid = (w.tree.grid_a1, w.tree.grid_a2)[i % 2] if community_a else w.grid(i)
    if own:
        grid, resident = p.resident.grid, p.resident
    elif i % 4 == 3:
        resident = None
    else:
        resident = p.resident if grid == p.resident.grid and i % 2 == 0 else ResidentFactory(grid=grid)
    title = f"诉求第{i}号楼道灯坏了"
    made = intake.submit_demand(
        p.resident_user if own else p.street_admin,
        grid=grid,
        title=title,
        description="三号楼二单元楼道灯不亮",
        resident=resident,
        urgent=i % 2 == 0,
        contact_name="" if resident else "张先生",
        contact_phone="" if resident else f"1380000{i:04d}",
        photos=[png()] if i % 3 == 0 else (),
        public_limits=False,
    )
    if status == "mixed":
        status = ("received", "transferred", "assigned")[i % 3]
    if status in ("transferred", "escalated"):
        to = [(d.city, None)] + ([(d.civil, None)] if i % 2 else [])
        made = transfers.transfer_demand(made, p.street_admin, to)
    if status == "assigned":
        made = dispatch.assign_demand(
            made, p.street_admin, p.staff if grid.parent_id == w.tree.community_a.pk else p.staff_b
        )
    if status == "escalated":
        made = dispatch.escalate_demand(made, d.handler, reason="涉及多个科室")
        if i % 2:
            made = transfers.transfer_demand(made, p.street_admin, [(d.city, None), (d.civil, None)])
    return made, title


add_demand = titles_of(demand, "mixed")


def add_demand_history(w: World, i: int) -> str:
    """The i-th step in one demand's life: a transfer to a department, which returns it."""
    from weiguang.demands.services import transfers as demand_transfers

    p, d = w.people, w.depts
    made = w.once("demand", lambda: demand(w, 0, "received")[0])
    demand_transfers.transfer_demand(made, p.street_admin, [((d.city, d.civil)[i % 2], None)])
    made.refresh_from_db()
    demand_transfers.request_return(made, (d.handler, d.handler2)[i % 2], reason=f"第{i}次退回")
    made.refresh_from_db()
    demand_transfers.review_return(made, p.street_admin, approve=True)
    return ""


def add_session(w: World, i: int) -> str:
    from weiguang.demands.services import intake

    title = f"书记面对面第{i}场"
    session = intake.open_session(
        w.people.street_admin, community=w.tree.community_a, title=title, date=timezone.localdate()
    )
    for n in range(i % 3):
        intake.submit_demand(
            w.people.staff,
            grid=w.tree.grid_a1,
            title=f"面对面诉求{i}-{n}",
            session=session,
            public_limits=False,
        )
    return title


def add_meeting(w: World, i: int) -> str:
    from weiguang.demands.services import deliberations

    title = f"联席议事第{i}次"
    referred = demand(w, i, "received")[0] if i % 2 else None
    meeting = deliberations.schedule_meeting(
        w.people.street_admin,
        region=referred.community if referred else (w.tree.street, w.tree.community_b)[i % 4 // 2],
        title=title,
        held_at=timezone.now() + dt.timedelta(days=i + 1),
    )
    if referred:
        deliberations.refer_to_meeting(referred, w.people.street_admin, meeting)
    return title


def add_holiday(w: World, i: int) -> str:
    from weiguang.demands.models import Holiday

    name = f"假日第{i}天"
    Holiday.objects.create(
        street=w.tree.street,
        date=dt.date(2026, 10, 1) + dt.timedelta(days=i),
        is_workday=i % 4 == 3,
        name=name,
    )
    return name


def add_category(w: World, i: int) -> str:
    from weiguang.demands.models import DemandCategory

    name = f"类别{i}号"
    parent = DemandCategory.objects.filter(name="类别0号").first() if i % 2 else None
    DemandCategory.objects.create(name=name, parent=parent, active=i % 4 != 3)
    return name


def add_department(w: World, i: int) -> str:
    from weiguang.demands.models import Department

    name = f"科室{i}号"
    dept = Department.objects.create(name=name, street=w.tree.street)
    dept.handlers.set([UserFactory(first_name=f"办理人{i}-{n}") for n in range(i % 3)])
    return name


def volunteer(w: World, i: int, *, approve=True, community_a=False):
    """A new volunteer, at home in either community (or community A), with 0–2 skills."""
    from weiguang.volunteers import services
    from weiguang.volunteers.models import Skill

    skills = [Skill.objects.get_or_create(name=name)[0] for name in ("理发", "家电维修")[: i % 3]]
    user = UserFactory(first_name=f"志愿者{i}号")
    made = services.register_volunteer(
        user,
        name=f"志愿者{i}号",
        phone=f"1370000{i:04d}",
        id_number=make_id_number(700 + i, region="370203"),
        home_region=w.tree.community_a if community_a else w.community(i),
        skills=skills,
    )
    if approve:
        made = services.approve_volunteer(made, w.people.street_admin)
    return made


def add_volunteer(**kw):
    def add(w: World, i: int) -> str:
        volunteer(w, i, **kw)
        return ""

    return add


def add_ranked(w: World, i: int) -> str:
    from weiguang.volunteers import services

    v = volunteer(w, i)
    services.add_honour_hours(v, w.people.street_admin, hours=i + 1, reason="值守")
    return ""


def add_team(w: World, i: int) -> str:
    from weiguang.volunteers import services

    name = f"第{i}志愿队"
    leaders = [UserFactory(first_name=f"队长{i}-{n}") for n in range(i % 3)]
    team = services.create_team(w.people.street_admin, region=w.community(i), name=name, leaders=leaders)
    for n in range(i % 3):
        services.add_project(team, w.people.street_admin, name=f"幸福来敲门{i}-{n}")
    return name


def the_team(w: World):
    from weiguang.volunteers import services

    def make():
        leader = UserFactory(username="team_leader", first_name="队长老王")
        w.people.leader = leader
        return services.create_team(
            w.people.street_admin, region=w.tree.community_a, name="蓝色平安队", leaders=[leader]
        )

    return w.once("team", make)


def member(w: World, i: int, accept: bool | None = None):
    """The i-th volunteer asks to join the team; every other one is accepted."""
    from weiguang.volunteers import services

    team = the_team(w)
    v = volunteer(w, i, community_a=True)
    membership = services.request_to_join(team, v.user)
    if accept or (accept is None and i % 2):
        services.decide_membership(membership, w.people.street_admin, accept=True)
    return v, membership


def add_member(w: World, i: int) -> str:
    member(w, i)
    return ""


def add_record(w: World, i: int) -> str:
    """A pending record of a team activity, for the i-th member (every other one with a project)."""
    from weiguang.volunteers import services

    team = the_team(w)
    v, _ = member(w, i, accept=True)
    title = f"巡逻活动第{i}次"
    day = timezone.localdate() - dt.timedelta(days=1)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
    services.record_activity(
        team,
        w.people.street_admin,
        title=title,
        date=day,
        attendance=[(v, start, start + dt.timedelta(hours=2))],
    )
    return ""


def add_own_record(w: World, i: int) -> str:
    """A record for one volunteer (the first row's), pending or honour hours in turn."""
    from weiguang.volunteers import services

    if i == 0:
        w.memo["volunteer"] = volunteer(w, 0)
    v = w.memo["volunteer"]
    services.add_honour_hours(v, w.people.street_admin, hours=1, reason=f"值守第{i}次")
    return f"值守第{i}次"


def add_reward(w: World, i: int) -> str:
    from weiguang.volunteers.models import RewardItem

    if i == 0:
        w.memo["volunteer"] = volunteer(w, 0)
    name = f"洗衣液{i}号"
    RewardItem.objects.create(street=w.tree.street, name=name, points=10 + i, stock=i + 1)
    return name


def station(w: World, i: int):
    """The i-th station: in the street or a community, some open round the clock, some run by
    a unit, every one with water, every other one's microwave out of order."""
    from weiguang.places.stations import services

    name = f"驿站第{i}号"
    made = services.create_station(
        w.people.street_admin, region=(w.tree.street, w.tree.community_a, w.tree.community_b)[i % 3],
        name=name, kind=("warm_new", "building", "community")[i % 3], address=f"延安三路{i}号",
        latitude=f"36.07{i}", longitude=f"120.39{i}", open_24h=i % 4 == 0,
        hours={"mon": "08:00-12:00, 13:00-20:00", "sat": "09:00-17:00"}, phone="053288661234",
        partner=w.people.partner if i % 2 else None,
        amenities={"water": "available", "microwave": "available", "charging": "available"},
    )  # fmt: skip
    if i % 2:
        services.set_amenity(
            services.amenity_of(made, "microwave"), w.people.street_admin, "out_of_order", "坏了"
        )
    return made, name


def add_station(w: World, i: int) -> str:
    return station(w, i)[1]


def station_item(w: World, i: int):
    from weiguang.volunteers.models import RewardItem

    if i == 0:
        w.memo["station"] = station(w, 100)[0]
    name = f"大米{i}号"
    return RewardItem.objects.create(street=w.tree.street, name=name, points=10, stock=100), name


def add_station_item(w: World, i: int) -> str:
    return station_item(w, i)[1]


def add_pickup(w: World, i: int) -> str:
    """A redemption of the i-th item, collected at the station; by one volunteer or another."""
    from weiguang.places.stations import services
    from weiguang.volunteers import services as volunteer_services
    from weiguang.volunteers.models import Volunteer

    item, name = station_item(w, i)
    items = [p.item for p in w.memo["station"].reward_items.select_related("item")]
    services.set_pickup_items(w.memo["station"], w.people.street_admin, [*items, item])
    if i == 0:
        w.memo["volunteer"] = volunteer(w, 0)
        w.memo["other"] = volunteer(w, 1)
    v = w.memo["volunteer"] if i % 2 == 0 else w.memo["other"]
    Volunteer.objects.filter(pk=v.pk).update(points_balance=100)  # the points are not measured here
    volunteer_services.redeem(v.user, item)
    return name


def add_unit(w: World, i: int) -> str:
    from weiguang.partners import services
    from weiguang.partners.models import PartnerKind

    name = f"共建单位第{i}家"
    unit = services.create_unit(
        w.people.street_admin,
        region=w.tree.street if i % 2 else w.community(i // 2),
        name=name,
        kind=(PartnerKind.COMPANY, PartnerKind.PROPERTY)[i % 2],
        communities=[w.tree.community_a] if i % 4 == 1 else (),
    )
    for n in range(i % 3):
        unit.representatives.add(UserFactory(first_name=f"代表{i}-{n}"))
    return name


def add_resource(w: World, i: int) -> str:
    from weiguang.partners import services
    from weiguang.partners.models import ResourceKind

    title = f"资源第{i}项义诊"
    services.add_resource(
        w.people.partner,
        w.people.street_admin,
        kind=ResourceKind.values[i % len(ResourceKind.values)],
        title=title,
        keywords="义诊 体检",
        area=w.tree.community_a if i % 2 else None,
    )
    return title


def add_notification(w: World, i: int) -> str:
    from weiguang.core.notifications import notify

    title = f"通知第{i}条"
    notify([w.people.staff], title, url=f"/wishes/{i}/" if i % 2 else "")
    return title


def add_resident(w: World, i: int) -> str:
    ResidentFactory(name=f"居民{i}", grid=w.grid(i) if i % 2 else w.tree.grid_a1, building=f"第{i}栋")
    return ""


def add_field_resident(w: World, i: int) -> str:
    """A resident the field kit offers (of A1, of other grids of the street)."""
    ResidentFactory(name=f"走访居民{i}", grid=w.grid(i) if i % 2 else w.tree.grid_a1, building=f"第{i}栋")
    return f"走访居民{i}"


def add_staff_account(w: World, i: int) -> str:
    """A staff account (with and without a mobile number) holding one or two roles."""
    from weiguang.accounts.models import Account

    user = UserFactory(username=f"staffer{i}", first_name=f"职员{i}")
    grant(user, Role.GRID_WORKER, w.grid(i))
    if i % 2:
        Account.objects.create(user=user, phone=f"1370000{i:04d}")
        grant(user, Role.COMMUNITY_STAFF, w.community(i))
    return f"职员{i}"


def add_staff_history(w: World, i: int) -> str:
    """A role granted to the grid worker and removed again (two history entries), by the admin."""
    from weiguang.accounts import staff

    region = w.tree.grid_a2 if i == 0 else w.tree.grid_b1
    membership = staff.grant_role(
        w.people.street_admin, w.people.grid_worker, role=Role.GRID_WORKER, region=region
    )
    if i:
        staff.remove_role(w.people.street_admin, membership)
    return region.name


def add_login_session(w: World, i: int) -> str:
    """Community staff logged in once more, from another address (their security page lists it)."""
    from django.test import Client

    address = f"198.51.100.{i + 10}"
    other = Client(REMOTE_ADDR=address, HTTP_USER_AGENT=f"Mozilla/5.0 (Linux; Android {10 + i}) Chrome/126.0")
    assert (
        other.post(
            "/login/", {"username": w.people.staff.username, "password": "pass-Weiguang-1"}
        ).status_code
        == 302
    )
    return address


def add_record_view(w: World, i: int) -> str:
    from weiguang.people.services import view_resident_record

    viewer = (w.people.staff, w.people.grid_worker, w.people.street_admin)[i % 3]
    view_resident_record(w.people.other_resident, viewer, via=("record", "wish", "demand")[i % 3], ref=i)
    return ""


def add_own_data(w: World, i: int) -> str:
    """What "my data" lists for the account holder: a wish of theirs (every third claimed),
    a message in their inbox and a look at their record; the first row also a demand."""
    from weiguang.core.notifications import notify
    from weiguang.people.services import view_resident_record

    p = w.people
    _made, title = wish(w, i, "published", own=True)
    notify([p.resident_user], f"消息第{i}号")
    view_resident_record(p.resident, (p.staff, p.grid_worker)[i % 2], via="record")
    if i == 0:
        demand(w, 0, own=True)
    return title


def add_data_request(w: World, i: int) -> str:
    """A personal-data request of a resident of its own, in grids of both communities: a
    correction, every third a deletion."""
    from weiguang.accounts import personal_data

    resident = ResidentFactory(name=f"申{'秀英桂兰建国明'[i % 7]}请", grid=w.grid(i), user=UserFactory())
    if i % 3 == 2:
        personal_data.request_deletion(resident.user, reason=f"不用了{i}")
    else:
        personal_data.request_correction(resident.user, {"door": f"{i}单元"})
    return resident.masked_name


def add_invitation(w: World, i: int) -> str:
    """One volunteer invited to the i-th wish (with a photo or not, for a resident or not);
    every third one already answered."""
    from weiguang.matching import invitations

    if i == 0:
        w.memo["volunteer"] = volunteer(w, 0, community_a=True)
    invitee = w.memo["volunteer"].user
    made, title = wish(w, i, "open", community_a=True)
    inv = invitations.invite(made, w.people.street_admin, user=invitee)
    if i % 3 == 2:
        invitations.decline_invitation(inv, invitee, reason="没空")
    return title


def add_wish_invitation(w: World, i: int) -> str:
    """Invitations to one wish of community A (the first row's): the first row one of each, then
    to a volunteer or to a unit of the street (one or two representatives) in turn."""
    from weiguang.matching import invitations
    from weiguang.partners import services as partners
    from weiguang.partners.models import PartnerKind
    from weiguang.regions.models import Role

    made = w.once("wish", lambda: wish(w, 0, "open", community_a=True)[0])
    if i % 2 or i == 0:
        unit = partners.create_unit(
            w.people.street_admin, region=w.tree.street, name=f"受邀单位第{i}家", kind=PartnerKind.COMPANY
        )
        for n in range(1 + i % 3 // 2):
            rep = UserFactory(first_name=f"代表{i}-{n}")
            grant(rep, Role.PARTNER_REP, w.tree.street)
            unit.representatives.add(rep)
        invitations.invite(made, w.people.street_admin, partner=unit)
    if i % 2 == 0:
        invitations.invite(made, w.people.street_admin, user=volunteer(w, i, community_a=True).user)
    return ""


def add_candidate(need: str):
    """A candidate for one wish or demand (the first row's): a volunteer, or a unit with a
    resource, in turn."""

    def add(w: World, i: int) -> str:
        if i == 0:
            w.memo["need"] = (
                wish(w, 0, "open", community_a=True)[0] if need == "wish" else demand(w, 0, "received")[0]
            )
        if i % 3 == 2:
            add_unit(w, i)
        else:
            volunteer(w, i, community_a=bool(i % 2))
        return ""

    return add


def add_bulk_row(w: World, i: int) -> str:
    """A published wish of community A and a volunteer of the street, for the bulk plan."""
    volunteer(w, i)
    return wish(w, i, "open", community_a=True)[1]


def add_project(w: World, i: int) -> str:
    """A project of the street or a community, linking 0–2 wishes, demands and resources."""
    from weiguang.lists import services

    p = w.people
    title = f"项目第{i}号助老"
    region = w.tree.street if i % 2 else w.tree.community_a
    wishes = [wish(w, 10 * i + n, "open", community_a=True)[0] for n in range(1 + i % 2)]
    demands = [demand(w, 10 * i + n, "received", community_a=True)[0] for n in range(i % 3)]
    resources = []
    if i % 3:
        add_resource(w, 2 * i)
        resources = list(p.partner.resources.order_by("-id")[:1])
    services.create_project(
        p.street_admin, region=region, title=title, plan="上门服务", owner=p.staff,
        wishes=wishes, demands=demands, resources=resources,
    )  # fmt: skip
    return title


def add_survey(w: World, i: int) -> str:
    from weiguang.lists import services

    title = f"调查第{i}号"
    survey = services.create_survey(
        w.people.street_admin,
        region=w.community(i) if i % 3 else w.tree.street,
        title=title,
        questions=[{"text": "您最希望社区提供哪些服务？", "options": ["义诊", "理发"], "multiple": True}]
        + [{"text": f"其他建议{n}"} for n in range(i % 3)],
    )
    if i % 2:
        services.close_survey(survey, w.people.street_admin)
    return title


def add_need(w: World, i: int) -> str | tuple[str, ...]:
    """Needs of community A: the first row is one of each (a wish, a demand, an open survey),
    then one of them in turn (a survey with 0–2 answers); some claimed, some with a photo."""
    if i == 0:
        return (
            wish(w, 0, "open", community_a=True)[1],
            demand(w, 1, "mixed", community_a=True)[1],
            survey_of_needs(w, 2),
        )
    if i % 3 == 1:
        return demand(w, 10 + i, "mixed", community_a=True)[1]
    if i % 3 == 2:
        return survey_of_needs(w, i)
    return wish(w, 10 + i, "open", community_a=True)[1]


def survey_of_needs(w: World, i: int) -> str:
    from weiguang.lists import services

    title = f"调查第{i}号"
    survey = services.create_survey(
        w.people.street_admin,
        region=w.tree.community_a if i % 2 else w.tree.street,
        title=title,
        questions=[{"text": "您最希望社区提供哪些服务？", "options": ["义诊", "理发"]}, {"text": "其他建议"}],
    )
    q = list(survey.questions.all())
    for n in range(i % 3):
        services.record_response(
            survey,
            w.people.staff,
            answers={str(q[0].pk): "义诊", str(q[1].pk): f"多办{n}"},
            grid=w.tree.grid_a1,
        )
    return title


def add_delivery(w: World, i: int) -> str:
    """A unit of the street whose representative claims a wish (fulfilled every other time)."""
    from weiguang.partners import services as partners
    from weiguang.partners.models import PartnerKind
    from weiguang.regions.models import Role
    from weiguang.wishes import services

    name = f"共建单位第{i}家"
    unit = partners.create_unit(
        w.people.street_admin, region=w.tree.street, name=name, kind=PartnerKind.COMPANY
    )
    rep = UserFactory(first_name=f"代表{i}")
    grant(rep, Role.PARTNER_REP, w.tree.street)
    unit.representatives.add(rep)
    made = wish(w, i, "open")[0]
    made = services.claim_wish(made, rep, partner=unit)
    if i % 2:
        services.fulfil_wish(made, rep, note="已送到家")
    return name


def add_phone_demand(w: World, i: int) -> str:
    """A demand given with one phone number (the track page lists them), in varied states."""
    from weiguang.demands.services import intake, transfers

    made = intake.submit_demand(
        w.people.street_admin,
        grid=w.grid(i),
        title=f"诉求第{i}号楼道灯坏了",
        contact_name="张先生",
        contact_phone="13800009999",
        urgent=i % 2 == 0,
        photos=[png()] if i % 3 == 0 else (),
        public_limits=False,
    )
    if i % 3 == 1:
        transfers.transfer_demand(made, w.people.street_admin, [(w.depts.city, None)])
    return made.tracking_code


def add_certificate(w: World, i: int) -> str:
    from weiguang.volunteers import services

    if i == 0:
        w.memo["volunteer"] = volunteer(w, 0)
    v = w.memo["volunteer"]
    services.add_honour_hours(v, w.people.street_admin, hours=1, reason=f"值守第{i}次")
    v.refresh_from_db()
    return services.issue_certificate(v, w.people.street_admin).number


def add_referred(w: World, i: int) -> str:
    """A demand of community A referred to one meeting (the first row's)."""
    from weiguang.demands.services import deliberations as demand_deliberations

    meeting = w.once(
        "meeting",
        lambda: demand_deliberations.schedule_meeting(
            w.people.street_admin, region=w.tree.community_a, title="联席议事会", held_at=timezone.now()
        ),
    )
    made, title = demand(w, i, "received", community_a=True)
    demand_deliberations.refer_to_meeting(made, w.people.street_admin, meeting)
    return title


def add_building(w: World, i: int) -> str:
    """A building of a grid (the place tree lists them after the regions)."""
    from weiguang.regions.models import Building

    return Building.objects.create(grid=w.grid(i), name=f"第{i}号楼栋").name


def add_residence_request(w: World, i: int) -> str:
    """A pending residence request in community A; every other one with a record to match."""
    from weiguang.accounts import residence
    from weiguang.accounts.models import Account
    from weiguang.regions.models import Building

    grid = (w.tree.grid_a1, w.tree.grid_a2)[i % 2]
    name = f"申请人{'甲乙丙丁戊己庚辛'[i]}"
    user = UserFactory(username=f"applicant{i}", first_name=name)
    phone = f"1370000{i:04d}"
    Account.objects.create(user=user, phone=phone)
    if i % 2 == 0:
        ResidentFactory(name=name, grid=w.tree.grid_a2, phone=phone)
    building, _ = Building.objects.get_or_create(grid=grid, name=f"{i + 1}号楼")
    residence.request_residence(user, grid=grid, building=building, door=f"{i + 1}-101")
    return name


def the_centre(w: World):
    from weiguang.places.models import Room, ServiceCentre

    def make():
        centre = ServiceCentre.objects.create(name="八大湖党群服务中心", region=w.tree.street, floors=3)
        Room.objects.create(centre=centre, name="多功能厅", capacity=80)
        return centre

    return w.once("centre", make)


def add_room(w: World, i: int) -> str:
    """A function room of the street's centre, on floors 1–3, with or without equipment."""
    from weiguang.places.models import Equipment, Room

    equipment = [Equipment.PIANO, Equipment.TABLES][: i % 3]
    return Room.objects.create(
        centre=the_centre(w), name=f"功能室{i}号", floor=i % 3 + 1, equipment=equipment
    ).name


def add_booking(w: World, i: int, approve: bool = True) -> str:
    """The i-th booking of the centre's hall next week (weekdays 09:00 and 11:00), by the
    resident; every other one approved (unless not `approve`), every third for a volunteer
    team led by them."""
    from weiguang.places.models import Room
    from weiguang.places.rooms import services
    from weiguang.volunteers.models import Team

    room = Room.objects.get(centre=the_centre(w), name="多功能厅")
    monday = services.monday_of(timezone.localdate()) + dt.timedelta(days=7)
    day, hour = monday + dt.timedelta(days=i % 5), 9 + 2 * (i // 5)
    team = None
    if i % 3 == 0:
        team = Team.objects.create(name=f"分队{i}", region=w.tree.community_a)
        team.leaders.add(w.people.resident_user)
    booking = services.request_booking(
        room, w.people.resident_user, start=services.local(day, dt.time(hour)),
        end=services.local(day, dt.time(hour + 1)),
        data=services.BookingInput(purpose=f"活动{i}", group_name=f"团体{i}号", attendees=10, team=team),
    )  # fmt: skip
    if i % 2 and approve:
        services.approve_booking(booking, w.people.street_admin)
    return f"团体{i}号"


def add_room_request(w: World, i: int) -> str:
    """A booking waiting for the staff's decision (add_booking, none approved)."""
    return add_booking(w, i, approve=False)


def hall_of(w: World) -> int:
    from weiguang.places.models import Room

    return Room.objects.get(centre=the_centre(w), name="多功能厅").pk


def next_week(w: World) -> str:
    from weiguang.places.rooms import services

    return (services.monday_of(timezone.localdate()) + dt.timedelta(days=7)).isoformat()


def running_event(w: World, i: int = 0):
    """An event of community A that is on now (its desk open), made through the services."""
    from weiguang.events import services
    from weiguang.events.models import Event

    starts = timezone.now() + dt.timedelta(days=1)
    event = services.create_event(
        w.people.staff,
        {
            "region": w.tree.community_a, "kind": "micro_lecture", "title": f"签到台活动{i}号",
            "starts_at": starts, "ends_at": starts + dt.timedelta(hours=2), "capacity": None,
        },
    )  # fmt: skip
    services.publish_event(event, w.people.staff)
    now = timezone.now()
    Event.objects.filter(pk=event.pk).update(
        starts_at=now - dt.timedelta(minutes=30), ends_at=now + dt.timedelta(hours=3)
    )
    return Event.objects.get(pk=event.pk)


def add_desk_event(w: World, i: int) -> str:
    return running_event(w, i).title


def add_checkin(w: World, i: int) -> str:
    """Walk-ins at one event's desk: named visitors and residents of either community, every
    third checked out again."""
    from weiguang.events import checkins

    event = w.once("desk_event", lambda: running_event(w))
    if i % 2 == 0:
        name = f"来访者{i}号"
        visit = checkins.walk_in(event, w.people.street_admin, name=name)
    else:
        name = f"签到居民{i}"
        resident = ResidentFactory(name=name, grid=w.grid(i))
        visit = checkins.walk_in(event, w.people.street_admin, resident=resident)
    if i % 3 == 0:
        checkins.check_out(visit, w.people.street_admin)
    return name


def add_event_helper(w: World, i: int) -> str:
    from weiguang.events import checkins

    event = w.once("desk_event", lambda: running_event(w))
    made = volunteer(w, i, community_a=i % 2 == 0)
    checkins.add_helper(event, w.people.street_admin, made)
    return made.name


def an_event(w: World, i: int, *, region=None, title: str = "", **kw):
    """A published event of either community or the street (varied: places or none, groups,
    a team), made by the street admin."""
    from weiguang.events import services
    from weiguang.people.models import PopulationGroup

    starts = timezone.now() + dt.timedelta(days=2 + i)
    data = {
        "region": region or (w.tree.community_a, w.tree.community_b, w.tree.street)[i % 3],
        "kind": ("party_day", "micro_lecture", "course")[i % 3], "title": title or f"活动{i}号",
        "place_text": f"活动室{i}", "starts_at": starts, "ends_at": starts + dt.timedelta(hours=2),
        "capacity": None if i % 4 == 3 else 2, "max_party_size": 2,
        "groups": list(PopulationGroup.objects.all()[: i % 2]), **kw,
    }  # fmt: skip
    return services.publish_event(services.create_event(w.people.street_admin, data), w.people.street_admin)


def add_event(w: World, i: int) -> str:
    """An event; those without groups with sign-ups of two residents (one of them waiting)."""
    from weiguang.events import services

    region = (w.tree.community_a, w.tree.community_b, w.tree.street)[i % 3]
    event = an_event(w, i, region=region, residents_only=region != w.tree.community_b)
    if i % 2 == 0 and region != w.tree.community_b:
        services.sign_up(event, w.people.grid_worker, resident=w.people.resident.pk, party_size=2)
        services.sign_up(event, w.people.staff, resident=w.people.other_resident.pk)
    return event.title


def add_my_signup(w: World, i: int) -> str:
    """The resident signs up for the i-th event (confirmed, waiting or offered)."""
    from weiguang.events import services

    event = an_event(w, i, region=w.tree.community_a, groups=[])
    if i % 3 == 1:
        services.sign_up(event, w.people.staff, resident=w.people.other_resident.pk, party_size=2)
    services.sign_up(event, w.people.resident_user)
    return event.title


def the_event(w: World):
    return w.once("event", lambda: an_event(w, 0, region=w.tree.community_a, title="排队的活动", capacity=3))


def add_searched(w: World, i: int) -> str:
    """A resident of community A whose name the staff search for, to sign them up."""
    the_event(w)
    return ResidentFactory(name=f"周{i}报", grid=(w.tree.grid_a1, w.tree.grid_a2)[i % 2]).name


def add_waiting(w: World, i: int) -> str:
    """One more party on the waiting list of a full event (the third makes the holder give
    the place back: the first waiting has an offer)."""
    from weiguang.events import services

    event = the_event(w)
    holder = w.once(
        "holder",
        lambda: services.sign_up(event, w.people.grid_worker, resident=w.people.resident.pk, party_size=2),
    )
    w.once("holder2", lambda: services.sign_up(event, w.people.staff, resident=w.people.other_resident.pk))
    resident = ResidentFactory(name=f"候补{i}号", grid=(w.tree.grid_a1, w.tree.grid_a2)[i % 2])
    made = services.sign_up(event, w.people.staff, resident=resident.pk, party_size=1 + i % 2)
    if i == 2:
        services.cancel_signup(holder, w.people.staff)
    return made.name


def add_signup(w: World, i: int) -> str:
    """A new resident of community A signs up for one event of 3 places: the first ones hold
    them, the next wait (one of them with an offer, after a cancellation)."""
    from weiguang.events import services

    event = the_event(w)
    user = UserFactory(first_name=f"报名{i}")
    grid = w.tree.grid_a1 if i % 2 else w.tree.grid_a2
    grant(user, Role.RESIDENT, grid)
    resident = ResidentFactory(name=f"孙{'一二三四五六七八'[i]}报", grid=grid, user=user)
    made = services.sign_up(event, w.people.staff if i % 2 else user, resident=resident.pk if i % 2 else None)
    if i == 4:
        services.cancel_signup(event.signups.order_by("id").first(), w.people.staff)
    return made.name


@dataclass
class Case:
    id: str
    url: Callable[[World], str] | str
    role: str  # a People attribute, or "anonymous"
    add: Callable[[World, int], str | tuple[str, ...]]  # makes the i-th row, returns what it shows
    api: bool = False

    def path(self, w: World) -> str:
        return self.url(w) if callable(self.url) else self.url


def wish_of(w: World) -> int:
    return w.memo["wish"].pk


PAGES: list[Case] = [
    Case("rooms", "/rooms/", "resident_user", add_room),
    Case("room_week", lambda w: f"/rooms/{hall_of(w)}/?week={next_week(w)}", "volunteer", add_booking),
    Case(
        "centre_week",
        lambda w: f"/centres/{the_centre(w).pk}/week/?week={next_week(w)}",
        "volunteer",
        add_booking,
    ),
    Case("my_bookings", "/bookings/mine/", "resident_user", add_booking),
    Case("booking_queue", "/bookings/queue/", "street_admin", add_room_request),
    Case("event_scanner", "/events/scan/", "street_admin", add_desk_event),
    Case("event_desk", lambda w: f"/events/{w.memo['desk_event'].pk}/desk/", "street_admin", add_checkin),
    Case("street_wall", lambda w: f"/streets/{w.tree.street.pk}/wall/", "anonymous", add_wish()),
    Case("street_wall as staff", lambda w: f"/streets/{w.tree.street.pk}/wall/", "staff", add_wish()),
    Case(
        "community_wall",
        lambda w: f"/communities/{w.tree.community_a.pk}/wall/",
        "volunteer",
        add_wish(community_a=True),
    ),
    Case(
        "street_wall_print", lambda w: f"/streets/{w.tree.street.pk}/wall/print/", "staff", add_wish("open")
    ),
    Case(
        "community_wall_print",
        lambda w: f"/communities/{w.tree.community_a.pk}/wall/print/",
        "staff",
        add_wish("open", community_a=True),
    ),
    Case("my_wishes", "/my/wishes/", "resident_user", add_wish(own=True)),
    Case("my_claims", "/my/claims/", "volunteer2", add_wish("claimed", partner=False)),
    Case("staff_queue", "/staff/wishes/", "street_admin", add_wish("submitted")),
    Case("staff_queue disputed", "/staff/wishes/", "street_admin", add_wish("disputed", own=True)),
    Case("staff_all", "/staff/wishes/all/", "street_admin", add_wish()),
    Case("my_demands", "/my/demands/", "resident_user", add_demand(own=True)),
    Case("demand_queue", "/staff/demands/", "staff", add_demand(community_a=True)),
    Case("region_demands", "/staff/demands/all/", "street_admin", add_demand()),
    Case("dept_inbox", "/dept/demands/", "handler", add_demand("transferred")),
    Case("escalation_board", "/street/demands/escalated/", "street_admin", add_demand("escalated")),
    Case("meetings", "/staff/meetings/", "street_admin", add_meeting),
    Case(
        "meeting_detail", lambda w: f"/staff/meetings/{w.memo['meeting'].pk}/", "street_admin", add_referred
    ),
    Case("demand_holidays", "/street/demands/holidays/", "street_admin", add_holiday),
    Case("demand_categories", "/street/demands/categories/", "street_admin", add_category),
    Case("demand_departments", "/street/demands/departments/", "street_admin", add_department),
    Case("desk_resident_search", "/desk/demands/residents/?q=居民", "staff", add_resident),
    Case("resident_search", "/grid/residents/search/?q=居民", "grid_worker", add_resident),
    Case("staff_residents", "/staff/residents/", "street_admin", add_resident),
    Case("field_kit", "/field/", "street_admin", add_field_resident),
    Case("staff_accounts", "/staff/accounts/", "street_admin", add_staff_account),
    Case(
        "staff_account",
        lambda w: f"/staff/accounts/{w.people.grid_worker.pk}/",
        "street_admin",
        add_staff_history,
    ),
    Case("security", "/security/", "staff", add_login_session),
    Case("inbox", "/inbox/", "staff", add_notification),
    Case("demand_track_form", "/demands/track/?phone=13800009999", "anonymous", add_phone_demand),
    Case("my_certificates", "/my/certificates/", "vol", add_certificate),
    Case("staff_volunteers", "/staff/volunteers/?status=approved", "street_admin", add_volunteer()),
    Case("staff_volunteers pending", "/staff/volunteers/", "street_admin", add_volunteer(approve=False)),
    Case("volunteer_rankings", "/volunteers/rankings/", "street_admin", add_ranked),
    Case("teams", "/teams/", "street_admin", add_team),
    Case("team_detail", lambda w: f"/teams/{the_team(w).pk}/", "street_admin", add_member),
    Case("records_to_verify", "/service-records/", "street_admin", add_record),
    Case("volunteer_me", "/volunteers/me/", "vol", add_own_record),
    Case("volunteer_shop", "/volunteers/shop/", "vol", add_reward),
    Case("partner_units", "/partners/", "street_admin", add_unit),
    Case("stations", "/stations/", "anonymous", add_station),
    Case("stations near", "/stations/?amenity=water&lat=36.07&lng=120.39", "anonymous", add_station),
    Case("staff_stations", "/staff/stations/", "street_admin", add_station),
    Case(
        "staff_station",
        lambda w: f"/staff/stations/{w.memo['station'].pk}/",
        "street_admin",
        add_station_item,
    ),
    Case(
        "station_pickups",
        lambda w: f"/staff/stations/{w.memo['station'].pk}/pickups/",
        "street_admin",
        add_pickup,
    ),
    Case("volunteer_shop redeemed", "/volunteers/shop/", "vol", add_pickup),
    Case("wish_detail", lambda w: f"/wishes/{wish_of(w)}/", "street_admin", add_wish_history),
    Case("demand_detail", lambda w: f"/demands/{w.memo['demand'].pk}/", "street_admin", add_demand_history),
    Case(
        "staff_resident",
        lambda w: f"/staff/residents/{w.people.other_resident.pk}/",
        "street_admin",
        add_record_view,
    ),
    Case("partner_unit", lambda w: f"/partners/{w.people.partner.pk}/", "street_admin", add_resource),
    Case("my_invitations", "/my/invitations/", "vol", add_invitation),
    Case("event_list", "/events/", "anonymous", add_event),
    Case("event_list as resident", "/events/", "resident_user", add_event),
    Case("event_manage", "/events/manage/", "street_admin", add_event),
    Case("event_my_signups", "/events/mine/", "resident_user", add_my_signup),
    Case("event_signups", lambda w: f"/events/{the_event(w).pk}/signups/", "staff", add_signup),
    Case(
        "event_sign_up_for",
        lambda w: f"/events/{the_event(w).pk}/sign-up-for/?q=报",
        "staff",
        add_searched,
    ),
    Case(
        "wish_candidates",
        lambda w: f"/staff/wishes/{w.memo['need'].pk}/candidates/",
        "street_admin",
        add_candidate("wish"),
    ),
    Case(
        "wish_candidates invited",
        lambda w: f"/staff/wishes/{wish_of(w)}/candidates/",
        "street_admin",
        add_wish_invitation,
    ),
    Case(
        "demand_candidates",
        lambda w: f"/staff/demands/{w.memo['need'].pk}/candidates/",
        "street_admin",
        add_candidate("demand"),
    ),
    Case(
        "bulk_assign",
        lambda w: f"/staff/assignments/?community={w.tree.community_a.pk}",
        "street_admin",
        add_bulk_row,
    ),
    Case("three_lists", lambda w: f"/lists/?region={w.tree.community_a.pk}", "street_admin", add_need),
    Case(
        "three_lists projects",
        lambda w: f"/lists/?region={w.tree.street.pk}&tab=projects",
        "street_admin",
        add_project,
    ),
    Case(
        "three_lists resources",
        lambda w: f"/lists/?region={w.tree.community_a.pk}&tab=resources",
        "street_admin",
        add_resource,
    ),
    Case("partner_deliveries", "/partners/deliveries/", "street_admin", add_delivery),
    Case("my_data", "/my/data/", "resident_user", add_own_data),
    Case("data_requests", "/staff/data-requests/", "street_admin", add_data_request),
    Case("residence_queue", "/staff/residence/", "staff", add_residence_request),
]

API: list[Case] = [
    Case("GET /rooms", "/api/v1/rooms", "resident_user", add_room, api=True),
    Case("GET /bookings", "/api/v1/bookings", "resident_user", add_booking, api=True),
    Case("GET /bookings?queue=true", "/api/v1/bookings?queue=true", "street_admin", add_booking, api=True),
    Case(
        "GET /rooms/{room_id}/week",
        lambda w: f"/api/v1/rooms/{hall_of(w)}/week?start={next_week(w)}",
        "volunteer",
        add_booking,
        api=True,
    ),  # fmt: skip
    Case("GET /staff/accounts", "/api/v1/staff/accounts", "street_admin", add_staff_account, api=True),
    Case("GET /wishes", "/api/v1/wishes", "street_admin", add_wish(), api=True),
    Case("GET /wishes?scope=region", "/api/v1/wishes?scope=region", "street_admin", add_wish(), api=True),
    Case(
        "GET /wishes?scope=mine", "/api/v1/wishes?scope=mine", "resident_user", add_wish(own=True), api=True
    ),
    Case(
        "GET /wishes/{wish_id}/history",
        lambda w: f"/api/v1/wishes/{wish_of(w)}/history",
        "staff",
        add_wish_history,
        api=True,
    ),
    Case("GET /demands", "/api/v1/demands", "street_admin", add_demand(), api=True),
    Case(
        "GET /events/{event_id}/checkins",
        lambda w: f"/api/v1/events/{w.memo['desk_event'].pk}/checkins",
        "street_admin",
        add_checkin,
        api=True,
    ),
    Case(
        "GET /events/{event_id}/helpers",
        lambda w: f"/api/v1/events/{w.memo['desk_event'].pk}/helpers",
        "street_admin",
        add_event_helper,
        api=True,
    ),
    Case(
        "GET /demands/{demand_id}/history",
        lambda w: f"/api/v1/demands/{w.memo['demand'].pk}/history",
        "street_admin",
        add_demand_history,
        api=True,
    ),
    Case("GET /demands/sessions", "/api/v1/demands/sessions", "street_admin", add_session, api=True),
    Case("GET /demands/meetings", "/api/v1/demands/meetings", "street_admin", add_meeting, api=True),
    Case(
        "GET /demands/holidays", "/api/v1/demands/holidays?year=2026", "street_admin", add_holiday, api=True
    ),
    Case(
        "GET /demands/categories",
        "/api/v1/demands/categories?include_inactive=true",
        "street_admin",
        add_category,
        api=True,
    ),
    Case("GET /demands/departments", "/api/v1/demands/departments", "street_admin", add_department, api=True),
    Case("GET /volunteers", "/api/v1/volunteers", "street_admin", add_volunteer(), api=True),
    Case(
        "GET /volunteers/{volunteer_id}/records",
        lambda w: f"/api/v1/volunteers/{w.memo['volunteer'].pk}/records",
        "street_admin",
        add_own_record,
        api=True,
    ),
    Case(
        "GET /volunteers/rankings",
        lambda w: f"/api/v1/volunteers/rankings?region={w.tree.street.pk}",
        "street_admin",
        add_ranked,
        api=True,
    ),
    Case("GET /teams", "/api/v1/teams", "street_admin", add_team, api=True),
    Case(
        "GET /teams/{team_id}/memberships",
        lambda w: f"/api/v1/teams/{the_team(w).pk}/memberships",
        "street_admin",
        add_member,
        api=True,
    ),
    Case("GET /service_records", "/api/v1/service_records", "street_admin", add_record, api=True),
    Case("GET /points/items", "/api/v1/points/items", "vol", add_reward, api=True),
    Case("GET /stations", "/api/v1/stations", "anonymous", add_station, api=True),
    Case(
        "GET /stations?amenity=water&lat=36.07&lng=120.39",
        "/api/v1/stations?amenity=water&lat=36.07&lng=120.39",
        "anonymous",
        add_station,
        api=True,
    ),  # fmt: skip
    Case("GET /stations/managed", "/api/v1/stations/managed", "street_admin", add_station, api=True),
    Case(
        "GET /stations/{station_id}/pickups",
        lambda w: f"/api/v1/stations/{w.memo['station'].pk}/pickups",
        "street_admin",
        add_pickup,
        api=True,
    ),
    Case("GET /partners", "/api/v1/partners", "street_admin", add_unit, api=True),
    Case("GET /resources", "/api/v1/resources", "street_admin", add_resource, api=True),
    Case("GET /invitations", "/api/v1/invitations", "vol", add_invitation, api=True),
    Case(
        "GET /invitations?wish_id",
        lambda w: f"/api/v1/invitations?wish_id={wish_of(w)}",
        "street_admin",
        add_wish_invitation,
        api=True,
    ),
    Case(
        "GET /wishes/{wish_id}/candidates",
        lambda w: f"/api/v1/wishes/{w.memo['need'].pk}/candidates",
        "street_admin",
        add_candidate("wish"),
        api=True,
    ),
    Case(
        "GET /demands/{demand_id}/candidates",
        lambda w: f"/api/v1/demands/{w.memo['need'].pk}/candidates",
        "street_admin",
        add_candidate("demand"),
        api=True,
    ),
    Case("GET /projects", "/api/v1/projects", "street_admin", add_project, api=True),
    Case("GET /surveys", "/api/v1/surveys", "street_admin", add_survey, api=True),
    Case(
        "GET /lists/needs",
        lambda w: f"/api/v1/lists/needs?region={w.tree.community_a.pk}",
        "street_admin",
        add_need,
        api=True,
    ),
    Case(
        "GET /lists/projects",
        lambda w: f"/api/v1/lists/projects?region={w.tree.street.pk}",
        "street_admin",
        add_project,
        api=True,
    ),
    Case(
        "GET /lists/resources",
        lambda w: f"/api/v1/lists/resources?region={w.tree.community_a.pk}",
        "street_admin",
        add_resource,
        api=True,
    ),
    Case(
        "GET /partners/deliveries",
        lambda w: f"/api/v1/partners/deliveries?street={w.tree.street.pk}",
        "street_admin",
        add_delivery,
        api=True,
    ),
    Case(
        "GET /residents/{resident_id}/views",
        lambda w: f"/api/v1/residents/{w.people.other_resident.pk}/views",
        "street_admin",
        add_record_view,
        api=True,
    ),
    Case("GET /data_requests", "/api/v1/data_requests", "street_admin", add_data_request, api=True),
    Case("GET /events", "/api/v1/events", "anonymous", add_event, api=True),
    Case("GET /events region", "/api/v1/events?scope=region", "street_admin", add_event, api=True),
    Case("GET /events as resident", "/api/v1/events", "resident_user", add_event, api=True),
    Case("GET /events/signups", "/api/v1/events/signups", "resident_user", add_my_signup, api=True),
    Case(
        "GET /events/{event_id}/signups",
        lambda w: f"/api/v1/events/{the_event(w).pk}/signups",
        "staff",
        add_signup,
        api=True,
    ),
    Case(
        "GET /events/{event_id}/waiting_list",
        lambda w: f"/api/v1/events/{the_event(w).pk}/waiting_list",
        "staff",
        add_waiting,
        api=True,
    ),
    Case("GET /me/data", "/api/v1/me/data", "resident_user", add_own_data, api=True),
    Case("GET /regions", "/api/v1/regions", "anonymous", add_building, api=True),
    Case("GET /residence_requests", "/api/v1/residence_requests", "staff", add_residence_request, api=True),
]


# Page names that are not lists: a form, an action, a picture, a sign-in, figures, one object
# without a growing list inside it (a wish's, a demand's, a resident's or a unit's page is
# measured above with its history, view log or resources).
# --- service fairs (events.fairs) ------------------------------------------------------------------


def the_fair(w: World):
    from .events.fairs.conftest import make_fair

    return w.once("fair", lambda: make_fair(w.people))


def the_stall(w: World):
    from weiguang.events.fairs import services

    def make():
        return services.add_stall(the_fair(w), w.people.staff, {
            "provider_kind": "partner", "partner": w.people.partner, "service": "家电维修",
            "slot_minutes": 15, "per_slot": 9, "workers": [w.people.volunteer],
        })  # fmt: skip

    return w.once("stall", make)


def add_stall(w: World, i: int) -> str:
    """The i-th stall: of a partner unit, a team or a department in turn, with a number waiting
    and someone served at every other one."""
    from weiguang.events.fairs import services
    from weiguang.volunteers.models import Team

    kinds = [
        {"provider_kind": "partner", "partner": w.people.partner},
        {"provider_kind": "team", "team": w.once("fair_team", lambda: Team.objects.create(name="彩虹队", region=w.tree.community_a))},
        {"provider_kind": "department", "department_name": f"科室{i}"},
    ]  # fmt: skip
    stall = services.add_stall(the_fair(w), w.people.staff, {**kinds[i % 3], "service": f"摊位服务{i}号"})
    services.take_number(stall, w.people.staff, name=f"排队{i}")
    if i % 2:
        services.record_walk_in(stall, w.people.street_admin, resident=w.resident(i))
    return f"摊位服务{i}号"


def add_ticket(w: World, i: int) -> str:
    """The i-th number at the stall, in both lanes."""
    from weiguang.events.fairs import services

    return services.take_number(the_stall(w), w.people.staff, name=f"排队{i}", priority=bool(i % 2)).label


def add_my_ticket(w: World, i: int) -> str:
    """The resident's number at the i-th stall."""
    from weiguang.events.fairs import services

    stall = services.add_stall(
        the_fair(w),
        w.people.staff,
        {"provider_kind": "department", "department_name": "司法所", "service": f"咨询{i}"},
    )
    services.take_number(stall, w.people.staff, name=f"前面{i}")
    return services.take_number(stall, w.people.resident_user).label


def add_stall_booking(w: World, i: int, page: bool = False) -> str:
    """A booking in one of the next three slots (the page shows local times, the API UTC)."""
    import datetime as dt

    from django.utils import timezone as tz

    from weiguang.events.fairs import services

    stall = the_stall(w)
    at = [s for s in services.slot_starts(stall) if s > tz.now()][i % 3]
    services.book_slot(stall, w.people.street_admin, at, resident=ResidentFactory(grid=w.tree.grid_a1))
    return tz.localtime(at).strftime("%H:%M") if page else at.astimezone(dt.UTC).isoformat()[:16]


def the_round(w: World):
    from django.utils import timezone as tz

    from weiguang.events.fairs import services
    from weiguang.people.models import PopulationGroup

    return w.once("food_round", lambda: services.open_food_round(
        w.people.staff, region=None, event=the_fair(w), stall=the_stall(w), title="爱心食物银行",
        date=tz.localdate(), groups=[PopulationGroup.objects.get(code="low_income")],
    ))  # fmt: skip


def add_food_round(w: World, i: int) -> str:
    """The i-th round of the fair: of one group or two, at the stall or not, with parcels
    handed out at every other one."""
    from django.utils import timezone as tz

    from weiguang.events.fairs import services
    from weiguang.people.models import PopulationGroup

    groups = list(PopulationGroup.objects.filter(code__in=["low_income", "disabled"][: 1 + i % 2]))
    r = services.open_food_round(
        w.people.staff, region=None, event=the_fair(w), stall=the_stall(w) if i % 2 else None,
        title=f"第{i}批物资包", date=tz.localdate(), groups=groups, parcels=10 + i,
    )  # fmt: skip
    if i % 2:
        household = ResidentFactory(grid=w.tree.grid_a1, building=f"{i}号楼", door="101")
        household.groups.add(groups[0])
        services.hand_out(r, w.people.staff, resident=household)
    return f"第{i}批物资包"


def add_household(w: World, i: int) -> str:
    """The i-th eligible household of the round (two residents at every other door), its
    parcel handed out at every third."""
    from weiguang.events.fairs import services
    from weiguang.people.models import PopulationGroup

    r = the_round(w)
    low = PopulationGroup.objects.get(code="low_income")
    head = ResidentFactory(grid=(w.tree.grid_a1, w.tree.grid_a2)[i % 2], building=f"{i}号楼", door="101")
    head.groups.add(low)
    if i % 2:
        ResidentFactory(grid=head.grid, building=head.building, door="101").groups.add(low)
    if i % 3 == 0:
        services.hand_out(r, w.people.staff, resident=head)
    return f"{i}号楼"


PAGES += [
    Case("fair_setup", lambda w: f"/fairs/{the_fair(w).pk}/setup/", "staff", add_stall),
    Case("fair_food", lambda w: f"/fairs/{the_fair(w).pk}/food/", "staff", add_food_round),
    Case("food_round", lambda w: f"/food/{the_round(w).pk}/", "staff", add_household),
    Case("fair_stalls", lambda w: f"/fairs/{the_fair(w).pk}/", "anonymous", add_stall),
    Case("fair_summary", lambda w: f"/fairs/{the_fair(w).pk}/summary/", "staff", add_stall),
    Case("stall_counter", lambda w: f"/stalls/{the_stall(w).pk}/counter/", "volunteer", add_ticket),
    Case(
        "stall",
        lambda w: f"/stalls/{the_stall(w).pk}/",
        "resident_user",
        lambda w, i: add_stall_booking(w, i, True),
    ),
]
API += [
    Case("GET /stalls", lambda w: f"/api/v1/stalls?event={the_fair(w).pk}", "anonymous", add_stall, api=True),
    Case("GET /stalls/{stall_id}/queue", lambda w: f"/api/v1/stalls/{the_stall(w).pk}/queue", "volunteer", add_ticket, api=True),
    Case("GET /stalls/{stall_id}/slots", lambda w: f"/api/v1/stalls/{the_stall(w).pk}/slots", "anonymous", add_stall_booking, api=True),
    Case("GET /queue/tickets/mine", "/api/v1/queue/tickets/mine", "resident_user", add_my_ticket, api=True),
]  # fmt: skip

NOT_LISTS: set[str] = {
    "room_book", "room_edit", "room_new", "room_door", "room_door_check_in", "booking_action", "booking_edit",
    "booking_cancel_rest",
    "home", "favicon", "login", "logout", "inbox_open", "inbox_read_all", "prefs_lang", "prefs_large_text",
    "wish_new", "wish_suggest_category", "wish_qr", "wish_action", "grid_wish_new", "staff_wish",
    "demand_new", "demand_done", "demand_track", "demand_track_evaluate", "demand_action",
    "demand_from_wish", "desk_demand_new", "desk_session_new", "desk_resident_pick", "demand_figures",
    "meeting_new", "meeting_decide", "demand_holiday_remove", "demand_category_action",
    "demand_department_rename", "demand_handler_add", "demand_handler_remove", "wish_invite",
    "invitation_answer", "volunteer_register", "volunteer_action", "team_join", "team_activity",
    "membership_decide", "demand_volunteer_service", "record_action", "issue_certificate",
    "certificate_verify", "certificate_detail", "certificate_download", "partner_profile",
    "resource_add", "resource_withdraw", "project_new", "project_detail", "project_action",
    "media", "staff_account_grant", "staff_account_remove_role", "staff_account_action",
    "signup", "login_code", "password_reset",
    "staff_account_new", "staff_set_password",
    "security_setup", "security_verify", "security_recovery", "security_remove", "security_end_others",
    "my_data_json", "my_data_xlsx", "data_request",
    "residence", "residence_action", "message_settings",
    "station_detail", "station_new", "station_edit", "station_amenity", "station_pickup_items", "pickup_hand_over",
    "offline_page", "service_worker", "web_manifest",
    "event_desk_walk_in", "event_desk_check_out", "event_desk_party", "event_desk_close", "event_desk_serve",
    "event_desk_add_helper",
    "event_detail", "event_sign_up", "event_new", "event_edit", "event_action", "event_signup_qr",
    "event_signup_action",
    "fair_summary_xlsx", "stall_display", "stall_take", "stall_book", "fair_ticket", "fair_ticket_cancel",
    "stall_counter_call_next", "stall_counter_take", "stall_counter_walk_in", "stall_counter_skip",
    "stall_counter_recall", "stall_counter_serve",
    "stall_edit", "stall_remove", "stall_counter_wish", "stall_counter_demand", "food_round_hand_out",
}  # fmt: skip

# API GET routes that answer lists under other names than `items`.
API_LISTS_BY_NAME: set[str] = {"/lists/needs", "/partners/deliveries", "/me/data", "/rooms/{room_id}/week"}


def page_name(case: Case) -> str:
    return case.id.split(" ")[0]


def api_route(case: Case) -> str:
    return case.id.split(" ")[1].split("?")[0]


def api_lists() -> set[str]:
    """GET routes whose 200 answer is an array or a page of `items`, and API_LISTS_BY_NAME."""
    schema = api.get_openapi_schema(path_prefix="")
    components = schema["components"]["schemas"]

    def resolved(node: dict) -> dict:
        while "$ref" in node:
            node = components[node["$ref"].rsplit("/", 1)[-1]]
        return node

    found = set()
    for path, operations in schema["paths"].items():
        answer = operations.get("get", {}).get("responses", {}).get(200, {})
        body = resolved(answer.get("content", {}).get("application/json", {}).get("schema", {}))
        if body.get("type") == "array" or "items" in body.get("properties", {}) or path in API_LISTS_BY_NAME:
            found.add(path)
    return found


def test_every_list_page_is_measured():
    names = {pattern.name for route, pattern in walk() if not route.startswith(("api/", "admin/"))}
    measured = {page_name(c) for c in PAGES}
    unclassified = names - measured - NOT_LISTS
    assert not unclassified, f"new pages: measure them in PAGES, or add them to NOT_LISTS: {unclassified}"
    assert not measured & NOT_LISTS
    assert measured <= names, f"no such page: {measured - names}"


def test_every_api_list_is_measured():
    lists = api_lists()
    measured = {api_route(c) for c in API}
    assert lists, "the OpenAPI schema has no list: the rule above no longer reads it"
    assert not lists - measured, f"API lists not measured (add them to API): {lists - measured}"
    assert measured <= lists, f"not lists by the rule: {measured - lists}"


# --- the measurement ---------------------------------------------------------------------------


def measure(client, case: Case, w: World) -> tuple[int, str, list[str]]:
    cache.clear()
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(case.path(w), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200, (case.id, response.status_code, response.content[:300])
    body = response.content.decode()
    if case.api:
        body = json.dumps(json.loads(body), ensure_ascii=False)
    return len(queries), body, [q["sql"] for q in queries.captured_queries]


def explain(few: list[str], many: list[str]) -> str:
    """The statements the longer run repeats (+n) or runs less (-n): where the N+1 is."""
    shape = re.compile(r"(?<=IN \()[^)]*|\b\d+\b|'[^']*'")
    counts: dict[str, int] = {}
    for sql in many:
        key = shape.sub("?", sql)
        counts[key] = counts.get(key, 0) + 1
    for sql in few:
        key = shape.sub("?", sql)
        counts[key] = counts.get(key, 0) - 1
    grown = [f"{n:+d}  {sql[:300]}" for sql, n in counts.items() if n]
    return "\n".join(grown)


def shown(marker: str | tuple[str, ...]) -> list[str]:
    return [marker] if isinstance(marker, str) else list(marker)


def client_as(client, w: World, role: str):
    if role == "handler":
        client.force_login(w.depts.handler)
    elif role == "vol":
        client.force_login(w.memo["volunteer"].user)
    elif role != "anonymous":
        client.force_login(getattr(w.people, role))
    return client


@pytest.mark.parametrize("case", PAGES + API, ids=lambda c: c.id)
def test_the_query_count_does_not_grow_with_the_rows(case, client, people):
    w = World(people, Depts(people.tree))
    markers = shown(case.add(w, 0))
    client_as(client, w, case.role)
    few, body, few_sql = measure(client, case, w)
    assert all(m in body for m in markers), f"{case.id}: the row is not in the list {markers} {body[:300]}"
    for i in range(1, MANY):
        markers += shown(case.add(w, i))
    many, body, many_sql = measure(client, case, w)
    print(f"{case.id}: {few} queries for {FEW} row, {many} for {MANY}")
    missing = [m for m in markers if m not in body]
    assert not missing, f"{case.id}: rows not in the list: {missing}"
    assert many == few, f"{case.id}: {few} queries for {FEW} row, {many} for {MANY}\n" + explain(
        few_sql, many_sql
    )

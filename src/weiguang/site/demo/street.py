"""The whole demo street: regions, an account per role, residents, then wishes, demands,
volunteers and partners, in that order (the order the random draws are made in)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from weiguang.core.models import AuditEntry, Notification
from weiguang.demands.models import Deliberation, Demand, IntakeSession, Transfer
from weiguang.lists import demo as partner_demo
from weiguang.partners.models import PartnerKind, PartnerUnit
from weiguang.people.models import Gender, PopulationGroup, Resident
from weiguang.places.rooms import demo as rooms_demo
from weiguang.regions.models import Region, RegionKind, Role
from weiguang.volunteers import demo as volunteer_demo
from weiguang.volunteers.models import Activity, PointsEntry, ServiceRecord
from weiguang.wishes.models import Claim, Wish, WishCategory, WishPolicy

from . import events as events_demo
from .accounts import DEMO_PASSWORD, Account
from .demands import DemandsMixin
from .departments import DepartmentsMixin
from .fairs import seed_fair
from .meetings import MeetingsMixin
from .people import PeopleMixin
from .stations import seed_stations
from .wishes import WishesMixin

DISTRICT = "市南区"
STREET = "八大湖街道"
COMMUNITIES = [("七星里社区", "七星里"), ("海晏社区", "海晏"), ("金湖路社区", "金湖路"), ("云溪社区", "云溪")]
GRID_ORDINALS = ["第一网格", "第二网格", "第三网格"]
RESIDENTS = 200
VOLUNTEERS = 30
STREET_VOLUNTEERS = 10  # the rest serve in one community each

PARTNERS = [
    ("青岛银行八大湖支行", PartnerKind.BANK, "partner", "郑经理"),
    ("八大湖社区卫生服务中心", PartnerKind.HOSPITAL, "partner2", "冯医生"),
    ("海诚物业八大湖服务中心", PartnerKind.PROPERTY, "partner3", "陈主管"),
    ("延安路小学", PartnerKind.SCHOOL, "partner4", "褚老师"),
    ("惠民超市八大湖店", PartnerKind.MERCHANT, "partner5", "卫店长"),
]


class Builder(PeopleMixin, DepartmentsMixin, WishesMixin, DemandsMixin, MeetingsMixin):
    """Lays out the street; each mixin holds one area's steps, all sharing this state."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.password_hash = make_password(DEMO_PASSWORD)  # hashed once: PBKDF2 per user is slow
        self.accounts: list[Account] = []
        self.phones: dict[str, str] = {}  # username -> mobile number (accounts.Account)
        self.used_ids: set[str] = set()
        self.User = get_user_model()

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
        resident_user = self.user("resident", demo_resident.name, phone=demo_resident.phone)
        Resident.objects.filter(pk=demo_resident.pk).update(user=resident_user)
        demo_resident.user = resident_user
        self.grant(resident_user, Role.RESIDENT, demo_resident.grid)
        self.residents = residents
        self.resident_user = resident_user
        self.make_buildings(residents)  # the buildings a person picks where they live
        self.make_newcomer(residents)  # a sign-up waiting for staff to confirm where they live

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
        self.make_visits(demo_resident)
        volunteer_demo.seed_volunteer_life(
            street=street, communities=self.communities, staff=self.staff, admin=admin, rng=self.rng,
            step=self.step, now=self.now,
        )  # fmt: skip
        partner_demo.seed_partner_demo(street, self.communities, admin, self.rng)
        seed_stations(street, self.communities, self.staff, admin)  # stations (驿站), their pick-ups
        centre = rooms_demo.seed_rooms_demo(  # the service centre's function rooms and this week's bookings
            street=street, admin=admin, volunteer=self.volunteers[0][0], partner_rep=self.partners[0][1],
            resident=resident_user,
        )  # fmt: skip
        first = self.communities[0]
        events_demo.seed_events(
            community=first, staff=self.staff[first.pk], grid_worker=self.grid_workers[self.grids[first.pk][0].pk],
            resident_user=resident_user, today=self.today, approver=admin,
            room=centre.rooms.filter(name="老年大学教室").first(),
            residents=[r for r in residents[1:] if r.grid_id in {g.pk for g in self.grids[first.pk]}],
        )  # fmt: skip
        seed_fair(self)  # last Saturday's service fair: stalls, queues, what it collected, parcels
        order = [Role.STREET_ADMIN, Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.VOLUNTEER, Role.PARTNER_REP,
                 Role.DEPARTMENT, Role.RESIDENT]  # fmt: skip
        return sorted(self.accounts, key=lambda a: order.index(a.role))

    VISITS = [
        ("身体还好，按时吃药；女儿周末来看她。", False),
        ("楼道扶手松了，已报修；下周再来看看。", True),
        ("不在家，门上留了联系卡。", False),
    ]

    def make_visits(self, demo_resident) -> None:
        """The grid workers' notes of home visits in the last days (people.VisitNote, the
        field kit's third form)."""
        from weiguang.people.services import record_visit

        today = timezone.localdate()
        for i, (note, follow_up) in enumerate(self.VISITS):
            resident = demo_resident if i == 0 else self.residents[i * 7]
            record_visit(
                self.grid_workers[resident.grid_id], resident=resident, note=note, follow_up=follow_up,
                visited_on=today - dt.timedelta(days=3 * i + 1),
            )  # fmt: skip

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

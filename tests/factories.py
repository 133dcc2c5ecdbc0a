"""Test data factories (factory-boy) and a small place tree builder."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from weiguang.core.privacy import id_number_check_digit
from weiguang.partners.models import PartnerKind, PartnerUnit
from weiguang.people.models import Resident
from weiguang.regions.models import Membership, Region, RegionKind
from weiguang.wishes.models import WishKind

User = get_user_model()


def make_id_number(seq: int, birth: dt.date = dt.date(1950, 3, 7), region: str = "370202") -> str:
    first17 = f"{region}{birth:%Y%m%d}{seq % 1000:03d}"
    return first17 + id_number_check_digit(first17)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.django.Password("pass-Weiguang-1")


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident

    name = factory.Sequence(lambda n: f"王{'秀英桂兰建国'[n % 6]}{'芳华明'[n % 3]}")
    gender = "F"
    birth_date = dt.date(1948, 5, 1)
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    id_number = factory.Sequence(lambda n: make_id_number(n))
    building = factory.Sequence(lambda n: f"{n % 9 + 1}号楼")
    door = factory.Sequence(lambda n: f"{n % 6 + 1}0{n % 4 + 1}室")
    consent = True


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerUnit

    name = factory.Sequence(lambda n: f"共建单位{n}")
    kind = PartnerKind.COMPANY


def grant(user, role: str, region: Region) -> Membership:
    from weiguang.regions import access

    m, _ = Membership.objects.get_or_create(user=user, role=role, region=region)
    access.forget(user)
    return m


def member(role: str, region: Region, **kw):
    """A user (UserFactory's `kw`: username, first_name ...) with `role` in `region`."""
    user = UserFactory(**kw)
    grant(user, role, region)
    return user


def community_project(people, by=None, **kw):
    """A project of community A made by `by` (staff of A unless named) with the plain fields
    below; `kw` sets others or overrides them (title, owner, wishes, demands, resources ...)."""
    from weiguang.lists import services

    fields = {"region": people.tree.community_a, "title": "爱心理发", "plan": "计划", "owner": people.staff}
    return services.create_project(by or people.staff, **{**fields, **kw})


class Tree:
    """district → street → two communities (A, B) → two grids each, and a second street."""

    def __init__(self):
        def region(name, kind, parent=None):
            return Region.objects.create(name=name, kind=kind, parent=parent)

        self.district = region("市南区", RegionKind.DISTRICT)
        self.street = region("八大湖街道", RegionKind.STREET, self.district)
        self.community_a = region("七星里社区", RegionKind.COMMUNITY, self.street)
        self.community_b = region("海晏社区", RegionKind.COMMUNITY, self.street)
        self.grid_a1 = region("七星里第一网格", RegionKind.GRID, self.community_a)
        self.grid_a2 = region("七星里第二网格", RegionKind.GRID, self.community_a)
        self.grid_b1 = region("海晏第一网格", RegionKind.GRID, self.community_b)
        self.other_street = region("金门路街道", RegionKind.STREET, self.district)
        self.other_community = region("金华社区", RegionKind.COMMUNITY, self.other_street)
        self.other_grid = region("金华第一网格", RegionKind.GRID, self.other_community)
        for r in [
            self.community_a,
            self.community_b,
            self.grid_a1,
            self.grid_a2,
            self.grid_b1,
            self.other_community,
            self.other_grid,
        ]:
            r.refresh_from_db()


__all__ = [
    "PartnerFactory",
    "ResidentFactory",
    "Tree",
    "UserFactory",
    "WishKind",
    "community_project",
    "grant",
    "make_id_number",
    "member",
]

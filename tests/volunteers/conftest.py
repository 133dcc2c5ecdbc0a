"""Volunteer fixtures: `register(user, **overrides)` and `approved(user)`."""

from __future__ import annotations

import itertools

import pytest

from weiguang.volunteers import services
from weiguang.volunteers.models import Skill

from ..factories import make_id_number

_ids = itertools.count(500)


@pytest.fixture
def skills(db):
    return {name: Skill.objects.create(name=name, keywords=kw) for name, kw in [
        ("理发", "理发 剪发"), ("家电维修", "电器 维修 电饭煲 风扇"), ("医疗护理", "医生 体检 护理"),
    ]}  # fmt: skip


@pytest.fixture
def register(people):
    def make(user, **kw):
        n = next(_ids)
        fields = {
            "name": kw.pop("name", user.first_name or "志愿者"),
            "phone": kw.pop("phone", f"1380000{n:04d}"),
            "id_number": kw.pop("id_number", make_id_number(n, region="370203")),
            "home_region": kw.pop("home_region", people.tree.community_a),
            **kw,
        }
        return services.register_volunteer(user, **fields)

    return make


@pytest.fixture
def approved(register, people):
    def make(user, **kw):
        return services.approve_volunteer(register(user, **kw), people.staff)

    return make

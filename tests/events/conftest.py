from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import ResidentFactory, UserFactory, grant
from weiguang.events import services
from weiguang.events.models import EventKind
from weiguang.regions.models import Role


@pytest.fixture
def make_event(people):
    """An event of community A made by its staff (published unless `status="draft"`)."""

    def make(status: str = "published", by=None, **kw):
        starts = timezone.now() + dt.timedelta(days=3)
        data = {
            "region": people.tree.community_a,
            "kind": EventKind.PARTY_DAY,
            "title": "七一主题党日",
            "place_text": "七星里社区党群服务中心",
            "starts_at": starts,
            "ends_at": starts + dt.timedelta(hours=2),
            "capacity": 2,
            "max_party_size": 3,
            **kw,
        }
        event = services.create_event(by or people.staff, data)
        if status in ("published", "closed"):
            event = services.publish_event(event, by or people.staff)
        if status == "closed":
            event = services.close_event(event, by or people.staff)
        return event

    return make


@pytest.fixture
def residents(people):
    """Six residents of grid A1, each with an account (a resident role there)."""
    found = []
    for i in range(6):
        user = UserFactory(username=f"res{i}", first_name=f"居民{i}")
        grant(user, Role.RESIDENT, people.tree.grid_a1)
        found.append(ResidentFactory(name=f"刘{'一二三四五六'[i]}妹", grid=people.tree.grid_a1, user=user))
    return found


@pytest.fixture
def serving_volunteer(people):
    """People's volunteer of community A, registered and approved."""
    import itertools

    from tests.factories import make_id_number
    from weiguang.volunteers import services as volunteer_services

    counter = itertools.count(800)

    def make(user=None, region=None, approver=None):
        user = user or people.volunteer
        n = next(counter)
        v = volunteer_services.register_volunteer(
            user, name=user.first_name or "志愿者", phone=f"1380001{n:04d}",
            id_number=make_id_number(n, region="370203"), home_region=region or people.tree.community_a,
        )  # fmt: skip
        return volunteer_services.approve_volunteer(v, approver or people.street_admin)

    return make

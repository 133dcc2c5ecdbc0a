"""A team leader's own hours are not his to-do: he may not verify them, so they are not counted
on his home page, listed on his queue or his team's page, or offered by the API; staff of the
region verify them. Who may verify is decided in one place (services.verifiable_records)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from weiguang.core.errors import NotAllowed
from weiguang.core.models import ApiToken
from weiguang.volunteers import services
from weiguang.volunteers.models import RecordStatus

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def activity(people, approved):
    leader = approved(UserFactory(username="leader_wang", first_name="王队长"))
    member = approved(UserFactory(username="member_li", first_name="李成员"))
    team = services.create_team(people.staff, region=people.tree.community_a, name="蓝色平安队",
                                colour="blue", leaders=[leader.user])  # fmt: skip
    for v in (leader, member):
        services.decide_membership(services.request_to_join(team, v.user), people.staff, accept=True)
    day = timezone.localdate() - dt.timedelta(days=1)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(19, 0)))
    services.record_activity(
        team, leader.user, title="夜间巡逻", date=day,
        attendance=[(leader, start, start + dt.timedelta(hours=2)), (member, start, start + dt.timedelta(hours=2))],
    )  # fmt: skip
    own = leader.service_records.get()
    other = member.service_records.get()
    return leader, team, own, other


def test_the_leaders_own_hours_are_not_on_his_to_do(client, people, activity):
    leader, team, own, other = activity
    assert list(services.pending_records(leader.user)) == [other]
    assert not services.may_verify(leader.user, own) and services.may_verify(leader.user, other)
    client.force_login(leader.user)
    home = client.get("/").content.decode()
    tile = re.search(r'data-tile="verify">(.*?)</a>', home, re.S).group(1)
    assert re.findall(r"\d+", tile) == ["1"], tile  # only the member's record
    queue = client.get("/service-records/").content.decode()
    assert f'data-record="{other.pk}"' in queue and f'data-record="{own.pk}"' not in queue
    page = client.get(f"/teams/{team.pk}/").content.decode()
    assert f'data-record="{own.pk}"' not in page
    api = client.get("/api/v1/service_records", HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(leader.user)}")
    assert [r["id"] for r in api.json()] == [other.pk]
    # he cannot verify or reject them himself, by the page either
    with pytest.raises(NotAllowed):
        services.reject_record(own, leader.user, reason="不算")
    client.post(f"/service-records/{own.pk}/verify/")
    own.refresh_from_db()
    assert own.status == RecordStatus.PENDING
    # staff of the region see them and verify them
    assert own in services.pending_records(people.staff)
    services.verify_record(own, people.staff)
    own.refresh_from_db()
    assert own.status == RecordStatus.VERIFIED

"""The permission matrix for volunteers: each role × each volunteer action, on a volunteer of
community A ("home") — through regions.access (it drives the buttons) and through the service
(the only way to change anything), which must agree. A refusal changes nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from weiguang.core.errors import NotAllowed, ServiceError
from weiguang.core.models import AuditEntry
from weiguang.regions import access
from weiguang.volunteers import services
from weiguang.volunteers.models import RecordStatus, ServiceRecord, Volunteer

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

STAFF = {"view", "approve", "verify", "honour", "manage_team", "record_activity"}
MATRIX = {
    "street_admin": STAFF | {"points"},
    "community_staff": STAFF,
    "staff_other_community": set(),
    "grid_worker": set(),
    "team_leader": {"verify", "manage_team", "record_activity"},
    "the_volunteer": {"view"},
    "other_volunteer": set(),
    "partner_rep": set(),
    "outsider_staff": set(),
    "stranger": set(),
    "anonymous": set(),
}
ACTIONS = sorted(STAFF | {"points"})


@pytest.fixture
def world(people, approved, tree):
    leader = UserFactory(username="matrix_leader")
    team = services.create_team(people.staff, region=tree.community_a, name="红色先锋队", leaders=[leader])
    volunteer = approved(UserFactory(username="matrix_vol"))
    other = approved(UserFactory(username="matrix_other"))
    membership = services.request_to_join(team, volunteer.user)
    services.decide_membership(membership, leader, accept=True)
    users = {
        "street_admin": people.street_admin, "community_staff": people.staff, "staff_other_community": people.staff_b,
        "grid_worker": people.grid_worker, "team_leader": leader, "the_volunteer": volunteer.user,
        "other_volunteer": other.user, "partner_rep": people.partner_rep, "outsider_staff": people.outsider_staff,
        "stranger": people.stranger, "anonymous": AnonymousUser(),
    }  # fmt: skip
    return {"users": users, "team": team, "volunteer": volunteer, "tree": tree}


def record_of(world):
    return ServiceRecord.objects.create(
        volunteer=world["volunteer"], kind="activity", content="巡逻", hours=2, region=world["team"].region,
        team=world["team"],
    )  # fmt: skip


def allowed_by_access(user, action, world) -> bool:
    v, team = world["volunteer"], world["team"]
    return {
        "view": lambda: access.can(user, "volunteer.view", v),
        "approve": lambda: access.can(user, "volunteer.approve", v),
        "verify": lambda: access.can(user, "service.verify", record_of(world)),
        "honour": lambda: access.can(user, "service.honour", v),
        "manage_team": lambda: access.can(user, "team.manage", team),
        "record_activity": lambda: access.can(user, "service.record", team),
        "points": lambda: access.can(user, "points.manage", world["tree"].street),
    }[action]()


@pytest.mark.parametrize("role", list(MATRIX))
@pytest.mark.parametrize("action", ACTIONS)
def test_access_answers_the_matrix(world, role, action):
    assert allowed_by_access(world["users"][role], action, world) is (action in MATRIX[role])


@pytest.mark.parametrize("role", list(MATRIX))
def test_services_agree_and_refusals_change_nothing(world, role):
    user = world["users"][role]
    v = world["volunteer"]
    calls = {
        "verify": lambda: services.verify_record(record_of(world), user),
        "honour": lambda: services.add_honour_hours(v, user, hours=1, reason="x"),
        "record_activity": lambda: services.add_project(world["team"], user, name="走进敬老院"),
        "points": lambda: services.create_reward_item(
            user, street=world["tree"].street, name="米", points=5, stock=1
        ),
    }
    for action, call in calls.items():
        if action in MATRIX[role]:
            call()
            continue
        before = (
            AuditEntry.objects.count(),
            ServiceRecord.objects.filter(status=RecordStatus.VERIFIED).count(),
        )
        with pytest.raises(ServiceError) as e:
            call()
        assert isinstance(e.value, NotAllowed), (role, action, e.value)
        after = (
            AuditEntry.objects.count(),
            ServiceRecord.objects.filter(status=RecordStatus.VERIFIED).count(),
        )
        assert after == before, (role, action)
    counted = sum(h for a, h in [("verify", 2), ("honour", 1)] if a in MATRIX[role])
    assert Volunteer.objects.get(pk=v.pk).verified_hours == v.verified_hours + counted


def test_listing_volunteers_is_scoped(world, people):
    def listed(user):
        return set(
            access.scope(Volunteer.objects.all(), user, "volunteer.list_region").values_list("pk", flat=True)
        )

    everyone = set(Volunteer.objects.values_list("pk", flat=True))
    assert listed(people.staff) == everyone and listed(people.street_admin) == everyone
    assert listed(people.staff_b) == set() and listed(people.outsider_staff) == set()
    assert listed(world["users"]["the_volunteer"]) == set()


def test_work_on_a_demand_is_recorded_only_for_a_volunteer_of_the_demand_s_street(
    client, people, tree, register, approved
):
    """On behalf of a volunteer: staff of community A record work on their demand; a volunteer of
    another street is refused through the service, the API and the page, and not named."""
    from weiguang.core.errors import InvalidInput
    from weiguang.core.models import ApiToken
    from weiguang.demands.services import intake

    demand = intake.submit_demand(people.staff, grid=tree.grid_a1, title="楼道堆物", resident=people.resident)
    elsewhere = services.approve_volunteer(
        register(UserFactory(username="far_vol"), name="欧阳远", home_region=tree.other_community),
        people.outsider_staff,
    )
    with pytest.raises(InvalidInput) as err:
        services.record_demand_service(demand, elsewhere, people.staff, hours=1, content="清理楼道")
    assert err.value.fields == {"volunteer": "other_street"}
    r = client.post(
        "/api/v1/service_records",
        {"demand_id": demand.pk, "volunteer_id": elsewhere.pk, "hours": 1, "content": "清理楼道"},
        content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(people.staff)}",
    )  # fmt: skip
    assert r.status_code == 422 and "volunteer" in r.json()["errors"]
    assert "欧阳" not in r.content.decode()
    client.force_login(people.staff)
    page = client.post(
        f"/staff/demands/{demand.pk}/volunteer-service/",
        {"volunteer_number": elsewhere.number, "hours": "1", "content": "清理楼道"},
    )
    assert page.status_code == 422 and "欧阳" not in page.content.decode()
    assert not ServiceRecord.objects.filter(kind="demand").exists()
    # a volunteer of the street is recorded
    near = approved(UserFactory(username="near_vol"))
    services.record_demand_service(demand, near, people.staff, hours=1, content="清理楼道")
    assert ServiceRecord.objects.filter(kind="demand", volunteer=near).count() == 1

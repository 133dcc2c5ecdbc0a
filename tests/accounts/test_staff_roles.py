"""Staff roles without the Django admin (issue 11, "Staff"): who holds which role where,
granting and removing roles, deactivating accounts; the page, the API and every refusal."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session

from weiguang.accounts import staff
from weiguang.core.audit import history_of
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.core.models import ApiToken
from weiguang.regions.models import Membership, Role

from ..factories import UserFactory, grant
from ..pages import html

pytestmark = pytest.mark.django_db


def actions_of(user) -> list[str]:
    return list(history_of(user).order_by("id").values_list("action", flat=True))


def logs_in(client, username: str, password: str = "pass-Weiguang-1") -> bool:
    response = client.post("/login/", {"username": username, "password": password})
    return response.status_code == 302 and "_auth_user_id" in client.session


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user)}"}


# --- the rule ------------------------------------------------------------------------------


def test_the_street_admin_grants_and_removes_a_role_below_them_and_each_is_audited(people):
    tree, admin = people.tree, people.street_admin
    newcomer = UserFactory(username="newcomer", first_name="刘网格")
    grant(newcomer, Role.GRID_WORKER, tree.grid_b1)
    membership = staff.grant_role(admin, newcomer, role=Role.COMMUNITY_STAFF, region=tree.community_b)
    assert (membership.role, membership.region) == (Role.COMMUNITY_STAFF, tree.community_b)
    staff.remove_role(admin, membership)
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert actions_of(newcomer) == ["staff.grant", "staff.remove_role"]
    entry = history_of(newcomer).get(action="staff.grant")
    assert entry.actor == admin and entry.data == {"role": "community_staff", "region": tree.community_b.pk}


def test_a_second_street_admin_may_be_named_at_the_same_street(people):
    other = UserFactory(username="admin2")
    grant(other, Role.GRID_WORKER, people.tree.grid_a1)
    staff.grant_role(people.street_admin, other, role=Role.STREET_ADMIN, region=people.tree.street)
    assert Membership.objects.filter(user=other, role=Role.STREET_ADMIN).exists()


@pytest.mark.parametrize(
    "actor, role, where",
    [
        ("staff", Role.STREET_ADMIN, "street"),  # community staff: a role higher than theirs
        ("staff", Role.COMMUNITY_STAFF, "community_a"),  # their own rank: not theirs to give
        ("staff", Role.GRID_WORKER, "grid_b1"),  # a grid of another community
        ("street_admin", Role.STREET_ADMIN, "district"),  # above their node
        ("street_admin", Role.GRID_WORKER, "other_grid"),  # another street
        ("outsider_staff", Role.GRID_WORKER, "grid_a1"),  # staff of the other street
        ("grid_worker", Role.GRID_WORKER, "grid_a1"),  # a grid worker grants nothing
    ],
)
def test_refused_grants(people, actor, role, where):
    target = UserFactory(username="target")
    with pytest.raises(NotAllowed):
        staff.grant_role(getattr(people, actor), target, role=role, region=getattr(people.tree, where))
    assert not Membership.objects.filter(user=target).exists()
    assert actions_of(target) == []


def test_community_staff_grant_and_remove_grid_workers_in_their_community(people):
    target = UserFactory(username="target")
    m = staff.grant_role(people.staff, target, role=Role.GRID_WORKER, region=people.tree.grid_a2)
    staff.remove_role(people.staff, m)
    assert not Membership.objects.filter(user=target).exists()
    with pytest.raises(NotAllowed):  # but not community staff
        staff.remove_role(people.staff, Membership.objects.get(user=people.staff_b))


def test_a_role_is_held_at_its_kind_of_node_and_granted_once(people):
    target = UserFactory(username="target")
    with pytest.raises(InvalidInput) as err:
        staff.grant_role(people.street_admin, target, role=Role.GRID_WORKER, region=people.tree.community_a)
    assert "region" in err.value.fields
    with pytest.raises(InvalidInput):
        staff.grant_role(people.street_admin, target, role=Role.VOLUNTEER, region=people.tree.community_a)
    staff.grant_role(people.street_admin, target, role=Role.GRID_WORKER, region=people.tree.grid_a1)
    with pytest.raises(Conflict) as err:
        staff.grant_role(people.street_admin, target, role=Role.GRID_WORKER, region=people.tree.grid_a1)
    assert err.value.code == "already_granted"


def test_the_places_offered_are_those_where_each_role_may_be_granted(people):
    """Community staff of one street who are street admin of another are offered the grids of
    their community and the other street's nodes, never their community itself (they may not
    name community staff there)."""
    tree = people.tree
    grant(people.staff, Role.STREET_ADMIN, tree.other_street)
    offered = set(staff.regions_in_scope(people.staff, grantable=True))
    assert offered == {tree.grid_a1, tree.grid_a2, tree.other_street, tree.other_community, tree.other_grid}
    assert staff.grantable_roles(people.staff) == staff.STAFF_ROLES
    assert list(staff.regions_in_scope(people.grid_worker, grantable=True)) == []
    assert staff.grantable_roles(people.grid_worker) == []


def test_the_last_street_admin_of_a_street_cannot_be_removed_or_deactivated(people):
    admin, tree = people.street_admin, people.tree
    own = Membership.objects.get(user=admin, role=Role.STREET_ADMIN)
    with pytest.raises(Conflict) as err:
        staff.remove_role(admin, own)
    assert err.value.code == "last_admin"
    second = UserFactory(username="admin2", first_name="第二主任")
    staff.grant_role(admin, second, role=Role.STREET_ADMIN, region=tree.street)
    staff.deactivate(second, admin)  # two admins: one may go
    with pytest.raises(Conflict) as err:  # now the second is the last one
        staff.remove_role(second, Membership.objects.get(user=second, role=Role.STREET_ADMIN))
    assert err.value.code == "last_admin"
    root = UserFactory(username="root", is_superuser=True)  # a street admin at the root
    with pytest.raises(Conflict) as err:
        staff.deactivate(root, second)
    assert err.value.code == "last_admin"
    second.refresh_from_db()
    assert second.is_active


def test_deactivating_ends_sessions_and_tokens_and_reactivating_lets_them_back(client, people):
    worker = people.grid_worker
    assert logs_in(client, worker.username)
    ApiToken.issue(worker)
    other = UserFactory(username="bystander")
    client2 = type(client)()
    client2.force_login(other)
    staff.deactivate(people.street_admin, worker)
    worker.refresh_from_db()
    assert not worker.is_active
    assert not ApiToken.objects.filter(user=worker).exists()
    sessions = [s.get_decoded().get("_auth_user_id") for s in Session.objects.all()]
    assert sessions == [str(other.pk)]
    assert client.get("/staff/wishes/").status_code == 302  # logged out
    assert not logs_in(client, worker.username)
    with pytest.raises(Conflict):
        staff.grant_role(people.street_admin, worker, role=Role.GRID_WORKER, region=people.tree.grid_a2)
    staff.reactivate(people.street_admin, worker)
    assert logs_in(client, worker.username)
    assert actions_of(worker) == ["staff.deactivate", "staff.reactivate"]


def test_only_a_street_admin_over_every_role_deactivates(people):
    with pytest.raises(NotAllowed):  # community staff
        staff.deactivate(people.staff, people.grid_worker)
    with pytest.raises(NotAllowed):  # the other street's account
        staff.deactivate(people.street_admin, people.outsider_staff)
    both = UserFactory(username="both")
    grant(both, Role.GRID_WORKER, people.tree.grid_a1)
    grant(both, Role.GRID_WORKER, people.tree.other_grid)
    with pytest.raises(NotAllowed):  # a role in another street too
        staff.deactivate(people.street_admin, both)
    with pytest.raises(Conflict):
        staff.deactivate(people.street_admin, people.street_admin)
    assert get_user_model().objects.filter(is_active=False).count() == 0


# --- the list ------------------------------------------------------------------------------


def test_the_list_shows_the_actors_part_of_the_tree_and_searches(client, people):
    client.force_login(people.street_admin)
    body = html(client.get("/staff/accounts/"))
    for name in ("李主任", "赵书记", "钱书记", "孙网格", "郑经理"):
        assert name in body
    assert "冯书记" not in body  # the other street's staff
    assert "王秀英" not in body  # a resident holds no staff role
    assert "周志愿" not in body  # volunteers have their own way in
    body = html(client.get("/staff/accounts/?q=孙"))
    assert "孙网格" in body and "赵书记" not in body
    body = html(client.get("/staff/accounts/?role=community_staff"))
    assert "赵书记" in body and "孙网格" not in body
    body = html(client.get(f"/staff/accounts/?region={people.tree.community_b.pk}"))
    assert "钱书记" in body and "赵书记" not in body
    body = html(client.get(f"/staff/accounts/?region={people.tree.other_street.pk}"))
    assert "冯书记" not in body


def test_the_lists_filter_is_a_filter_schema_that_narrows_roles(people):
    """StaffFilter.apply (core.filters) narrows roles like any list's filters do; the page and
    the API list the accounts of the roles left."""
    tree = people.tree
    roles = staff.visible_memberships(people.street_admin)
    by_name = staff.StaffFilter(q="孙", region=tree.community_a.pk).apply(roles)
    assert [(m.user, m.region) for m in by_name] == [(people.grid_worker, tree.grid_a1)]
    assert set(staff.StaffFilter(role="community_staff").apply(roles).values_list("user", flat=True)) == {
        people.staff.pk,
        people.staff_b.pk,
    }
    assert not staff.StaffFilter(region=tree.other_community.pk).apply(roles).exists()
    assert not staff.StaffFilter(region=2**40).apply(roles).exists()
    accounts = staff.staff_accounts(people.street_admin, staff.StaffFilter(region=tree.grid_a1.pk))
    assert [(u, [m.region for m in u.shown_roles]) for u in accounts] == [
        (people.grid_worker, [tree.grid_a1])
    ]


def test_community_staff_see_their_community_and_others_nothing(client, people):
    client.force_login(people.staff)
    body = html(client.get("/staff/accounts/"))
    assert "孙网格" in body and "钱书记" not in body
    for user in (people.grid_worker, people.volunteer, people.resident_user):
        client.force_login(user)
        assert client.get("/staff/accounts/").status_code == 403
    client.force_login(people.street_admin)
    assert client.get(f"/staff/accounts/{people.outsider_staff.pk}/").status_code == 404


@pytest.mark.usefixtures("english")
def test_the_account_page_grants_removes_and_deactivates(client, people):
    client.force_login(people.street_admin)
    worker = people.grid_worker
    url = f"/staff/accounts/{worker.pk}/"
    body = html(client.get(url))
    assert "Grid worker" in body and "七星里第一网格" in body and "Deactivate the account" in body
    response = client.post(
        url + "grant/", {"role": Role.GRID_WORKER, "region": people.tree.grid_a2.pk}, follow=True
    )
    assert "孙网格 is now Grid worker at 七星里第二网格." in html(response)
    m = Membership.objects.get(user=worker, region=people.tree.grid_a2)
    response = client.post(url + f"roles/{m.pk}/remove/", follow=True)
    assert "no longer Grid worker at 七星里第二网格" in html(response)
    # a grid worker at a community: the form says why
    response = client.post(url + "grant/", {"role": Role.GRID_WORKER, "region": people.tree.community_a.pk})
    assert response.status_code == 422
    assert "The role Grid worker is held at a Grid." in html(response)
    response = client.post(url + "grant/", {"role": "nonsense", "region": "x"})
    assert response.status_code == 422
    response = client.post(url + "deactivate/", follow=True)
    assert "they can no longer log in" in html(response)
    body = html(response)
    assert "Reactivate the account" in body and "deactivated the account" in body
    response = client.post(url + "reactivate/", follow=True)
    assert "The account is active again." in html(response)
    assert client.post(url + "explode/").status_code == 404


@pytest.mark.usefixtures("english")
def test_the_account_page_shows_the_roles_in_the_actors_area_only(client, people):
    """Someone who is also staff in another street and a resident: the community's staff see
    their grid worker role, not where else they work or live; nobody is offered to deactivate
    themselves."""
    tree = people.tree
    worker = people.grid_worker
    grant(worker, Role.COMMUNITY_STAFF, tree.other_community)
    grant(worker, Role.RESIDENT, tree.grid_a2)
    client.force_login(people.staff)
    response = client.get(f"/staff/accounts/{worker.pk}/")
    roles = html(response).split('data-testid="account-roles"')[1].split('data-testid="grant-form"')[0]
    assert "七星里第一网格" in roles
    assert "金华社区" not in roles and "七星里第二网格" not in roles and "Resident" not in roles
    assert "They hold 2 more roles outside your area" in roles
    client.force_login(people.street_admin)
    body = html(client.get(f"/staff/accounts/{people.street_admin.pk}/"))
    assert "李主任" in body and "Deactivate the account" not in body
    assert "Deactivate the account" in html(client.get(f"/staff/accounts/{people.staff.pk}/"))


@pytest.mark.usefixtures("english")
def test_removing_the_last_role_in_the_area_ends_on_the_list_not_a_404(client, people):
    """The account is no longer the actor's to see: the page goes back to the list with the
    message, the API answers the removal with the account and no roles (it answered 404 to a
    removal that was done)."""
    tree = people.tree
    worker = UserFactory(username="worker", first_name="何网格")
    m = grant(worker, Role.GRID_WORKER, tree.grid_a2)
    client.force_login(people.street_admin)
    response = client.post(f"/staff/accounts/{worker.pk}/roles/{m.pk}/remove/", follow=True)
    assert response.status_code == 200 and response.redirect_chain[-1][0] == "/staff/accounts/"
    assert "何网格 is no longer Grid worker at 七星里第二网格." in html(response)
    m = grant(worker, Role.GRID_WORKER, tree.grid_a2)
    response = client.delete(
        f"/api/v1/staff/accounts/{worker.pk}/roles/{m.pk}", **bearer(people.street_admin)
    )
    assert response.status_code == 200
    assert json.loads(response.content)["roles"] == [] and not Membership.objects.filter(user=worker).exists()
    assert client.get(f"/api/v1/staff/accounts/{worker.pk}", **bearer(people.street_admin)).status_code == 404


@pytest.mark.usefixtures("english")
def test_the_last_admin_is_told_on_the_page(client, people):
    client.force_login(people.street_admin)
    own = Membership.objects.get(user=people.street_admin, role=Role.STREET_ADMIN)
    response = client.post(f"/staff/accounts/{people.street_admin.pk}/roles/{own.pk}/remove/")
    assert response.status_code == 409
    assert "is the last street admin of 八大湖街道" in html(response)


# --- the API ---------------------------------------------------------------------------------


def test_the_api_lists_filters_grants_removes_and_deactivates(client, people):
    admin, tree = people.street_admin, people.tree
    headers = bearer(admin)
    page = client.get("/api/v1/staff/accounts?role=grid_worker", **headers).json()
    assert [a["name"] for a in page["items"]] == ["孙网格"]
    assert page["items"][0]["roles"][0]["region"] == {"id": tree.grid_a1.pk, "name": "七星里第一网格"}
    assert client.get("/api/v1/staff/accounts?role=volunteer", **headers).status_code == 422
    worker = people.grid_worker
    response = client.post(
        f"/api/v1/staff/accounts/{worker.pk}/roles",
        json.dumps({"role": "grid_worker", "region_id": tree.grid_a2.pk}),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201, response.content
    roles = {r["region"]["name"]: r for r in response.json()["roles"]}
    assert set(roles) == {"七星里第一网格", "七星里第二网格"}
    response = client.post(
        f"/api/v1/staff/accounts/{worker.pk}/roles",
        json.dumps({"role": "grid_worker", "region_id": tree.other_grid.pk}),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 422 and "region_id" in response.json()["errors"]
    response = client.delete(
        f"/api/v1/staff/accounts/{worker.pk}/roles/{roles['七星里第二网格']['id']}", **headers
    )
    assert [r["region"]["name"] for r in response.json()["roles"]] == ["七星里第一网格"]
    response = client.post(f"/api/v1/staff/accounts/{worker.pk}/deactivate", **headers)
    assert response.status_code == 200 and response.json()["active"] is False
    response = client.post(f"/api/v1/staff/accounts/{worker.pk}/deactivate", **headers)
    assert response.status_code == 409
    own = Membership.objects.get(user=admin, role=Role.STREET_ADMIN)
    response = client.delete(f"/api/v1/staff/accounts/{admin.pk}/roles/{own.pk}", **headers)
    assert response.status_code == 409 and response.json()["code"] == "last_admin"


def test_the_api_refuses_others(client, people):
    url = f"/api/v1/staff/accounts/{people.grid_worker.pk}/deactivate"
    assert client.post(url, **bearer(people.staff)).status_code == 403
    assert client.post(url, **bearer(people.outsider_staff)).status_code == 404
    assert client.get("/api/v1/staff/accounts", **bearer(people.resident_user)).status_code == 403
    assert client.get("/api/v1/staff/accounts").status_code == 401
    response = client.post(
        f"/api/v1/staff/accounts/{people.grid_worker.pk}/roles",
        json.dumps({"role": "street_admin", "region_id": people.tree.street.pk}),
        content_type="application/json",
        **bearer(people.staff),
    )
    assert response.status_code in (403, 422)

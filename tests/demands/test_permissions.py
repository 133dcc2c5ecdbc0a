"""The permission matrix for demands: each role × each demand action, on a demand of 王秀英 in
grid A1 (community A, street 八大湖) transferred to the city management section (城管科).

For every cell three things must agree: `regions.access.can` (what the pages ask), the
transitions `DEMAND_TRANSITIONS.available` offers (the buttons), and the service itself (the
only way to change a demand). A refusal is NotAllowed and writes nothing. The listings
(`visible_demands`, `region_demands`) show a user exactly the demands they may view."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from tests.built_once import built_once
from tests.conftest import People
from tests.demands.conftest import Depts
from tests.factories import Tree, UserFactory, grant
from weiguang.core.errors import InvalidInput, NotAllowed
from weiguang.core.models import AuditEntry
from weiguang.demands import configure
from weiguang.demands.models import DEMAND_TRANSITIONS, Demand, TransferStatus
from weiguang.demands.services import deliberations, dispatch, handling, intake, queries, transfers
from weiguang.regions import access
from weiguang.regions.models import Role

FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"

# action -> (the access action, the state of the demand it is tried on, its transitions)
ACTIONS: dict[str, tuple[str, str, set[str]]] = {
    "view": ("demand.view", "transferred", set()),
    "dispatch": ("demand.dispatch", "received", {"resolve_on_spot", "assign", "transfer"}),
    "accept": ("demand.accept", "transferred", {"accept"}),
    "handle": ("demand.handle", "transferred", {"handle", "handle_part"}),
    "return": ("demand.return", "transferred", {"return"}),
    "review_return": ("demand.review_return", "returned", {"approve_return", "reject_return"}),
    "escalate": ("demand.escalate", "transferred", {"escalate"}),
    "reply": ("demand.reply", "handled", {"reply"}),
    "evaluate": ("demand.evaluate", "replied", {"evaluate", "reopen"}),
    "refer": ("demand.deliberate", "received", {"refer"}),
    "stats": ("demand.stats", "", set()),
    "configure": ("demand.configure", "", set()),  # the street's calendar and departments
    "categories": ("demand.manage_categories", "", set()),  # the deployment's category tree
}
TARGET = {
    "dispatch": "assigned",
    "accept": "transferred",
    "handle": "handled",
    "return": "returned",
    "review_return": "escalated",
    "escalate": "escalated",
    "reply": "replied",
    "evaluate": "closed",
    "refer": "deliberating",
}
STAFF_RIGHTS = {"view", "dispatch", "handle", "escalate", "reply", "evaluate", "refer", "stats"}
DEPARTMENT_RIGHTS = {"view", "accept", "handle", "return", "escalate"}
MATRIX: dict[str, set[str]] = {
    "street_admin": STAFF_RIGHTS | {"review_return", "configure", "categories"},
    "community_staff": STAFF_RIGHTS,
    "staff_of_community_b": set(),
    "grid_worker_a1": {"view"},
    "outsider_grid_worker": set(),
    "department_handler": DEPARTMENT_RIGHTS,  # the demand went to their department
    "other_department_handler": set(),  # another department of the same street
    "outsider_department_handler": set(),  # a department of another street
    "resident_owner": {"view", "evaluate"},
    "other_resident": set(),
    "volunteer": set(),
    "stranger": set(),
    "anonymous": set(),
}
CELLS = [
    pytest.param(role, action, action in MATRIX[role], id=f"{role}-{action}")
    for role in MATRIX
    for action in ACTIONS
]


class Matrix:
    def __init__(self):
        tree = Tree()
        self.tree = tree
        self.people = p = People(tree)
        self.depts = depts = Depts(tree)
        neighbour = UserFactory(username="resident_a2", first_name="陈桂兰")
        grant(neighbour, Role.RESIDENT, tree.grid_a2)
        p.other_resident.user = neighbour
        p.other_resident.save()
        self.users = {
            "street_admin": p.street_admin,
            "community_staff": p.staff,
            "staff_of_community_b": p.staff_b,
            "grid_worker_a1": p.grid_worker,
            "outsider_grid_worker": p.outsider_grid_worker,
            "department_handler": depts.handler,
            "other_department_handler": depts.handler2,
            "outsider_department_handler": depts.outsider_handler,
            "resident_owner": p.resident_user,
            "other_resident": neighbour,
            "volunteer": p.volunteer,
            "stranger": p.stranger,
            "anonymous": AnonymousUser(),
        }
        self.meeting = deliberations.schedule_meeting(
            p.street_admin, region=tree.street, title="加装电梯议事会", held_at=timezone.now()
        )
        self.ids = {
            state: self._demand(state).pk
            for state in ("received", "transferred", "returned", "handled", "replied")
        }
        # demands the matrix users should not see: another community's and another street's
        self.elsewhere = [
            intake.submit_demand(p.staff_b, grid=tree.grid_b1, title="海晏的诉求").pk,
            intake.submit_demand(p.outsider_staff, grid=tree.other_grid, title="外街的诉求").pk,
        ]

    def _demand(self, state: str) -> Demand:
        p, depts = self.people, self.depts
        d = intake.submit_demand(
            p.staff, grid=self.tree.grid_a1, title="小区门口垃圾堆放", resident=p.resident
        )
        if state == "received":
            return d
        d = transfers.transfer_demand(d, p.staff, [(depts.city, None)])
        if state == "transferred":
            return d
        if state == "returned":
            return transfers.request_return(d, depts.handler, reason="不属于本科室职责")
        d = handling.handle_demand(d, depts.handler, result="已清运")
        if state == "handled":
            return d
        return handling.reply_demand(d, p.staff, reply="已清运完毕")

    def demand(self, state: str) -> Demand:
        return Demand.objects.get(pk=self.ids[state])

    def run(self, action: str, user, d: Demand):
        if action == "dispatch":
            return dispatch.assign_demand(d, user, self.people.grid_worker)
        if action == "accept":
            return transfers.accept_transfer(d, user)
        if action == "handle":
            return handling.handle_demand(d, user, result="已清运")
        if action == "return":
            return transfers.request_return(d, user, reason="不归我们管")
        if action == "review_return":
            return transfers.review_return(d, user, approve=True)
        if action == "escalate":
            return dispatch.escalate_demand(d, user, reason="需要街道协调")
        if action == "reply":
            return handling.reply_demand(d, user, reply="已处理")
        if action == "evaluate":
            return handling.evaluate_demand(d, user, evaluation="satisfied")
        if action == "refer":
            return deliberations.refer_to_meeting(d, user, self.meeting)
        raise AssertionError(action)


@pytest.fixture(scope="module")
def matrix_data(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction rolled back at the end; each test runs
    in a savepoint of it (pytest-django's `db`), so every test starts from the same rows."""
    yield from built_once(django_db_blocker, Matrix, PASSWORD_HASHERS=[FAST_HASHER])


@pytest.fixture
def matrix(matrix_data, db):
    return matrix_data


@pytest.mark.parametrize(("role", "action", "allowed"), CELLS)
def test_permission_matrix(matrix, role, action, allowed):
    user = matrix.users[role]
    permission, state, transitions = ACTIONS[action]
    if action == "stats":
        community = matrix.tree.community_a
        assert access.can(user, permission, community) is allowed
        assert (community.pk in set(access.regions_for(user, permission).values_list("pk", flat=True))) is (
            allowed and role == "community_staff"
        )
        return
    if action in ("configure", "categories"):
        street = matrix.tree.street
        assert access.can(user, permission, street if action == "configure" else None) is allowed

        def change():
            if action == "configure":
                return configure.add_holidays(user, street, first=dt.date(2026, 10, 8), name="国庆节")
            return configure.add_category(user, name="矩阵分类")

        audit_before = AuditEntry.objects.count()
        if allowed:
            change()
            assert AuditEntry.objects.count() == audit_before + 1
        else:
            with pytest.raises(NotAllowed):
                change()
            assert AuditEntry.objects.count() == audit_before
        return
    d = matrix.demand(state)
    assert d.status == state
    assert access.can(user, permission, d) is allowed
    offered = {t.name for t in DEMAND_TRANSITIONS.available(d, user)}
    assert offered & transitions == (transitions if allowed else set())
    if action == "view":
        assert queries.visible_demands(user).filter(pk=d.pk).exists() is allowed
        assert queries.can_see_contact(user, d) is allowed
        return
    audit_before = AuditEntry.objects.count()
    demand_entries = AuditEntry.objects.filter(content_type__model="demand")
    transfer_entries = AuditEntry.objects.filter(content_type__model="transfer")
    demand_before, transfer_before = demand_entries.count(), transfer_entries.count()
    if allowed:
        result = matrix.run(action, user, d)
        assert result.status == TARGET[action] == Demand.objects.get(pk=d.pk).status
        # one entry for the demand; each transfer the step moved writes its own (test_transfer_states)
        assert demand_entries.count() == demand_before + 1
        moved = transfer_entries.count() - transfer_before
        assert moved <= d.transfers.count()
        assert AuditEntry.objects.count() == audit_before + 1 + moved
    else:
        with pytest.raises(NotAllowed):
            matrix.run(action, user, d)
        assert AuditEntry.objects.count() == audit_before
        assert Demand.objects.get(pk=d.pk).status == state


@pytest.mark.parametrize("role", list(MATRIX))
def test_the_listing_shows_exactly_what_the_user_may_view(matrix, role):
    user = matrix.users[role]
    every = list(Demand.objects.all())
    viewable = {d.pk for d in every if access.can(user, "demand.view", d)}
    assert set(queries.visible_demands(user).values_list("pk", flat=True)) == viewable
    listable = {d.pk for d in every if access.can(user, "demand.list_region", d)}
    assert set(queries.region_demands(user).values_list("pk", flat=True)) == listable
    if "view" not in MATRIX[role]:
        assert not viewable & set(matrix.ids.values())
    elif role == "department_handler":
        # only what went to the department: never the demand still waiting at the desk
        assert viewable == set(matrix.ids.values()) - {matrix.ids["received"]}
        assert not listable
    elif role in ("street_admin", "community_staff", "grid_worker_a1"):
        assert viewable >= set(matrix.ids.values())


def test_the_matrix_covers_every_demand_action_of_the_access_table():
    """A new demand action in ACTION_ROLES must be added to the matrix."""
    declared = {name for name in access.ACTION_ROLES if name.startswith("demand.")}
    covered = {permission for permission, _state, _transitions in ACTIONS.values()}
    assert declared - covered <= {"demand.create", "demand.list_region"}
    offered = {name for _p, _s, transitions in ACTIONS.values() for name in transitions}
    by_people = {t.name for t in DEMAND_TRANSITIONS.transitions.values() if t.permission}
    assert by_people - offered == {"decide"}  # decided through the meeting (record_decision)


# --- a department reads what went to it, and acts only while it is with them ------------
# These tests make their own demands on the matrix's street (conftest's make_demand, with the
# matrix's people and departments) and look only at those.


@pytest.fixture
def people(matrix):
    return matrix.people


@pytest.fixture
def depts(matrix):
    return matrix.depts


@pytest.fixture
def new(matrix):
    """Only the demands made by the test itself."""
    existing = set(Demand.objects.values_list("pk", flat=True))

    def only_new(qs):
        return set(qs.exclude(pk__in=existing))

    return only_new


def test_a_department_sees_only_what_was_transferred_to_it(make_demand, people, depts, new):
    mine = make_demand("transferred", via="transfer", title="垃圾堆放")
    finished = make_demand("closed", via="transfer", title="路灯不亮")
    theirs = transfers.transfer_demand(make_demand(title="低保咨询"), people.staff, [(depts.civil, None)])
    make_demand("assigned", title="树枝挡路")
    make_demand(title="还在社区")
    assert new(queries.visible_demands(depts.handler)) == {mine, finished}
    assert new(queries.visible_demands(depts.handler2)) == {theirs}
    assert not queries.visible_demands(depts.outsider_handler).exists()
    for handler in (depts.handler, depts.handler2, depts.outsider_handler):
        assert not queries.region_demands(handler).exists()


def test_a_finished_transfer_stays_readable_but_no_longer_actionable(make_demand, people, depts):
    d = make_demand("handled", via="transfer")
    assert d.transfers.get().status == TransferStatus.DONE
    assert access.can(depts.handler, "demand.view", d)
    for permission in ("demand.handle", "demand.accept", "demand.return", "demand.escalate"):
        assert not access.can(depts.handler, permission, d)
    assert DEMAND_TRANSITIONS.available(d, depts.handler) == []
    d = handling.reply_demand(d, people.staff, reply="已修好")
    d = handling.evaluate_demand(d, people.resident_user, evaluation="unsatisfied")
    # a warning order puts it back with the department: it may act again
    assert {"accept", "handle", "handle_part", "escalate"} <= {
        t.name for t in DEMAND_TRANSITIONS.available(d, depts.handler)
    }


def test_a_department_whose_return_was_approved_only_reads(make_demand, people, depts):
    d = make_demand("returned", via="transfer")
    d = transfers.review_return(d, people.street_admin, approve=True)
    d = transfers.transfer_demand(d, people.street_admin, [(depts.civil, None)])
    assert d in queries.visible_demands(depts.handler)
    assert DEMAND_TRANSITIONS.available(d, depts.handler) == []
    audit = AuditEntry.objects.count()
    for call in (
        lambda: handling.handle_demand(d, depts.handler, result="我们来办"),
        lambda: transfers.accept_transfer(d, depts.handler),
        lambda: dispatch.escalate_demand(d, depts.handler, reason="再上报"),
        lambda: transfers.request_return(d, depts.handler, reason="再退"),
    ):
        with pytest.raises(NotAllowed):
            call()
    assert AuditEntry.objects.count() == audit
    assert Demand.objects.get(pk=d.pk).status == "transferred"
    assert {"accept", "handle", "return"} <= {t.name for t in DEMAND_TRANSITIONS.available(d, depts.handler2)}


def test_the_assignee_handles_and_escalates_but_does_not_dispatch(make_demand, people):
    d = make_demand("assigned")
    offered = {t.name for t in DEMAND_TRANSITIONS.available(d, people.grid_worker)}
    assert offered == {"handle", "escalate"}
    other = make_demand("assigned", title="另一件")
    dispatch.assign_demand(other, people.staff, people.staff)
    assert DEMAND_TRANSITIONS.available(Demand.objects.get(pk=other.pk), people.grid_worker) == []


def test_a_resident_lists_only_their_own_demands(make_demand, people, new):
    own = make_demand("replied")
    intake.submit_demand(
        people.staff, grid=people.tree.grid_a2, title="邻居的诉求", resident=people.other_resident
    )
    anonymous = intake.submit_demand(
        AnonymousUser(), grid=people.tree.grid_a1, title="匿名的诉求", client="10.2.0.1"
    )
    assert new(queries.visible_demands(people.resident_user)) == {own}
    assert anonymous not in queries.visible_demands(people.resident_user)
    assert {t.name for t in DEMAND_TRANSITIONS.available(own, people.resident_user)} == {"evaluate", "reopen"}
    assert not queries.visible_demands(AnonymousUser()).exists()


# --- "on behalf of": the resident is one the actor may see, and lives in the demand's grid --------
# Staff of another street once got 201 and 王秀英's name and phone back for any resident id.


def _api_post(client, user, data):
    from weiguang.core.models import ApiToken

    return client.post(
        "/api/v1/demands", data, content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user)}", HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip


def _desk_post(client, user, grid, resident, title: str):
    """`user` records a demand at the desk in `grid` for `resident`."""
    client.force_login(user)
    data = {"channel": "desk", "grid": grid.pk, "resident": resident.pk, "title": title}
    return client.post("/desk/demands/new/", data)


def _refused_for(client, user, grid, resident, title: str):
    """`user` may not record a demand in `grid` for `resident`: the service refuses, and so does
    the API (403). The API's answer, to look into."""
    with pytest.raises(NotAllowed):
        intake.submit_demand(user, grid=grid, title=title, resident=resident)
    r = _api_post(client, user, {"grid": grid.pk, "title": title, "resident_id": resident.pk})
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    return r


def test_staff_of_another_street_cannot_record_a_demand_for_our_resident(client, people):
    before = Demand.objects.count()
    r = _refused_for(client, people.outsider_staff, people.tree.other_grid, people.resident, "外街代录")
    assert "王秀英" not in r.content.decode() and "13912345678" not in r.content.decode()
    page = _desk_post(client, people.outsider_staff, people.tree.other_grid, people.resident, "外街代录")
    assert page.status_code == 422
    assert "王秀英" not in page.content.decode() and "13912345678" not in page.content.decode()
    assert Demand.objects.count() == before


def test_a_grid_worker_cannot_record_for_a_resident_of_another_grid(client, people):
    """people.other_resident lives in grid A2; the grid worker serves grid A1 only."""
    before = Demand.objects.count()
    _refused_for(client, people.grid_worker, people.tree.grid_a1, people.other_resident, "代录")
    assert Demand.objects.count() == before


def test_the_resident_must_live_in_the_demand_s_grid(client, people):
    """Staff of community A may see both residents, but 陈桂兰 lives in grid A2, not A1."""
    before = Demand.objects.count()
    with pytest.raises(InvalidInput) as err:
        intake.submit_demand(
            people.staff, grid=people.tree.grid_a1, title="网格不符", resident=people.other_resident
        )
    assert err.value.fields == {"resident_id": "other_grid"}
    r = _api_post(
        client, people.staff,
        {"grid": people.tree.grid_a1.pk, "title": "网格不符", "resident_id": people.other_resident.pk},
    )  # fmt: skip
    assert r.status_code == 422 and set(r.json()["errors"]) == {"resident_id"}
    page = _desk_post(client, people.staff, people.tree.grid_a1, people.other_resident, "网格不符")
    assert page.status_code == 422
    assert "这位居民不住在所选网格。" in page.content.decode()
    assert Demand.objects.count() == before
    # the right grid works
    d = intake.submit_demand(
        people.staff, grid=people.tree.grid_a2, title="网格相符", resident=people.other_resident
    )
    assert d.resident == people.other_resident

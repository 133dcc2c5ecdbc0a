"""The permission matrix: each role × each action × a wish inside / outside their region.

For every cell two things must agree: what `regions.access.can` answers (it drives the
buttons) and what the service actually does (it is the only way to change a wish). A
refusal is NotAllowed and changes nothing.

"home" is a wish of 王秀英 in grid A1 (community A, street 八大湖); "away" is a wish of a
resident of grid 金华第一网格 in the other street. Roles are named relative to home.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from tests.built_once import built_once
from tests.conftest import People
from tests.factories import ResidentFactory, Tree, UserFactory, grant
from weiguang.core.errors import NotAllowed
from weiguang.core.models import AuditEntry
from weiguang.regions import access
from weiguang.regions.models import Role
from weiguang.wishes import services
from weiguang.wishes.models import Wish, WishKind, WishStatus

FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"
ACTIONS = [
    "create_for_resident",
    "review",
    "claim",
    "release",
    "fulfil",
    "confirm",
    "dispute",
    "withdraw",
    "view_private",
]
STAFF_RIGHTS = {"create_for_resident", "review", "release", "confirm", "dispute", "withdraw", "view_private"}

# role -> (allowed on the home wish, allowed on the away wish)
MATRIX: dict[str, tuple[set[str], set[str]]] = {
    "street_admin": (STAFF_RIGHTS, set()),
    "community_staff": (STAFF_RIGHTS, set()),
    "staff_other_community_same_street": (set(), set()),
    "grid_worker_own_grid": ({"create_for_resident"}, set()),
    "grid_worker_other_grid": (set(), set()),
    "volunteer": ({"claim"}, set()),
    "volunteer_who_claimed": ({"claim", "release", "fulfil", "view_private"}, set()),
    "partner_rep": ({"claim"}, set()),
    "resident_owner": ({"confirm", "dispute", "withdraw", "view_private"}, set()),
    "other_resident": (set(), set()),
    "outsider_staff": (set(), STAFF_RIGHTS),
    "outsider_volunteer": (set(), {"claim"}),
    "outsider_grid_worker": (set(), {"create_for_resident"}),
    "stranger": (set(), set()),
    "anonymous": (set(), set()),
}

# the state a wish must be in for the action to make sense
STATE_FOR = {
    "review": "submitted",
    "claim": "published",
    "release": "claimed",
    "fulfil": "claimed",
    "confirm": "fulfilled",
    "dispute": "fulfilled",
    "withdraw": "published",
    "view_private": "claimed",
}
TARGET = {
    "review": WishStatus.PUBLISHED,
    "claim": WishStatus.CLAIMED,
    "release": WishStatus.PUBLISHED,
    "fulfil": WishStatus.FULFILLED,
    "confirm": WishStatus.CONFIRMED,
    "dispute": WishStatus.DISPUTED,
    "withdraw": WishStatus.WITHDRAWN,
}

CELLS = [
    pytest.param(role, action, where, action in MATRIX[role][where == "away"], id=f"{role}-{action}-{where}")
    for role in MATRIX
    for action in ACTIONS
    for where in ("home", "away")
]


class Matrix:
    def __init__(self, people, tree):
        self.people = people
        p = people
        grid_worker_a2 = UserFactory(username="grid_a2", first_name="何网格")
        grant(grid_worker_a2, Role.GRID_WORKER, tree.grid_a2)
        neighbour = UserFactory(username="resident_a2", first_name="陈桂兰")
        grant(neighbour, Role.RESIDENT, tree.grid_a2)
        p.other_resident.user = neighbour
        p.other_resident.save()
        self.away_claimer = UserFactory(username="vol_x2", first_name="蒋志愿")
        grant(self.away_claimer, Role.VOLUNTEER, tree.other_street)
        self.users = {
            "street_admin": p.street_admin,
            "community_staff": p.staff,
            "staff_other_community_same_street": p.staff_b,
            "grid_worker_own_grid": p.grid_worker,
            "grid_worker_other_grid": grid_worker_a2,
            "volunteer": p.volunteer,
            "volunteer_who_claimed": p.volunteer2,
            "partner_rep": p.partner_rep,
            "resident_owner": p.resident_user,
            "other_resident": neighbour,
            "outsider_staff": p.outsider_staff,
            "outsider_volunteer": p.outsider_volunteer,
            "outsider_grid_worker": p.outsider_grid_worker,
            "stranger": p.stranger,
            "anonymous": AnonymousUser(),
        }
        # residents a wish may be recorded for (never the acting user's own record)
        self.targets = {
            "home": ResidentFactory(name="吴淑华", grid=tree.grid_a1),
            "away": ResidentFactory(name="孙玉梅", grid=tree.other_grid),
        }

    def build_wishes(self) -> None:
        self.wish_ids = {
            (where, state): self._wish(where, state).pk
            for where in ("home", "away")
            for state in ("submitted", "published", "claimed", "fulfilled")
        }

    def wish(self, where: str, state: str) -> Wish:
        return Wish.objects.get(pk=self.wish_ids[(where, state)])

    def _wish(self, where: str, state: str) -> Wish:
        """A wish at `where` moved to `state` by the people whose job it is."""
        p = self.people
        if where == "home":
            wish, _ = services.submit_wish(
                p.resident_user, kind=WishKind.ITEM, title="想要一个电水壶", confirm_duplicate=True
            )
            staff, claimer = p.staff, p.volunteer2
        else:
            wish, _ = services.submit_wish(
                p.outsider_staff,
                kind=WishKind.ITEM,
                title="想要一个电水壶",
                resident=self.targets["away"],
                confirm_duplicate=True,
            )
            staff, claimer = p.outsider_staff, self.away_claimer
        steps = ["submitted", "published", "claimed", "fulfilled"]
        for step in steps[1 : steps.index(state) + 1]:
            if step == "published":
                wish = services.publish_wish(wish, staff)
            elif step == "claimed":
                wish = services.claim_wish(wish, claimer)
            elif step == "fulfilled":
                wish = services.fulfil_wish(wish, claimer, note="已送到")
        return wish

    def run(self, role: str, action: str, obj):
        """Do `action` through its service, as `role`."""
        user = self.users[role]
        if action == "create_for_resident":
            return services.submit_wish(user, kind=WishKind.ITEM, title="想要一袋大米", resident=obj)
        if action == "review":
            return services.publish_wish(obj, user)
        if action == "claim":
            partner = self.people.partner if role == "partner_rep" else None
            return services.claim_wish(obj, user, partner=partner)
        if action == "release":
            return services.release_claim(obj, user)
        if action == "fulfil":
            return services.fulfil_wish(obj, user, note="已送到")
        if action == "confirm":
            return services.confirm_wish(obj, user, rating=5)
        if action == "dispute":
            return services.dispute_wish(obj, user, reason="东西没有收到")
        if action == "withdraw":
            return services.withdraw_wish(obj, user)
        raise AssertionError(action)


@pytest.fixture(scope="module")
def matrix_data(django_db_setup, django_db_blocker):
    """Build the place tree, the people and the wishes once for the whole matrix, inside a
    transaction that is rolled back after the module; each test runs in a savepoint of it
    (pytest-django's `db`), so every test starts from the same rows."""

    def build() -> Matrix:
        tree = Tree()
        data = Matrix(People(tree), tree)
        data.build_wishes()
        return data

    yield from built_once(django_db_blocker, build, PASSWORD_HASHERS=[FAST_HASHER])


@pytest.fixture
def matrix(matrix_data, db):
    return matrix_data


@pytest.mark.parametrize(("role", "action", "where", "allowed"), CELLS)
def test_permission_matrix(matrix, role, action, where, allowed):
    user = matrix.users[role]
    if action == "create_for_resident":
        obj = matrix.targets[where]
    else:
        obj = matrix.wish(where, STATE_FOR[action])
        assert obj.status == STATE_FOR[action]
    assert access.can(user, f"wish.{action}", obj) is allowed

    if action == "view_private":
        assert services.can_see_contact(user, obj) is allowed
        return
    wishes_before = Wish.objects.count()
    audit_before = AuditEntry.objects.count()
    if allowed:
        result = matrix.run(role, action, obj)
        if action == "create_for_resident":
            wish, created = result
            assert created and wish.resident == obj and wish.created_by == user
        else:
            assert Wish.objects.get(pk=obj.pk).status == TARGET[action]
        assert AuditEntry.objects.count() == audit_before + 1
    else:
        with pytest.raises(NotAllowed):
            matrix.run(role, action, obj)
        assert Wish.objects.count() == wishes_before
        assert AuditEntry.objects.count() == audit_before
        if action != "create_for_resident":
            assert Wish.objects.get(pk=obj.pk).status == obj.status


def test_the_matrix_covers_every_wish_action_of_the_access_table():
    """A new wish action in ACTION_ROLES must be added to the matrix."""
    declared = {name.removeprefix("wish.") for name in access.ACTION_ROLES if name.startswith("wish.")}
    assert declared - set(ACTIONS) <= {"list_region", "manage_categories"}


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("street_admin", True), ("community_staff", False), ("volunteer", False), ("outsider_staff", False)],
)
def test_only_the_street_admin_manages_categories(matrix, role, allowed):
    assert access.can(matrix.users[role], "wish.manage_categories") is allowed


@pytest.mark.parametrize("role", ["outsider_staff", "outsider_grid_worker", "grid_worker_other_grid"])
def test_no_wish_on_behalf_of_a_resident_out_of_sight_through_the_api_or_the_page(matrix, client, role):
    """The "on behalf of" paths of wishes: staff of another street (and a grid worker of
    another grid) neither record a wish for 吴淑华 nor see her name."""
    from weiguang.core.models import ApiToken

    user, target = matrix.users[role], matrix.targets["home"]
    before = Wish.objects.count()
    r = client.post(
        "/api/v1/wishes", {"kind": "item", "title": "想要一袋大米", "resident_id": target.pk},
        content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user)}",
    )  # fmt: skip
    assert r.status_code == 403 and "吴淑华" not in r.content.decode()
    client.force_login(user)
    page = client.get(f"/grid/wishes/new/?resident={target.pk}")
    assert page.status_code == 404
    page = client.post(
        "/grid/wishes/new/",
        {
            "resident": target.pk,
            "kind": "item",
            "title": "想要一袋大米",
            "channel": "grid",
            "idempotency_key": "k",
        },
    )
    assert page.status_code == 404 and "吴淑华" not in page.content.decode()
    assert Wish.objects.count() == before

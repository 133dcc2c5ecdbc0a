"""Two street admins at once (real threads and connections, as tests/wishes/test_concurrency):
each removing the other's role leaves the street one admin; two creating an account for the
same number make one account."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory, grant
from tests.wishes.test_concurrency import at_once
from weiguang.accounts import staff
from weiguang.accounts.models import Account, SmsMessage
from weiguang.core.errors import Conflict, NotAllowed
from weiguang.regions.models import Membership, Role

pytestmark = pytest.mark.django_db(transaction=True)


def two_admins(tree):
    first = UserFactory(username="admin_one", first_name="甲主任")
    second = UserFactory(username="admin_two", first_name="乙主任")
    for user in (first, second):
        grant(user, Role.STREET_ADMIN, tree.street)
    return first, second


def test_two_admins_removing_each_other_at_once_leave_the_street_one_admin(tree):
    first, second = two_admins(tree)
    of = {u: Membership.objects.get(user=u, role=Role.STREET_ADMIN) for u in (first, second)}
    outcomes = at_once(
        [lambda: staff.remove_role(first, of[second]), lambda: staff.remove_role(second, of[first])]
    )
    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"]
    # The one who came second is no longer an admin when their turn comes (whether they were
    # asked before the lock or under it): refused as such, not as "the last admin".
    refusal = next(result for kind, result in outcomes if kind == "refused")
    assert isinstance(refusal, NotAllowed)
    assert Membership.objects.filter(role=Role.STREET_ADMIN, region=tree.street).count() == 1


def test_two_admins_creating_the_same_number_at_once_make_one_account(tree):
    first, second = two_admins(tree)

    def creating(by, name):
        return lambda: staff.create_staff_account(
            by,
            name=name,
            phone="13700007777",
            role=Role.GRID_WORKER,
            region=tree.grid_a1,
            base_url="http://x/",
        )

    outcomes = at_once([creating(first, "刘一"), creating(second, "刘二")])
    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"]
    refusal = next(result for kind, result in outcomes if kind == "refused")
    assert isinstance(refusal, Conflict) and refusal.code == "phone_registered"
    assert Account.objects.filter(phone="13700007777").count() == 1
    assert SmsMessage.objects.filter(phone="13700007777").count() == 1

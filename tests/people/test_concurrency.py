"""Two workers add the same person on the spot at the same moment: one record, the other told
which record already has the phone (real threads and connections, as tests/wishes/test_concurrency)."""

from __future__ import annotations

import pytest

from tests.factories import member
from tests.wishes.test_concurrency import at_once
from weiguang.core.errors import Conflict
from weiguang.people.models import Resident
from weiguang.people.services import add_resident
from weiguang.regions.models import Role

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_workers_add_the_same_phone_at_once_and_one_record_is_made(tree):
    worker = member(Role.GRID_WORKER, tree.grid_a1, username="grid_a1_racer", first_name="甲网格")
    staff = member(Role.COMMUNITY_STAFF, tree.community_a, username="staff_a_racer", first_name="乙社区")

    def adding(by, grid, name):
        return lambda: add_resident(by, grid=grid, name=name, phone="13712345678", consent=True)

    outcomes = at_once([adding(worker, tree.grid_a1, "刘桂芳"), adding(staff, tree.grid_a2, "刘桂芳")])

    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["ok", "refused"]
    made = Resident.objects.get(phone="13712345678")
    refusal = next(result for kind, result in outcomes if kind == "refused")
    assert isinstance(refusal, Conflict) and refusal.code == "duplicate_resident"
    assert refusal.fields["duplicate_of"] == str(made.pk)

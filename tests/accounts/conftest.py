"""A newcomer: an account with a phone and no resident record, and buildings to choose."""

from __future__ import annotations

import pytest

from weiguang.accounts.models import Account
from weiguang.regions.models import Building

from ..factories import UserFactory

PHONE = "13700001111"


@pytest.fixture
def buildings(tree):
    return {
        "a1": Building.objects.get_or_create(grid=tree.grid_a1, name="3号楼")[0],
        "a1b": Building.objects.get_or_create(grid=tree.grid_a1, name="5号楼")[0],
        "a2": Building.objects.get_or_create(grid=tree.grid_a2, name="7号楼")[0],
        "b1": Building.objects.get_or_create(grid=tree.grid_b1, name="1号楼")[0],
    }


@pytest.fixture
def newcomer(db):
    user = UserFactory(username="newcomer", first_name="刘晓梅")
    Account.objects.create(user=user, phone=PHONE)
    return user

"""The one capacity engine (core/capacity.py), on its own: a resource with two places, held
places counted after the lock. The events' and rooms' own races are in their apps' tests."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.factories import UserFactory
from tests.wishes.test_concurrency import at_once
from weiguang.core import capacity
from weiguang.core.models import IdempotencyKey


def _holds(scope):
    return IdempotencyKey.objects.filter(scope=scope)


def _take(resource, scope, wanted=1, limit=2):
    return capacity.reserve(
        resource,
        capacity=lambda locked: limit,
        held=lambda locked: _holds(scope).count(),
        wanted=wanted,
        create=lambda locked: [
            IdempotencyKey.objects.create(
                user=locked, scope=scope, key=f"{_holds(scope).count()}-{i}", object_id="1"
            )
            for i in range(wanted)
        ],
        message="名额已满",
    )


@pytest.mark.django_db
def test_holds_until_full_then_refuses_with_409():
    resource = UserFactory()  # any row will do as the resource
    _take(resource, "cap")
    with pytest.raises(capacity.Full) as refused:
        _take(resource, "cap", wanted=2)
    assert (refused.value.status, refused.value.code, refused.value.message) == (409, "full", "名额已满")
    _take(resource, "cap")
    with pytest.raises(capacity.Full):
        _take(resource, "cap")
    assert _holds("cap").count() == 2
    assert capacity.free(resource, held=lambda r: _holds("cap").count(), capacity=lambda r: 2) == 0


@pytest.mark.django_db
def test_unlimited_capacity_never_refuses():
    resource = UserFactory()  # any row will do as the resource
    for _ in range(3):
        _take(resource, "open", limit=None)
    assert _holds("open").count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_requests_for_the_last_place_one_succeeds():
    resource = UserFactory()  # any row will do as the resource
    _take(resource, "race")  # one of two places is taken
    outcomes = at_once([lambda: _take(resource, "race") for _ in range(50)])
    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds.count("ok") == 1 and kinds.count("refused") == 49, (connection.vendor, kinds)
    assert all(isinstance(e, capacity.Full) for kind, e in outcomes if kind == "refused")
    assert _holds("race").count() == 2

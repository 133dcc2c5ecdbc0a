"""The login lockout under load: real threads, each with its own connection, hitting the token
endpoint at once. Every wrong password is counted exactly once (no lost increments, as the
file-cache counter had), no more passwords are checked than the limit allows, and once locked
the right password is refused.

Marked `postgres` (row locks are the reference there); on SQLite the writers queue on the
database lock (WAL, BEGIN IMMEDIATE) and the counts must be the same."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.test import Client

from tests.wishes.test_concurrency import at_once

from ..factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TOKEN = "/api/v1/auth/token"
CLIENTS = 4
TRIES = 10


def wrong_passwords(username: str, tries: int = TRIES):
    def run() -> list[int]:
        client = Client()
        return [
            client.post(
                TOKEN, {"username": username, "password": f"guess-{i}"}, content_type="application/json"
            ).status_code
            for i in range(tries)
        ]

    return run


def counted(**filters) -> int:
    return AccessAttempt.objects.filter(**filters).aggregate(n=Sum("failures_since_start"))["n"] or 0


@pytest.mark.parametrize("round_", range(2))
def test_every_failure_at_once_is_counted_exactly(settings, round_):
    settings.AXES_FAILURE_LIMIT = 1000  # no lock in the way: only the counting is watched
    settings.LOGIN_FAILURES_PER_ADDRESS = 1000
    UserFactory(username="resident_a")

    outcomes = at_once([wrong_passwords("resident_a") for _ in range(CLIENTS)])

    statuses = [s for _, codes in outcomes for s in codes]
    assert statuses == [401] * CLIENTS * TRIES
    assert counted(username="resident_a") == CLIENTS * TRIES


@pytest.mark.parametrize("round_", range(3))
def test_four_clients_at_once_get_exactly_the_allowed_tries(round_):
    UserFactory(username="resident_a")

    outcomes = at_once([wrong_passwords("resident_a") for _ in range(CLIENTS)])

    statuses = [s for _, codes in outcomes for s in codes]
    assert set(statuses) <= {401, 429}
    checked = statuses.count(401)
    assert counted(username="resident_a") == checked  # each checked password counted once
    # each attempt is counted (or refused) under a row lock before its password is checked:
    # exactly the limit, never the 12 of 10 that the cache counter let through
    assert checked == settings.AXES_FAILURE_LIMIT
    assert statuses.count(429) == CLIENTS * TRIES - settings.AXES_FAILURE_LIMIT
    response = Client().post(
        TOKEN, {"username": "resident_a", "password": "pass-Weiguang-1"}, content_type="application/json"
    )
    assert response.status_code == 429

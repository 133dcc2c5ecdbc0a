"""Real threads, real connections, real locks: exactly one winner, never a double change.

On PostgreSQL the transition helper's SELECT ... FOR UPDATE makes the losers wait and then
see the new state. On SQLite (WAL, BEGIN IMMEDIATE, busy timeout) writers queue on the
database lock instead of failing with "database is locked". Both must give the same result.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from django.db import connection

from tests.factories import UserFactory, grant
from weiguang.core.audit import history_of
from weiguang.core.errors import Conflict, NotAllowed, ServiceError
from weiguang.core.models import IdempotencyKey, Notification
from weiguang.regions.models import Role
from weiguang.wishes import services
from weiguang.wishes.models import Claim, ClaimStatus, Wish, WishKind, WishStatus

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(calls: list[Callable]) -> list[tuple[str, object]]:
    """Start every call at the same moment, each in its own thread with its own database
    connection. Returns ("ok", result), ("refused", ServiceError) or ("error", exception)."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[tuple[str, object] | None] = [None] * len(calls)

    def run(i: int, call: Callable) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[i] = ("ok", call())
        except ServiceError as e:
            outcomes[i] = ("refused", e)
        except BaseException as e:  # reported by the test below
            outcomes[i] = ("error", e)
        finally:
            connection.close()  # this thread's connection

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    errors = [o for o in outcomes if o is None or o[0] == "error"]
    assert not errors, errors
    return outcomes  # type: ignore[return-value]


def test_the_database_makes_concurrent_writers_wait():
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
            cursor.execute("PRAGMA busy_timeout")
            assert cursor.fetchone()[0] >= 5000
        assert connection.transaction_mode == "IMMEDIATE"
        assert not connection.is_in_memory_db()  # threads share one file, not private memory
    else:
        assert connection.features.has_select_for_update


def test_twenty_volunteers_claim_one_wish_at_once(people, make_wish, tree):
    wish = make_wish("published")
    volunteers = []
    for i in range(20):
        user = UserFactory(username=f"racer{i}", first_name=f"志愿者{i}")
        grant(user, Role.VOLUNTEER, tree.community_a)
        volunteers.append(user)
    notes_before = Notification.objects.filter(recipient=people.resident_user).count()

    outcomes = at_once([lambda v=v: services.claim_wish(wish, v) for v in volunteers])

    winners = [volunteers[i] for i, (kind, _) in enumerate(outcomes) if kind == "ok"]
    refusals = [e for kind, e in outcomes if kind == "refused"]
    assert len(winners) == 1
    assert len(refusals) == 19
    assert all(isinstance(e, Conflict) and e.code == "state_conflict" and e.status == 409 for e in refusals)
    claim = Claim.objects.get(wish=wish)
    assert (claim.claimer, claim.status) == (winners[0], ClaimStatus.ACTIVE)
    assert Wish.objects.get(pk=wish.pk).status == WishStatus.CLAIMED
    assert history_of(wish).filter(action="claim").count() == 1
    assert Notification.objects.filter(recipient=people.resident_user).count() == notes_before + 1


@pytest.mark.parametrize("round_", range(4))
def test_expiry_job_and_release_at_once_change_the_state_once(people, make_wish, round_):
    wish = make_wish("claimed")
    Claim.objects.filter(wish=wish).update(promised_date=dt.date(2020, 1, 1))  # long overdue

    release, job = at_once(
        [lambda: services.release_claim(wish, people.volunteer), lambda: services.expire_overdue_claims()]
    )

    released = release[0] == "ok"
    expired = job == ("ok", 1)
    assert released != expired, (release, job)
    if not released:
        # the claim is gone: the volunteer is no longer its claimer (403) or the state moved on (409)
        assert isinstance(release[1], Conflict | NotAllowed)
    else:
        assert job == ("ok", 0)
    assert Wish.objects.get(pk=wish.pk).status == WishStatus.PUBLISHED
    claim = Claim.objects.get(wish=wish)
    assert claim.status == (ClaimStatus.RELEASED if released else ClaimStatus.EXPIRED)
    changes = history_of(wish).filter(from_state=WishStatus.CLAIMED)
    assert changes.count() == 1
    assert changes.get().action == ("release" if released else "expire")


def test_two_expiry_jobs_at_once_release_each_claim_once(people, make_wish):
    wishes = [make_wish("claimed", title=f"心愿{i}号：想要一个书包") for i in range(3)]
    Claim.objects.update(promised_date=dt.date(2020, 1, 1))

    outcomes = at_once([services.expire_overdue_claims, services.expire_overdue_claims])

    assert sum(result for _, result in outcomes) == 3
    for wish in wishes:
        assert history_of(wish).filter(action="expire").count() == 1
        assert Claim.objects.get(wish=wish).status == ClaimStatus.EXPIRED


def test_a_double_tapped_submit_creates_one_wish(people):
    def tap():
        return services.submit_wish(
            people.resident_user, kind=WishKind.ITEM, title="想要一个电饭煲", idempotency_key="double-tap"
        )

    outcomes = at_once([tap] * 4)

    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    wishes = {result[0].pk for _, result in outcomes}
    assert len(wishes) == 1
    assert sorted(result[1] for _, result in outcomes) == [False, False, False, True]
    assert Wish.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1


@pytest.mark.parametrize("round_", range(4))
def test_two_identical_posts_at_once_without_a_key_make_one_wish(client, people, round_):
    """Two identical POST /api/v1/wishes at the same moment, no Idempotency-Key (a double tap
    from an app that sends none): one wish, and the other is told it is a duplicate of it."""
    from django.test import Client

    from weiguang.core.models import ApiToken

    token = ApiToken.issue(people.resident_user)

    def post():
        response = Client().post(
            "/api/v1/wishes", {"kind": "item", "title": "想要一个电饭煲", "description": "家里的坏了"},
            content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}",
        )  # fmt: skip
        return response.status_code, response.json()

    outcomes = at_once([post, post])

    statuses = sorted(result[0] for _, result in outcomes)
    assert statuses == [201, 409], outcomes
    assert Wish.objects.count() == 1
    refused = next(body for _, (status, body) in outcomes if status == 409)
    assert refused["code"] == "possible_duplicate"
    assert refused["duplicate_of"] == Wish.objects.get().pk


def test_the_resident_and_a_grid_worker_post_the_same_wish_at_once(people):
    """Two people, one resident: the near-duplicate check is serialised on the resident."""
    calls = [
        lambda: services.submit_wish(people.resident_user, kind=WishKind.ITEM, title="想要一个电风扇"),
        lambda: services.submit_wish(
            people.grid_worker, kind=WishKind.ITEM, title="想要一个电风扇", resident=people.resident
        ),
    ]

    outcomes = at_once(calls)

    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"], outcomes
    refusal = next(result for kind, result in outcomes if kind == "refused")
    assert isinstance(refusal, Conflict) and refusal.code == "possible_duplicate"
    assert Wish.objects.count() == 1

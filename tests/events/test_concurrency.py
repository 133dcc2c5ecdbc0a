"""Real threads, real connections: the last place goes once, a freed place goes to one
person, two cancellations at once promote two different people."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.factories import ResidentFactory, UserFactory, grant
from tests.wishes.test_concurrency import at_once
from weiguang.core.capacity import Full
from weiguang.events import services
from weiguang.events.models import SignUp, SignUpStatus
from weiguang.regions.models import Role

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _residents(people, n, prefix):
    found = []
    for i in range(n):
        user = UserFactory(username=f"{prefix}{i}")
        grant(user, Role.RESIDENT, people.tree.grid_a1)
        found.append(ResidentFactory(grid=people.tree.grid_a1, user=user))
    return found


def test_fifty_sign_ups_for_the_last_place_one_gets_it(make_event, people):
    event = make_event(capacity=2, max_party_size=2)
    first, *racers = _residents(people, 51, "racer")
    services.sign_up(event, first.user)  # one of two places left
    outcomes = at_once([lambda r=r: services.sign_up(event, r.user, wait=False) for r in racers])
    kinds = [kind for kind, _ in outcomes]
    assert kinds.count("ok") == 1 and kinds.count("refused") == 49, (connection.vendor, kinds)
    assert all(isinstance(e, Full) for kind, e in outcomes if kind == "refused")
    assert services.held_places(event) == 2


def test_fifty_sign_ups_for_the_last_place_the_rest_wait_in_order(make_event, people):
    event = make_event(capacity=2, max_party_size=2)
    first, *racers = _residents(people, 51, "waiter")
    services.sign_up(event, first.user)
    outcomes = at_once([lambda r=r: services.sign_up(event, r.user) for r in racers])
    statuses = sorted(result.status for kind, result in outcomes)
    assert statuses.count(SignUpStatus.CONFIRMED) == 1 and statuses.count(SignUpStatus.WAITING) == 49
    assert services.held_places(event) == 2
    codes = list(SignUp.objects.filter(event=event).values_list("code", flat=True))
    assert len(set(codes)) == 51


def test_two_cancellations_at_once_promote_two_distinct_people(make_event, people):
    event = make_event(capacity=2)
    a, b, *waiting = _residents(people, 6, "cancel")
    first = services.sign_up(event, a.user)
    second = services.sign_up(event, b.user)
    for r in waiting:
        assert services.sign_up(event, r.user).status == SignUpStatus.WAITING
    outcomes = at_once(
        [lambda: services.cancel_signup(first, a.user), lambda: services.cancel_signup(second, b.user)]
        + [lambda: services.cancel_signup(first, a.user)]  # a double tap frees nothing twice
    )
    assert sorted(kind for kind, _ in outcomes) == ["ok", "ok", "refused"]
    offered = list(SignUp.objects.filter(event=event, status=SignUpStatus.OFFERED).order_by("id"))
    assert [s.resident for s in offered] == waiting[:2]  # the first two waiting, each once
    assert SignUp.objects.filter(event=event, status=SignUpStatus.WAITING).count() == 2
    assert services.held_places(event) == 2

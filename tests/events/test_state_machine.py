"""Any sequence of sign-ups, cancellations, leaving, taking offers and time passing keeps the
places whole. Hypothesis drives random actions by six residents (and someone who may not)
on one event of 4 places, parties of 1 to 3, and after every step checks:

- the places held (confirmed and offered parties) never exceed the capacity;
- while the event takes sign-ups, no waiting party fits in the free places (a freed place
  always moved on), and the waiting list is first come first served among the parties that fit;
- one live sign-up per person; codes unique; an offer has its expiry, others none open;
- every sign-up's status change has its audit entry.

Each example runs in a transaction rolled back in `teardown`, at a clock of its own."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
import time_machine
from django.db import transaction
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from weiguang.core.audit import history_of
from weiguang.core.errors import ServiceError
from weiguang.events import services
from weiguang.events.models import HOLDING, LIVE, Event, SignUp, SignUpStatus

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
CAPACITY = 4
WHO = st.integers(min_value=0, max_value=6)  # 6: the grid worker of another place


class Places(RuleBasedStateMachine):
    def __init__(self, people, residents, auto_promote: bool):
        super().__init__()
        self.people, self.residents = people, residents
        self.clock = time_machine.travel(START, tick=False)
        self.traveller = self.clock.start()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        starts = START + dt.timedelta(days=2)
        event = services.create_event(
            people.staff,
            {
                "region": people.tree.community_a, "kind": "course", "title": "太极拳课", "starts_at": starts,
                "ends_at": starts + dt.timedelta(hours=1), "capacity": CAPACITY, "max_party_size": 3,
                "auto_promote": auto_promote,
            },
        )  # fmt: skip
        self.event = services.publish_event(event, people.staff)

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)
        self.clock.stop()

    def user(self, k: int):
        return self.residents[k].user if k < len(self.residents) else self.people.outsider_grid_worker

    def signups(self):
        return SignUp.objects.filter(event=self.event)

    @rule(k=WHO, size=st.integers(min_value=1, max_value=3), by_staff=st.booleans())
    def sign_up(self, k, size, by_staff):
        try:
            if by_staff and k < len(self.residents):
                services.sign_up(
                    self.event, self.people.staff, resident=self.residents[k].pk, party_size=size
                )
            else:
                services.sign_up(self.event, self.user(k), party_size=size)
        except ServiceError:
            pass

    @rule(k=WHO, pick=st.integers(min_value=0, max_value=20))
    def withdraw(self, k, pick):
        rows = list(self.signups().order_by("id"))
        if rows:
            with contextlib.suppress(ServiceError):
                services.withdraw(rows[pick % len(rows)], self.user(k))

    @rule(k=WHO, pick=st.integers(min_value=0, max_value=20))
    def accept(self, k, pick):
        rows = list(self.signups().order_by("id"))
        if rows:
            with contextlib.suppress(ServiceError):
                services.accept_offer(rows[pick % len(rows)], self.user(k))

    @rule(minutes=st.sampled_from([5, 20, 31]))
    def time_passes(self, minutes):
        self.traveller.shift(dt.timedelta(minutes=minutes))
        services.expire_offers()

    @invariant()
    def places_are_whole(self):
        rows = list(self.signups().order_by("waiting_since", "id"))
        held = sum(s.party_size for s in rows if s.status in HOLDING)
        assert held <= CAPACITY
        free = CAPACITY - held
        waiting = [s for s in rows if s.status == SignUpStatus.WAITING]
        assert all(s.party_size > free for s in waiting), (free, [(s.party_size, s.status) for s in rows])
        people = [s.resident_id or -s.user_id for s in rows if s.status in LIVE]
        assert len(people) == len(set(people))
        assert len({s.code for s in rows}) == len(rows)
        for s in rows:
            assert (s.offer_expires_at is not None) == (s.offered_at is not None)
            if s.status == SignUpStatus.OFFERED:
                assert s.offer_expires_at > START
        if self.event.auto_promote:
            assert not any(s.status == SignUpStatus.OFFERED for s in rows)

    @invariant()
    def every_change_is_audited(self):
        changed = self.signups().exclude(status__in=[SignUpStatus.CONFIRMED, SignUpStatus.WAITING])
        for s in changed:
            assert history_of(s).filter(to_state=s.status).exists(), s.status


def test_any_sequence_keeps_the_places_whole(people, residents):
    run_state_machine_as_test(
        lambda: Places(people, residents, auto_promote=False),
        settings=settings(max_examples=12, stateful_step_count=30, deadline=None),
    )


def test_any_sequence_keeps_the_places_whole_with_automatic_promotion(people, residents):
    run_state_machine_as_test(
        lambda: Places(people, residents, auto_promote=True),
        settings=settings(max_examples=6, stateful_step_count=30, deadline=None),
    )


def test_the_expiry_job_is_registered_and_runs(make_event, residents):
    from weiguang.core import scheduler
    from weiguang.events import tasks

    assert "weiguang.events.tasks.expire_offers" in [job.task_path for job in scheduler.PERIODIC]
    event = make_event(capacity=1)
    first = services.sign_up(event, residents[0].user)
    waiting = services.sign_up(event, residents[1].user)
    services.cancel_signup(first, residents[0].user)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=31)):
        tasks.expire_offers.enqueue()  # the tests' immediate backend runs it now
    waiting.refresh_from_db()
    assert waiting.status == SignUpStatus.EXPIRED
    assert Event.objects.get(pk=event.pk).signups.filter(status__in=HOLDING).count() == 0

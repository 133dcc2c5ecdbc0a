"""Real threads, real connections: the same ticket at two (or eight) desks at once is one
check-in; the others are told it is in already."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection

from tests.wishes.test_concurrency import at_once
from weiguang.events import checkins, services
from weiguang.events.models import CheckIn, CheckInScan

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_same_ticket_at_two_desks_at_once_is_one_check_in(make_event, residents, people):
    event = make_event(capacity=None)
    signup = services.sign_up(event, residents[0].user)
    token = services.ticket_token(signup)
    with time_machine.travel(event.starts_at + dt.timedelta(minutes=5)):
        outcomes = at_once(
            [
                lambda: checkins.check_in_ticket(event, people.staff, code=signup.code),
                lambda: checkins.check_in_ticket(event, people.street_admin, token=token),
            ]
        )
    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["ok", "refused"], (connection.vendor, outcomes)
    refused = next(e for kind, e in outcomes if kind == "refused")
    assert isinstance(refused, checkins.AlreadyIn)
    assert CheckIn.objects.filter(event=event).count() == 1


def test_eight_scans_of_one_ticket_at_once_make_one_check_in_and_seven_duplicates(
    make_event, residents, people
):
    event = make_event(capacity=None)
    signup = services.sign_up(event, residents[0].user)
    with time_machine.travel(event.starts_at + dt.timedelta(minutes=5)):
        outcomes = at_once([lambda: checkins.record_scan(event, people.staff, code=signup.code)] * 8)
    assert [kind for kind, _ in outcomes] == ["ok"] * 8, outcomes
    assert sorted(r.created for _, r in outcomes) == [False] * 7 + [True]
    assert CheckIn.objects.count() == 1 and CheckInScan.objects.filter(duplicate=True).count() == 7


def test_the_same_resident_walked_in_at_two_desks_at_once_is_one_visit(make_event, people):
    event = make_event(capacity=None)
    with time_machine.travel(event.starts_at + dt.timedelta(minutes=5)):
        outcomes = at_once(
            [lambda: checkins.walk_in(event, people.staff, resident=people.other_resident.pk)] * 2
        )
    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"], outcomes
    assert CheckIn.objects.count() == 1

"""Demand.reopened_at: set by the reopen transition and read (not the audit log) when the
calendar moves a warning order's deadline."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from weiguang.core.models import AuditEntry
from weiguang.demands.models import Demand
from weiguang.demands.services import handling, tracking

pytestmark = pytest.mark.django_db


def test_the_reopen_transition_sets_it(make_demand, people):
    d = make_demand("replied")
    assert d.reopened_at is None
    at = timezone.now() + dt.timedelta(hours=2)
    with time_machine.travel(at, tick=False):
        d = handling.evaluate_demand(d, people.resident_user, evaluation="unsatisfied")
    assert Demand.objects.get(pk=d.pk).reopened_at == at
    entry = AuditEntry.objects.get(object_id=str(d.pk), action="reopen", content_type__model="demand")
    assert entry.created_at == at


def test_reopening_with_the_tracking_code_sets_it(make_demand):
    d = make_demand("replied")
    d = tracking.evaluate_by_code(d.tracking_code, evaluation="unsatisfied")
    assert d.reopened_at is not None


def test_an_evaluation_that_closes_leaves_it_empty(make_demand):
    assert Demand.objects.get(pk=make_demand("closed").pk).reopened_at is None

"""Demand.reopened_at: set by the reopen transition, backfilled from the audit log by migration
0006, and read (not the audit log) when the calendar moves a warning order's deadline."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
import time_machine
from django.apps import apps
from django.utils import timezone

from weiguang.core.models import AuditEntry
from weiguang.demands.models import Demand
from weiguang.demands.services import handling, tracking

pytestmark = pytest.mark.django_db

backfill = importlib.import_module("weiguang.demands.migrations.0006_demand_reopened_at").backfill


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


def test_the_migration_backfills_the_latest_reopening_from_the_audit_log(make_demand, people):
    reopened = make_demand("reopened")
    by_code = make_demand("replied", title="路灯不亮")
    by_code = tracking.evaluate_by_code(by_code.tracking_code, evaluation="unsatisfied")
    closed = make_demand("closed", title="井盖松动")
    early, late = timezone.now() - dt.timedelta(days=9), timezone.now() - dt.timedelta(days=3)
    AuditEntry.objects.filter(object_id=str(reopened.pk), action="reopen").update(created_at=late)
    older = AuditEntry.objects.get(object_id=str(reopened.pk), action="reopen")
    older.pk, older.created_at = None, early  # an earlier reopening too: the latest wins
    older.save()
    AuditEntry.objects.filter(object_id=str(by_code.pk), action="reopen_by_code").update(created_at=early)
    Demand.objects.update(reopened_at=None)

    backfill(apps, None)

    got = dict(Demand.objects.values_list("pk", "reopened_at"))
    assert got == {reopened.pk: late, by_code.pk: early, closed.pk: None}


def test_the_backfill_on_an_empty_database_does_nothing():
    backfill(apps, None)
    assert not Demand.objects.exists()

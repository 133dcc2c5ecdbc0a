"""Periodic work: which task runs how often. `weiguang scheduler` enqueues them; the
`db_worker` process (django-tasks-db) runs them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import PeriodicJob


@dataclass(frozen=True)
class Periodic:
    task_path: str
    every: dt.timedelta


PERIODIC = [
    Periodic("weiguang.wishes.tasks.expire_overdue_claims", dt.timedelta(minutes=10)),
    Periodic("weiguang.demands.tasks.escalate_overdue", dt.timedelta(minutes=10)),
    Periodic("weiguang.demands.tasks.close_unevaluated", dt.timedelta(hours=1)),
    Periodic("weiguang.demands.tasks.send_deadline_reminders", dt.timedelta(minutes=10)),
]


def claim_run(job: Periodic, now=None) -> bool:
    """True if this caller won the right to enqueue `job` now."""
    now = now or timezone.now()
    PeriodicJob.objects.get_or_create(name=job.task_path)
    due = Q(last_enqueued_at__isnull=True) | Q(last_enqueued_at__lte=now - job.every)
    return PeriodicJob.objects.filter(due, name=job.task_path).update(last_enqueued_at=now) == 1


def run_due(now=None) -> list[str]:
    enqueued = []
    for job in PERIODIC:
        if claim_run(job, now):
            import_string(job.task_path).enqueue()
            enqueued.append(job.task_path)
    return enqueued

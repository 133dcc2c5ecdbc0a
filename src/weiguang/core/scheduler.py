"""Periodic work: which task runs how often. Each app registers its own jobs from its
AppConfig.ready() (`scheduler.register(task_path, every)`); `weiguang scheduler` enqueues
those that are due; the `db_worker` process (django-tasks-db) runs them."""

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


# Filled by each app from its AppConfig.ready() through register(): core knows no app's tasks.
PERIODIC: list[Periodic] = []


def register(task_path: str, every: dt.timedelta) -> None:
    """Run the task at `task_path` (a django-tasks task) every `every`. Call it from the app's
    AppConfig.ready(); registering the same path again changes nothing."""
    if all(job.task_path != task_path for job in PERIODIC):
        PERIODIC.append(Periodic(task_path, every))


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

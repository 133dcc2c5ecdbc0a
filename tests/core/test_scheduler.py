"""The scheduler enqueues periodic jobs once per interval; the real database worker runs them."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from weiguang.core.models import Notification
from weiguang.core.scheduler import PERIODIC, run_due
from weiguang.wishes.models import Claim, ClaimStatus, WishStatus


@pytest.fixture
def db_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def test_each_job_is_enqueued_once_per_interval(db, db_tasks):
    now = timezone.now()
    assert run_due(now) == [job.task_path for job in PERIODIC]
    assert run_due(now + dt.timedelta(seconds=5)) == []  # a second scheduler gets nothing
    later = now + PERIODIC[0].every
    assert run_due(later) == [job.task_path for job in PERIODIC if job.every <= PERIODIC[0].every]
    assert "weiguang.demands.tasks.close_unevaluated" not in run_due(later + dt.timedelta(minutes=1))


@pytest.mark.django_db(transaction=True)
def test_worker_releases_overdue_claim_from_the_queue(make_wish, people, db_tasks, time_machine):
    wish = make_wish("claimed")
    claim = Claim.objects.get(wish=wish)
    time_machine.move_to(
        timezone.now()
        + dt.timedelta(days=claim.promised_date.toordinal() - timezone.localdate().toordinal() + 2)
    )

    call_command("scheduler", "--once")
    wish.refresh_from_db()
    assert wish.status == WishStatus.CLAIMED  # only enqueued so far, nothing ran yet

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    wish.refresh_from_db()
    claim.refresh_from_db()
    assert wish.status == WishStatus.PUBLISHED
    assert claim.status == ClaimStatus.EXPIRED
    told = Notification.objects.filter(
        url=f"/wishes/{wish.pk}/", created_at__gt=claim.created_at + dt.timedelta(days=1)
    )
    assert set(told.values_list("recipient__username", flat=True)) >= {"vol_a", "staff_a", "street_admin"}

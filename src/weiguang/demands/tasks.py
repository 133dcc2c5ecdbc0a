from django_tasks import task

from .services import dispatch, handling, reminders


@task()
def escalate_overdue() -> int:
    """Escalate open demands past their handling deadline to the street (吹哨)."""
    return dispatch.escalate_overdue()


@task()
def close_unevaluated() -> int:
    """Close replied demands the resident did not evaluate in time."""
    return handling.close_unevaluated()


@task()
def send_deadline_reminders() -> int:
    """Remind whoever must act when a deadline is near and when it has passed."""
    return reminders.send_deadline_reminders()

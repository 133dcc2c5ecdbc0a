from django_tasks import task

from . import delivery


@task()
def deliver(ids: list[int]) -> int:
    """Send the rows a transaction queued, once it committed (services._kick)."""
    return delivery.deliver_ids(ids)


@task()
def deliver_due() -> int:
    """Every minute: what is due (retries, deferred text messages, rows whose kick was lost),
    after reconciling the rows whose sender died mid-send."""
    return delivery.deliver_due()

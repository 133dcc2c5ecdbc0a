from django_tasks import task

from . import sms


@task()
def deliver_sms(message_id: int) -> bool:
    """Send one queued text message (enqueued by sms.send_sms when its transaction commits)."""
    return sms.deliver(message_id)


@task()
def retry_sms() -> int:
    """Every minute: send the queued messages that are due (retries, and any whose first
    delivery never ran)."""
    return sms.deliver_due()

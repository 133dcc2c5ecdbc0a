from django_tasks import task

from . import codes, security, sms


@task()
def deliver_sms(message_id: int) -> bool:
    """Send one queued text message (enqueued by sms.send_sms when its transaction commits)."""
    return sms.deliver(message_id)


@task()
def retry_sms() -> int:
    """Every minute: send the queued messages that are due (retries, and any whose first
    delivery never ran)."""
    return sms.deliver_due()


@task()
def clean_up() -> dict:
    """Every day: verification codes no limit counts any more, and the rows of ended sessions
    (with the expired sessions themselves). Text messages are kept (the record of what was sent)."""
    return {"codes": codes.forget_old_codes(), "sessions": security.forget_ended_sessions()}

from django_tasks import task

from . import services


@task()
def release_unclaimed_bookings() -> int:
    """Free the rooms of approved bookings nobody checked in to (the booker is notified)."""
    return services.release_unclaimed()


@task()
def lapse_undecided_requests() -> int:
    """Requests nobody decided on before their start lapse (the requester is notified)."""
    return services.lapse_undecided()

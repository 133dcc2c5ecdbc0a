from django_tasks import task

from . import checkins, services


@task()
def expire_offers() -> int:
    """Offered places not taken in time move on to the next person waiting."""
    return services.expire_offers()


@task()
def exit_at_close() -> int:
    """Everyone still checked in at an event that has ended leaves at its end."""
    return checkins.exit_at_close()

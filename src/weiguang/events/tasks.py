from django_tasks import task

from . import services


@task()
def expire_offers() -> int:
    """Offered places not taken in time move on to the next person waiting."""
    return services.expire_offers()

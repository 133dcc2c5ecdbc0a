from django_tasks import task

from . import services


@task()
def expire_overdue_claims() -> int:
    """Release claims past their promised date (the claimer and staff are notified)."""
    return services.expire_overdue_claims()

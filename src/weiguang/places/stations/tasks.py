from django_tasks import task

from . import services


@task()
def reset_expired_amenities() -> int:
    """An amenity marked out of order is available again the day after its last day."""
    return services.reset_expired_amenities()

"""The lists app's API routers; weiguang/api.py mounts them (units_router beside partners'
own /partners router)."""

from .deliveries import units_router
from .lists import lists_router
from .projects import projects_router
from .surveys import surveys_router

__all__ = ["lists_router", "projects_router", "surveys_router", "units_router"]

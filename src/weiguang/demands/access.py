"""Who may do what with demands, asked in one place; regions.access decides (demands reads
neither its ACTION_ROLES table nor a user's memberships; where a user may list is
regions.access.role_paths)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q

from weiguang.regions import access
from weiguang.regions.models import Role, ancestor_paths

# Staff and grid workers: who take a grid's demands in and may be assigned them.
DISPATCHERS = {Role.STREET_ADMIN, Role.COMMUNITY_STAFF, Role.GRID_WORKER}


def may(user, action: str, demand=None, *, path: str | None = None) -> bool:
    """May `user` do `action` (a key of regions.access.ACTION_ROLES) on `demand` (or another
    record), in the region at `path`, or, given neither, somewhere (a page, tab or tile to show)?"""
    return access.can(user, action, demand, path=path)


def works_at(user, path: str) -> bool:
    """Is `user` a dispatcher (staff or grid worker) of the region at `path` or above it?"""
    return bool(access.roles_at(user, path) & DISPATCHERS)


def dispatchers(path: str, *, inside: bool = False):
    """The active users who may be assigned the demands of the region at `path` (a dispatcher
    there or above it); `inside`: also those of the regions inside it (a meeting's action items)."""
    if not inside:
        return access.holders(DISPATCHERS, path)
    at = Q(memberships__region__path__startswith=path) | Q(memberships__region__path__in=ancestor_paths(path))
    return (
        get_user_model()
        .objects.filter(at, memberships__role__in=list(DISPATCHERS), is_active=True)
        .distinct()
    )

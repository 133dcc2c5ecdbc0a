"""The one capacity engine: places at an event, a stall's time slot, a room's hours.

Every hold on a limited resource goes through `reserve()`: inside one transaction the
resource's row is locked (SELECT ... FOR UPDATE on PostgreSQL; on SQLite the IMMEDIATE
transaction already lets one writer in at a time), what is already held is counted by the
caller's query *after* the lock, and the new hold is written only if it fits. Fifty requests
for the last place therefore give exactly one success and forty-nine `Full` errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .errors import Conflict

T = TypeVar("T")


class Full(Conflict):
    """No room left for what was asked (HTTP 409)."""

    code = "full"


def lock(resource):
    """The resource's row, locked until the surrounding transaction ends (fresh from the
    database: the caller's copy may be stale)."""
    return type(resource)._base_manager.select_for_update().get(pk=resource.pk)


def reserve(
    resource,
    *,
    capacity: Callable[[object], int | None],
    held: Callable[[object], int],
    wanted: int,
    create: Callable[[object], T],
    message=None,
) -> T:
    """Lock `resource`, and call `create(locked)` only when `held(locked) + wanted` fits in
    `capacity(locked)` (None: unlimited); otherwise raise `Full` with `message`.

    `held` must count from the database after the lock (never a value read before it), and
    `create` runs inside the same transaction, so the check and the write cannot be split by a
    concurrent request."""
    if wanted < 1:
        raise ValueError("wanted must be at least 1")
    with transaction.atomic():
        locked = lock(resource)
        limit = capacity(locked)
        if limit is not None and held(locked) + wanted > limit:
            raise Full(message or _("There is no room left."))
        return create(locked)


def full_already(
    resource, *, capacity: Callable[[object], int | None], held: Callable[[object], int], wanted: int
) -> bool:
    """Whether `wanted` did not fit at the moment `held(resource)` was counted, read WITHOUT the
    lock: a request that would be refused anyway (it does not wait for a place) may be refused
    at once instead of queueing for the lock behind the winners. True is safe to act on (the
    places were taken at that moment: as if the request had come then); False proves nothing,
    and only `reserve()` may give a place."""
    limit = capacity(resource)
    return limit is not None and held(resource) + wanted > limit


def free(resource, *, held: Callable[[object], int], capacity: Callable[[object], int | None]) -> int | None:
    """How many places are left now (None: unlimited); for display, not for deciding."""
    limit = capacity(resource)
    return None if limit is None else max(limit - held(resource), 0)

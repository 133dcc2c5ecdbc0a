"""The public wish wall: what it lists, and its cache.

The wall is read far more often than it changes, so rendered pages are cached under a
per-street version token. Every committed transition of a wish in that street replaces the
token (a fresh random value, so two concurrent invalidations can never cancel each other),
which makes every cached page of that street's walls unreachable at once.
"""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet

from weiguang.regions.models import Region, RegionKind

from .models import PUBLIC_STATUSES, Wish

FILTERS = ("kind", "category", "group", "status", "page")


def _version_key(street_id: int) -> str:
    return f"wall:v:{street_id}"


def version(street_id: int) -> str:
    token = cache.get(_version_key(street_id))
    if token is None:
        token = uuid.uuid4().hex
        cache.add(_version_key(street_id), token, None)
        token = cache.get(_version_key(street_id), token)
    return token


def invalidate_for(wish: Wish, action: str = "") -> None:
    cache.set(_version_key(wish.street_id), uuid.uuid4().hex, None)


def cache_key(region: Region, params: dict, variant: str = "") -> str:
    street_id = region.pk if region.kind == RegionKind.STREET else region.ancestor_ids[1]
    raw = "&".join(f"{k}={params.get(k, '')}" for k in FILTERS) + "|" + variant
    digest = hashlib.blake2b(raw.encode(), digest_size=10).hexdigest()
    return f"wall:{region.pk}:{version(street_id)}:{digest}"


def cached(key: str, build) -> str:
    html = cache.get(key)
    if html is None:
        html = build()
        cache.set(key, html, settings.WEIGUANG["WALL_CACHE_SECONDS"])
    return html


def wall_queryset(region: Region, *, kind: str = "", category: str = "", group: str = "", status: str = "") -> QuerySet[Wish]:
    """Public wishes of a street or a community, newest on the wall first."""
    field = "street" if region.kind == RegionKind.STREET else "community"
    statuses = [status] if status in PUBLIC_STATUSES else PUBLIC_STATUSES
    qs = Wish.objects.filter(**{field: region}, status__in=statuses)
    if kind:
        qs = qs.filter(kind=kind)
    if category.isdigit():
        qs = qs.filter(category_id=int(category))
    if group:
        qs = qs.filter(resident__groups__code=group)
    return qs.select_related("resident", "category", "community").order_by("-published_at", "-id")

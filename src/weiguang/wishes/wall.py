"""The public wish wall: what it lists, and its cache.

The wall is read far more often than it changes, so rendered pages are cached. Each street
and each community has a version token; every committed transition of a wish replaces the
tokens of its street and its community (a fresh random value, so two concurrent
invalidations can never cancel each other). A cached page is stored with the token it was
built under, and a warm request costs ONE cache round trip (the token and the page fetched
together) and no query: the page is served only if its token is still the current one.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet

from weiguang.core.cache import code_version
from weiguang.regions.models import Region, RegionKind

from .filters import WishFilter
from .models import PUBLIC_STATUSES, Wish

FILTERS = ("kind", "category", "group", "status", "page")


def _version_key(region_id: int) -> str:
    return f"wall:v:{region_id}"


def _new_token() -> str:
    return uuid.uuid4().hex


def version(region_id: int) -> str:
    """The current version token of a street's or a community's walls."""
    token = cache.get(_version_key(region_id))
    if token is None:
        cache.add(_version_key(region_id), _new_token(), None)
        token = cache.get(_version_key(region_id))
    return token


def invalidate_for(wish: Wish, action: str = "") -> None:
    """Make every cached wall page showing `wish` stale (its street's and its community's)."""
    token = _new_token()
    cache.set_many({_version_key(wish.street_id): token, _version_key(wish.community_id): token}, None)


def page_key(region_id: int, params: dict, variant: str = "") -> str:
    raw = "&".join(f"{k}={params.get(k, '')}" for k in FILTERS) + "|" + variant
    # the code version: a page rendered by the code before an upgrade is never served after it
    digest = hashlib.blake2b(raw.encode(), digest_size=10).hexdigest()
    return f"wall:{code_version()}:{region_id}:{digest}"


def cached_page(region_id: int, params: dict, variant: str, build: Callable[[], str]) -> str:
    """The cached rendering of one wall page, rebuilt by `build()` when stale or missing."""
    vkey, key = _version_key(region_id), page_key(region_id, params, variant)
    found = cache.get_many([vkey, key])
    token = found.get(vkey) or version(region_id)
    entry = found.get(key)
    if entry is not None and entry[0] == token:
        return entry[1]
    html = build()  # built after reading the token: a change meanwhile leaves it stale
    cache.set(key, (token, html), settings.WEIGUANG["WALL_CACHE_SECONDS"])
    return html


def wall_queryset(
    region: Region, *, kind: str = "", category: str = "", group: str = "", status: str = ""
) -> QuerySet[Wish]:
    """Public wishes of a street or a community, newest on the wall first."""
    field = "street" if region.kind == RegionKind.STREET else "community"
    statuses = [status] if status in PUBLIC_STATUSES else PUBLIC_STATUSES
    qs = Wish.objects.filter(**{field: region}, status__in=statuses)
    qs = WishFilter.from_query({"kind": kind, "category": category, "group": group}).apply(qs)
    return qs.select_related("resident", "category", "community").order_by("-published_at", "-id")

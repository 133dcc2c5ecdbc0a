"""Fixed-window counters in the shared cache: public submissions and failed logins.

`hits(key)` reads a counter, `record(key, window)` adds one. Keys are hashed, so any text
(a user name, an address) may be part of one."""

from __future__ import annotations

import hashlib

from django.core.cache import cache


def _key(scope: str, ident: str) -> str:
    return f"rl:{scope}:" + hashlib.blake2b(ident.encode(), digest_size=12).hexdigest()


def hits(scope: str, ident: str) -> int:
    return cache.get(_key(scope, ident)) or 0


def record(scope: str, ident: str, window: int) -> int:
    key = _key(scope, ident)
    cache.add(key, 0, window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        return 1


def clear(scope: str, ident: str) -> None:
    cache.delete(_key(scope, ident))


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"

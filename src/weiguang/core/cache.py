"""Cache keys that belong to one database, and Django's Redis cache keeping one client per pool.

`make_key` (settings CACHES KEY_FUNCTION) puts the database's installation token
(core.models.Installation, written by a migration) into every key. The file cache under var/
and a shared Redis outlive the database: a new database must not be served the wall pages,
QR codes or rate-limit counters cached for an old one.

The Redis client:
Django's RedisCacheClient builds a new `redis.Redis` object for every cache call; that costs
about 0.5 ms here, as much as the rest of a warm wall request. A redis-py client is
thread-safe (connections come from its pool), so one per pool is enough.
"""

from __future__ import annotations

import functools
import hashlib
from contextlib import nullcontext
from pathlib import Path

from django.core.cache.backends import redis as django_redis
from django.db import DatabaseError, connection, transaction

# database NAME -> its token; read once per process (a warm wall request stays query-free)
_tokens: dict[str, str] = {}
UNMIGRATED = "unmigrated"


def installation_token() -> str:
    name = str(connection.settings_dict.get("NAME"))
    token = _tokens.get(name)
    if token is None:
        token = _read_token()
        if token != UNMIGRATED:
            _tokens[name] = token
    return token


def forget_installation_token() -> None:
    """Read the token again on next use (a database was dropped and made anew under this name)."""
    _tokens.clear()


def _read_token() -> str:
    from weiguang.core.models import Installation

    try:
        # a savepoint, so that a missing table does not break a caller's transaction on PostgreSQL
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            token = Installation.objects.order_by("pk").values_list("token", flat=True).first()
        if token is None:  # tables emptied (flush) after the migration wrote the row
            with transaction.atomic():
                token = Installation.objects.create().token
    except DatabaseError:  # not migrated yet: nothing worth keeping is cached before that
        return UNMIGRATED
    return token


@functools.cache
def code_version() -> str:
    """A digest of the installed templates, static files and catalogues.

    Cached renderings (the wall's pages) carry it in their keys, so an upgrade that changes
    how a page looks is never served pages rendered by the old code. Sessions and rate-limit
    counters do not carry it: a deploy must not log everyone out.
    """
    return files_digest(Path(__file__).resolve().parents[1])


def files_digest(root: Path) -> str:
    digest = hashlib.blake2b(digest_size=6)
    for path in sorted(root.rglob("*")):
        if path.suffix in {".html", ".css", ".js", ".po", ".svg"} and path.is_file():
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def make_key(key: str, key_prefix: str, version: int) -> str:
    return f"{key_prefix}:{installation_token()}:{version}:{key}"


class ReusingRedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(index))
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

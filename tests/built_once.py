"""Rows built once for a module or class of tests and rolled back after it."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from typing import TypeVar

from django.db import transaction
from django.test import override_settings

T = TypeVar("T")


def built_once(django_db_blocker, build: Callable[[], T], **settings) -> Iterator[T]:
    """For a module- or class-scoped fixture: `yield from built_once(django_db_blocker, build)`.

    `build()` runs once (under `settings`) inside a transaction left open for the fixture's
    scope and rolled back at its end; each test runs in a savepoint of it (pytest-django's
    `db`), so every test starts from the same rows."""
    with django_db_blocker.unblock(), override_settings(**settings):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            data = build()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(*sys.exc_info())
            raise
    yield data
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)

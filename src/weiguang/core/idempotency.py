"""Idempotent creation: the same (user, scope, key) always yields the first object created."""

from __future__ import annotations

from collections.abc import Callable

from django.db import IntegrityError, transaction

from .errors import ServiceError
from .models import IdempotencyKey


def create_once(user, scope: str, key: str | None, model, create: Callable):
    """Run `create()` unless `key` was already used by `user` in `scope`; return the object
    and whether it was created now."""
    if not key:
        return create(), True
    existing = IdempotencyKey.objects.filter(user=user, scope=scope, key=key[:80]).first()
    if existing:
        return model.objects.get(pk=existing.object_id), False
    try:
        with transaction.atomic():
            obj = create()
            IdempotencyKey.objects.create(user=user, scope=scope, key=key[:80], object_id=str(obj.pk))
            return obj, True
    except (IntegrityError, ServiceError):
        # A concurrent twin with the same key may have committed meanwhile: then `create()`
        # refuses (e.g. "possible duplicate" of the twin's object) or the key insert clashes.
        # Either way the answer to a double tap is the twin's object.
        existing = IdempotencyKey.objects.filter(user=user, scope=scope, key=key[:80]).first()
        if existing is None:
            raise
        return model.objects.get(pk=existing.object_id), False

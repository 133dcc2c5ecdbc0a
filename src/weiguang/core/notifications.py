"""The notification hook. Inbox rows are written in the caller's transaction, so a message
exists exactly when the change that caused it was committed."""

from __future__ import annotations

from collections.abc import Iterable

from .models import Notification


def notify(recipients: Iterable, title: str, body: str = "", url: str = "") -> int:
    seen: set[int] = set()
    rows = []
    for user in recipients:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(Notification(recipient=user, title=title[:200], body=body, url=url))
    Notification.objects.bulk_create(rows)
    return len(rows)


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def unread(flags) -> int:
    """The inbox's badge and tile (core/navigation.py): counted once per request."""
    return unread_count(flags.user)

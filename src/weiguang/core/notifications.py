"""The notification hook. Inbox rows are written in the caller's transaction, so a message
exists exactly when the change that caused it was committed.

The outbox (weiguang.outbox, a floor above) installs itself here from its AppConfig.ready():
then notify() writes the inbox row and the outbox rows of the other channels each recipient
chose (text message, e-mail), all in the caller's transaction. Options it understands:
`key=` (the same logical message again adds nothing), `urgent=` (quiet hours do not hold it),
`channels=` (exactly these channels)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .models import Notification

_hook: Callable[..., int] | None = None


def install(hook: Callable[..., int]) -> None:
    global _hook
    _hook = hook


def notify(recipients: Iterable, title: str, body: str = "", url: str = "", **options) -> int:
    """Tell `recipients` (users; None and repeats skipped); the number of people told."""
    if _hook is not None:
        return _hook(recipients, title, body, url, **options)
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

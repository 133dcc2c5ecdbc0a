"""Per-destination rate limits (a WeCom robot takes 20 messages a minute): a sliding window of
the last minute's sends, kept in one row that a sender locks while it decides."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .models import RateWindow

WINDOW = 60.0


def acquire(bucket: str, per_minute: int) -> float | None:
    """Take one send from `bucket` now: None if it fits in the last minute, else the epoch
    second at which the oldest send leaves the window (wait until then; nothing is lost)."""
    now = timezone.now().timestamp()
    RateWindow.objects.get_or_create(bucket=bucket)
    with transaction.atomic():
        window = RateWindow.objects.select_for_update().get(bucket=bucket)
        recent = [t for t in window.sends if t > now - WINDOW]
        if len(recent) >= per_minute:
            return min(recent) + WINDOW
        window.sends = [*recent, now]
        window.save(update_fields=["sends"])
    return None

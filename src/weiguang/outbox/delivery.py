"""Sending what the outbox holds: claim due rows, hand each to its channel, record the outcome.

- **Claim.** On PostgreSQL, `SELECT … FOR UPDATE SKIP LOCKED` picks due rows no other sender
  is picking, and one UPDATE marks them `sending` with a lease and a claim token; on SQLite
  (one writer at a time) each row is claimed by a conditional UPDATE. Either way the claim
  commits before anything is sent, so the row says `sending` while the channel is called.
- **Outcome.** Only the holder of the claim (its token, while the row is `sending`) records
  what happened: `sent`/`delivered`; `failed` with the next attempt after an exponential
  back-off (30 s, 1 min, 2 min, ... at most OUTBOX_BACKOFF_MAX); `dead` when the channel
  refuses the message for good or the attempts run out.
- **A sender that died.** A `sending` row whose lease lapsed is reconciled: sent again under
  the same key where the channel keeps one message per key (SMS by id, the inbox), otherwise a
  dead letter ("it may or may not have arrived"), so nothing is ever sent twice and nothing
  is silently dropped.
- **Rate limits.** A channel that says "not now" (a robot's 20 a minute) puts the row back in
  the queue for when there is room, without counting an attempt.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from weiguang.core.outbound import Refused

from . import quiet
from .channels import CHANNELS
from .models import Channel, OutboxMessage, Status

logger = logging.getLogger("weiguang.outbox")

BACKOFF_FIRST = 30


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failed attempt: 30 s, 1 min, 2 min, ... at most an hour."""
    return dt.timedelta(seconds=min(settings.OUTBOX_BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(0, attempts - 1)))


def _due(now) -> Q:
    return Q(status__in=(Status.QUEUED, Status.FAILED), next_attempt_at__lte=now)


def claim(*, now=None, limit: int = 100, channel: str | None = None, ids=None) -> tuple[str, list[int]]:
    """Claim up to `limit` due rows (oldest first) for this sender: (claim token, their ids)."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    rows = OutboxMessage.objects.filter(_due(now))
    if channel:
        rows = rows.filter(channel=channel)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    rows = rows.order_by("next_attempt_at", "id")
    lease = now + dt.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    taken = {"status": Status.SENDING, "attempts": F("attempts") + 1, "lease_until": lease, "claim": token}
    if connection.vendor == "postgresql":
        with transaction.atomic():
            picked = list(rows.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit])
            if picked:
                OutboxMessage.objects.filter(pk__in=picked).update(**taken)
        return token, picked
    picked = []
    for pk in list(rows.values_list("pk", flat=True)[:limit]):
        if OutboxMessage.objects.filter(_due(now), pk=pk).update(**taken):
            picked.append(pk)
    return token, picked


def _record(row: OutboxMessage, **fields) -> bool:
    """Write the outcome, if this sender still holds the claim; tell the channel's record."""
    done = OutboxMessage.objects.filter(pk=row.pk, status=Status.SENDING, claim=row.claim).update(**fields)
    if not done:
        logger.warning(
            "outbox %s: the claim lapsed before the outcome (%s) was written", row.pk, fields.get("status")
        )
        return False
    for name, value in fields.items():
        if not hasattr(value, "resolve_expression"):
            setattr(row, name, value)
    CHANNELS[row.channel].mirror(row)
    return True


def send_one(row: OutboxMessage) -> bool:
    """Send one claimed row; True when the channel took it."""
    channel = CHANNELS[row.channel]
    wait_until = channel.wait(row)
    if wait_until is not None:  # no room this minute: back in the queue, no attempt spent
        later = dt.datetime.fromtimestamp(wait_until, tz=dt.UTC)
        _record(
            row,
            status=Status.QUEUED,
            attempts=F("attempts") - 1,
            next_attempt_at=later,
            lease_until=None,
            claim="",
        )
        return False
    try:
        provider_id = channel.send(row)
    except Refused as exc:
        _record(
            row,
            status=Status.DEAD,
            next_attempt_at=None,
            lease_until=None,
            last_error=_text(exc),
            dead_at=timezone.now(),
        )
        logger.warning("outbox %s refused by %s: %s", row.pk, row.channel, exc)
        return False
    except Exception as exc:  # TryLater, or a bug in a channel: the row stays in the queue
        now = timezone.now()
        if row.attempts >= channel.max_attempts():
            _record(
                row,
                status=Status.DEAD,
                next_attempt_at=None,
                lease_until=None,
                last_error=_text(exc),
                dead_at=now,
            )
            logger.error("outbox %s dead after %s attempts: %s", row.pk, row.attempts, exc)
        else:
            retry_at = quiet.defer(row, now + backoff(row.attempts))
            _record(
                row, status=Status.FAILED, next_attempt_at=retry_at, lease_until=None, last_error=_text(exc)
            )
            logger.warning("outbox %s not sent (%s); next attempt at %s", row.pk, exc, retry_at)
        return False
    now = timezone.now()
    fields = {"status": Status.SENT, "sent_at": now, "next_attempt_at": None, "lease_until": None}
    if channel.confirms:
        fields |= {"status": Status.DELIVERED, "delivered_at": now}
    return _record(row, **fields, provider_id=str(provider_id or "")[:100], last_error="")


def _text(exc: Exception) -> str:
    from weiguang.core.outbound import TryLater

    return (str(exc) if isinstance(exc, TryLater | Refused) else f"{type(exc).__name__}: {exc}")[:1000]


def send_claimed(token: str, ids: list[int]) -> int:
    rows = OutboxMessage.objects.filter(pk__in=ids, claim=token, status=Status.SENDING).select_related(
        "robot", "sms", "recipient"
    )
    return sum(send_one(row) for row in rows.order_by("next_attempt_at", "id"))


def reconcile(now=None) -> int:
    """Rows whose sender died mid-send (the lease lapsed while `sending`): sent again under the
    same key where the channel keeps one per key, else dead letters. The number reconciled."""
    now = now or timezone.now()
    count = 0
    for row in OutboxMessage.objects.filter(status=Status.SENDING, lease_until__lt=now):
        channel = CHANNELS[row.channel]
        if channel.idempotent(row) and row.attempts < channel.max_attempts():
            fields = {
                "status": Status.FAILED,
                "next_attempt_at": now,
                "last_error": "the sender stopped mid-send; sent again under the same key",
            }
        else:
            fields = {
                "status": Status.DEAD,
                "next_attempt_at": None,
                "dead_at": now,
                "last_error": "the sender stopped mid-send: it may or may not have arrived; replay it if it did not",
            }
        count += _record(row, **fields, lease_until=None)
    return count


def deliver_due(now=None, limit: int = 500, channel: str | None = None) -> int:
    """Reconcile lapsed claims, then claim and send what is due; the number sent."""
    now = now or timezone.now()
    reconcile(now)
    token, ids = claim(now=now, limit=limit, channel=channel)
    return send_claimed(token, ids) if ids else 0


def deliver_ids(ids) -> int:
    """Send these rows if they are due and nobody holds them (the on-commit kick)."""
    token, picked = claim(ids=ids, limit=len(ids))
    return send_claimed(token, picked) if picked else 0


def deliver_sms(message_id: int, now=None) -> bool:
    """accounts.sms.deliver: the outbox row of one text message."""
    now = now or timezone.now()
    pks = list(
        OutboxMessage.objects.filter(sms_id=message_id, channel=Channel.SMS).values_list("pk", flat=True)
    )
    token, picked = claim(now=now, ids=pks, limit=len(pks) or 1) if pks else ("", [])
    return bool(picked) and send_claimed(token, picked) > 0

"""Text messages (SMS): the one way Weiguang sends one.

    send_sms(phone, text, purpose="...") -> SmsMessage

stores the message first (an `SmsMessage` row, status queued) and enqueues its delivery when
the caller's transaction commits; the background job (`accounts.tasks.deliver_sms`) hands it
to the configured backend. A backend that fails (the provider answers 5xx, times out, cannot
be reached) leaves the message queued with its next attempt pushed back (exponential backoff);
the periodic job `accounts.tasks.retry_sms` (every minute, core.scheduler) picks up every
queued message that is due, also those whose first delivery was never run (the worker was
down). A message is claimed with a conditional UPDATE before it is handed over, so two jobs
never send it twice; after `SMS_MAX_ATTEMPTS` attempts, or when the provider refuses it for
good (4xx), it is marked failed with the reason, never deleted.

Outbox-ready: the row is what an outbox keeps (recipient, body, purpose, status, attempts,
next attempt, last error, the provider's id) and the backends see only that row; when a later
issue routes every outbound message (SMS, chat robots, mail) through one outbox, `send_sms`
keeps its signature and writes there, and the backends become that outbox's SMS channel.

Backends (settings.SMS_BACKEND, env SMS_BACKEND):
- "console" (the default under WEIGUANG_DEV, i.e. `make run`): logs number and text to the
  server's console log (logger `weiguang.sms`), so a developer can read the code;
- "http": the documented HTTP contract of docs/sms.md (SMS_HTTP_URL, SMS_HTTP_TOKEN,
  SMS_SIGN, SMS_HTTP_TIMEOUT), for a provider or a small gateway in front of one.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import SmsMessage, SmsStatus

logger = logging.getLogger("weiguang.sms")

BACKENDS = {
    "console": "weiguang.accounts.sms.ConsoleBackend",
    "http": "weiguang.accounts.sms.HttpBackend",
}
# While one job hands a message over, no other may claim it (a crashed job's claim lapses).
CLAIM_SECONDS = 120
BACKOFF_FIRST = 30  # seconds before the second attempt; doubled each time, at most BACKOFF_MAX
BACKOFF_MAX = 3600


class SmsRetry(Exception):
    """The provider could not take the message now (try again later)."""


class SmsRefused(Exception):
    """The provider refused the message for good (a bad number, a text it will not send)."""


def send_sms(phone: str, text: str, *, purpose: str) -> SmsMessage:
    """Queue one text message to `phone` and return its row. Delivery runs in the background
    after the caller's transaction commits; nothing is lost if the provider is down."""
    message = SmsMessage.objects.create(
        phone=phone, text=text, purpose=purpose[:40], status=SmsStatus.QUEUED, next_attempt_at=timezone.now()
    )
    transaction.on_commit(lambda: _enqueue(message.pk))
    return message


def _enqueue(message_id: int) -> None:
    from . import tasks

    try:
        tasks.deliver_sms.enqueue(message_id)
    except Exception:  # the queue is down: the periodic retry job finds the message
        logger.exception("could not enqueue SMS %s; the retry job will send it", message_id)


def backend():
    path = BACKENDS.get(settings.SMS_BACKEND, settings.SMS_BACKEND)
    return import_string(path)()


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failed attempt: 30 s, 1 min, 2 min, ... at most an hour."""
    return dt.timedelta(seconds=min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(0, attempts - 1)))


def deliver(message_id: int, now: dt.datetime | None = None) -> bool:
    """Hand one due, queued message to the backend; True when it was sent. A message another
    job holds, or that is not due, is left alone (False)."""
    now = now or timezone.now()
    claimed = SmsMessage.objects.filter(
        pk=message_id, status=SmsStatus.QUEUED, next_attempt_at__lte=now
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + dt.timedelta(seconds=CLAIM_SECONDS))
    if not claimed:
        return False
    message = SmsMessage.objects.get(pk=message_id)
    try:
        provider_id = backend().send(message)
    except SmsRefused as exc:
        _update(message, status=SmsStatus.FAILED, next_attempt_at=None, last_error=_reason(exc))
        logger.warning("SMS %s refused by the provider: %s", message.pk, exc)
        return False
    except Exception as exc:  # SmsRetry, or a bug in a backend: the message stays queued
        if message.attempts >= settings.SMS_MAX_ATTEMPTS:
            _update(message, status=SmsStatus.FAILED, next_attempt_at=None, last_error=_reason(exc))
            logger.error("SMS %s failed after %s attempts: %s", message.pk, message.attempts, exc)
        else:
            retry_at = timezone.now() + backoff(message.attempts)
            _update(message, next_attempt_at=retry_at, last_error=_reason(exc))
            logger.warning("SMS %s not sent (%s); next attempt at %s", message.pk, exc, retry_at)
        return False
    _update(
        message,
        status=SmsStatus.SENT,
        sent_at=timezone.now(),
        next_attempt_at=None,
        provider_id=str(provider_id or "")[:100],
        last_error="",
    )
    return True


def deliver_due(now: dt.datetime | None = None, limit: int = 500) -> int:
    """Deliver the queued messages that are due (oldest first); the number sent."""
    now = now or timezone.now()
    due = SmsMessage.objects.filter(status=SmsStatus.QUEUED, next_attempt_at__lte=now).order_by(
        "next_attempt_at"
    )
    return sum(deliver(pk, now) for pk in due.values_list("pk", flat=True)[:limit])


def _reason(exc: Exception) -> str:
    return (f"{type(exc).__name__}: {exc}" if not isinstance(exc, SmsRetry | SmsRefused) else str(exc))[:1000]


def _update(message: SmsMessage, **fields) -> None:
    SmsMessage.objects.filter(pk=message.pk).update(**fields)
    for name, value in fields.items():
        setattr(message, name, value)


# --- backends ------------------------------------------------------------------------------


class ConsoleBackend:
    """Development: the message goes to the server's console log, number and text in full
    (the developer reads the code there). Never use it in production."""

    def send(self, message: SmsMessage) -> str:
        logger.warning("SMS to %s: %s", message.phone, message.text)
        return f"console-{message.pk}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx is an error of the configured URL (the message stays queued)


_OPENER = urllib.request.build_opener(_NoRedirect)


class HttpBackend:
    """The HTTP contract of docs/sms.md: POST JSON {id, phone, text, sign} to SMS_HTTP_URL with
    `Authorization: Bearer SMS_HTTP_TOKEN`. 2xx: accepted (the body's "id", if any, is kept);
    3xx, 408, 429 and 5xx, a timeout or no connection: try again later; any other 4xx: refused."""

    def send(self, message: SmsMessage) -> str:
        url = settings.SMS_HTTP_URL
        if not url:
            raise SmsRetry("SMS_HTTP_URL is not set")
        body = json.dumps(
            {"id": str(message.pk), "phone": message.phone, "text": message.text, "sign": settings.SMS_SIGN},
            ensure_ascii=False,
        ).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}
        if settings.SMS_HTTP_TOKEN:
            headers["Authorization"] = f"Bearer {settings.SMS_HTTP_TOKEN}"
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with _OPENER.open(request, timeout=settings.SMS_HTTP_TIMEOUT) as response:
                answer = response.read(10_000)
        except urllib.error.HTTPError as exc:
            detail = exc.read(500).decode("utf-8", "replace")
            if exc.code in (408, 429) or exc.code >= 500 or exc.code < 400:
                raise SmsRetry(f"HTTP {exc.code}: {detail}") from None
            raise SmsRefused(f"HTTP {exc.code}: {detail}") from None
        except (urllib.error.URLError, OSError) as exc:  # no connection, a timeout
            raise SmsRetry(f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}") from None
        try:
            data = json.loads(answer or b"{}")
        except ValueError:
            data = {}
        return str(data.get("id", "")) if isinstance(data, dict) else ""

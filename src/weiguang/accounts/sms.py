"""Text messages (SMS): the one way Weiguang sends one.

    send_sms(phone, text, purpose="...") -> SmsMessage

stores the message (an `SmsMessage` row, status queued) and hands it to the outbox
(weiguang.outbox, docs/outbox.md), whose SMS channel delivers it through the configured
backend below when the caller's transaction commits. The outbox claims the message before the
call (a crashed sender's claim lapses), retries a backend that fails (the provider answers 5xx,
times out, cannot be reached) with exponential backoff (30 s, 1 min, 2 min, ... at most an
hour), and after `SMS_MAX_ATTEMPTS` attempts, or when the provider refuses it for good (4xx),
makes it a dead letter with the reason, never deleted. The `SmsMessage` row mirrors where the
delivery stands (queued, sent, failed) for the admin and a person's own data.

The outbox sits on a floor above accounts: it installs itself here (`install_outbox`) from its
AppConfig.ready(), as it installs itself in core.notifications.

Backends (settings.SMS_BACKEND, env SMS_BACKEND):
- "console" (the default under WEIGUANG_DEV, i.e. `make run`): logs number and text to the
  server's console log (logger `weiguang.sms`), so a developer can read the code;
- "http": the documented HTTP contract of docs/sms.md (SMS_HTTP_URL, SMS_HTTP_TOKEN,
  SMS_SIGN, SMS_HTTP_TIMEOUT), for a provider or a small gateway in front of one.
Both are idempotent by the message's id (`idempotent = True`): a message whose sender died
mid-send is sent again under the same id, and the receiver keeps one.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from weiguang.core.outbound import Refused, TryLater, json_answer, post_json

from .models import SmsMessage

logger = logging.getLogger("weiguang.sms")

BACKENDS = {
    "console": "weiguang.accounts.sms.ConsoleBackend",
    "http": "weiguang.accounts.sms.HttpBackend",
}
SmsRetry = TryLater  # the provider could not take the message now (try again later)
SmsRefused = Refused  # the provider refused it for good (a bad number, a text it will not send)

# The outbox's SMS channel (weiguang.outbox.channels.SmsOutbox), installed from its AppConfig.ready().
_outbox = None


def install_outbox(outbox) -> None:
    global _outbox
    _outbox = outbox


def _the_outbox():
    if _outbox is None:
        raise ImproperlyConfigured("weiguang.outbox must be installed: it delivers the text messages")
    return _outbox


def send_sms(
    phone: str, text: str, *, purpose: str, key: str | None = None, urgent: bool = True
) -> SmsMessage:
    """Queue one text message to `phone` (in the caller's transaction) and return its row.
    Delivery runs in the background after the commit; nothing is lost if the provider is down.
    The same `key` again returns the first message and sends nothing more. Messages someone
    asked for just now (codes, links) are urgent: quiet hours do not hold them back."""
    return _the_outbox().send_sms(phone, text, purpose=purpose[:40], key=key, urgent=urgent)


def backend():
    path = BACKENDS.get(settings.SMS_BACKEND, settings.SMS_BACKEND)
    return import_string(path)()


def deliver(message_id: int, now: dt.datetime | None = None) -> bool:
    """Hand one due, queued message to the backend; True when it was sent. A message another
    sender holds, or that is not due, is left alone (False)."""
    return _the_outbox().deliver_sms(message_id, now)


def deliver_due(now: dt.datetime | None = None, limit: int = 500) -> int:
    """Deliver the queued messages that are due (oldest first); the number sent."""
    return _the_outbox().deliver_due_sms(now, limit)


# --- backends ------------------------------------------------------------------------------


class ConsoleBackend:
    """Development: the message goes to the server's console log, number and text in full
    (the developer reads the code there). Never use it in production."""

    idempotent = True  # a second line in the log harms nobody

    def send(self, message: SmsMessage) -> str:
        logger.warning("SMS to %s: %s", message.phone, message.text)
        return f"console-{message.pk}"


class HttpBackend:
    """The HTTP contract of docs/sms.md: POST JSON {id, phone, text, sign} to SMS_HTTP_URL with
    `Authorization: Bearer SMS_HTTP_TOKEN`. 2xx: accepted (the body's "id", if any, is kept);
    3xx, 408, 429 and 5xx, a timeout or no connection: try again later; any other 4xx: refused."""

    idempotent = True  # the receiver keeps one message per id (docs/sms.md)

    def send(self, message: SmsMessage) -> str:
        url = settings.SMS_HTTP_URL
        if not url:
            raise SmsRetry("SMS_HTTP_URL is not set")
        headers = {}
        if settings.SMS_HTTP_TOKEN:
            headers["Authorization"] = f"Bearer {settings.SMS_HTTP_TOKEN}"
        payload = {
            "id": str(message.pk),
            "phone": message.phone,
            "text": message.text,
            "sign": settings.SMS_SIGN,
        }
        answer = post_json(url, payload, timeout=settings.SMS_HTTP_TIMEOUT, headers=headers)
        return str(json_answer(answer).get("id", ""))

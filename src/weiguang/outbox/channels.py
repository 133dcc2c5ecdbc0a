"""The channels an outbox row goes out by. Each says how to send one row, whether the service
confirms delivery (then the row is `delivered`, else `sent`), whether a repeat under the same
key is safe (`idempotent(row)`: then a row whose sender died mid-send is sent again, else it
becomes a dead letter for a person to check), how many attempts it gets, and when a
rate-limited destination has room again (`wait(row)`)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse
from abc import ABC, abstractmethod
from email.utils import make_msgid

from django.conf import settings
from django.core import mail

from weiguang.core.outbound import Refused, TryLater, json_answer, post_json

from . import ratelimit
from .models import Channel, OutboxMessage, RobotKind


def full_url(path: str) -> str:
    if not path or path.startswith(("http://", "https://")):
        return path
    return settings.OUTBOX_SITE_URL.rstrip("/") + path if settings.OUTBOX_SITE_URL else path


def text_of(row: OutboxMessage) -> str:
    return "\n".join(part for part in (row.title, row.body, full_url(row.url)) if part)


class Base(ABC):
    """A channel: how a row is handed over. `send` returns the channel's id for the message."""

    confirms = False

    def idempotent(self, row: OutboxMessage) -> bool:
        return False

    def max_attempts(self) -> int:
        return settings.OUTBOX_MAX_ATTEMPTS

    def wait(self, row: OutboxMessage) -> float | None:
        return None

    def mirror(self, row: OutboxMessage) -> None:
        """Tell the channel's own record (accounts' text messages) where the row stands; most
        channels keep none."""
        return None

    @abstractmethod
    def send(self, row: OutboxMessage) -> str: ...


class InApp(Base):
    """The inbox (core.Notification): written with the row, in the caller's transaction, so it
    is delivered when the change commits. A replayed row writes it if it is missing."""

    confirms = True

    def idempotent(self, row):
        return True

    def send(self, row):
        from weiguang.core.models import Notification

        if row.notification_id is None:
            note = Notification.objects.create(
                recipient=row.recipient, title=row.title, body=row.body, url=row.url
            )
            OutboxMessage.objects.filter(pk=row.pk).update(notification=note)
        return ""


# error codes of the robots that mean "too fast" or "busy": the same message may go later
ROBOT_TRY_LATER = {-1, 45009, 130101, 9499, 11232}


class Robot(Base):
    """WeCom, DingTalk and Feishu group robots: a small JSON text message to the webhook.
    WeCom: {"msgtype": "text", "text": {"content": ...}} answered {"errcode": 0}; DingTalk the
    same, signed with `timestamp` and `sign` in the query (HMAC-SHA256 of "ts\\nsecret" in
    milliseconds); Feishu {"msg_type": "text", "content": {"text": ...}} answered {"code": 0},
    signed with `timestamp` (seconds) and `sign` in the body. None of them keeps a message id, so
    a robot message whose sender died mid-send is a dead letter, never posted twice."""

    confirms = True  # the group has it once the robot answers 0

    def wait(self, row):
        robot = row.robot
        if robot is None or not robot.per_minute:  # 0: no limit (a gateway of our own)
            return None
        return ratelimit.acquire(f"robot:{robot.pk}", robot.per_minute)

    def request(self, row) -> tuple[str, dict]:
        robot, text = row.robot, text_of(row)
        url = robot.webhook_url
        if robot.kind == RobotKind.FEISHU:
            payload = {"msg_type": "text", "content": {"text": text}}
            if robot.secret:
                ts = str(int(time.time()))
                digest = hmac.new(f"{ts}\n{robot.secret}".encode(), b"", hashlib.sha256).digest()
                payload |= {"timestamp": ts, "sign": base64.b64encode(digest).decode()}
            return url, payload
        payload = {"msgtype": "text", "text": {"content": text}}
        if robot.kind == RobotKind.DINGTALK and robot.secret:
            ts = str(int(time.time() * 1000))
            digest = hmac.new(
                robot.secret.encode(), f"{ts}\n{robot.secret}".encode(), hashlib.sha256
            ).digest()
            sign = urllib.parse.quote_plus(base64.b64encode(digest))
            url += ("&" if "?" in url else "?") + f"timestamp={ts}&sign={sign}"
        return url, payload

    def send(self, row):
        if row.robot is None or not row.robot.active:
            raise Refused("the robot is gone or switched off")
        url, payload = self.request(row)
        data = json_answer(post_json(url, payload, timeout=settings.OUTBOX_HTTP_TIMEOUT))
        code = data.get("errcode", data.get("code", data.get("StatusCode", 0)))
        if code in (0, "0", None):
            return ""
        message = f"{row.robot.get_kind_display()} error {code}: {data.get('errmsg', data.get('msg', ''))}"
        raise TryLater(message) if code in ROBOT_TRY_LATER else Refused(message)


class Sms(Base):
    """accounts' text messages: the row's `sms` is the accounts' record, sent by its backend
    (accounts.sms: console or the HTTP contract of docs/sms.md, which keeps one per id)."""

    def idempotent(self, row):
        from weiguang.accounts import sms

        return bool(getattr(sms.backend(), "idempotent", False))

    def max_attempts(self):
        return settings.SMS_MAX_ATTEMPTS

    def send(self, row):
        from weiguang.accounts import sms

        if row.sms is None:
            raise Refused("the text message was erased")
        return str(sms.backend().send(row.sms) or "")

    def mirror(self, row):
        from weiguang.accounts.models import SmsMessage, SmsStatus

        from .models import Status

        status = {
            Status.SENT: SmsStatus.SENT,
            Status.DELIVERED: SmsStatus.SENT,
            Status.DEAD: SmsStatus.FAILED,
        }
        SmsMessage.objects.filter(pk=row.sms_id).update(
            status=status.get(row.status, SmsStatus.QUEUED),
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at if row.status in (Status.QUEUED, Status.FAILED) else None,
            last_error=row.last_error,
            provider_id=row.provider_id[:100],
            sent_at=row.sent_at,
        )


class Email(Base):
    """Django's mail (EMAIL_* settings). The key goes out as the Message-ID, but mail servers
    do not drop a repeat, so a mail whose sender died mid-send becomes a dead letter."""

    def send(self, row):
        message = mail.EmailMessage(
            subject=row.title,
            body="\n\n".join(part for part in (row.body, full_url(row.url)) if part),
            to=[row.address],
            headers={
                "Message-ID": make_msgid(idstring=f"outbox-{row.pk}", domain=settings.OUTBOX_MAIL_DOMAIN)
            },
        )
        try:
            message.send(fail_silently=False)
        except (mail.BadHeaderError, ValueError) as exc:
            raise Refused(str(exc)) from None
        except Exception as exc:  # SMTP down, refused connection, a timeout: later
            import smtplib

            if isinstance(exc, smtplib.SMTPRecipientsRefused):
                raise Refused(f"recipient refused: {exc}") from None
            raise TryLater(f"{type(exc).__name__}: {exc}") from None
        return message.extra_headers["Message-ID"]


CHANNELS: dict[str, Base] = {
    Channel.INAPP: InApp(),
    Channel.ROBOT: Robot(),
    Channel.SMS: Sms(),
    Channel.EMAIL: Email(),
}

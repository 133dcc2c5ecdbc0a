"""The outbox: every outbound message, one row per recipient and channel, written in the
transaction of the change that causes it, and its delivery ledger (docs/outbox.md).

    queued ──claim──▶ sending ──▶ sent ──▶ delivered
       ▲                 │
       └──── failed ◀────┘ (an attempt failed: due again after a back-off)
                 │
                 ▼
               dead (given up, refused, or the outcome is unknown): staff replay it
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    INAPP = "inapp", _("In-app inbox")
    ROBOT = "robot", _("Chat group robot")
    SMS = "sms", _("Text message")
    EMAIL = "email", _("E-mail")


class Status(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed, will retry")
    DEAD = "dead", _("Dead letter")


class RobotKind(models.TextChoices):
    WECOM = "wecom", _("WeCom (企业微信)")
    DINGTALK = "dingtalk", _("DingTalk (钉钉)")
    FEISHU = "feishu", _("Feishu (飞书)")


class Robot(models.Model):
    """A chat group's robot (群机器人): a webhook a group's owner added in WeCom, DingTalk or
    Feishu. Its messages wait their turn under `per_minute` (WeCom and DingTalk: 20)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=RobotKind.choices)
    webhook_url = models.URLField(_("webhook address"), max_length=500)
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("DingTalk and Feishu, when signing is on"),
    )
    per_minute = models.PositiveIntegerField(
        _("messages a minute"), default=20, help_text=_("WeCom and DingTalk: 20, Feishu: 100; 0: no limit")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("chat group robot")
        verbose_name_plural = _("chat group robots")

    def __str__(self) -> str:
        return self.name


class OutboxMessage(models.Model):
    """One message to one recipient on one channel, and where its delivery stands."""

    key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient"),
    )
    robot = models.ForeignKey(Robot, on_delete=models.PROTECT, null=True, blank=True, related_name="messages")
    address = models.CharField(
        _("address"), max_length=254, blank=True, help_text=_("mobile number or e-mail")
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(max_length=300, blank=True)
    purpose = models.CharField(_("purpose"), max_length=40, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    # the in-app inbox row (channel inapp), the accounts' text message row (channel sms)
    notification = models.ForeignKey(
        "core.Notification", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # erasing a number's text messages (PIPL, accounts.personal_data) erases their deliveries
    sms = models.ForeignKey(
        "accounts.SmsMessage", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    lease_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True, default="")
    last_error = models.TextField(_("last error"), blank=True, default="")
    provider_id = models.CharField(_("provider's message id"), max_length=100, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    dead_at = models.DateTimeField(_("dead since"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["status", "lease_until"], name="outbox_lease"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} #{self.pk} {self.title[:40]} ({self.status})"


class Preference(models.Model):
    """How a person wants to be told: the in-app inbox always, text messages and e-mail if they
    choose, and quiet hours in which a text message that is not urgent waits for the morning."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="message_preference"
    )
    sms = models.BooleanField(_("text messages"), default=False)
    email = models.BooleanField(_("e-mail"), default=False)
    quiet_from = models.TimeField(_("quiet from"), default=dt.time(22, 0))
    quiet_until = models.TimeField(_("quiet until"), default=dt.time(7, 0))

    class Meta:
        verbose_name = _("message preference")
        verbose_name_plural = _("message preferences")

    def __str__(self) -> str:
        return str(self.user)


class RateWindow(models.Model):
    """The recent sends of one rate-limited destination (a robot): the row is locked while a
    sender decides whether one more fits in the last minute."""

    bucket = models.CharField(max_length=100, unique=True)
    sends = models.JSONField(default=list)  # epoch seconds of the sends in the last window

    def __str__(self) -> str:
        return self.bucket

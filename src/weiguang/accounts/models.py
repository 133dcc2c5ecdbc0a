"""An account is Django's user plus what Weiguang needs to know of the person behind it."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from weiguang.core.privacy import mask_phone
from weiguang.core.transitions import StateMachine
from weiguang.people.models import Resident
from weiguang.regions.models import Building, Region
from weiguang.regions.scoping import RegionScoped

# A mainland mobile number: what sign-up, SMS codes and login by phone accept.
MOBILE_RE = r"^1[3-9]\d{9}$"


def clean_phone(text) -> str | None:
    """A mainland mobile number as typed ("138 0013 8000", "+86 138-0013-8000") -> its 11
    digits, or None when it is not one."""
    if not isinstance(text, str):
        return None
    digits = re.sub(r"[\s\-()]", "", text)
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    return digits if re.fullmatch(MOBILE_RE, digits) else None


class Account(models.Model):
    """One per user who has a mobile number on record (staff created in the admin may not)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account")
    phone = models.CharField(_("mobile number"), max_length=11, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({mask_phone(self.phone or '')})"


class SmsStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class SmsMessage(models.Model):
    """One text message to one mobile number, stored before anything is sent.

    `accounts.sms.send_sms` writes the row (status queued) and a background job delivers it
    through the configured backend; a provider that fails leaves it queued with
    `next_attempt_at` pushed back, so nothing is lost. The fields are those of an outbox row
    (recipient, body, purpose, status, attempts, next attempt, last error, provider's id):
    when a later issue sends every outbound message (SMS, chat robots, e-mail) through one
    outbox, these rows move there as they are."""

    phone = models.CharField(_("mobile number"), max_length=11)
    text = models.TextField(_("text"))
    purpose = models.CharField(_("purpose"), max_length=40)
    status = models.CharField(_("status"), max_length=10, choices=SmsStatus.choices, default=SmsStatus.QUEUED)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True, default="")
    provider_id = models.CharField(_("provider's message id"), max_length=100, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("text message")
        verbose_name_plural = _("text messages")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="accounts_sms_due")]

    def __str__(self) -> str:
        return f"{mask_phone(self.phone)} {self.purpose} ({self.status})"


class CodePurpose(models.TextChoices):
    REGISTER = "register", _("Sign up")
    LOGIN = "login", _("Log in")
    RESET = "reset", _("Reset the password")


class SmsCode(models.Model):
    """A verification code sent by SMS: 6 digits, valid CODE_TTL, used once, dead after
    CODE_MAX_WRONG wrong tries. Only a keyed hash of the code is stored (accounts.codes).
    The rows also count the codes a number and an address asked for (the sending limits); a
    row without a number is a request refused for its number, counted for the address only."""

    phone = models.CharField(_("mobile number"), max_length=11)
    purpose = models.CharField(_("purpose"), max_length=10, choices=CodePurpose.choices)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    wrong_attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)
    client_address = models.CharField(_("client address"), max_length=45, blank=True, default="")
    # False when no message went out (a password reset for a number without an account: the
    # answer is the same either way, and the request still counts towards the limits)
    sent = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("verification code")
        verbose_name_plural = _("verification codes")
        indexes = [
            models.Index(fields=["phone", "created_at"], name="accounts_code_phone"),
            models.Index(fields=["client_address", "created_at"], name="accounts_code_address"),
        ]

    def __str__(self) -> str:
        return f"{mask_phone(self.phone)} {self.purpose}"


class CodeThrottle(models.Model):
    """A row to lock while the sending limits of one number or one address are checked and a
    code is added, so that two requests at once cannot both pass "one a minute"."""

    key = models.CharField(max_length=80, unique=True)

    def __str__(self) -> str:
        return self.key


class UserSession(models.Model):
    """A logged-in session as its user sees it on the security page: which browser, from where,
    when last seen. Keyed by the session's key (the session itself may live in the cache, see
    SESSION_ENGINE); written at login and touched at most once a minute (accounts.security)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="user_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    user_agent = models.CharField(pgettext_lazy("user session", "browser"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(pgettext_lazy("user session", "address"), null=True, blank=True)
    created_at = models.DateTimeField(pgettext_lazy("user session", "logged in at"), auto_now_add=True)
    last_seen = models.DateTimeField(pgettext_lazy("user session", "last seen"))

    class Meta:
        verbose_name = pgettext_lazy("user session", "session")
        verbose_name_plural = pgettext_lazy("user session", "sessions")
        indexes = [models.Index(fields=["user", "-last_seen"])]

    def __str__(self) -> str:
        return f"{self.user} {self.ip_address or ''}"


class DataRequestKind(models.TextChoices):
    CORRECTION = "correction", pgettext_lazy("personal data", "Correction")
    DELETION = "deletion", pgettext_lazy("personal data", "Deletion")


class DataRequestStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for staff")
    DONE = "done", _("Carried out")
    REFUSED = "refused", _("Refused")


DATA_REQUEST_TRANSITIONS = StateMachine.build(
    "status",
    [
        ("carry_out", ["submitted"], "done", "datarequest.handle", _("Carry out")),
        ("refuse", ["submitted"], "refused", "datarequest.handle", _("Refuse")),
        # a deletion asked by a person without a resident record: no staff hold data about them
        ("close_at_once", ["submitted"], "done", None, _("Carried out at once")),
    ],
)


class DataRightsRequest(RegionScoped):
    """A person's request about their personal data (PIPL): correct their resident record, or
    close their account and erase their personal fields. The staff of the grid of the resident
    record carry it out or refuse it (accounts.personal_data). A request of a person without a
    resident record has no grid: no staff see it (a deletion is carried out at once)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="data_requests")
    resident = models.ForeignKey(
        "people.Resident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    grid = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=DataRequestKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=DataRequestStatus.choices, default=DataRequestStatus.SUBMITTED
    )
    # a correction: {"phone"|"building"|"door": text, "groups": [group codes]}
    change = models.JSONField(_("requested change"), default=dict, blank=True)
    reason = models.TextField(_("reason"), max_length=500, blank=True)
    answer = models.TextField(_("answer"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)

    scope_path_lookup = "grid__path"
    scope_relations = {"owner": ("user",)}
    state_machine = DATA_REQUEST_TRANSITIONS

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("personal data request")
        verbose_name_plural = _("personal data requests")
        indexes = [models.Index(fields=["status", "grid"], name="accounts_datareq_open")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.get_status_display()})"


class ResidenceStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for community staff")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Not confirmed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ResidenceRequest(RegionScoped):
    """ "Where I live": a person names their grid, building and door; staff of that community
    confirm it, linking the account to a resident record (an existing one with the same phone,
    or a new one), or reject it with a reason. Until then the person is "unconfirmed"
    (accounts.residence.standing). The machine: accounts/residence.py."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="residence_requests"
    )
    grid = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("grid"))
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="+", verbose_name=_("building")
    )
    door = models.CharField(_("door"), max_length=30)
    status = models.CharField(
        _("status"), max_length=12, choices=ResidenceStatus.choices, default=ResidenceStatus.PENDING
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    resident = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.SET_NULL, related_name="residence_requests",
        verbose_name=_("resident record"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    scope_path_lookup = "grid__path"
    scope_relations = {"owner": ("user",)}

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("residence request")
        verbose_name_plural = _("residence requests")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(status="pending"), name="one_pending_residence_request"
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user.get_username()} → {self.grid.name} {self.building.name} {self.door}"

    @property
    def address(self) -> str:
        return " ".join([self.grid.name, self.building.name, self.door])

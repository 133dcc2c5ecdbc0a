"""An account is Django's user plus what Weiguang needs to know of the person behind it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from weiguang.core.privacy import mask_phone

# A mainland mobile number: what sign-up, SMS codes and login by phone accept.
MOBILE_RE = r"^1[3-9]\d{9}$"


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

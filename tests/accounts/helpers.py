"""What the accounts tests share: a user with a mobile number, and the code of the last SMS."""

from __future__ import annotations

import re

from weiguang.accounts.models import Account, SmsMessage

from ..factories import UserFactory

PASSWORD = "pass-Weiguang-1"


def phone_user(username: str = "zhang", phone: str = "13800138000", **extra):
    user = UserFactory(username=username, **extra)
    Account.objects.create(user=user, phone=phone)
    return user


def last_code(phone: str) -> str:
    """The verification code in the last text message to `phone` (as its owner reads it)."""
    message = SmsMessage.objects.filter(phone=phone).order_by("-pk").first()
    assert message is not None, f"no SMS to {phone}"
    return re.search(r"\b(\d{6})\b", message.text).group(1)

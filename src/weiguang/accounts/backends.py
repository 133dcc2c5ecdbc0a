"""Login by mobile number, behind the one login lockout (core.lockout).

`PhoneBackend` (settings.AUTHENTICATION_BACKENDS) is core's LockoutBackend that also takes a
mobile number where a user name is asked for, and an SMS code instead of the password:

    authenticate(request, username="13800138000", password="...")   # phone + password
    authenticate(request, username="13800138000", sms_code="123456")  # phone + code

A number is turned into the user name of its account before anything is counted, and
`normalise_username` (AXES_USERNAME_CALLABLE) does the same: failures by phone, by user name,
with a password or with a code all count against one person at one address, and a lock on
one holds for the others.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from weiguang.core import lockout
from weiguang.core.errors import InvalidInput

from .models import Account, CodePurpose, clean_phone


def username_for(text) -> str | None:
    """The user name of the account whose mobile number `text` is, or None."""
    phone = clean_phone(text)
    if phone is None:
        return None
    return Account.objects.filter(phone=phone).values_list("user__username", flat=True).first()


def normalise_username(request, credentials: dict | None = None) -> str | None:
    """AXES_USERNAME_CALLABLE: core's (trimmed, lower case), a mobile number replaced by the
    user name of its account."""
    name = lockout.normalise_username(request, credentials)
    if name is None:
        return None
    username = username_for(name)
    return lockout.normalise_username(None, {"username": username}) if username else name


class PhoneBackend(lockout.LockoutBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if isinstance(username, str):
            username = username_for(username) or username
        return super().authenticate(request, username=username, password=password, **kwargs)

    def check_credentials(self, request, username=None, password=None, sms_code=None, **kwargs):
        if sms_code is None:
            return super().check_credentials(request, username=username, password=password, **kwargs)
        user = get_user_model()._default_manager.filter(username=username).select_related("account").first()
        # a number without an account is checked too (it has no code): its answer is the one a
        # registered number gets before asking for a code, so the answer tells nobody which it is
        if user is None:
            phone = clean_phone(username)
        else:
            phone = getattr(getattr(user, "account", None), "phone", None)
        if phone is None:
            return None
        from . import codes

        try:
            codes.use_code(phone, CodePurpose.LOGIN, str(sms_code))
        except InvalidInput as exc:
            if request is not None:
                request.sms_code_error = exc.message  # the page says why: wrong, expired, used
            return None
        return user if user is not None and self.user_can_authenticate(user) else None

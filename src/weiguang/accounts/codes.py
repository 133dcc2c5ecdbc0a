"""SMS verification codes: sending one within the providers' limits, and using one.

A code is 6 random digits (`secrets`), valid CODE_TTL, used once; CODE_MAX_WRONG wrong tries
kill it. Only the latest code of a number and purpose counts (asking again replaces it). The
database keeps a keyed hash of the code (HMAC with SECRET_KEY), never the code.

Limits (settings.SMS_CODE_LIMITS_PER_PHONE, ..._PER_ADDRESS: so many codes per so many
seconds): by default one a minute, five an hour and ten a day to one number, whatever the
purpose, and 5/30/100 to one client address. They are checked and the new code written while
the number's and the address's `CodeThrottle` rows are locked (SELECT ... FOR UPDATE; on SQLite
the IMMEDIATE transaction), so two requests at once cannot both pass "one a minute". A refusal
is `TooSoon` (HTTP 429) with the wait in words and in seconds (`retry_after`). A code older
than the longest window is forgotten by the daily clean-up (`forget_old_codes`).
"""

from __future__ import annotations

import datetime as dt
import hmac
import math
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from weiguang.core.errors import InvalidInput, RateLimited

from .models import CodeThrottle, SmsCode
from .sms import send_sms

CODE_TTL = dt.timedelta(minutes=5)
CODE_MAX_WRONG = 5
CODE_DIGITS = 6


class TooSoon(RateLimited):
    """No code now: a sending limit is reached (`retry_after` seconds to wait)."""

    code = "too_many_codes"


def code_hash(phone: str, purpose: str, code: str) -> str:
    return salted_hmac(
        "weiguang.accounts.sms_code", f"{phone}:{purpose}:{code}", algorithm="sha256"
    ).hexdigest()


def wait_text(seconds: int) -> str:
    """45 秒 / 3 分钟 / 5 小时: a wait a person can read."""
    if seconds <= 60:
        return ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}
    if seconds < 2 * 3600:
        minutes = math.ceil(seconds / 60)
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    hours = math.ceil(seconds / 3600)
    return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}


def _wait(rows, limits, now: dt.datetime) -> int:
    """Seconds until `rows` (codes of one number or address) are under every limit again."""
    wait = 0.0
    for count, seconds in limits:
        window = dt.timedelta(seconds=seconds)
        recent = list(
            rows.filter(created_at__gt=now - window)
            .order_by("-created_at")
            .values_list("created_at", flat=True)[:count]
        )
        if len(recent) >= count:  # the oldest of the last `count` must leave the window first
            wait = max(wait, (recent[count - 1] + window - now).total_seconds())
    return math.ceil(wait)


def _lock(keys: list[str]) -> None:
    for key in sorted(keys):  # always in the same order: two requests never wait on each other
        CodeThrottle.objects.select_for_update().get_or_create(key=key)


def _refuse_when_limited(phone: str | None, address: str, now: dt.datetime) -> None:
    """Raise TooSoon when the number (unless None) or the address is at a sending limit."""
    if phone is not None:
        wait = _wait(SmsCode.objects.filter(phone=phone), settings.SMS_CODE_LIMITS_PER_PHONE, now)
        if wait:
            message = _("Too many codes were sent to this number. Please wait %(wait)s and try again.") % {
                "wait": wait_text(wait)
            }
            raise TooSoon(message, fields={"phone": message}, retry_after=wait)
    wait = _wait(SmsCode.objects.filter(client_address=address), settings.SMS_CODE_LIMITS_PER_ADDRESS, now)
    if wait:
        message = _(
            "Too many codes were requested from your network. Please wait %(wait)s and try again."
        ) % {"wait": wait_text(wait)}
        raise TooSoon(message, fields={"phone": message}, retry_after=wait)


def count_refusal(purpose: str, *, address: str) -> None:
    """A code request refused for its number (sign-up for a registered one, login for one
    without an account): no code, but the request counts towards the address's limits (a row
    without a number), so that learning whether numbers are registered costs what asking for
    codes does. Raises TooSoon, saying nothing about the number, when the address is at its
    limit. The number's own limits are left alone: its owner may go on to log in at once."""
    with transaction.atomic():
        _lock([f"address:{address}"])
        now = timezone.now()
        _refuse_when_limited(None, address, now)
        SmsCode.objects.create(
            phone="",
            purpose=purpose,
            code_hash="",
            created_at=now,
            expires_at=now,
            client_address=address[:45],
            sent=False,
        )


def issue_code(phone: str, purpose: str, *, address: str, send: bool = True) -> SmsCode:
    """Make a new code for `phone` and `purpose` and text it (unless `send` is False: the row
    still counts towards the limits). `phone` must be a clean mobile number. Raises TooSoon."""
    with transaction.atomic():
        _lock([f"phone:{phone}", f"address:{address}"])
        now = timezone.now()
        _refuse_when_limited(phone, address, now)
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        row = SmsCode.objects.create(
            phone=phone,
            purpose=purpose,
            code_hash=code_hash(phone, purpose, code),
            created_at=now,
            expires_at=now + CODE_TTL,
            client_address=address[:45],
            sent=send,
        )
        if send:
            minutes = int(CODE_TTL.total_seconds() // 60)
            text = _(
                "Your Weiguang verification code is %(code)s, valid for %(minutes)d minutes. "
                "Do not tell it to anyone."
            ) % {"code": code, "minutes": minutes}
            send_sms(phone, text, purpose=f"code:{purpose}")
    return row


def use_code(phone: str, purpose: str, code: str) -> SmsCode:
    """Use the latest code of `phone` for `purpose`, or raise InvalidInput on the field
    `code` saying why not (none asked for, used, expired, wrong: how many tries are left, too
    many wrong tries). A wrong try is counted in a transaction of its own, committed before
    the error is raised: call this outside any transaction that the error would roll back."""
    error = ""
    with transaction.atomic():
        row = (
            SmsCode.objects.select_for_update()
            .filter(phone=phone, purpose=purpose)
            .order_by("-created_at", "-pk")
            .first()
        )
        now = timezone.now()
        if row is None:
            error = _("Please ask for a verification code first.")
        elif row.used_at is not None:
            error = _("This code has already been used. Please ask for a new one.")
        elif row.wrong_attempts >= CODE_MAX_WRONG:
            error = _("Too many wrong tries. Please ask for a new code.")
        elif row.expires_at <= now:
            error = _("The code has expired. Please ask for a new one.")
        elif not hmac.compare_digest(row.code_hash, code_hash(phone, purpose, str(code).strip())):
            row.wrong_attempts += 1
            row.save(update_fields=["wrong_attempts"])
            left = CODE_MAX_WRONG - row.wrong_attempts
            if left:
                error = ngettext(
                    "The code is wrong; %(left)d try left.", "The code is wrong; %(left)d tries left.", left
                ) % {"left": left}
            else:
                error = _("The code is wrong, and that was the last try. Please ask for a new code.")
        else:
            row.used_at = now
            row.save(update_fields=["used_at"])
    if error:
        raise InvalidInput(error, fields={"code": error})
    return row


def forget_old_codes(now: dt.datetime | None = None) -> int:
    """The daily clean-up (accounts.tasks.clean_up): a code no limit counts any more (older than
    the longest window, and than CODE_TTL) is gone, and so is the lock row of a number or an
    address without codes left. Returns how many codes were deleted."""
    now = now or timezone.now()
    windows = [
        seconds
        for _count, seconds in (*settings.SMS_CODE_LIMITS_PER_PHONE, *settings.SMS_CODE_LIMITS_PER_ADDRESS)
    ]
    keep = max([CODE_TTL, *(dt.timedelta(seconds=s) for s in windows)])
    deleted, _rows = SmsCode.objects.filter(created_at__lt=now - keep).delete()
    left = SmsCode.objects.values_list("phone", "client_address").distinct()
    keys = {f"phone:{phone}" for phone, _a in left} | {f"address:{address}" for _p, address in left}
    CodeThrottle.objects.exclude(key__in=keys).delete()
    return deleted

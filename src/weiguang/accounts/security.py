"""Two-factor sign-in, the staff idle timeout and the sessions a user sees (issue 11).

- **Two-factor sign-in** (django-otp): an authenticator app (a confirmed `TOTPDevice`) and ten
  single-use recovery codes (a `StaticDevice`). Street admins must have it (`required`), other
  staff may (`allowed`); residents, volunteers and partners sign in with the password or SMS code
  alone. After the password (or SMS code) the session is logged in but not verified: the
  middleware (`gate`) sends a user with an authenticator to enter its code, a street admin without
  one to set it up, before any other page; the Django admin asks it of everyone who reaches it.
  Wrong codes are throttled by django-otp (1, 2, 4, 8 ... seconds per device) and counted in the
  login lockout (core.lockout) of the user name at that address, like wrong passwords.
- **Idle timeout**: a staff session ends after STAFF_SESSION_IDLE_MINUTES without a request.
- **Sessions**: `UserSession` rows (written at login, touched at most once a minute) let a user
  see where they are logged in and end the other sessions; `end_sessions(user, except_key=...)`
  ends them all (deactivating an account, changing a password); the rows of sessions that ended
  without a logout go in the daily clean-up (`forget_ended_sessions`).
"""

from __future__ import annotations

import re
from importlib import import_module

import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_credentials
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp import DEVICE_ID_SESSION_KEY, verify_token
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from weiguang.core import lockout
from weiguang.core.api import register_token_check
from weiguang.core.audit import log_action
from weiguang.core.errors import BadCredentials, InvalidInput, NotAllowed, RateLimited, TooManyAttempts
from weiguang.core.models import ApiToken
from weiguang.core.ratelimit import client_ip
from weiguang.regions import access
from weiguang.regions.models import Role

from .models import UserSession

RECOVERY_CODES = 10
SEEN_KEY = "wg_seen"  # the session's last request (epoch seconds), written at most once a minute
TOUCH_SECONDS = 60
RECOVERY_SESSION_KEY = "wg_recovery_codes"  # new codes, until the page shows them once
AGENT_MAX = 300
DB_SESSION_ENGINES = {"django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"}


# --- who ---------------------------------------------------------------------------------


def is_staff(user) -> bool:
    """Staff as the header decides it (a street admin or community staff role), and whoever may
    use the Django admin: they may set up two-factor sign-in and their sessions time out."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_staff or user.is_superuser or access.has_role(user, access.STAFF))


def required(user) -> bool:
    """Must this user sign in with a second factor? Street admins (a superuser acts as one)."""
    return getattr(user, "is_authenticated", False) and access.has_role(user, {Role.STREET_ADMIN})


def authenticator(user, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("id").first()


def has_two_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def gate(request, *, admin: bool = False) -> str | None:
    """What a logged-in request must do before anything else: "verify" (enter the code of the
    authenticator), "setup" (a street admin, or anyone opening the admin, without one), or None."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return None
    if not (admin or is_staff(user)):
        return None
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None and is_verified():
        return None
    if has_two_factor(user):
        return "verify"
    if admin or required(user):
        return "setup"
    return None


# --- codes -------------------------------------------------------------------------------


def _clean(code) -> str:
    return re.sub(r"[\s-]", "", str(code or "")).lower()[:20]


def _is_totp(code: str) -> bool:
    return code.isdigit() and len(code) == 6


def _throttled(device) -> str | None:
    allowed, info = device.verify_is_allowed()
    if allowed:
        return None
    until = (info or {}).get("locked_until")
    seconds = max(1, int((until - timezone.now()).total_seconds()) + 1) if until else 1
    return ngettext(
        "Too many wrong codes. Please wait %(seconds)s second and try again.",
        "Too many wrong codes. Please wait %(seconds)s seconds and try again.",
        seconds,
    ) % {"seconds": seconds}


def _count(request, user) -> bool:
    """Count a code about to be checked as a failed login of the user name at this address, as
    a password is (core.lockout); False when the lockout refuses it."""
    if not settings.AXES_ENABLED:
        return True
    AxesProxyHandler.update_request(request)
    handler = AxesProxyHandler.get_implementation()
    return handler.count_attempt(request, get_credentials(user.get_username()))


def _uncount(request, user) -> None:
    if settings.AXES_ENABLED:
        AxesProxyHandler.get_implementation().reset_user_attempts(
            request, get_credentials(user.get_username())
        )


def check_code(request, user, code, *, field: str = "code"):
    """The device (authenticator or recovery codes) that accepts `code`; a recovery code is used
    up. Refuses a missing code (422), a throttled device (429), a locked login (429) and a wrong
    code (422 on `field`)."""
    code = _clean(code)
    if not code:
        raise InvalidInput(_("Enter the code."), fields={field: _("Enter the code.")})
    if _is_totp(code):
        device = authenticator(user)
    else:
        device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if device is None and not has_two_factor(user):
        raise NotAllowed(_("Two-factor sign-in is not set up."), code="otp_setup_required")
    if device is not None and (wait := _throttled(device)):
        raise RateLimited(wait, code="otp_throttled")
    if not _count(request, user):
        raise TooManyAttempts(lockout.message(request, user.get_username()))
    if device is not None and verify_token(user, device.persistent_id, code) is not None:
        _uncount(request, user)
        return device
    message = _(
        "The code is not right. Enter the 6 digits your authenticator app shows now, or a recovery code."
    )
    raise InvalidInput(message, code="invalid_otp", fields={field: message})


def verify_session(request, device) -> None:
    """Mark the session as verified by `device` under a new session key (the session gained
    rights: a key seen before must not carry them)."""
    old = request.session.session_key
    otp_login(request, device)
    request.session.cycle_key()
    if old:
        UserSession.objects.filter(session_key=old).update(session_key=request.session.session_key)


def verify(request, code) -> None:
    """The code after the password: the session counts as verified."""
    device = check_code(request, request.user, code)
    verify_session(request, device)
    if isinstance(device, StaticDevice):
        with transaction.atomic():
            log_action(
                request.user, "recovery_code_used", request.user, left=recovery_codes_left(request.user)
            )


def pending_authenticator(user) -> TOTPDevice:
    """The authenticator being set up: the same secret until it is confirmed, so a reloaded page
    shows the QR code already scanned."""
    device = authenticator(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)
    return device


def secret_of(device: TOTPDevice) -> str:
    """The secret as an authenticator app asks for it when typed in: base32, in groups of four."""
    from base64 import b32encode

    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URI as an inline SVG (no script, no external image: the CSP holds)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=2, dark="#000", light="#fff")


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=_("Recovery codes"), confirmed=True)
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return [f"{code[:4]}-{code[4:]}" for code in codes]


def confirm_authenticator(request, code) -> list[str]:
    """Set-up's last step: the first code of the new authenticator confirms it. The session is
    verified, the user's other sessions end, and ten new recovery codes are returned (shown once)."""
    user = request.user
    code = _clean(code)
    device = authenticator(user, confirmed=False)
    if device is None or has_two_factor(user):
        raise InvalidInput(_("Start the set-up again."), code="otp_setup_expired")
    message = _("The code is not right. Check the phone's time and enter the 6 digits the app shows now.")
    if not _is_totp(code):
        raise InvalidInput(message, fields={"code": message})
    if wait := _throttled(device):
        raise RateLimited(wait, code="otp_throttled")
    if verify_token(user, device.persistent_id, code) is None:
        raise InvalidInput(message, code="invalid_otp", fields={"code": message})
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        log_action(user, "two_factor_enabled", user)
    verify_session(request, device)
    end_sessions(user, except_key=request.session.session_key)
    return codes


def renew_recovery_codes(user) -> list[str]:
    """Ten new recovery codes; the old ones stop working."""
    if not has_two_factor(user):
        raise NotAllowed(_("Two-factor sign-in is not set up."), code="otp_setup_required")
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        log_action(user, "recovery_codes_renewed", user)
    return codes


def remove_two_factor(request, code) -> None:
    """Remove the authenticator and the recovery codes, proven with a code of either. A street
    admin is then asked to set up a new one before anything else (a new phone)."""
    user = request.user
    check_code(request, user, code)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        log_action(user, "two_factor_removed", user)
    request.session.pop(DEVICE_ID_SESSION_KEY, None)


def check_token_request(request, user, data) -> None:
    """POST /api/v1/auth/token (core.api's token check): a user with two-factor sign-in sends a
    code as `otp`; a street admin without it cannot have a token until they set it up."""
    if not has_two_factor(user):
        if required(user):
            raise NotAllowed(
                _(
                    "Street admins sign in with two factors: set up an authenticator app on the website first."
                ),
                code="otp_setup_required",
            )
        return
    if not _clean(data.otp):
        message = _("Enter the code of your authenticator app (or a recovery code).")
        raise InvalidInput(message, code="otp_required", fields={"otp": message})
    try:
        check_code(request, user, data.otp, field="otp")
    except InvalidInput as err:
        if err.code == "invalid_otp":
            raise BadCredentials(err.message, code="invalid_otp", fields=err.fields) from None
        raise


# --- sessions ----------------------------------------------------------------------------


def _store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def _now_ts() -> float:
    return timezone.now().timestamp()


def _agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:AGENT_MAX]


def record_session(request, user) -> None:
    """At login (user_logged_in): the new session's row."""
    session = getattr(request, "session", None)
    if session is None or session.get(SESSION_KEY) != str(user.pk) or not session.session_key:
        return  # an API token's login has no session of its own
    now = timezone.now()
    session[SEEN_KEY] = now.timestamp()
    UserSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={
            "user": user,
            "user_agent": _agent(request),
            "ip_address": client_ip(request),
            "last_seen": now,
        },
    )


def touch(request) -> None:
    """A request of a logged-in session: its row says when it was last seen (at most once a minute)."""
    session = request.session
    now = timezone.now()
    session[SEEN_KEY] = now.timestamp()
    if session.session_key:
        UserSession.objects.update_or_create(
            session_key=session.session_key,
            defaults={
                "user_id": request.user.pk,
                "user_agent": _agent(request),
                "ip_address": client_ip(request),
                "last_seen": now,
            },
        )


def idle_seconds(request) -> float | None:
    """Seconds since the session's last request as last written (None: never written)."""
    seen = request.session.get(SEEN_KEY)
    if not isinstance(seen, int | float):
        return None
    return _now_ts() - seen


def idle_limit_seconds() -> int:
    return int(settings.STAFF_SESSION_IDLE_MINUTES) * 60


def _forget(request, user, **kwargs) -> None:  # user_logged_out
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        UserSession.objects.filter(session_key=session.session_key).delete()


def _live_keys(keys: list[str]) -> set[str]:
    if not keys:
        return set()
    if settings.SESSION_ENGINE in DB_SESSION_ENGINES:
        from django.contrib.sessions.models import Session

        return set(
            Session.objects.filter(session_key__in=keys, expire_date__gt=timezone.now()).values_list(
                "session_key", flat=True
            )
        )
    store = _store()()
    return {key for key in keys if store.exists(key)}


def forget_ended_sessions() -> int:
    """The daily clean-up (accounts.tasks.clean_up): expired sessions leave the session store
    (Django's clearsessions), and the rows of sessions that ended without a logout (expired,
    the browser closed) go with them. Returns how many rows were deleted."""
    _store().clear_expired()
    keys = list(UserSession.objects.values_list("session_key", flat=True))
    deleted = 0
    for start in range(0, len(keys), 500):  # a few hundred at a time: a query's parameters are limited
        batch = keys[start : start + 500]
        live = _live_keys(batch)
        dead = [key for key in batch if key not in live]
        if dead:
            deleted += UserSession.objects.filter(session_key__in=dead).delete()[0]
    return deleted


def sessions_of(user) -> list[UserSession]:
    """The user's live sessions, the most recently seen first (rows of ended ones are dropped)."""
    rows = list(UserSession.objects.filter(user=user).order_by("-last_seen", "-id"))
    live = _live_keys([row.session_key for row in rows])
    dead = [row.pk for row in rows if row.session_key not in live]
    if dead:
        UserSession.objects.filter(pk__in=dead).delete()
    return [row for row in rows if row.session_key in live]


def end_sessions(user, *, except_key: str | None = None) -> int:
    """End the user's sessions (all but `except_key`): removed from the session store, so each
    of them is logged out at its next request. For "end my other sessions", a password change
    and an account deactivated by staff. Returns how many there were."""
    rows = UserSession.objects.filter(user=user)
    if except_key:
        rows = rows.exclude(session_key=except_key)
    keys = list(rows.values_list("session_key", flat=True))
    store = _store()()
    for key in keys:
        store.delete(key)
    UserSession.objects.filter(session_key__in=keys).delete()
    return len(keys)


def end_all_access(user) -> int:
    """End every session of `user` and their API bearer tokens (an account deactivated or
    erased). Returns how many sessions ended."""
    ended = end_sessions(user)
    ApiToken.objects.filter(user=user).delete()
    return ended


def end_other_sessions(request) -> int:
    """The user's "end all my other sessions"."""
    count = end_sessions(request.user, except_key=request.session.session_key)
    with transaction.atomic():
        log_action(request.user, "sessions_ended", request.user, count=count)
    return count


def _password_changed(sender, instance, created: bool, **kwargs) -> None:
    """A new password (any way: the page, a reset by code, the admin) ends the user's sessions.
    The page that changed it keeps its own with update_session_auth_hash (a new key)."""
    if not created and getattr(instance, "_password", None) is not None:
        end_sessions(instance)


_BROWSERS = [
    ("MicroMessenger", "WeChat"),
    ("EdgA", "Edge"),
    ("Edg/", "Edge"),
    ("HuaweiBrowser", "Huawei Browser"),
    ("UCBrowser", "UC"),
    ("QQBrowser", "QQ Browser"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
]
_SYSTEMS = [
    ("HarmonyOS", "HarmonyOS"),
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "Mac"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
]


def describe_agent(agent: str) -> str:
    """A browser's User-Agent as a person knows it: "Chrome · Android"."""
    browser = next((name for mark, name in _BROWSERS if mark in agent), "")
    system = next((name for mark, name in _SYSTEMS if mark in agent), "")
    return " · ".join(part for part in (browser, system) if part) or _("Unknown browser")


def connect() -> None:
    """From AccountsConfig.ready(): the session rows follow logins and logouts, a password change
    ends the sessions, and the API's token asks for the second factor."""
    user_logged_in.connect(lambda sender, request, user, **kw: record_session(request, user), weak=False)
    user_logged_out.connect(_forget, weak=False)
    post_save.connect(_password_changed, sender=get_user_model(), weak=False)
    register_token_check(check_token_request)

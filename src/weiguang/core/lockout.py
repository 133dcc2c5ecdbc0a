"""One login lockout for every way in: the login page, the Django admin and the API token.

django-axes keeps the counters, in the database (its `AccessAttempt` rows). A password is
checked only after the attempt has been counted: `LockoutBackend` locks the row of that user
name at that address (SELECT ... FOR UPDATE; on SQLite the IMMEDIATE transaction), checks the
limits and adds one in the same transaction, then checks the password and takes the count
back if it was right. So however many clients try at once, no failure is lost and no more
passwords are checked than the limit allows. Two counters matter:

- per user name *and* address: `AXES_FAILURE_LIMIT` failures (default 10) lock that user name
  at that address. A community centre shares one address; one person's typos lock only her.
- per address: `LOGIN_FAILURES_PER_ADDRESS` failures (default 100), whatever the user names,
  lock the whole address: one machine trying many user names is still stopped.

A lock lasts `AXES_COOLOFF_TIME` after the failure that set it; attempts while locked are
refused without checking the password and do not extend it. A successful login clears only
that user's failures at that address, never the address's other counters.

`LockoutBackend` is the authentication backend (Django's ModelBackend behind the lock); the
forms of the login page and the admin (`LockoutMessageMixin`) and the token endpoint turn the
refusal into "登录失败次数过多，请 N 分钟后再试"; `lockout_response` (AXES_LOCKOUT_CALLABLE, run
by axes' middleware) gives every refused request HTTP 429 and a Retry-After header.
"""

from __future__ import annotations

import math

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied, AxesBackendRequestParameterRequired
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off, get_credentials
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import ngettext

USERNAME_MAX = 150  # Django's user name length; longer input is cut before it is counted


def normalise_username(request, credentials: dict | None = None) -> str | None:
    """AXES_USERNAME_CALLABLE: the name a failure is counted under (trimmed, lower case)."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        name = credentials.get(field)
    else:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        name = data.get(field)
    if not isinstance(name, str):
        return None
    return name.strip().lower()[:USERNAME_MAX] or None


def _limit(parameter) -> int:
    if isinstance(parameter, str) and parameter == "ip_address":
        return settings.LOGIN_FAILURES_PER_ADDRESS
    return settings.AXES_FAILURE_LIMIT


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler with a limit of its own for each lockout parameter, and a
    success that clears only the user's own failures at that address."""

    def _counters(self, request, credentials):
        """[(limit, attempts of the cool-off period)] for each AXES_LOCKOUT_PARAMETERS entry."""
        attempts = self.get_user_attempts(request, credentials)
        return [(_limit(p), qs) for p, qs in zip(settings.AXES_LOCKOUT_PARAMETERS, attempts, strict=True)]

    def get_failures(self, request, credentials=None) -> int:
        """The user's failures at this address, or AXES_FAILURE_LIMIT when the address as a
        whole has reached its own, higher limit (axes compares this with AXES_FAILURE_LIMIT)."""
        counts = []
        for limit, attempts in self._counters(request, credentials):
            count = sum(attempts.values_list("failures_since_start", flat=True))
            if count >= limit:
                return max(count, settings.AXES_FAILURE_LIMIT)
            counts.append(count)
        return counts[0] if counts else 0

    def seconds_left(self, request, credentials=None) -> int:
        """How long until the lock on this request lifts (0 when it is not locked)."""
        cool_off = get_cool_off(request)
        if cool_off is None:
            return 0
        now = timezone.now()
        left = 0.0
        for limit, attempts in self._counters(request, credentials):
            total = 0
            for time, failures in attempts.order_by("-attempt_time").values_list(
                "attempt_time", "failures_since_start"
            ):
                total += failures
                if total >= limit:  # the lock lifts when this row leaves the cool-off window
                    left = max(left, (time + cool_off - now).total_seconds())
                    break
        return max(0, math.ceil(left))

    def count_attempt(self, request, credentials) -> bool:
        """Count this attempt as a failure before its password is checked, unless a limit is
        already reached (then False: refuse it). Check and count happen under one row lock, so
        concurrent attempts queue here and the limit is exact. One row per user name and
        address (the user agent is not part of it: changing it changes nothing)."""
        username = get_client_username(request, credentials)
        self.clean_expired_user_attempts(request, credentials)
        with transaction.atomic(using=router.db_for_write(AccessAttempt)):
            attempt, created = AccessAttempt.objects.select_for_update().get_or_create(
                username=username,
                ip_address=request.axes_ip_address,
                user_agent="",
                defaults={
                    "get_data": "",
                    "post_data": "",
                    "http_accept": request.axes_http_accept,
                    "path_info": request.axes_path_info,
                    "failures_since_start": 0,
                    "attempt_time": request.axes_attempt_time,
                },
            )
            cool_off = get_cool_off(request)
            if not created and cool_off and attempt.attempt_time <= timezone.now() - cool_off:
                # expired since the clean-up above: its old failures count no more
                AccessAttempt.objects.filter(pk=attempt.pk).update(failures_since_start=0)
            if self.is_locked(request, credentials):
                return False
            AccessAttempt.objects.filter(pk=attempt.pk).update(
                failures_since_start=F("failures_since_start") + 1,
                attempt_time=request.axes_attempt_time,
                http_accept=request.axes_http_accept,
                path_info=request.axes_path_info,
            )
        request.login_counted = True
        return True

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        if request is not None and getattr(request, "login_counted", False):
            # counted before the password was checked (count_attempt): only say whether the
            # limit is now reached, as axes does after counting
            failures = self.get_failures(request, credentials)
            request.axes_failures_since_start = failures
            if failures >= settings.AXES_FAILURE_LIMIT:
                request.axes_locked_out = True
                request.axes_credentials = credentials
            return None
        return super().user_login_failed(sender, credentials, request, **kwargs)

    def reset_user_attempts(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(
            username=username, ip_address=request.axes_ip_address
        ).delete()
        return count


class LockoutBackend(AxesStandaloneBackend, ModelBackend):
    """The authentication backend: Django's ModelBackend behind the lockout. An attempt is
    counted first (refused when a limit is reached, and the request marked so that the page
    or the API can say why), then the password is checked; a right one takes the count back."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not settings.AXES_ENABLED:
            return self.check_credentials(request, username=username, password=password, **kwargs)
        if request is None:
            raise AxesBackendRequestParameterRequired("LockoutBackend needs the request (its address)")
        credentials = get_credentials(username=username, password=password, **kwargs)
        AxesProxyHandler.update_request(request)
        handler = AxesProxyHandler.get_implementation()
        if not handler.count_attempt(request, credentials):
            request.login_locked_out = True
            request.axes_locked_out = True  # axes records nothing for a refused attempt
            raise AxesBackendPermissionDenied("locked out")
        user = self.check_credentials(request, username=username, password=password, **kwargs)
        if user is not None:
            handler.reset_user_attempts(request, credentials)
        return user

    def check_credentials(self, request, username=None, password=None, **kwargs):
        """The user these credentials prove, or None: a subclass may check other proofs (an
        SMS code) behind the same count."""
        return ModelBackend.authenticate(self, request, username=username, password=password, **kwargs)


def is_refused(request) -> bool:
    """Was this request's login refused by the lockout (not by a wrong password)?"""
    return bool(getattr(request, "login_locked_out", False))


def seconds_left(request, username: str | None = None) -> int:
    AxesProxyHandler.update_request(request)
    credentials = get_credentials(username) if username is not None else None
    handler = AxesProxyHandler.get_implementation()
    if not isinstance(handler, LockoutHandler):  # pragma: no cover - another AXES_HANDLER
        cool_off = get_cool_off(request)
        return int(cool_off.total_seconds()) if cool_off else 0
    return handler.seconds_left(request, credentials)


def message(request, username: str | None = None) -> str:
    """ "Too many failed logins; try again in N minutes", in the request's language."""
    minutes = max(1, math.ceil(seconds_left(request, username) / 60))
    return ngettext(
        "Too many failed logins. Please try again in %(minutes)s minute.",
        "Too many failed logins. Please try again in %(minutes)s minutes.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the page or the API error already says why; a refused login
    becomes HTTP 429 with Retry-After. A failure that only reached the limit keeps its own
    answer (the password was checked and was wrong); the next attempt is the refused one."""
    if original_response is None or not is_refused(request):
        return original_response
    username = get_client_username(request, credentials) if credentials else None
    original_response.status_code = 429
    original_response["Retry-After"] = str(max(1, seconds_left(request, username)))
    return original_response


class LockoutMessageMixin:
    """For the login forms (page and admin): a refused login, and the failure that reached
    the limit, say how long to wait."""

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            if is_refused(self.request) or getattr(self.request, "axes_locked_out", False):
                username = self.cleaned_data.get("username")
                raise ValidationError(message(self.request, username), code="locked_out") from None
            raise

"""Every logged-in request passes here (after django-otp's OTPMiddleware, django-htmx's and the
messages'): a staff session idle too long ends, the session's row is touched (at most once a
minute), and a session that owes its second factor goes to enter it (or to set it up) before
any other page (accounts.security)."""

from __future__ import annotations

from functools import cached_property
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from . import security

API_PREFIX = "/api/"


class SecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    @cached_property
    def _open_paths(self) -> tuple[str, ...]:
        """Pages a session that owes its second factor may still open."""
        return (
            reverse("login"),
            reverse("logout"),
            reverse("security_verify"),
            reverse("security_setup"),
            settings.STATIC_URL,
            settings.MEDIA_URL,
            "/favicon.ico",
            "/prefs/",
        )

    @cached_property
    def _admin_path(self) -> str:
        return reverse("admin:index")

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        api = request.path.startswith(API_PREFIX)
        idle = security.idle_seconds(request)
        if idle is not None and idle > security.idle_limit_seconds() and security.is_staff(user):
            logout(request)
            if api:
                return self.get_response(request)
            minutes = settings.STAFF_SESSION_IDLE_MINUTES
            messages.info(
                request,
                _("You were logged out after %(minutes)s minutes without activity. Please log in again.")
                % {"minutes": minutes},
            )
            return self._send(request, reverse("login"))
        if idle is None or idle >= security.TOUCH_SECONDS:
            security.touch(request)
        admin = user.is_staff and request.path.startswith(self._admin_path)  # who may use the admin
        if not admin and request.path.startswith(self._open_paths):
            return self.get_response(request)
        step = security.gate(request, admin=admin)
        if step is None:
            return self.get_response(request)
        if api:  # the session does not count until its second factor: the API sees no login
            request.user = AnonymousUser()
            return self.get_response(request)
        if step == "setup" and admin and not security.required(user):
            messages.info(request, _("The admin site needs two-factor sign-in: set it up first."))
        return self._send(request, reverse("security_verify" if step == "verify" else "security_setup"))

    @staticmethod
    def _send(request, url: str):
        """To `url`, then back here: the whole page for htmx, `next` for a page that was asked."""
        if getattr(request, "htmx", False):
            current = request.htmx.current_url_abs_path or ""
            return HttpResponseClientRedirect(f"{url}?next={quote(current)}" if current else url)
        if request.method == "GET":
            return redirect(f"{url}?next={quote(request.get_full_path())}")
        return redirect(url)

"""Pages every user shares: login/logout, the inbox, display preferences and the error pages.
The home page is site's (site/views.py): it composes the tiles every app registers."""

from __future__ import annotations

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from .lockout import LockoutMessageMixin
from .middleware import LARGE_TEXT_COOKIE
from .models import Notification
from .templatetags.wg import safe_next

YEAR = 365 * 24 * 3600


class LoginForm(LockoutMessageMixin, AuthenticationForm):
    """The login page's form: a login refused by the lockout says how long to wait."""


class AdminLoginForm(LockoutMessageMixin, AdminAuthenticationForm):
    """The admin's login form (admin.site.login_form), with the same lockout message."""


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True
    authentication_form = LoginForm


class LogoutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


def _set_pref_cookie(response, name: str, value: str) -> None:
    response.set_cookie(name, value, max_age=YEAR, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)


def set_language(request):
    """GET /prefs/lang/?lang=en|zh-hans&next=/...: remember the language in a cookie."""
    response = redirect(safe_next(request))
    lang = request.GET.get("lang", "")
    if lang in dict(settings.LANGUAGES):
        _set_pref_cookie(response, settings.LANGUAGE_COOKIE_NAME, lang)
    return response


def set_large_text(request):
    """GET /prefs/large-text/?on=1|0&next=/...: big type, high contrast, for a year."""
    response = redirect(safe_next(request))
    _set_pref_cookie(response, LARGE_TEXT_COOKIE, "1" if request.GET.get("on") == "1" else "0")
    return response


@login_required
def inbox(request):
    notes = Notification.objects.filter(recipient=request.user).order_by("-created_at", "-id")
    page = Paginator(notes, 30).get_page(request.GET.get("page"))
    return render(request, "core/inbox.html", {"page_obj": page, "notes": page.object_list})


@login_required
def inbox_open(request, pk: int):
    """Open one message: mark it read and go to what it is about."""
    note = get_object_or_404(Notification, pk=pk, recipient=request.user)
    if note.read_at is None:
        Notification.objects.filter(pk=note.pk, read_at__isnull=True).update(read_at=timezone.now())
    if note.url and note.url.startswith("/") and not note.url.startswith("//"):
        return redirect(note.url)
    return redirect("inbox")


@login_required
@require_POST
def inbox_read_all(request):
    Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return redirect(safe_next(request, "/inbox/"))


def favicon(request):
    """/favicon.ico, asked for by browsers on pages without an icon link (the admin, say)."""
    from django.templatetags.static import static

    return redirect(static("core/favicon.ico"), permanent=True)


def _bare_page(template_name: str, status: int, fallback: str):
    """Render a page of core/bare.html without the request: whatever failed (a context
    processor, the database) may fail again. Shown in the language the request was answered in."""
    from django.http import HttpResponse
    from django.template import loader

    try:
        body = loader.get_template(template_name).render(
            {"SITE_NAME": settings.WEIGUANG.get("SITE_NAME", "")}
        )
    except Exception:  # the page of last resort must not fail itself
        body = f"<!doctype html><meta charset=utf-8><title>{status}</title><h1>{fallback}</h1>"
    return HttpResponse(body, status=status)


def _api_error(request, status: int):
    """Under /api/, an error Django answers itself (an unknown path, a request refused before
    any view, a crash outside the API's own handlers) is the API's JSON error too."""
    from django.http import JsonResponse
    from django.utils.translation import gettext

    if not request.path.startswith("/api/"):
        return None
    code, message = {
        400: ("bad_request", gettext("The request could not be read; send JSON.")),
        403: ("forbidden", gettext("You are not allowed to do this.")),
        404: ("not_found", gettext("Not found.")),
        500: ("server_error", gettext("Something went wrong on our side; please try again later.")),
    }[status]
    return JsonResponse({"message": message, "code": code}, status=status)


def server_error(request, template_name: str = "500.html"):
    """The 500 page (handler500)."""
    from django.utils.translation import gettext

    return _api_error(request, 500) or _bare_page(template_name, 500, gettext("Something went wrong"))


def bad_request(request, exception=None, template_name: str = "400.html"):
    """The 400 page (handler400): a request Django refused before any view (a bad host, too
    many fields)."""
    from django.utils.translation import gettext

    return _api_error(request, 400) or _bare_page(template_name, 400, gettext("Bad request"))


def page_not_found(request, exception=None):
    """handler404: the site's 404 page (404.html), or JSON under /api/ (e.g. /api/v2/...)."""
    from django.views import defaults

    return _api_error(request, 404) or defaults.page_not_found(request, exception)


def permission_denied(request, exception=None):
    """handler403: the site's 403 page, or JSON under /api/."""
    from django.views import defaults

    return _api_error(request, 403) or defaults.permission_denied(request, exception)

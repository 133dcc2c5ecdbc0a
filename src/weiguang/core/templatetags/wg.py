"""Template helpers shared by every page: small filters and safe links. The navigation is in
`nav` (core/templatetags/nav.py), from the entries each app registers (core/navigation.py)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from weiguang.core.names import local_name

register = template.Library()


@register.filter
def stars(rating) -> str:
    try:
        n = int(rating)
    except (TypeError, ValueError):
        return ""
    return "★" * n + "☆" * (5 - n)


register.filter("local_name", local_name)  # {{ category|local_name }}: English on English pages


@register.filter
def hours(value) -> str:
    """A number of hours with its unit in the page's language: "2.5 小时", "2.5 hours" (never a
    bare "h")."""
    if value is None or value == "":
        return ""
    try:
        number = f"{Decimal(str(value)).normalize():f}"
    except InvalidOperation:
        return str(value)
    return _("%(h)s hours") % {"h": number}


def safe_next(request, default: str = "/") -> str:
    """The `next` parameter if it is a path on this site, else `default`. Only a path: `redirect()`
    takes any other word for the name of a view and fails on it."""
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt.startswith("/") and url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return nxt
    return default

"""The header's navigation, from the entries the apps registered (core/navigation.py):
`{% nav_items as items %}`, and `{% user_flags as flags %}` for a template that asks a role flag."""

from __future__ import annotations

from django import template

from weiguang.core import navigation

register = template.Library()


@register.simple_tag(takes_context=True)
def user_flags(context) -> navigation.Flags:
    return navigation.role_flags(context.get("user"))


@register.simple_tag(takes_context=True)
def nav_items(context) -> list[dict]:
    """The navigation for the user's roles: [{key, url, label, badge, active}]."""
    request = context.get("request")
    return navigation.entries_for(context.get("user"), getattr(request, "path", ""))

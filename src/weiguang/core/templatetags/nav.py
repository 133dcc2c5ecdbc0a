"""The header's navigation (`{% nav_items as items %}`), from the entries the apps registered
(core/navigation.py)."""

from __future__ import annotations

from django import template

from weiguang.core import navigation

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_items(context) -> list[dict]:
    """The navigation for the user's roles: [{key, url, label, badge, active}]."""
    request = context.get("request")
    return navigation.entries_for(context.get("user"), getattr(request, "path", ""))

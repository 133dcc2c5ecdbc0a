"""The header's navigation (`{% nav_items as items %}`) and an object page's links from apps
above it (`{% object_links "wish" wish as links %}`), as the apps registered them
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


@register.simple_tag(takes_context=True)
def object_links(context, page: str, obj) -> list[dict]:
    """The links other apps registered for `page`, that the user sees on `obj`: [{key, url, label}]."""
    return navigation.object_links_for(context.get("user"), page, obj)

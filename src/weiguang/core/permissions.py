"""The access rules core's primitives consult (transitions, the API's /me). Core knows no roles
and no regions: the app that decides access (regions, regions/access.py) installs its rules
from its AppConfig.ready(), so the dependency points up the floors, not down."""

from __future__ import annotations

from typing import Protocol

from django.core.exceptions import ImproperlyConfigured


class AccessRules(Protocol):
    def can(self, user, action: str, obj=None) -> bool: ...

    def memberships(self, user) -> list[tuple[str, str]]: ...


_rules: AccessRules | None = None


def install(rules: AccessRules) -> None:
    global _rules
    _rules = rules


def _installed() -> AccessRules:
    if _rules is None:
        raise ImproperlyConfigured("No access rules installed: weiguang.regions must be in INSTALLED_APPS.")
    return _rules


def can(user, action: str, obj=None) -> bool:
    """May `user` do `action` on `obj`? (regions.access.can)"""
    return _installed().can(user, action, obj)


def memberships(user) -> list[tuple[str, str]]:
    """The user's (role, region path) pairs (regions.access.memberships)."""
    return _installed().memberships(user)

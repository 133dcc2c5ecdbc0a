"""Names that people keep in Chinese (categories, population groups) with an English name beside
them: the one place that says which one a page shows."""

from __future__ import annotations

from django.utils import translation


def local_name(obj) -> str:
    """`obj.name_en` when the page is in English and the name has one, else `obj.name`."""
    if obj is None:
        return ""
    name_en = getattr(obj, "name_en", "")
    if name_en and (translation.get_language() or "").startswith("en"):
        return name_en
    return obj.name

"""URL path converters.

`<id:pk>` (pages) and `{id:pk}` (django-ninja API paths) take a database id: digits, at most
the largest value of a 64-bit ``bigint`` column. A larger number is no match, so the URL
resolves to nothing and the answer is a 404 (JSON under /api/) — Django's ``<int:>`` would pass
it on and the database would overflow (a 500). Every id in a URL uses this converter; a test
(tests/core/test_converters.py) fails when a URL pattern takes an unbounded ``<int:>``.
"""

from __future__ import annotations

from django.urls import register_converter

MAX_ID = 2**63 - 1  # PostgreSQL bigint, SQLite INTEGER


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError("id out of range")  # Django: no match
        return number

    def to_url(self, value) -> str:
        number = int(value)
        if not 0 <= number <= MAX_ID:
            raise ValueError("id out of range")  # reverse() finds no URL
        return str(number)


class AnyPathConverter:
    """The rest of a path, whatever it holds — newlines too (``%0A``), which Django's
    ``<path:>`` does not match: the API's catch-all answers those with a JSON 404."""

    regex = r"[\s\S]*"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


# Registered once, when this module is first imported (CoreConfig.ready(), before any URLconf).
register_converter(IdConverter, "id")
register_converter(AnyPathConverter, "anypath")

"""Filters: one definition per list, shared by its page and its API (NetBox's filtersets).

A `FilterSchema` subclass declares the query parameters a list accepts (pydantic fields: their
types are the validation) and how each narrows the queryset (`lookups`, or a method
`filter_<name>(qs, value)` when one lookup is not enough). The API takes the class (or a
subclass adding paging) as its ninja `Query[...]` schema and answers bad values with 422; a page
reads it with `from_query(request.GET)`, which drops invalid values as if they were not given.

Not django-filter: its FilterSet is not a pydantic model, so the API would describe and validate
the same parameters a second time; ninja's own FilterSchema puts its lookups into the OpenAPI
document (pydantic 2 keeps unknown Field() arguments as schema extras).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self

import pydantic

from .api import InSchema


class FilterSchema(InSchema):
    lookups: ClassVar[dict[str, str]] = {}  # field -> ORM lookup

    @classmethod
    def from_query(cls, params: Mapping[str, Any]) -> Self:
        """The filters of a page's query string; a missing, empty or invalid value is no filter."""
        values: dict[str, Any] = {}
        for name in cls.filter_names():
            raw = params.get(name)
            if raw is None or raw == "":
                continue
            try:
                values[name] = getattr(cls.model_validate({name: raw}), name)
            except pydantic.ValidationError:
                continue
        return cls.model_validate(values)

    @classmethod
    def filter_names(cls) -> list[str]:
        return [name for name in cls.model_fields if name in cls.lookups or hasattr(cls, f"filter_{name}")]

    def active(self) -> dict[str, Any]:
        """The filters in use, by name (for links that keep them, e.g. the pager's)."""
        return {
            name: value
            for name in self.filter_names()
            if (value := getattr(self, name)) is not None and value != ""
        }

    def apply(self, qs):
        for name, value in self.active().items():
            custom = getattr(self, f"filter_{name}", None)
            qs = custom(qs, value) if custom else qs.filter(**{self.lookups[name]: value})
        return qs

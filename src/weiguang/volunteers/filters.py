"""The filters of the volunteer list: the staff page and GET /api/v1/volunteers."""

from __future__ import annotations

from typing import ClassVar, Literal

from weiguang.core.filters import FilterSchema

from .models import VolunteerStatus


class VolunteerFilter(FilterSchema):
    status: Literal[tuple(VolunteerStatus.values)] | None = None  # type: ignore[valid-type]

    lookups: ClassVar[dict[str, str]] = {"status": "status"}

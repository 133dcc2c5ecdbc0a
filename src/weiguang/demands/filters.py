"""The filters of the demand lists: the region's list of demands (staff page) and
GET /api/v1/demands."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from weiguang.core.api import Id
from weiguang.core.filters import FilterSchema

from .models import DemandStatus
from .services import queries

StatusCode = Literal[tuple(DemandStatus.values)]  # type: ignore[valid-type]
ColourCode = Literal["green", "yellow", "red"]


class DemandFilter(FilterSchema):
    status: StatusCode | None = None
    community: Id | None = Field(None, description="Region id of a community")
    session: Id | None = Field(None, description="Id of a desk session or fair")
    colour: ColourCode | None = Field(
        None, description="Open orders only, by deadline: green, yellow (due within 24 h), red (overdue)"
    )

    lookups: ClassVar[dict[str, str]] = {
        "status": "status",
        "community": "community_id",
        "session": "session_id",
    }

    def filter_colour(self, qs, value: str):
        return queries.by_colour(qs, value)

"""The filters of the wish lists: the API's list (GET /api/v1/wishes), the staff's list of a
region's wishes and the public walls."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from weiguang.core.api import Id, Text
from weiguang.core.filters import FilterSchema

from .models import WishKind, WishStatus

KindCode = Literal[tuple(WishKind.values)]  # type: ignore[valid-type]
StatusCode = Literal[tuple(WishStatus.values)]  # type: ignore[valid-type]


class WishFilter(FilterSchema):
    street: Id | None = Field(None, description="Region id of a street")
    community: Id | None = Field(None, description="Region id of a community")
    kind: KindCode | None = None
    category: Id | None = Field(None, description="Category id")
    group: Text | None = Field(None, max_length=50, description="Population group code, e.g. elderly_alone")
    status: StatusCode | None = None

    lookups: ClassVar[dict[str, str]] = {
        "street": "street_id",
        "community": "community_id",
        "kind": "kind",
        "category": "category_id",
        "group": "resident__groups__code",
        "status": "status",
    }

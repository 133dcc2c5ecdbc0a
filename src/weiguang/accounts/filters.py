"""The filters of the staff's list of personal-data requests (the page and
GET /api/v1/data_requests)."""

from __future__ import annotations

from typing import ClassVar, Literal

from weiguang.core.filters import FilterSchema

from .models import DataRequestKind, DataRequestStatus

StatusCode = Literal[tuple(DataRequestStatus.values)]  # type: ignore[valid-type]
KindCode = Literal[tuple(DataRequestKind.values)]  # type: ignore[valid-type]


class DataRequestFilter(FilterSchema):
    status: StatusCode | None = None
    kind: KindCode | None = None

    lookups: ClassVar[dict[str, str]] = {"status": "status", "kind": "kind"}

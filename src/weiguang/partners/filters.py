"""The filters of the partner lists: units (the units page and GET /api/v1/partners) and
resources (GET /api/v1/resources). The API's `region` is not a filter here: it chooses which
units or resources are listed, and who may ask."""

from __future__ import annotations

from typing import ClassVar, Literal

from weiguang.core.api import Id
from weiguang.core.filters import FilterSchema

from .models import PartnerKind, ResourceKind

KindCode = Literal[tuple(PartnerKind.values)]  # type: ignore[valid-type]
ResourceKindCode = Literal[tuple(ResourceKind.values)]  # type: ignore[valid-type]


class UnitFilter(FilterSchema):
    kind: KindCode | None = None
    alliance: Id | None = None

    lookups: ClassVar[dict[str, str]] = {"kind": "kind", "alliance": "alliances"}


class ResourceFilter(FilterSchema):
    unit: Id | None = None
    kind: ResourceKindCode | None = None

    lookups: ClassVar[dict[str, str]] = {"unit": "unit_id", "kind": "kind"}

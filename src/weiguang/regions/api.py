"""The place tree API (/api/v1/regions): districts, streets, communities, grids and the
buildings of the grids, so that a client (a mini-program) lets a person pick where they live.
Names of places are not personal: anyone may read them."""

from __future__ import annotations

from typing import Literal

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from weiguang.core.api import ERROR_RESPONSES, Id, Page, referenced
from weiguang.core.filters import FilterSchema

from .models import Building, Region

regions_router = Router(tags=["regions"])

BUILDING = "building"
Kind = Literal["district", "street", "community", "grid", "building"]


class PlaceFilters(FilterSchema):
    parent: Id | None = Field(
        None, description="Only the places right below this region (a grid: its buildings)"
    )
    kind: Kind | None = Field(None, description="Only places of this kind")
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


class PlaceOut(Schema):
    id: int = Field(description="The region's id; for kind building, the building's id (its own numbering)")
    kind: Kind
    name: str
    parent_id: int | None = Field(description="The region above (a building's: its grid); null at the top")


class PlacePage(Page):
    items: list[PlaceOut]


def _parts(filters: PlaceFilters):
    """The regions and the buildings the filters ask for (either may be None: not asked)."""
    regions = Region.objects.order_by("path")
    buildings = Building.objects.order_by("grid__path", "name", "id")
    if filters.parent is not None:
        parent = referenced(Region.objects, filters.parent, "parent", _("There is no such region."))
        regions, buildings = regions.filter(parent=parent), buildings.filter(grid=parent)
    if filters.kind == BUILDING:
        regions = None
    elif filters.kind is not None:
        regions, buildings = regions.filter(kind=filters.kind), None
    return regions, buildings


@regions_router.get(
    "",
    auth=None,
    response={200: PlacePage, **ERROR_RESPONSES},
    summary="The place tree: regions with their kinds and parents, and the grids' buildings",
)
def list_places(request, filters: Query[PlaceFilters]):
    """Regions in tree order (top first), then buildings (by grid, then name). Filter by
    `parent` (a grid's buildings: `parent=<grid id>`) and `kind`. An unknown parent is a 422."""
    regions, buildings = _parts(filters)
    n_regions = regions.count() if regions is not None else 0
    n_buildings = buildings.count() if buildings is not None else 0
    start, stop = filters.offset, filters.offset + filters.limit
    items: list[dict] = []
    if regions is not None and start < n_regions:
        for r in regions.values("id", "kind", "name", "parent_id")[start:stop]:
            items.append(r)
    if buildings is not None and stop > n_regions:
        window = buildings.values("id", "name", "grid_id")[max(start - n_regions, 0) : stop - n_regions]
        items += [
            {"id": b["id"], "kind": BUILDING, "name": b["name"], "parent_id": b["grid_id"]} for b in window
        ]
    return Page.body(filters, n_regions + n_buildings, items)

"""/api/v1/lists: the three lists (三张清单) of a region for its staff: needs, resources,
projects. Thin: parse, call a service, render."""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema
from pydantic import Field

from weiguang.core.api import ERROR_RESPONSES, Id, InSchema, Ref, ref, require_user
from weiguang.partners.api import ResourceKindCode, ResourceOut, region_arg, resource_out

from .. import services
from .projects import ProjectOut, ProjectStatusCode, project_out
from .surveys import TallyOut, tally_out

lists_router = Router(tags=["partners"])


class RegionFilter(InSchema):
    region: Id = Field(description="Region id (street, community or grid)")
    limit: int = Field(100, ge=1, le=500)


class ResourceListFilter(RegionFilter):
    kind: ResourceKindCode | None = None


class ProjectListFilter(RegionFilter):
    status: ProjectStatusCode | None = None


class WishNeedOut(Schema):
    id: int
    title: str
    kind: str
    category: str | None
    community: Ref
    resident: str = Field(description="Masked: 王阿姨")
    published_at: dt.datetime | None


class DemandNeedOut(Schema):
    id: int
    title: str
    status: str
    status_label: str
    urgent: bool
    category: str | None
    community: Ref
    created_at: dt.datetime


class NeedsOut(Schema):
    region: Ref
    wishes_count: int
    demands_count: int
    wishes: list[WishNeedOut]
    demands: list[DemandNeedOut]
    surveys: list[TallyOut]


class ResourceListOut(Schema):
    region: Ref
    count: int
    items: list[ResourceOut]


class ProjectListOut(Schema):
    region: Ref
    count: int
    items: list[ProjectOut]


@lists_router.get(
    "/needs", response={200: NeedsOut, **ERROR_RESPONSES}, summary="需求清单: the needs list (staff)"
)
def needs(request, filters: Query[RegionFilter]):
    """Wishes on the wall, open demands, and the tallies of open surveys of the region."""
    user = require_user(request)
    region = region_arg(filters.region)
    n = services.needs_list(user, region)
    return {
        "region": ref(region), "wishes_count": n.wishes.count(), "demands_count": n.demands.count(),
        "wishes": [
            {
                "id": w.pk, "title": w.title, "kind": w.kind, "category": str(w.category) if w.category_id else None,
                "community": ref(w.community), "resident": w.resident.masked_name, "published_at": w.published_at,
            }  # fmt: skip
            for w in n.wishes[: filters.limit]
        ],
        "demands": [
            {
                "id": d.pk, "title": d.title, "status": d.status, "status_label": str(d.get_status_display()),
                "urgent": d.urgent, "category": str(d.category) if d.category_id else None,
                "community": ref(d.community), "created_at": d.created_at,
            }  # fmt: skip
            for d in n.demands[: filters.limit]
        ],
        "surveys": [tally_out(t) for t in n.surveys],
    }  # fmt: skip


@lists_router.get(
    "/resources",
    response={200: ResourceListOut, **ERROR_RESPONSES},
    summary="资源清单: the resource list (staff)",
)
def resources(request, filters: Query[ResourceListFilter]):
    user = require_user(request)
    region = region_arg(filters.region)
    qs = services.resources_list(user, region, kind=filters.kind)
    return {
        "region": ref(region),
        "count": qs.count(),
        "items": [resource_out(r) for r in qs[: filters.limit]],
    }


@lists_router.get(
    "/projects",
    response={200: ProjectListOut, **ERROR_RESPONSES},
    summary="项目清单: the project list (staff)",
)
def projects(request, filters: Query[ProjectListFilter]):
    user = require_user(request)
    region = region_arg(filters.region)
    qs = services.projects_list(user, region, status=filters.status)
    return {
        "region": ref(region), "count": qs.count(),
        "items": [project_out(user, p) for p in services.with_links(qs, user)[: filters.limit]],
    }  # fmt: skip

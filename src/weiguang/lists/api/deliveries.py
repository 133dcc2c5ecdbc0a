"""/api/v1/partners/deliveries and /partners/{id}/record: what the partner units delivered
(the wishes claimed in their name, the projects their resources went into). Mounted beside
the partners app's own /partners router (weiguang/api.py)."""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema
from pydantic import Field

from weiguang.core.api import ERROR_RESPONSES, Id, InSchema, Ref, ref, require_user
from weiguang.partners.api import region_arg, unit_or_404

from .. import services
from ..models import Project

units_router = Router(tags=["partners"])


class ClaimRow(Schema):
    wish: int
    title: str
    community: Ref
    wish_status: str
    wish_status_label: str
    claim_status: str
    promised_date: dt.date
    claimed_at: dt.datetime
    fulfilled_at: dt.datetime | None
    confirmed_at: dt.datetime | None


class ProjectBrief(Schema):
    id: int
    title: str
    status: str
    region: Ref


def _project_brief(p: Project) -> dict:
    return {"id": p.pk, "title": p.title, "status": p.status, "region": ref(p.region)}


class UnitRecordOut(Schema):
    unit: Ref
    claimed: int = Field(description="Wishes ever claimed in the unit's name")
    active: int = Field(description="Claimed, not yet fulfilled")
    fulfilled: int = Field(description="Fulfilled (圆梦), lit or not")
    lit: int = Field(description="Confirmed by the resident (点亮)")
    released: int = Field(description="Released, expired or cancelled claims")
    claims: list[ClaimRow]
    projects: list[ProjectBrief] = Field(description="Projects using the unit's resources")


class DeliveryOut(Schema):
    unit: Ref
    kind: str
    claimed: int
    fulfilled: int
    lit: int
    projects: list[ProjectBrief]


class DeliveriesOut(Schema):
    street: Ref
    units: list[DeliveryOut]


class StreetFilter(InSchema):
    street: Id = Field(description="Region id of the street")


@units_router.get(
    "/deliveries",
    response={200: DeliveriesOut, **ERROR_RESPONSES},
    summary="Who delivered what (street staff)",
)
def deliveries(request, filters: Query[StreetFilter]):
    """Per unit of the street: wishes claimed, fulfilled and lit in its name, and the projects
    its resources went into. Most lit first."""
    user = require_user(request)
    street = region_arg(filters.street, "street")
    rows = services.deliveries(user, street)
    return {
        "street": ref(street),
        "units": [
            {
                "unit": ref(d.unit),
                "kind": d.unit.kind,
                "claimed": d.claimed,
                "fulfilled": d.fulfilled,
                "lit": d.lit,
                "projects": [_project_brief(p) for p in d.projects],
            }  # fmt: skip
            for d in rows
        ],
    }


@units_router.get(
    "/{id:unit_id}/record", response={200: UnitRecordOut, **ERROR_RESPONSES},
    summary="What the unit delivered (staff, its representatives)",
)  # fmt: skip
def unit_record(request, unit_id: Id):
    user = require_user(request)
    record = services.unit_record(unit_or_404(unit_id), user)
    return {
        "unit": ref(record.unit), "claimed": record.claimed, "active": record.active,
        "fulfilled": record.fulfilled, "lit": record.lit, "released": record.released,
        "claims": [
            {
                "wish": c.wish_id, "title": c.wish.title, "community": ref(c.wish.community),
                "wish_status": c.wish.status, "wish_status_label": str(c.wish.get_status_display()),
                "claim_status": c.status, "promised_date": c.promised_date, "claimed_at": c.created_at,
                "fulfilled_at": c.wish.fulfilled_at if c.status == "done" else None,
                "confirmed_at": c.wish.confirmed_at if c.status == "done" else None,
            }  # fmt: skip
            for c in record.claims[:500]
        ],
        "projects": [_project_brief(p) for p in record.projects],
    }  # fmt: skip

"""Resident API (/api/v1/residents): add a resident on the spot (grid workers and staff), and who
saw a resident's record (the region's staff)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Header, Router, Schema
from ninja.responses import Status
from pydantic import Field

from weiguang.core.api import (
    ERROR_RESPONSES,
    IDEMPOTENCY_KEY_PATTERN,
    Id,
    InSchema,
    Ref,
    Text,
    many_of,
    ref,
    referenced,
    require_user,
)
from weiguang.regions.models import Region, RegionKind

from . import services
from .models import PopulationGroup

residents_router = Router(tags=["residents"])


class ResidentIn(InSchema):
    grid_id: Id = Field(description="The grid the resident lives in (one where you may add residents)")
    name: Text = Field(max_length=services.NAME_MAX)
    phone: Text = Field(
        max_length=services.PHONE_TEXT_MAX,
        description="A mainland mobile or landline number; kept as digits without +86. The resident "
        "later claims the record by signing up with it.",
    )
    building: Text = Field("", max_length=services.PLACE_MAX)
    door: Text = Field("", max_length=services.PLACE_MAX)
    group_ids: list[Id] = Field(default_factory=list, max_length=50, description="Population groups")
    gender: Literal["", "F", "M"] = ""
    consent: bool = Field(description="The resident agreed that their data is kept here: must be true")


class ResidentOut(Schema):
    id: int
    name: str
    phone: str = Field(description="As stored: digits only, without +86")
    grid: Ref
    building: str
    door: str
    groups: list[Ref]
    consent: bool
    created_at: dt.datetime


@residents_router.post(
    "",
    response={200: ResidentOut, 201: ResidentOut, **ERROR_RESPONSES},
    summary="Add a resident on the spot (grid workers of the grid, its community's staff, the street admin)",
)
def add_resident(
    request,
    data: ResidentIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", pattern=IDEMPOTENCY_KEY_PATTERN),
):
    """For a resident the search did not find, before recording a wish or a demand for them
    (`resident_id`). A resident of the same street with that phone is refused with 409
    `duplicate_resident` and `duplicate_of` (that record's id): use it instead. A retry with the
    same `Idempotency-Key` returns the resident already added (200)."""
    user = require_user(request)
    grids = Region.objects.filter(kind=RegionKind.GRID)
    grid = referenced(grids, data.grid_id, "grid_id", _("There is no such grid."))
    groups = many_of(
        PopulationGroup.objects, data.group_ids, "group_ids", _("There is no such population group.")
    )
    resident, created = services.add_resident(
        user, grid=grid, name=data.name, phone=data.phone, building=data.building, door=data.door,
        groups=groups, consent=data.consent, gender=data.gender, idempotency_key=idempotency_key,
        channel="api",
    )  # fmt: skip
    body = {
        "id": resident.pk, "name": resident.name, "phone": resident.phone, "grid": ref(resident.grid),
        "building": resident.building, "door": resident.door, "consent": resident.consent,
        "groups": [ref(g) for g in resident.groups.all()], "created_at": resident.created_at,
    }  # fmt: skip
    return Status(201 if created else 200, body)


class ViewerOut(Schema):
    id: int
    name: str
    username: str


class RecordViewOut(Schema):
    at: dt.datetime
    viewer: ViewerOut | None = Field(description="Who saw it (null: the system)")
    via: Literal["record", "wish", "demand", "admin"] = Field(
        description="What showed the record or contact (admin: the Django admin site)"
    )
    ref: int | None = Field(description="The wish or demand that showed it")
    channel: Literal["page", "api"]


@residents_router.get(
    "/{id:resident_id}/views",
    response={200: list[RecordViewOut], **ERROR_RESPONSES},
    summary="Who saw a resident's full record or contact, and when (staff of the region)",
)
def record_views(request, resident_id: int):
    """Newest first, at most 500. Every page or API answer that showed the resident's full
    record or contact to someone other than the resident is one entry."""
    user = require_user(request)
    resident = services.resident_with_view_log(user, resident_id)
    rows = []
    for e in services.record_views(resident)[:500]:
        data = e.data or {}
        viewer = None
        if e.actor is not None:
            viewer = {"id": e.actor.pk, "name": e.actor.get_full_name(), "username": e.actor.get_username()}
        via = data.get("via") if data.get("via") in ("record", "wish", "demand", "admin") else "record"
        ref = data.get("ref") if isinstance(data.get("ref"), int) else None
        channel = "api" if data.get("channel") == "api" else "page"
        rows.append({"at": e.created_at, "viewer": viewer, "via": via, "ref": ref, "channel": channel})
    return rows

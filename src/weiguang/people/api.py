"""Resident API (/api/v1/residents): who saw a resident's record, for the region's staff."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Router, Schema
from pydantic import Field

from weiguang.core.api import ERROR_RESPONSES, require_user

from . import services

residents_router = Router(tags=["residents"])


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

"""GET/PATCH /api/v1/me: who I am (core.api.me_body), my profile and where I live."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field

from weiguang.core.api import (
    ERROR_RESPONSES,
    Id,
    InSchema,
    MeOut,
    Ref,
    Text,
    me_body,
    ref,
    referenced,
    require_user,
)
from weiguang.core.errors import ServiceError
from weiguang.core.privacy import mask_phone
from weiguang.regions.models import Building, Region, RegionKind

from .. import personal_data, residence
from ..models import ResidenceRequest

me_router = Router(tags=["me"])


class ResidenceOut(Schema):
    id: int
    status: Literal["pending", "confirmed", "rejected", "withdrawn"]
    status_label: str
    community: Ref | None
    grid: Ref
    building: Ref
    door: str
    reason: str = Field(description="Why staff rejected it (empty otherwise)")
    sent_at: dt.datetime
    decided_at: dt.datetime | None


class ProfileOut(MeOut):
    phone: str | None = Field(description="The account's mobile number, masked (138****5678)")
    confirmed: bool = Field(description="Linked to a resident record by community staff")
    unconfirmed: bool = Field(
        description="Waiting for staff to confirm where I live: may send demands, not wishes yet"
    )
    may_post_wish: bool
    residence: ResidenceOut | None = Field(description="My latest residence request, whatever its status")


class ResidenceIn(InSchema):
    grid_id: Id
    building_id: Id = Field(description="A building of the grid (GET /regions?parent=<grid_id>)")
    door: Text = Field(min_length=1, max_length=residence.DOOR_MAX)


class MePatch(InSchema):
    name: Text | None = Field(
        None, min_length=1, max_length=50,
        description="My name: the account's and my resident record's (as POST /me/data/name)",
    )  # fmt: skip
    residence: ResidenceIn | None = Field(None, description="Say where I live: a new pending request")


def residence_out(req: ResidenceRequest | None) -> dict | None:
    if req is None:
        return None
    community = req.grid.parent if req.grid.parent_id else None
    return {
        "id": req.pk, "status": req.status, "status_label": req.get_status_display(),
        "community": ref(community) if community else None, "grid": ref(req.grid),
        "building": ref(req.building), "door": req.door, "reason": req.reason,
        "sent_at": req.created_at, "decided_at": req.decided_at,
    }  # fmt: skip


def profile(user) -> dict:
    found = residence.standing(user)
    phone = residence.phone_of(user)
    return {
        **me_body(user),
        "phone": mask_phone(phone) if phone else None,
        "confirmed": found.confirmed,
        "unconfirmed": found.unconfirmed,
        "may_post_wish": found.may_post_wish,
        "residence": residence_out(residence.latest_request(user)),
    }


@me_router.get(
    "", response={200: ProfileOut, **ERROR_RESPONSES}, summary="Who am I: roles, profile and where I live"
)
def me(request):
    return profile(require_user(request))


@me_router.patch(
    "", response={200: ProfileOut, **ERROR_RESPONSES}, summary="Change my name, or say where I live"
)
def update_me(request, data: MePatch):
    """`residence` sends a new request to the community's staff (a pending one is replaced);
    once confirmed, an address changes only through staff (409 already_confirmed)."""
    user = require_user(request)
    with transaction.atomic():
        if data.name is not None:
            personal_data.rename_self(user, data.name)
        if data.residence is not None:
            grid = referenced(
                Region.objects.filter(kind=RegionKind.GRID), data.residence.grid_id, "residence.grid_id",
                _("There is no such grid."),
            )  # fmt: skip
            building = referenced(
                Building.objects.filter(grid=grid), data.residence.building_id, "residence.building_id",
                _("Choose a building of this grid."),
            )  # fmt: skip
            try:
                residence.request_residence(user, grid=grid, building=building, door=data.residence.door)
            except ServiceError as err:  # name the fields as the body does
                err.fields = {f"residence.{k}": v for k, v in err.fields.items()}
                raise
    return profile(user)

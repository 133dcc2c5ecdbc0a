"""Residence requests for staff (/api/v1/residence_requests): the pending requests of their
communities, and the steps (confirm, reject; withdraw for the person) from RESIDENCE_ACTIONS."""

from __future__ import annotations

from ninja import Query, Router, Schema
from pydantic import Field

from weiguang.core.actions import register_api_actions
from weiguang.core.api import ERROR_RESPONSES, Page, Ref, ref, require_user
from weiguang.core.filters import FilterSchema

from .. import residence
from ..residence_actions import RESIDENCE_ACTIONS
from .me import ResidenceOut, residence_out

residence_router = Router(tags=["residence"])


class MatchOut(Schema):
    id: int
    name: str
    grid: Ref
    building: str
    door: str


class ResidentOfRequestOut(Schema):
    id: int
    name: str
    phone: str = Field(
        description="Whole for staff who may decide the request (they match by it), else masked"
    )


class PendingOut(ResidenceOut):
    person: ResidentOfRequestOut
    matches: list[MatchOut] = Field(
        description="Resident records of that community with the person's phone and no account: confirm with one of them"
    )


class PendingFilters(FilterSchema):
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


class PendingPage(Page):
    items: list[PendingOut]


def _pending_out(user, req, matches) -> dict:
    return {
        **residence_out(req),
        "person": {
            "id": req.user_id,
            "name": req.user.get_full_name() or req.user.get_username(),
            "phone": residence.shown_phone(req, user),
        },
        "matches": [
            {"id": r.pk, "name": r.name, "grid": ref(r.grid), "building": r.building, "door": r.door}
            for r in matches.get(req.pk, [])
        ],
    }


@residence_router.get(
    "",
    response={200: PendingPage, **ERROR_RESPONSES},
    summary="Pending residence requests of my communities (staff)",
)
def pending(request, filters: Query[PendingFilters]):
    """Oldest first: the requests the caller may confirm (community staff, the street admin)."""
    user = require_user(request)
    qs = residence.pending_for(user)
    rows = list(Page.window(qs, filters))
    matches = residence.matches_of(rows)
    return Page.body(filters, qs.count(), [_pending_out(user, r, matches) for r in rows])


def _load(user, pk: int):
    return residence.request_or_404(pk)


register_api_actions(
    residence_router, RESIDENCE_ACTIONS, path="/{id:residence_request_id}", load=_load,
    render=lambda user, req: residence_out(req), response={200: ResidenceOut, **ERROR_RESPONSES},
    module=__name__,
)  # fmt: skip

"""Request and response shapes of the micro-wish API (and how a wish is rendered into them).

Every rendering here is privacy-aware: the resident appears as `masked_name` only; the
`contact` block (full name, phone, address) is filled only for users who may see it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import Field

from weiguang.core.api import Id, InSchema, Text

from .filters import KindCode, WishFilter
from .models import Channel, Wish, WishStatus
from .services import REASON_MAX, TEXT_MAX, TITLE_MAX

ChannelCode = Literal[tuple(Channel.values)]  # type: ignore[valid-type]
ScopeCode = Literal["public", "region", "mine"]


# --- requests ----------------------------------------------------------------------------


class WishFilters(WishFilter):  # the shared filters (filters.py), which wishes, and the page
    scope: ScopeCode = Field(
        "public",
        description="public: wishes on the wall (anyone); region: every wish of the regions where you "
        "review or record wishes (staff, grid workers); mine: your own wishes and your claims.",
    )
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=1_000_000)


class WishIn(InSchema):
    kind: KindCode
    title: Text = Field(max_length=TITLE_MAX, description="2 to 60 characters")
    description: Text = Field("", max_length=TEXT_MAX)
    category: Id | None = Field(None, description="Category id; suggested from the text when omitted")
    value: Decimal | None = Field(None, max_digits=10, decimal_places=2, description="Items only, in yuan")
    resident_id: Id | None = Field(
        None, description="Record the wish for this resident (staff, grid workers)"
    )
    channel: ChannelCode | None = Field(None, description="Intake channel when recording for a resident")
    confirm_duplicate: bool = Field(False, description="Post even if a very similar wish exists")


class NoteIn(InSchema):
    note: Text = Field("", max_length=REASON_MAX)


class RejectIn(InSchema):
    reason: Text = Field(max_length=REASON_MAX)


class ClaimIn(InSchema):
    promised_date: dt.date | None = Field(None, description="Default: in 7 days")
    partner_id: Id | None = Field(None, description="Claim for a partner unit you represent")


class OptionalReasonIn(InSchema):
    reason: Text = Field("", max_length=REASON_MAX)


class FulfilIn(InSchema):
    note: Text = Field(max_length=TEXT_MAX, description="What was done")
    hours: Decimal | None = Field(None, description="Hours spent (0 < hours ≤ 24); they count once verified")


class ConfirmIn(InSchema):
    thanks: Text = Field("", max_length=REASON_MAX)
    rating: int | None = Field(None, description="1 to 5 stars")


# --- responses ---------------------------------------------------------------------------


class Ref(Schema):
    id: int
    name: str


class ClaimOut(Schema):
    claimer: str = Field(description="The unit's name, or the volunteer's masked name")
    by_unit: bool
    promised_date: dt.date
    status: str


class PhotoOut(Schema):
    url: str
    stage: str


class ContactOut(Schema):
    name: str
    phone: str
    address: str


class WishOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    description: str
    category: Ref | None
    value: Decimal | None
    channel: str
    status: str
    status_label: str
    resident: str = Field(description="Masked name, e.g. 张阿姨")
    community: Ref
    street: Ref
    created_at: dt.datetime
    published_at: dt.datetime | None
    fulfilled_at: dt.datetime | None
    confirmed_at: dt.datetime | None
    claim: ClaimOut | None
    thanks: str
    rating: int | None
    url: str


class WishDetailOut(WishOut):
    fulfil_note: str
    reject_reason: str
    photos: list[PhotoOut]
    contact: ContactOut | None = Field(
        description="Only for the resident, the claimer and staff of the region"
    )
    demand: int | None = Field(
        None, description="The demand this wish was turned into (staff and the resident only)"
    )
    actions: list[str] = Field(description="Actions you may take now")


class WishPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[WishOut]


# --- rendering ---------------------------------------------------------------------------


def _claim_of(wish: Wish):
    live = getattr(wish, "live_claims", None)
    if live is not None:
        return live[0] if live else None
    return wish.current_claim


def wish_summary(wish: Wish) -> dict:
    claim = _claim_of(wish)
    return {
        "id": wish.pk,
        "kind": wish.kind,
        "kind_label": str(wish.get_kind_display()),
        "title": wish.title,
        "description": wish.description,
        "category": {"id": wish.category_id, "name": wish.category.name} if wish.category_id else None,
        "value": wish.value,
        "channel": wish.channel,
        "status": wish.status,
        "status_label": str(wish.get_status_display()),
        "resident": wish.resident.masked_name,
        "community": {"id": wish.community_id, "name": wish.community.name},
        "street": {"id": wish.street_id, "name": wish.street.name},
        "created_at": wish.created_at,
        "published_at": wish.published_at,
        "fulfilled_at": wish.fulfilled_at,
        "confirmed_at": wish.confirmed_at,
        "claim": {
            "claimer": claim.claimer_label,
            "by_unit": bool(claim.partner_id),
            "promised_date": claim.promised_date,
            "status": claim.status,
        }
        if claim
        else None,
        "thanks": wish.thanks,
        "rating": wish.rating,
        "url": f"/wishes/{wish.pk}/",
    }


def wish_detail(wish: Wish, *, contact: bool, actions: list[str]) -> dict:
    data = wish_summary(wish)
    resident = wish.resident
    data.update(
        fulfil_note=wish.fulfil_note,
        reject_reason=wish.reject_reason,
        photos=[{"url": p.image.url, "stage": p.stage} for p in wish.photos.all()],
        contact={"name": resident.name, "phone": resident.phone, "address": resident.address}
        if contact
        else None,
        demand=_demand_id(wish) if contact else None,
        actions=actions,
    )
    return data


def _demand_id(wish: Wish) -> int | None:
    if wish.status != WishStatus.CONVERTED:
        return None
    # The reverse side of demands' Demand.source_wish: demands provides it, wishes imports nothing.
    demand = getattr(wish, "demand", None)
    return demand.pk if demand is not None else None

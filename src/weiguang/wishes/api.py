"""Micro-wish API (/api/v1/wishes): thin — parse, call a service, render.

Anonymous visitors may list and read wishes on the wall (masked). Everything else needs a
bearer token or a session; who may do what is decided by the services and regions.access.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Header, Query, Router
from ninja.responses import Status

from weiguang.core.actions import register_api_actions
from weiguang.core.api import (
    ERROR_RESPONSES,
    IDEMPOTENCY_KEY_PATTERN,
    OPTIONAL_AUTH_OPENAPI,
    THROTTLED,
    Id,
    Page,
    current_user,
    optional_auth,
    require_user,
)
from weiguang.core.errors import InvalidInput, NotAllowed
from weiguang.core.schemas import HistoryEntryOut, history_rows
from weiguang.people.services import resident_for, view_resident_record
from weiguang.regions import access

from . import services
from .actions import WISH_ACTIONS
from .models import PUBLIC_STATUSES, WISH_TRANSITIONS, Claim, Wish, WishCategory
from .schemas import (
    WishDetailOut,
    WishFilters,
    WishIn,
    WishPage,
    wish_detail,
    wish_summary,
)

router = Router(tags=["wishes"])

WISH_OUT = {200: WishDetailOut, **ERROR_RESPONSES}


# --- helpers -----------------------------------------------------------------------------


def _base_queryset():
    live = Claim.objects.filter(status__in=Claim.LIVE_STATUSES).select_related("claimer", "partner")
    return Wish.objects.select_related(
        "resident", "resident__grid", "category", "community", "street"
    ).prefetch_related(Prefetch("claims", queryset=live, to_attr="live_claims"))


def _get_wish(wish_id: int) -> Wish:
    return get_object_or_404(_base_queryset(), pk=wish_id)


def _visible_wish(user, wish_id: int, action: str | None = None, denied=None) -> Wish:
    """A wish the user may read (and `action`); one they may not even know about is 'not found'."""
    return access.get_for_user(
        _base_queryset(), user, action, see=services.may_view, denied=denied, pk=wish_id
    )


def _render(user, wish: Wish) -> dict:
    wish = _get_wish(wish.pk)  # fresh, with its relations, after a transition
    actions = [t.name for t in WISH_TRANSITIONS.available(wish, user)]
    contact = services.can_see_contact(user, wish)
    if contact:  # the contact is shown: audited (PIPL)
        view_resident_record(wish.resident, user, via="wish", ref=wish.pk, channel="api")
    return wish_detail(wish, contact=contact, actions=actions)


# --- list and create ---------------------------------------------------------------------


@router.get(
    "",
    auth=optional_auth,
    openapi_extra=OPTIONAL_AUTH_OPENAPI,
    response={200: WishPage, **ERROR_RESPONSES},
    summary="List wishes",
)
def list_wishes(request, filters: Query[WishFilters]):
    """`scope=public` (default, anyone): wishes on the wall, newest first, names masked.
    `scope=region`: every wish, in any state, of the regions where you review or record
    wishes. `scope=mine`: wishes you posted and wishes you (or your unit) claimed."""
    user = current_user(request)
    if filters.scope == "public":
        qs = _base_queryset().filter(status__in=PUBLIC_STATUSES).order_by("-published_at", "-id")
    else:
        user = require_user(request)
        if filters.scope == "region":
            if not access.can(user, "wish.list_region"):
                raise NotAllowed(_("Only staff and grid workers can list the wishes of a region."))
            qs = services.region_wishes(user)
        else:
            mine = Wish.objects.filter(Wish.relation_q(user, {access.OWNER, access.CLAIMER}))
            qs = mine.restrict(user, "wish.view_private")
        qs = (
            qs.select_related("resident", "resident__grid", "category", "community", "street")
            .prefetch_related(
                Prefetch(
                    "claims",
                    queryset=Claim.objects.filter(status__in=Claim.LIVE_STATUSES).select_related(
                        "claimer", "partner"
                    ),
                    to_attr="live_claims",
                )
            )
            .order_by("-created_at", "-id")
        )
    qs = filters.apply(qs)
    total = qs.count()
    return Page.body(filters, total, [wish_summary(w) for w in Page.window(qs, filters)])


@router.post(
    "",
    response={200: WishDetailOut, 201: WishDetailOut, **ERROR_RESPONSES, **THROTTLED},
    summary="Post a wish (yourself, or for a resident)",
)
def create_wish(
    request,
    data: WishIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", pattern=IDEMPOTENCY_KEY_PATTERN),
):
    """Send an `Idempotency-Key` header (any unique string per intended wish): a retry with the
    same key returns the wish already created (200) instead of a second one. A near-identical
    wish by the same resident within 30 days is refused with 409 `possible_duplicate` and
    `duplicate_of`; send `confirm_duplicate: true` to post it anyway."""
    user = require_user(request)
    category = None
    if data.category is not None:
        category = WishCategory.objects.filter(pk=data.category, active=True).first()
        if category is None:
            raise InvalidInput(
                _("There is no such category."), fields={"category": _("There is no such category.")}
            )
    resident = resident_for(user, data.resident_id) if data.resident_id is not None else None
    wish, created = services.submit_wish(
        user,
        kind=data.kind,
        title=data.title,
        description=data.description,
        category=category,
        value=data.value,
        resident=resident,
        channel=data.channel,
        idempotency_key=idempotency_key,
        confirm_duplicate=data.confirm_duplicate,
    )
    return Status(201 if created else 200, _render(user, wish))


# --- one wish ----------------------------------------------------------------------------


@router.get(
    "/{id:wish_id}",
    auth=optional_auth,
    openapi_extra=OPTIONAL_AUTH_OPENAPI,
    response=WISH_OUT,
    summary="One wish",
)
def get_wish(request, wish_id: Id):
    """Contact details (`contact`) are filled in only for the resident, the claimer and staff
    of the wish's region; a wish not on the wall is 'not found' to everyone else."""
    user = current_user(request)
    return _render(user, _visible_wish(user, wish_id))


@router.get(
    "/{id:wish_id}/history",
    response={200: list[HistoryEntryOut], **ERROR_RESPONSES},
    by_alias=True,
    summary="What happened to a wish",
)
def wish_history(request, wish_id: Id):
    """For the resident, the claimer and staff of the region."""
    user = require_user(request)
    denied = NotAllowed(_("Only the resident, the claimer and staff of the region can see the history."))
    wish = _visible_wish(user, wish_id, "wish.view_private", denied)
    return history_rows(wish, _("Posted"))


# --- transitions: one endpoint per row of the actions table ------------------------------

register_api_actions(
    router,
    WISH_ACTIONS,
    path="/{id:wish_id}",
    load=lambda user, wish_id: _get_wish(wish_id),
    render=_render,
    response=WISH_OUT,
    module=__name__,
)

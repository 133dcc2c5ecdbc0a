"""Recommended claimers, invitations and bulk assignment through the API: thin — parse, call a
service (matching.recommend, matching.assignment), render.

- GET  /wishes/{id}/candidates?limit=   the best claimers for a wish, with reasons (staff)
- GET  /demands/{id}/candidates?limit=  the same for a demand (staff)
- POST /wishes/{id}/invite              invite a volunteer or a unit (staff)
- GET  /invitations                     my invitations (or a wish's, for staff: ?wish_id=)
- POST /invitations/{id}/accept|decline the invitee answers; accepting claims the wish
- POST /assignments/propose             the optimal assignment of wishes to claimers (staff)
- POST /assignments/confirm             invitations for the reviewed pairs, in one step (staff)
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from weiguang.core.api import (
    ERROR_RESPONSES,
    Id,
    InSchema,
    Page,
    Ref,
    Text,
    invalid,
    ref,
    referenced,
    require_user,
)
from weiguang.partners.models import PartnerUnit
from weiguang.regions import access
from weiguang.wishes import services as wish_services
from weiguang.wishes.models import Wish

from . import assignment, invitations, recommend, scoring
from .assignment import ClaimerRef
from .models import INVITATION_TRANSITIONS, Invitation, InvitationStatus

wish_candidates_router = Router(tags=["recommended claimers"])
demand_candidates_router = Router(tags=["recommended claimers"])
invitations_router = Router(tags=["recommended claimers"])
assignments_router = Router(tags=["recommended claimers"])


# --- schemas -------------------------------------------------------------------------------


class ReasonOut(Schema):
    code: str = Field(
        description="skill, resource, grid, community, street, free, no_time, busy, idle, record, new"
    )
    text: str


class ComponentsOut(Schema):
    match: float
    closeness: float
    availability: float
    load: float
    record: float


class CandidateOut(Schema):
    kind: Literal["volunteer", "unit"]
    user_id: int = Field(description="Who would be invited: the volunteer, or the unit's representative")
    partner_id: int | None
    volunteer_id: int | None
    name: str
    score: float = Field(description="0 to 1: the weighted sum of the components")
    components: ComponentsOut
    reasons: list[ReasonOut]
    invited: bool = Field(description="An invitation to this candidate is waiting for an answer")


class CandidatesOut(Schema):
    wish_id: int | None
    demand_id: int | None = None
    weights: ComponentsOut
    items: list[CandidateOut]


class CandidateFilters(InSchema):
    limit: int = Field(10, ge=1, le=recommend.MAX_LIMIT)


class InviteIn(InSchema):
    user_id: Id | None = Field(None, description="A volunteer (or, with partner_id, which representative)")
    partner_id: Id | None = Field(None, description="A partner unit")
    note: Text = Field("", max_length=300)


class WishRef(Schema):
    id: int
    title: str
    community: str
    status: str


class InvitationOut(Schema):
    id: int
    wish: WishRef
    invitee_id: int
    invitee: str = Field(description="The unit's name, or the volunteer's masked name")
    partner: Ref | None
    status: str
    score: float | None
    note: str
    decline_reason: str
    claim_id: int | None
    created_at: dt.datetime
    decided_at: dt.datetime | None
    actions: list[str]


class InvitationFilters(InSchema):
    status: Literal[tuple(InvitationStatus.values)] | None = None  # type: ignore[valid-type]
    wish_id: Id | None = Field(None, description="Staff: every invitation of this wish")
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=1_000_000)


class InvitationPage(Page):
    items: list[InvitationOut]


class AcceptIn(InSchema):
    promised_date: dt.date | None = Field(None, description="Default: in the usual number of days")


class DeclineIn(InSchema):
    reason: Text = Field("", max_length=300)


class ClaimerIn(InSchema):
    user_id: Id | None = Field(None, description="A volunteer's user id")
    partner_id: Id | None = Field(None, description="A partner unit")
    capacity: int = Field(1, ge=1, le=assignment.MAX_CAPACITY)


class ProposeIn(InSchema):
    wish_ids: list[Id] = Field(min_length=1, max_length=2000)
    claimers: list[ClaimerIn] = Field(min_length=1, max_length=2000)


class PairOut(Schema):
    wish_id: int
    user_id: int | None
    partner_id: int | None
    invitee_id: int
    score: float
    components: ComponentsOut
    reasons: list[ReasonOut]


class ProposalOut(Schema):
    total: float = Field(description="The greatest total score any assignment reaches")
    pairs: list[PairOut]
    unassigned: list[int] = Field(description="Wishes no listed claimer fits, or all that fit are full")
    skipped: list[int] = Field(description="Wishes no longer on the wall")


class PairIn(InSchema):
    wish_id: Id
    user_id: Id | None = None
    partner_id: Id | None = None


class PlanConfirmIn(InSchema):
    pairs: list[PairIn] = Field(min_length=1, max_length=2000)


class ConfirmOut(Schema):
    invitations: list[InvitationOut]


# --- helpers -------------------------------------------------------------------------------


def _reasons(reasons: list[scoring.Reason]) -> list[dict]:
    return [{"code": r.code, "text": r.text} for r in reasons]


def _candidates_out(found: list[recommend.Candidate]) -> list[dict]:
    return [
        {
            "kind": c.kind,
            "user_id": c.user_id,
            "partner_id": c.partner_id,
            "volunteer_id": c.volunteer_id,
            "name": c.name,
            "score": c.score,
            "components": c.components,
            "reasons": _reasons(c.reasons),
            "invited": c.invited,
        }  # fmt: skip
        for c in found
    ]


def _visible_wish(user, wish_id: int) -> Wish:
    """A wish the user may read; one they may not even know about is 'not found'."""
    wishes = Wish.objects.select_related("grid", "community", "street", "category", "resident")
    return access.get_for_user(wishes, user, see=_may_see_wish, pk=wish_id)


def _may_see_wish(user, wish: Wish) -> bool:
    return wish_services.may_view(user, wish) or access.can(user, "claimers.recommend", wish)


def _invitation_out(user, inv: Invitation) -> dict:
    return {
        "id": inv.pk,
        "wish": {
            "id": inv.wish_id, "title": inv.wish.title, "community": inv.wish.community.name,
            "status": inv.wish.status,
        },
        "invitee_id": inv.invitee_id,
        "invitee": invitations.invitee_label(inv),
        "partner": ref(inv.partner) if inv.partner_id else None,
        "status": inv.status, "score": inv.score, "note": inv.note, "decline_reason": inv.decline_reason,
        "claim_id": inv.claim_id, "created_at": inv.created_at, "decided_at": inv.decided_at,
        "actions": [t.name for t in INVITATION_TRANSITIONS.available(inv, user)],
    }  # fmt: skip


_INVITATION_QS = Invitation.objects.select_related(
    "wish", "wish__community", "wish__grid", "partner", "invitee"
)


def _invitation(user, invitation_id: int) -> Invitation:
    return access.get_for_user(_INVITATION_QS, user, see="invitation.view", pk=invitation_id)


def _claimer(user_id: int | None, partner_id: int | None, field: str) -> ClaimerRef:
    if (user_id is None) == (partner_id is None):
        raise invalid(field, _("Give either user_id or partner_id."))
    return ClaimerRef(user_id=user_id, partner_id=partner_id)


# --- candidates and invitations --------------------------------------------------------------


@wish_candidates_router.get(
    "/{id:wish_id}/candidates",
    response={200: CandidatesOut, **ERROR_RESPONSES},
    summary="Recommended claimers for a wish (staff of its region)",
)
def wish_candidates(request, wish_id: Id, filters: Query[CandidateFilters]):
    """Approved volunteers of the wish's street and partner units serving its grid, who may
    claim it, best first. Score = 0.35·match + 0.20·closeness + 0.15·availability + 0.15·load
    + 0.15·record (each 0–1); `reasons` say why in words."""
    user = require_user(request)
    wish = _visible_wish(user, wish_id)
    found = recommend.candidates(wish, user, limit=filters.limit)
    return {"wish_id": wish.pk, "weights": scoring.WEIGHTS, "items": _candidates_out(found)}


@demand_candidates_router.get(
    "/{id:demand_id}/candidates",
    response={200: CandidatesOut, **ERROR_RESPONSES},
    summary="Recommended helpers for a demand (staff of its region)",
)
def demand_candidates(request, demand_id: Id, filters: Query[CandidateFilters]):
    """As for a wish; a demand takes service or people resources of units."""
    from weiguang.demands.models import Demand

    user = require_user(request)
    demands = Demand.objects.select_related("grid", "community", "street", "category")
    demand = access.get_for_user(demands, user, see=("demand.view", "claimers.recommend"), pk=demand_id)
    found = recommend.candidates(demand, user, limit=filters.limit)
    return {
        "wish_id": None,
        "demand_id": demand.pk,
        "weights": scoring.WEIGHTS,
        "items": _candidates_out(found),
    }


@wish_candidates_router.post(
    "/{id:wish_id}/invite",
    response={201: InvitationOut, **ERROR_RESPONSES},
    summary="Invite a volunteer or a partner unit to claim a wish (staff)",
)
def invite(request, wish_id: Id, data: InviteIn):
    """Send `user_id` (a volunteer) or `partner_id` (a unit; with `user_id` to name which of its
    representatives). The invitee is notified; inviting the same person again returns the
    waiting invitation."""
    user = require_user(request)
    wish = _visible_wish(user, wish_id)
    if data.user_id is None and data.partner_id is None:
        raise invalid("user_id", _("Give either user_id or partner_id."))
    partner = referenced(PartnerUnit.objects, data.partner_id, "partner_id", _("There is no such unit."))
    invitee = referenced(get_user_model().objects, data.user_id, "user_id", _("There is no such user."))
    inv = invitations.invite(wish, user, user=invitee, partner=partner, note=data.note)
    return Status(201, _invitation_out(user, _invitation(user, inv.pk)))


@invitations_router.get("", response={200: InvitationPage, **ERROR_RESPONSES}, summary="My invitations")
def list_invitations(request, filters: Query[InvitationFilters]):
    """Invitations to you or to a unit you represent, newest first. Staff: `wish_id` lists every
    invitation of a wish of their region."""
    user = require_user(request)
    if filters.wish_id is not None:
        qs = invitations.wish_invitations(_visible_wish(user, filters.wish_id), user)
    else:
        qs = invitations.my_invitations(user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    qs = qs.select_related("wish__grid").order_by("-created_at", "-id")
    page = list(Page.window(qs, filters))
    return Page.body(filters, qs.count(), [_invitation_out(user, inv) for inv in page])


@invitations_router.post(
    "/{id:invitation_id}/accept",
    response={200: InvitationOut, **ERROR_RESPONSES},
    summary="Accept an invitation: claims the wish (the invitee)",
)
def accept(request, invitation_id: Id, data: AcceptIn | None = None):
    """409 `wish_taken` when someone else claimed the wish first (the invitation then expires)."""
    user = require_user(request)
    data = data or AcceptIn()
    inv = invitations.accept_invitation(
        _invitation(user, invitation_id), user, promised_date=data.promised_date
    )
    return _invitation_out(user, _invitation(user, inv.pk))


@invitations_router.post(
    "/{id:invitation_id}/decline",
    response={200: InvitationOut, **ERROR_RESPONSES},
    summary="Decline an invitation (the invitee)",
)
def decline(request, invitation_id: Id, data: DeclineIn | None = None):
    user = require_user(request)
    data = data or DeclineIn()
    inv = invitations.decline_invitation(_invitation(user, invitation_id), user, reason=data.reason)
    return _invitation_out(user, _invitation(user, inv.pk))


# --- bulk assignment -------------------------------------------------------------------------


@assignments_router.post(
    "/propose",
    response={200: ProposalOut, **ERROR_RESPONSES},
    summary="Propose the best assignment of wishes to claimers (staff)",
)
def propose(request, data: ProposeIn):
    """The assignment with the greatest total score (exact, not greedy): each wish to at most
    one claimer, each claimer at most `capacity` wishes, never a pair that does not fit.
    Nothing is saved; review it and send the pairs to /assignments/confirm."""
    user = require_user(request)
    known = set(Wish.objects.filter(pk__in=data.wish_ids).values_list("pk", flat=True))
    missing = [wid for wid in data.wish_ids if wid not in known]
    if missing:
        raise invalid(
            "wish_ids", _("There is no such wish: %(ids)s.") % {"ids": ", ".join(map(str, missing))}
        )
    claimers = [
        (_claimer(c.user_id, c.partner_id, f"claimers.{k}"), c.capacity) for k, c in enumerate(data.claimers)
    ]
    proposal = assignment.propose(data.wish_ids, claimers, by=user)
    return {
        "total": proposal.total,
        "pairs": [
            {
                "wish_id": p.wish_id,
                "user_id": p.claimer.user_id,
                "partner_id": p.claimer.partner_id,
                "invitee_id": p.invitee_id,
                "score": p.score,
                "components": p.components,
                "reasons": _reasons(p.reasons),
            }  # fmt: skip
            for p in proposal.pairs
        ],
        "unassigned": proposal.unassigned,
        "skipped": proposal.skipped,
    }


@assignments_router.post(
    "/confirm",
    response={201: ConfirmOut, **ERROR_RESPONSES},
    summary="Confirm a reviewed assignment: one invitation per pair, all at once (staff)",
)
def confirm(request, data: PlanConfirmIn):
    """All pairs or none: 409 `not_published` when a wish left the wall meanwhile (propose
    again), 422 when a wish is named twice or a claimer does not fit a wish."""
    user = require_user(request)
    pairs = [(p.wish_id, _claimer(p.user_id, p.partner_id, f"pairs.{k}")) for k, p in enumerate(data.pairs)]
    sent = assignment.confirm(pairs, user)
    fresh = {inv.pk: inv for inv in _INVITATION_QS.filter(pk__in=[i.pk for i in sent])}
    return Status(201, {"invitations": [_invitation_out(user, fresh[i.pk]) for i in sent]})

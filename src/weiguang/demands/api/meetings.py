"""Desk intake sessions and deliberation meetings."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router
from ninja.responses import Status

from weiguang.core.api import ERROR_RESPONSES, Id, invalid, ref, referenced, require_user
from weiguang.regions.models import Region

from .. import stats
from ..models import (
    Deliberation,
    Demand,
    IntakeSession,
)
from ..services import deliberations, intake
from .schemas import (
    DecisionIn,
    MeetingIn,
    MeetingOut,
    SessionIn,
    SessionOut,
)

router = Router(tags=["demands"])


# --- desk sessions and deliberation meetings ---------------------------------------------


def _session_out(session: IntakeSession, summary: stats.SessionSummary | None = None) -> dict:
    summary = summary or stats.session_summary(session)
    return {
        "id": session.pk, "community": ref(session.community), "kind": session.kind,
        "title": session.title, "date": session.date, **summary.__dict__,
    }  # fmt: skip


@router.get(
    "/sessions", response={200: list[SessionOut], **ERROR_RESPONSES}, summary="Desk sessions and fairs"
)
def list_sessions(request, community: Id | None = None):
    user = require_user(request)
    qs = IntakeSession.objects.select_related("community").restrict(user, "demand.list_region")
    if community is not None:
        qs = qs.filter(community_id=community)
    sessions = list(qs[:100])
    summaries = stats.session_summaries(sessions)
    return [_session_out(s, summaries[s.pk]) for s in sessions]


@router.post(
    "/sessions", response={201: SessionOut, **ERROR_RESPONSES}, summary="Open a desk session (staff)"
)
def create_session(request, data: SessionIn):
    user = require_user(request)
    community = referenced(Region.objects, data.community, "community", _("There is no such community."))
    return Status(201, _session_out(intake.open_session(user, community=community, kind=data.kind,
                                                          title=data.title, date=data.date)))  # fmt: skip


@router.get(
    "/sessions/{id:session_id}",
    response={200: SessionOut, **ERROR_RESPONSES},
    summary="A session and its summary",
)
def get_session(request, session_id: Id):
    user = require_user(request)
    qs = IntakeSession.objects.select_related("community").restrict(user, "demand.list_region")
    return _session_out(get_object_or_404(qs, pk=session_id))


def _meeting_out(m: Deliberation) -> dict:
    return {
        "id": m.pk, "region": ref(m.region), "title": m.title, "held_at": m.held_at, "place": m.place,
        "attendees": m.attendees, "status": m.status, "decision": m.decision,
        "referred": [d.pk for d in m.referred.all()],
        "action_items": [d.pk for d in m.action_items.all()],
    }  # fmt: skip


def _meetings(user):
    """With the ids of their demands (referred, action items): two queries for a whole list."""
    return (
        Deliberation.objects.select_related("region")
        .restrict(user, "demand.deliberate")
        .prefetch_related(
            Prefetch("referred", queryset=Demand.objects.only("id", "deliberation_id")),
            Prefetch("action_items", queryset=Demand.objects.only("id", "action_of_id")),
        )
    )


@router.get(
    "/meetings", response={200: list[MeetingOut], **ERROR_RESPONSES}, summary="Deliberation meetings (staff)"
)
def list_meetings(request):
    user = require_user(request)
    return [_meeting_out(m) for m in _meetings(user)[:100]]


@router.post(
    "/meetings", response={201: MeetingOut, **ERROR_RESPONSES}, summary="Call a deliberation meeting (staff)"
)
def create_meeting(request, data: MeetingIn):
    user = require_user(request)
    region = referenced(Region.objects, data.region, "region", _("There is no such region."))
    meeting = deliberations.schedule_meeting(
        user,
        region=region,
        title=data.title,
        held_at=data.held_at,
        place=data.place,
        attendees=data.attendees,
    )
    return Status(201, _meeting_out(meeting))


@router.get("/meetings/{id:meeting_id}", response={200: MeetingOut, **ERROR_RESPONSES}, summary="One meeting")
def get_meeting(request, meeting_id: Id):
    user = require_user(request)
    return _meeting_out(get_object_or_404(_meetings(user), pk=meeting_id))


@router.post(
    "/meetings/{id:meeting_id}/decide", response={200: MeetingOut, **ERROR_RESPONSES},
    summary="Record the decision and its action items (staff)",
)  # fmt: skip
def decide_meeting(request, meeting_id: Id, data: DecisionIn):
    """Every demand referred to the meeting is handled with the decision as its result; each
    action item becomes a demand assigned to its owner."""
    user = require_user(request)
    meeting = get_object_or_404(Deliberation.objects.select_related("region"), pk=meeting_id)
    users = get_user_model().objects.in_bulk([a.assignee_id for a in data.actions])
    grids = Region.objects.in_bulk([a.grid for a in data.actions if a.grid is not None])
    actions = []
    for item in data.actions:
        if item.assignee_id not in users or (item.grid is not None and item.grid not in grids):
            raise invalid("actions", _("There is no such person or grid."))
        actions.append((item.title, users[item.assignee_id], grids.get(item.grid)))
    meeting = deliberations.record_decision(
        meeting, user, decision=data.decision, attendees=data.attendees, actions=actions
    )
    return _meeting_out(meeting)

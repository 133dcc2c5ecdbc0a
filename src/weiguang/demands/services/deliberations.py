"""Deliberation meetings (党群联席议事会): schedule, refer a demand, record the decision."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weiguang.core.audit import log_action
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.core.transitions import perform
from weiguang.regions.models import Region, RegionKind

from ..access import may
from ..models import (
    Deliberation,
    Demand,
    DemandChannel,
    DemandStatus,
    MeetingStatus,
)
from .common import DECISION_MAX, PLACE_MAX, REASON_MAX, TITLE_MAX, TITLE_MIN, _mark_responded, _text
from .dispatch import assign_demand
from .handling import (
    _ask_staff_to_reply,
)
from .intake import _create
from .transfers import close_live_transfers

# --- deliberation meetings (党群联席议事会) ----------------------------------------------


def schedule_meeting(
    by, *, region: Region, title: str, held_at: dt.datetime, place: str = "", attendees: str = ""
) -> Deliberation:
    if region is None or region.kind not in (RegionKind.STREET, RegionKind.COMMUNITY):
        raise InvalidInput(_("A meeting belongs to a street or a community."), fields={"region": "invalid"})
    if not may(by, "demand.deliberate", region):
        raise NotAllowed(_("Only staff of the region may call a meeting."))
    title = _text(title, "title", required=True, max_length=TITLE_MAX, message=_("Give the meeting a topic."))
    place = _text(place, "place", required=False, max_length=PLACE_MAX)
    attendees = _text(attendees, "attendees", required=False)
    if held_at is None:
        raise InvalidInput(_("When is the meeting?"), fields={"held_at": "required"})
    with transaction.atomic():
        meeting = Deliberation.objects.create(
            region=region, title=title, held_at=held_at, place=place, attendees=attendees, created_by=by
        )
        log_action(meeting, "schedule", by, to_state=meeting.status)
    return meeting


def refer_to_meeting(demand: Demand, by, meeting: Deliberation, note: str = "") -> Demand:
    """A big shared issue goes to the meeting; the decision will answer it."""
    note = _text(note, "note", required=False, max_length=REASON_MAX)

    def check(d: Demand):
        # the caller's copy may be stale: read (and hold) the meeting as it is now
        fresh = Deliberation.objects.select_for_update().get(pk=meeting.pk)
        if fresh.status != MeetingStatus.SCHEDULED:
            raise Conflict(_("That meeting has already decided."), code="meeting_decided")
        if not meeting.region.contains(d.grid):
            raise InvalidInput(_("The meeting is for another area."), fields={"meeting": "invalid"})

    def apply(d: Demand):
        _mark_responded(d)
        d.deliberation = meeting

    return perform(demand, "refer", by, note=note, check=check, apply=apply, audit={"meeting": meeting.pk})


def record_decision(
    meeting: Deliberation, by, *, decision: str, attendees: str | None = None,
    actions: list[tuple[str, object, Region | None]] = (),
) -> Deliberation:  # fmt: skip
    """Record what the meeting decided. Every demand referred to it is handled with the
    decision as its result (staff then reply to each resident); each action item
    (title, assignee, grid) becomes a demand assigned to its owner, linked to the meeting."""
    decision = _text(
        decision, "decision", required=True, max_length=DECISION_MAX, message=_("Write the decision.")
    )
    if attendees is not None:
        attendees = _text(attendees, "attendees", required=False)
    items = []
    for title, assignee, grid in actions:
        title = _text(title, "actions", required=True, max_length=TITLE_MAX)
        if len(title) < TITLE_MIN:
            raise InvalidInput(_("Describe each action item."), fields={"actions": "invalid"})
        items.append((title, assignee, grid))

    def apply(m: Deliberation):
        m.decision, m.decided_at = decision, timezone.now()
        if attendees is not None:
            m.attendees = attendees
        for demand in m.referred.filter(status=DemandStatus.DELIBERATING):
            perform(demand, "decide", by, note=decision, apply=_decided(decision), audit={"meeting": m.pk})
        fallback = m.referred.select_related("grid").first()
        for title, assignee, grid in items:
            grid = grid or (fallback.grid if fallback else None)
            if grid is None or grid.kind != RegionKind.GRID or not m.region.contains(grid):
                raise InvalidInput(_("Choose a grid of the meeting's area for each action item."),
                                   fields={"actions": "invalid"})  # fmt: skip
            work = _create(
                by, grid=grid, title=title, channel=DemandChannel.DELIBERATION, action_of=m,
                description=_("Action item of the meeting “%(m)s”: %(d)s") % {"m": m.title, "d": decision[:1000]},
            )  # fmt: skip
            assign_demand(work, by, assignee, note=m.title)

    return perform(meeting, "decide", by, note=decision, apply=apply, audit={"actions": len(items)})


def _decided(decision: str):
    def apply(d: Demand):
        d.result = d.action_taken = decision
        d.handled_at = timezone.now()
        # the decision answers the demand for every department it was still with
        close_live_transfers(d, "decide")
        _ask_staff_to_reply(d)

    return apply

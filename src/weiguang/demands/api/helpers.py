"""What the demand API's endpoints share: loading a visible demand and rendering it."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from weiguang.core.api import ref
from weiguang.people.services import view_resident_record

from ..access import may
from ..models import (
    Demand,
)
from ..services import queries

# --- helpers -----------------------------------------------------------------------------


def _summary(d: Demand) -> dict:
    return {
        "id": d.pk,
        "title": d.title,
        "channel": d.channel,
        "status": d.status,
        "status_label": str(d.get_status_display()),
        "urgent": d.urgent,
        "category": {"id": d.category_id, "name": str(d.category)} if d.category_id else None,
        "grid": ref(d.grid),
        "community": ref(d.community),
        "street": ref(d.street),
        "created_at": d.created_at,
        "response_due": d.response_due,
        "handle_due": d.handle_due,
        "warning_count": d.warning_count,
        "colour": d.colour(),
    }


def _base_queryset():
    return Demand.objects.select_related("grid", "community", "street", "category__parent", "resident")


def _get(demand_id: int) -> Demand:
    return get_object_or_404(_base_queryset(), pk=demand_id)


def _visible(user, demand_id: int) -> Demand:
    """A demand the user may read; one they may not even know about is 'not found'."""
    demand = _get(demand_id)
    if not may(user, "demand.view", demand):
        raise Http404
    return demand


def _render(user, demand: Demand) -> dict:
    d = _get(demand.pk)
    data = _summary(d)
    contact = queries.can_see_contact(user, d)
    resident = d.resident
    if contact and resident is not None:  # the resident's contact is shown: audited (PIPL)
        view_resident_record(resident, user, via="demand", ref=d.pk, channel="api")
    data.update(
        tracking_code=d.tracking_code,
        description=d.description if contact or d.created_by_id == getattr(user, "pk", None) else "",
        resident=resident.masked_name if resident else None,
        contact={
            "name": d.contact_name or (resident.name if resident else ""),
            "phone": d.contact_phone or (resident.phone if resident else ""),
            "unconfirmed": queries.sent_unconfirmed(d),
        }
        if contact
        else None,
        first_response_at=d.first_response_at,
        handled_at=d.handled_at,
        replied_at=d.replied_at,
        closed_at=d.closed_at,
        result=d.result if contact else "",
        action_taken=d.action_taken if contact else "",
        is_genuine=d.is_genuine if contact else None,
        beyond_remit=d.beyond_remit if contact else False,
        reply=d.reply if contact else "",
        public_reply=d.public_reply,
        evaluation=d.evaluation,
        transfers=[
            {
                "department": {"id": t.department_id, "name": t.department.name},
                "deadline": t.deadline,
                "status": t.status,
                "return_reason": t.return_reason,
                "summoned": t.summoned,
                "accepted_at": t.accepted_at,
                "handled_at": t.handled_at,
                "result": t.result,
            }
            for t in d.transfers.select_related("department")
        ]
        if contact
        else [],
        place=d.place if contact else "",
        photos=[{"url": p.image.url, "stage": p.stage} for p in d.photos.all()] if contact else [],
        session=d.session_id,
        source_wish=d.source_wish_id,
        deliberation=d.deliberation_id,
        action_of=d.action_of_id,
        actions=list(queries.available_actions(d, user)),
    )
    return data

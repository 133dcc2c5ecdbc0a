"""A demand's transitions: dispatch, transfer, handle, reply, evaluate, return, escalate, refer; a wish converted."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router
from ninja.responses import Status

from weiguang.core.api import (
    ERROR_RESPONSES,
    Id,
    json_or_multipart_body,
    parse_body,
    require_user,
)

from ..models import (
    Deliberation,
    DemandCategory,
    Department,
)
from ..services import deliberations, dispatch, handling, intake
from ..services import transfers as demand_transfers
from .helpers import _get, _invalid, _render
from .schemas import (
    DEMAND_OUT,
    AssignIn,
    ConvertIn,
    DemandDetailOut,
    EvaluateIn,
    HandleIn,
    ReasonIn,
    ReferIn,
    ReplyIn,
    ResolveIn,
    ReviewReturnIn,
    TransferIn,
)

router = Router(tags=["demands"])


# --- transitions -------------------------------------------------------------------------


@router.post("/{id:demand_id}/resolve_on_spot", response=DEMAND_OUT, summary="Resolve on the spot (staff)")
def resolve_on_spot(request, demand_id: Id, data: ResolveIn):
    user = require_user(request)
    return _render(user, dispatch.resolve_on_spot(_get(demand_id), user, result=data.result))


@router.post(
    "/{id:demand_id}/assign", response=DEMAND_OUT, summary="Assign to staff or a grid worker (staff)"
)
def assign(request, demand_id: Id, data: AssignIn):
    user = require_user(request)
    assignee = get_user_model().objects.filter(pk=data.assignee_id, is_active=True).first()
    if assignee is None:
        raise _invalid("assignee_id", _("There is no such person."))
    return _render(user, dispatch.assign_demand(_get(demand_id), user, assignee, note=data.note))


@router.post("/{id:demand_id}/transfer", response=DEMAND_OUT, summary="Transfer to departments (staff)")
def transfer(request, demand_id: Id, data: TransferIn):
    user = require_user(request)
    found = Department.objects.in_bulk([t.department_id for t in data.departments])
    if len(found) != len({t.department_id for t in data.departments}):
        raise _invalid("departments", _("There is no such department."))
    targets = [(found[t.department_id], t.deadline) for t in data.departments]
    return _render(user, demand_transfers.transfer_demand(_get(demand_id), user, targets, note=data.note))


@router.post(
    "/{id:demand_id}/handle", response=DEMAND_OUT, openapi_extra={"requestBody": json_or_multipart_body(HandleIn)},
    summary="Record the result (handler)",
)  # fmt: skip
def handle(request, demand_id: Id):
    """A department handler reports for their department; the demand is handled once every
    department it went to has reported. JSON, or a form with up to 6 `photos` as evidence."""
    user = require_user(request)
    data, photos = parse_body(request, HandleIn)
    demand = handling.handle_demand(
        _get(demand_id), user, result=data.result, action_taken=data.action_taken,
        is_genuine=data.is_genuine, beyond_remit=data.beyond_remit, photos=photos,
    )  # fmt: skip
    return _render(user, demand)


@router.post("/{id:demand_id}/reply", response=DEMAND_OUT, summary="Reply to the resident (staff)")
def reply(request, demand_id: Id, data: ReplyIn):
    user = require_user(request)
    demand = handling.reply_demand(_get(demand_id), user, reply=data.reply, public_reply=data.public_reply)
    return _render(user, demand)


@router.post("/{id:demand_id}/evaluate", response=DEMAND_OUT, summary="Evaluate (the resident, or staff)")
def evaluate(request, demand_id: Id, data: EvaluateIn):
    """'unsatisfied' the first time reopens the demand as a warning order."""
    user = require_user(request)
    demand = handling.evaluate_demand(_get(demand_id), user, evaluation=data.evaluation, note=data.note)
    return _render(user, demand)


@router.post("/{id:demand_id}/return", response=DEMAND_OUT, summary="Return to the street (department)")
def return_demand(request, demand_id: Id, data: ReasonIn):
    user = require_user(request)
    return _render(user, demand_transfers.request_return(_get(demand_id), user, reason=data.reason))


@router.post(
    "/{id:demand_id}/review_return", response=DEMAND_OUT, summary="Approve or reject a return (street)"
)
def review_return(request, demand_id: Id, data: ReviewReturnIn):
    user = require_user(request)
    return _render(
        user, demand_transfers.review_return(_get(demand_id), user, approve=data.approve, note=data.note)
    )


@router.post("/{id:demand_id}/escalate", response=DEMAND_OUT, summary="Escalate to the street")
def escalate(request, demand_id: Id, data: ReasonIn):
    user = require_user(request)
    return _render(user, dispatch.escalate_demand(_get(demand_id), user, reason=data.reason))


@router.post(
    "/{id:demand_id}/accept", response=DEMAND_OUT, summary="Accept a transferred demand (department)"
)
def accept(request, demand_id: Id):
    user = require_user(request)
    return _render(user, demand_transfers.accept_transfer(_get(demand_id), user))


@router.post("/{id:demand_id}/refer", response=DEMAND_OUT, summary="Refer to a deliberation meeting (staff)")
def refer(request, demand_id: Id, data: ReferIn):
    user = require_user(request)
    meeting = Deliberation.objects.select_related("region").filter(pk=data.meeting_id).first()
    if meeting is None:
        raise _invalid("meeting_id", _("There is no such meeting."))
    return _render(user, deliberations.refer_to_meeting(_get(demand_id), user, meeting, note=data.note))


@router.post(
    "/from_wish/{id:wish_id}",
    response={201: DemandDetailOut, **ERROR_RESPONSES},
    summary="Turn a micro-wish that is too big into a demand (staff)",
)
def convert_wish(request, wish_id: Id, data: ConvertIn):
    """The wish leaves the wall (status `converted`) and a demand takes it on; each links to
    the other (`source_wish` here, `demand` on the wish)."""
    from weiguang.wishes.models import Wish

    user = require_user(request)
    wish = get_object_or_404(Wish.objects.select_related("resident", "grid"), pk=wish_id)
    category = None
    if data.category is not None:
        category = DemandCategory.objects.filter(pk=data.category, active=True).first()
        if category is None:
            raise _invalid("category", _("There is no such category."))
    return Status(201, _render(user, intake.convert_wish(wish, user, note=data.note, category=category)))

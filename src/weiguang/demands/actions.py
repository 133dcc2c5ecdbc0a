"""The steps of a demand (DEMAND_TRANSITIONS), as one table that drives both the demand page's
action view (views/detail.py) and the API's transition endpoints (api/transitions.py)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from weiguang.core.actions import Action, ActionTable
from weiguang.core.api import json_or_multipart_body, many_of, parse_body, referenced
from weiguang.regions.models import ancestor_paths

from .access import dispatchers
from .forms import (
    AssignForm,
    EvaluateForm,
    HandleForm,
    ReasonForm,
    ReferForm,
    ReplyForm,
    ResolveForm,
    ReviewReturnForm,
    TransferForm,
)
from .inputs import (
    AssignIn,
    EvaluateIn,
    HandleIn,
    ReasonIn,
    ReferIn,
    ReplyIn,
    ResolveIn,
    ReviewReturnIn,
    TransferIn,
)
from .models import DEMAND_TRANSITIONS, Deliberation, Department, MeetingStatus
from .services import deliberations, dispatch, handling
from .services import transfers as demand_transfers

# --- the page's forms ------------------------------------------------------------------------


def _assign_form(request, demand, data):
    return AssignForm(data, people=dispatchers(demand.grid.path).order_by("first_name", "username"))


def _transfer_form(request, demand, data):
    departments = Department.objects.filter(street=demand.street_id)
    if data is not None:
        return TransferForm(data, departments=departments)
    due = demand_transfers.default_transfer_deadline(demand, timezone.now())
    return TransferForm(departments=departments, default_due=due)


def _refer_form(request, demand, data):
    meetings = Deliberation.objects.filter(region__path__in=ancestor_paths(demand.grid.path))
    if data is not None:
        return ReferForm(data, meetings=meetings)
    return ReferForm(meetings=meetings.filter(status=MeetingStatus.SCHEDULED).order_by("held_at")[:20])


def _chosen(field: str):
    """Inputs of a form whose choice (`field`) may be one no longer offered: then not enough."""

    def inputs(request, form):
        data = form.cleaned_data
        return None if data[field] is None else {field: data[field], "note": data["note"]}

    return inputs


# --- the API's inputs ------------------------------------------------------------------------


def _assign_api_inputs(request, data: AssignIn) -> dict:
    people = get_user_model().objects.filter(is_active=True)
    assignee = referenced(people, data.assignee_id, "assignee_id", _("There is no such person."))
    return {"assignee": assignee, "note": data.note}


def _transfer_api_inputs(request, data: TransferIn) -> dict:
    ids = [t.department_id for t in data.departments]
    found = {
        d.pk: d for d in many_of(Department.objects, ids, "departments", _("There is no such department."))
    }
    return {
        "departments": [(found[t.department_id], t.deadline) for t in data.departments],
        "note": data.note,
    }


def _handle_api_inputs(request, data) -> dict:
    data, photos = parse_body(request, HandleIn)
    return {**dict(data), "photos": photos}


def _refer_api_inputs(request, data: ReferIn) -> dict:
    meeting = referenced(
        Deliberation.objects.select_related("region"),
        data.meeting_id,
        "meeting_id",
        _("There is no such meeting."),
    )
    return {"meeting": meeting, "note": data.note}


DEMAND_ACTIONS = ActionTable(
    DEMAND_TRANSITIONS,
    [
        Action(
            "resolve_on_spot", dispatch.resolve_on_spot, summary="Resolve on the spot (staff)",
            success=gettext_lazy("Recorded as resolved on the spot."), schema=ResolveIn, body_required=True,
            form=lambda request, demand, data: ResolveForm(data, prefix="resolve"),
        ),
        Action(
            "assign", dispatch.assign_demand, summary="Assign to staff or a grid worker (staff)",
            success=gettext_lazy("Assigned. They have been told."), schema=AssignIn, body_required=True,
            api_inputs=_assign_api_inputs, form=_assign_form, page_inputs=_chosen("assignee"),
        ),
        Action(
            "transfer", demand_transfers.transfer_demand, summary="Transfer to departments (staff)",
            success=gettext_lazy("Transferred. The departments have been told."), schema=TransferIn,
            body_required=True, api_inputs=_transfer_api_inputs, form=_transfer_form,
            page_inputs=lambda request, form: {"departments": form.targets(), "note": form.cleaned_data["note"]},
        ),
        Action(
            "handle", handling.handle_demand, summary="Record the result (handler)",
            description="A department handler reports for their department; the demand is handled once every\n"
            "department it went to has reported. JSON, or a form with up to 6 `photos` as evidence.",
            success=gettext_lazy("The result is recorded."), transitions=("handle", "handle_part"),
            api_inputs=_handle_api_inputs, openapi_extra={"requestBody": json_or_multipart_body(HandleIn)},
            form=lambda request, demand, data: HandleForm(data),
            page_inputs=lambda request, form: {**form.cleaned_data, "is_genuine": form.genuine()},
        ),
        Action(
            "reply", handling.reply_demand, summary="Reply to the resident (staff)",
            success=gettext_lazy("The reply was sent to the resident."), schema=ReplyIn, body_required=True,
            form=lambda request, demand, data: ReplyForm(data),
        ),
        Action(
            "evaluate", handling.evaluate_demand, summary="Evaluate (the resident, or staff)",
            description="'unsatisfied' the first time reopens the demand as a warning order.",
            success=gettext_lazy("Thank you for your evaluation."), transitions=("evaluate", "reopen"),
            schema=EvaluateIn, body_required=True, form=lambda request, demand, data: EvaluateForm(data),
        ),
        Action(
            "return", demand_transfers.request_return, summary="Return to the street (department)",
            operation="return_demand", success=gettext_lazy("The return was sent to the street."),
            schema=ReasonIn, body_required=True,
            form=lambda request, demand, data: ReasonForm(data, prefix="return"),
        ),
        Action(
            "review_return", demand_transfers.review_return, summary="Approve or reject a return (street)",
            success=gettext_lazy("The return was reviewed."), transitions=("approve_return", "reject_return"),
            schema=ReviewReturnIn, body_required=True, form=lambda request, demand, data: ReviewReturnForm(data),
            page_inputs=lambda request, form: {
                "approve": form.cleaned_data["decision"] == "approve", "note": form.cleaned_data["note"],
            },
        ),
        Action(
            "escalate", dispatch.escalate_demand, summary="Escalate to the street",
            success=gettext_lazy("Escalated to the street."), schema=ReasonIn, body_required=True,
            form=lambda request, demand, data: ReasonForm(data, prefix="escalate"),
        ),
        Action(
            "accept", demand_transfers.accept_transfer, summary="Accept a transferred demand (department)",
            success=gettext_lazy("Accepted. Please handle it before the deadline."),
        ),
        Action(
            "refer", deliberations.refer_to_meeting, summary="Refer to a deliberation meeting (staff)",
            success=gettext_lazy("Referred to the meeting."), schema=ReferIn, body_required=True,
            api_inputs=_refer_api_inputs, form=_refer_form, page_inputs=_chosen("meeting"),
        ),
    ],
)  # fmt: skip

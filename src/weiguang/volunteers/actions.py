"""What people do to a volunteer's registration (VOLUNTEER_TRANSITIONS) and to a service
record (SERVICE_RECORD_TRANSITIONS), as tables that drive both the staff pages' action views
(views.volunteer_action, views.record_action) and the API's transition endpoints (api.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from weiguang.core.actions import Action, ActionTable

from . import services
from .models import SERVICE_RECORD_TRANSITIONS, VOLUNTEER_TRANSITIONS
from .schemas import ReasonIn


def _posted_reason(request, form) -> dict:
    return {"reason": request.POST.get("reason", "")}


VOLUNTEER_ACTIONS = ActionTable(
    VOLUNTEER_TRANSITIONS,
    [
        Action("approve", services.approve_volunteer, summary="Approve (staff)", success=_("Done.")),
        Action(
            "reject", services.reject_volunteer, summary="Do not approve (staff)", success=_("Done."),
            schema=ReasonIn, body_required=True, page_inputs=_posted_reason,
        ),
        Action("resubmit", services.resubmit_volunteer, summary="Apply again (the volunteer)", success=_("Done.")),
        Action(
            "suspend", services.suspend_volunteer, summary="Suspend (staff)", success=_("Done."),
            schema=ReasonIn, body_required=True, page_inputs=_posted_reason,
        ),
        Action("reinstate", services.reinstate_volunteer, summary="Reinstate (staff)", success=_("Done.")),
    ],
)  # fmt: skip

RECORD_ACTIONS = ActionTable(
    SERVICE_RECORD_TRANSITIONS,
    [
        Action("verify", services.verify_record, summary="Verify (organiser)", success=_("Verified.")),
        Action(
            "reject", services.reject_record, summary="Reject (organiser)", success=_("Not verified."),
            schema=ReasonIn, body_required=True, page_inputs=_posted_reason, operation="reject_record",
        ),
    ],
)  # fmt: skip

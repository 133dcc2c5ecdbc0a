"""What people do to a booking (BOOKING_TRANSITIONS), as one table that drives both the pages'
action view (views.booking_action) and the API's transition endpoints (api.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from pydantic import Field

from weiguang.core.actions import Action, ActionTable
from weiguang.core.api import InSchema, Text

from ..models import BOOKING_TRANSITIONS
from . import services


class BookingReasonIn(InSchema):
    reason: Text = Field("", max_length=200)


def _posted_reason(request, form) -> dict:
    return {"reason": request.POST.get("reason", "")}


BOOKING_ACTIONS = ActionTable(
    BOOKING_TRANSITIONS,
    [
        Action("approve", services.approve_booking, summary="Approve a booking (staff)", success=_("Approved.")),
        Action(
            "refuse", services.refuse_booking, summary="Refuse a booking (staff)", success=_("Refused."),
            schema=BookingReasonIn, body_required=True, page_inputs=_posted_reason, operation="refuse_booking",
        ),
        Action(
            "cancel", services.cancel_booking, summary="Cancel a booking (the booker or staff)",
            success=_("The booking is cancelled."), schema=BookingReasonIn, page_inputs=_posted_reason,
            operation="cancel_booking",
        ),
        Action(
            "check_in", services.check_in, summary="Check in (the booker or staff, around the start)",
            success=_("Checked in."), operation="check_in_booking",
        ),
    ],
)  # fmt: skip

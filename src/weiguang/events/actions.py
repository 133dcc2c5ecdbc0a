"""What people do to an event (EVENT_TRANSITIONS) and to a sign-up (SIGNUP_TRANSITIONS), as
tables that drive both the pages' action views and the API's transition endpoints."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from weiguang.core.actions import Action, ActionTable

from . import services
from .models import EVENT_TRANSITIONS, SIGNUP_TRANSITIONS
from .schemas import EventCancelIn


def _posted_reason(request, form) -> dict:
    return {"reason": request.POST.get("reason", "")}


EVENT_ACTIONS = ActionTable(
    EVENT_TRANSITIONS,
    [
        Action("publish", services.publish_event, summary="Publish (staff)", success=_("Published.")),
        Action("close", services.close_event, summary="Close sign-ups (staff)", success=_("Sign-ups are closed.")),
        Action(
            "cancel", services.cancel_event, summary="Cancel the event (staff)", success=_("The event is cancelled."),
            schema=EventCancelIn, body_required=True, page_inputs=_posted_reason, operation="cancel_event",
        ),
    ],
)  # fmt: skip

SIGNUP_ACTIONS = ActionTable(
    SIGNUP_TRANSITIONS,
    [
        Action(
            "cancel", services.cancel_signup, summary="Give the place back (the person, staff)",
            success=_("Your place is given back."), operation="cancel_signup",
        ),
        Action(
            "leave", services.leave_waiting_list, summary="Leave the waiting list (the person, staff)",
            success=_("You left the waiting list."), operation="leave_waiting_list",
        ),
        Action(
            "accept", services.accept_offer, summary="Take the offered place (the person, staff)",
            success=_("The place is yours."), operation="accept_offer",
        ),
    ],
)  # fmt: skip

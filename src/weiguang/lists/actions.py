"""What people do to a project (PROJECT_TRANSITIONS), as one table that drives both the
project page's action view (views.project_action) and the API's transition endpoints
(api/projects.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from pydantic import Field

from weiguang.core.actions import Action, ActionTable
from weiguang.core.api import InSchema, Text
from weiguang.partners.api import ReasonIn

from . import services
from .models import PROJECT_TRANSITIONS


class NoteIn(InSchema):
    note: Text = Field("", max_length=services.REASON_MAX)


class OutcomeIn(InSchema):
    outcome: Text = Field(max_length=services.PLAN_MAX)


def _posted_text(name: str):
    """The page's inputs: its one text box, `text`, as the service's `name`."""
    return lambda request, form: {name: request.POST.get("text", "")}


PROJECT_ACTIONS = ActionTable(
    PROJECT_TRANSITIONS,
    [
        Action(
            "start", services.start_project, summary="Start", success=_("Saved."), operation="start_project",
            schema=NoteIn, body_required=True, page_inputs=_posted_text("note"),
        ),
        Action(
            "finish", services.finish_project, summary="Done, with the outcome", success=_("Saved."),
            operation="finish_project", schema=OutcomeIn, body_required=True, page_inputs=_posted_text("outcome"),
        ),
        Action(
            "cancel", services.cancel_project, summary="Cancel, with the reason", success=_("Saved."),
            operation="cancel_project", schema=ReasonIn, body_required=True, page_inputs=_posted_text("reason"),
        ),
    ],
)  # fmt: skip

"""Request shapes of the events API shared by its modules (api.py, actions.py)."""

from __future__ import annotations

from pydantic import Field

from weiguang.core.api import InSchema, Text

from . import services


class EventCancelIn(InSchema):
    reason: Text = Field(max_length=services.REASON_MAX)

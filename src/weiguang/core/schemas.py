"""API schemas shared by every app: the audit history of a stateful record."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field

from .audit import history_of
from .privacy import mask_name


class HistoryEntryOut(Schema):
    action: str
    action_label: str
    from_state: str = Field(alias="from")
    to_state: str = Field(alias="to")
    at: dt.datetime
    actor: str = Field(description="Masked name of who did it, or “system”")
    note: str


def actor_label(actor) -> str:
    if actor is None:
        return _("system")
    return mask_name(actor.get_full_name() or actor.get_username())


def history_rows(obj, submit_label: str) -> list[dict]:
    """`obj`'s audit entries, labelled with its state machine's transition names."""
    labels = {name: str(t.label) for name, t in type(obj).state_machine.transitions.items()}
    labels["submit"] = submit_label
    return [
        {
            "action": e.action,
            "action_label": labels.get(e.action, e.action),
            "from": e.from_state,
            "to": e.to_state,
            "at": e.created_at,
            "actor": actor_label(e.actor),
            "note": e.note,
        }
        for e in history_of(obj)
    ]

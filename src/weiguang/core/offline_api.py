"""POST /api/v1/field/entries: what a device recorded offline (core/offline.py), sent in a batch."""

from __future__ import annotations

from typing import Any, Literal

from ninja import Router, Schema
from pydantic import Field

from .api import ERROR_RESPONSES, IDEMPOTENCY_KEY_PATTERN, THROTTLED, InSchema, require_user
from .offline import STATUSES, Entry, receive

router = Router(tags=["field"])

FIELD_BATCH_MAX = 50


class FieldEntryIn(InSchema):
    client_id: str = Field(pattern=IDEMPOTENCY_KEY_PATTERN, description="The device's id (a UUID it made)")
    key: str = Field(
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description="The entry's idempotency key (a UUID made when it was recorded); the same key "
        "is answered with the same object however often it is sent",
    )
    kind: str = Field(max_length=32, description="wish, demand, visit, ... (the kinds registered)")
    payload: dict[str, Any] = Field(description="The kind's own fields")


class FieldBatchIn(InSchema):
    entries: list[FieldEntryIn] = Field(max_length=FIELD_BATCH_MAX)


class FieldResultOut(Schema):
    key: str
    kind: str
    status: Literal[STATUSES] = Field(  # type: ignore[valid-type]
        description="created | received (the key was seen before: the same object) | duplicate "
        "(accepted, flagged as a repeat: duplicate_of) | refused (errors) | conflict | later (429: "
        "send again later) | failed (an error on the server: nothing recorded, send again later)"
    )
    number: str = Field("", description="What the person reads: a tracking code, #12")
    url: str = Field("", description="The object's page, if the user has one")
    message: str = ""
    code: str | None = None
    errors: dict[str, str] | None = Field(None, description="Field name → what is wrong with it")
    duplicate_of: str | None = None


class FieldBatchOut(Schema):
    results: list[FieldResultOut]


@router.post(
    "/entries",
    response={200: FieldBatchOut, **ERROR_RESPONSES, **THROTTLED},
    summary="Send what a device recorded offline (grid workers, staff)",
)
def send_entries(request, data: FieldBatchIn):
    """Each entry is accepted exactly once: send the batch again (after a lost answer, from a
    second tab) and each entry already received answers `received` with the same number. One
    result per entry, in order; a refused or failed entry does not hold back the others."""
    user = require_user(request)
    entries = [Entry(user, e.client_id, e.key, e.kind, e.payload) for e in data.entries]
    return {"results": receive(entries)}

"""Entries recorded on a device without network (the grid worker's field kit) and sent later:
each is accepted exactly once, whatever the number of times it is sent.

Core knows no wish, demand or visit: each app registers the kinds of entry it accepts from its
`AppConfig.ready()`, and `receive()` (POST /api/v1/field/entries, core/offline_api.py) hands
every entry to its kind::

    from weiguang.core.offline import FieldKind, Outcome, parse, register_kind

    def handle(entry):                   # entry: Entry(user, client_id, key, kind, payload)
        data = parse(VisitIn, entry.payload)    # pydantic; bad fields -> InvalidInput (Chinese)
        note = services.record_visit(entry.user, ...)   # the app's own service
        return Outcome(note, number=f"#{note.pk}", url="")

    register_kind(FieldKind(
        name="visit", label=_("Visit note"), model=VisitNote, handle=handle,
        describe=lambda user, note: Outcome(note, number=f"#{note.pk}"),
        template="people/field_visit.html", context=None, order=30,
    ))

Exactly once: `receive()` runs the handler through `core.idempotency.create_once` with the
scope "field.<kind>" and the entry's key (a UUID made on the device), so the entry's object is
created in the same transaction as its key; a second arrival of the key (a retry, a second
device sync, a concurrent twin) is answered from the object already made, without running the
handler again. A handler therefore creates (at most) one object of `model` and returns it.

What an entry gets back (`status`):
- "created": the handler made its object now (`number`, `url` name it);
- "received": the key was seen before; the same object (`describe()` names it);
- "duplicate": the handler accepted the entry but flagged it as a repeat of something another
  entry already did (say two devices checking in the same ticket): its `duplicate_of` names
  the first; a handler says so with `Outcome(obj, status="duplicate", duplicate_of=...)`, and
  `describe()` says so again when the same key comes back;
- "refused": a ServiceError other than 409 and 429 (bad fields: `errors`, each in the user's
  language; not allowed; not found): the person corrects it and sends it again (same key);
- "conflict": a ServiceError with status 409 (e.g. a very similar wish exists: `duplicate_of`);
- "later": 429, try again later (nothing was recorded);
- "failed": the handler (or anything else for this entry) broke unexpectedly: nothing was
  recorded for it, the traceback is logged ("weiguang.offline"), `message` says so, and the
  device keeps the entry and sends it again later.
Only "later", "failed" (and a failed request) leave an entry waiting; the others are final
answers for that content. A refused entry sent again with corrected content keeps its key: nothing was
made under it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pydantic
from django.db import transaction
from django.utils.translation import gettext as _

from .errors import InvalidInput, ServiceError
from .idempotency import create_once

CREATED, RECEIVED, DUPLICATE, REFUSED, CONFLICT, LATER, FAILED = (
    "created",
    "received",
    "duplicate",
    "refused",
    "conflict",
    "later",
    "failed",
)
STATUSES = (CREATED, RECEIVED, DUPLICATE, REFUSED, CONFLICT, LATER, FAILED)
SCOPE_PREFIX = "field."

logger = logging.getLogger("weiguang.offline")


@dataclass(frozen=True)
class Entry:
    """One entry as the device sent it: `payload` is the kind's own fields (a dict)."""

    user: Any
    client_id: str
    key: str
    kind: str
    payload: dict


@dataclass
class Outcome:
    """What a handler made (or found): `obj` is an instance of the kind's model."""

    obj: Any
    status: str = CREATED  # or DUPLICATE
    number: str = ""  # what the person reads: a tracking code, "#12"
    url: str = ""  # where the object's page is, "" if the user has none
    duplicate_of: str = ""  # with DUPLICATE: what it repeats
    message: str = ""


@dataclass(frozen=True)
class FieldKind:
    name: str  # "wish", "demand", "visit", "checkin"
    label: Any  # lazy text: the form's title, the outbox's label
    model: type  # the model the handler creates one of (create_once looks it up again)
    handle: Callable[[Entry], Outcome]  # raises ServiceError to refuse
    describe: Callable[[Any, Any], Outcome]  # (user, obj) -> Outcome, for a key received before
    template: str | None = None  # the kind's form on the field kit page (None: no form)
    context: Callable[[Any], dict] | None = None  # (user) -> the template's extra context
    order: int = 100
    when: Callable[[Any], bool] | None = None  # (user) -> whether the kit shows the form
    extra: dict = field(default_factory=dict)


KINDS: dict[str, FieldKind] = {}


def register_kind(kind: FieldKind) -> None:
    """Accept entries of `kind.name` (registering a name again replaces it)."""
    if len(SCOPE_PREFIX + kind.name) > 40:  # IdempotencyKey.scope
        raise ValueError(f"field kind name too long: {kind.name}")
    KINDS[kind.name] = kind


@dataclass(frozen=True)
class FieldPart:
    """A section of the field kit page that is no kind's form (the resident picker, people's):
    `template` rendered with `context(user)` as `c`, above the forms."""

    key: str
    template: str
    context: Callable[[Any], dict] | None = None
    order: int = 100


PARTS: dict[str, FieldPart] = {}


def register_part(part: FieldPart) -> None:
    PARTS[part.key] = part


def parts() -> list[FieldPart]:
    return sorted(PARTS.values(), key=lambda p: (p.order, p.key))


# Other pages an app keeps on the phone beside the field kit (the event scanner): their URL
# names (network first, the last copy when offline) and the static files they need (cache
# first), registered from the app's AppConfig.ready(); core/offline_views.py serves them in
# the service worker.
OFFLINE_PAGES: dict[str, tuple[str, ...]] = {}


def register_offline_page(url_name: str, *static_paths: str) -> None:
    OFFLINE_PAGES[url_name] = static_paths


def kinds(user=None) -> list[FieldKind]:
    """The registered kinds in order; with `user`, those whose form the user gets."""
    found = sorted(KINDS.values(), key=lambda k: (k.order, k.name))
    if user is not None:
        found = [k for k in found if k.template and (k.when is None or k.when(user))]
    return found


def parse(schema: type[pydantic.BaseModel], payload: dict):
    """`payload` read by a pydantic `schema`; a bad field is InvalidInput naming it, in words a
    person understands (the API's own messages)."""
    from .api import field_message

    try:
        return schema.model_validate(payload)
    except pydantic.ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            name = ".".join(str(p) for p in error.get("loc", ())) or "payload"
            errors.setdefault(name, field_message(error))
        message = next(iter(errors.values())) if len(errors) == 1 else _("Please correct the fields marked.")
        raise InvalidInput(message, fields=errors) from None


def _answer(entry: Entry, status: str, outcome: Outcome | None = None, **extra) -> dict:
    answer = {"key": entry.key, "kind": entry.kind, "status": status}
    if outcome is not None:
        answer.update(number=outcome.number, url=outcome.url, message=outcome.message)
        if outcome.duplicate_of:
            answer["duplicate_of"] = outcome.duplicate_of
    answer.update(extra)
    return answer


def receive_one(entry: Entry) -> dict:
    """Accept one entry exactly once (see the module's docstring), in its own transaction (a
    savepoint inside a caller's): an error of any kind rolls back what this entry did, is
    logged with its traceback and answers "failed", so the batch's other entries go on."""
    try:
        with transaction.atomic():
            return _receive_one(entry)
    except Exception:
        user_id = getattr(entry.user, "pk", None)
        logger.exception("field entry failed: kind=%s key=%s user=%s", entry.kind, entry.key, user_id)
        message = _("Not recorded: an error on the server. It stays on this phone and is sent again later.")
        return _answer(entry, FAILED, message=message, code="server_error")


def _receive_one(entry: Entry) -> dict:
    from .api import service_error_fields

    kind = KINDS.get(entry.kind)
    if kind is None:
        message = _("This kind of entry is not known here.")
        return _answer(entry, REFUSED, message=message, errors={"kind": message})
    if kind.when is not None and not kind.when(entry.user):
        message = _("You are not allowed to do this.")
        return _answer(entry, REFUSED, message=message, code="forbidden")
    made: dict[str, Outcome] = {}

    def create():
        outcome = kind.handle(entry)
        made["outcome"] = outcome
        return outcome.obj

    try:
        obj, created = create_once(entry.user, SCOPE_PREFIX + kind.name, entry.key, kind.model, create)
    except ServiceError as err:
        errors, extra = service_error_fields(err)
        status = CONFLICT if err.status == 409 else LATER if err.status == 429 else REFUSED
        if "duplicate_of" in extra:
            extra["duplicate_of"] = str(extra["duplicate_of"])
        return _answer(entry, status, message=err.message, code=err.code, errors=errors or None, **extra)
    if created:
        outcome = made["outcome"]
        return _answer(entry, DUPLICATE if outcome.status == DUPLICATE else CREATED, outcome)
    outcome = kind.describe(entry.user, obj)
    return _answer(entry, DUPLICATE if outcome.status == DUPLICATE else RECEIVED, outcome)


def receive(entries: list[Entry]) -> list[dict]:
    """Each entry of a batch, in order, each in its own transaction: one refused (or failed)
    entry does not hold back the others."""
    return [receive_one(entry) for entry in entries]

"""Personal information rights (PIPL): what Weiguang holds about a person, and the person's
rights over it (see, export, correct, withdraw consent, ask for deletion).

**The registry.** accounts sits below the apps that hold most of a person's data (wishes,
demands, volunteers, matching), so it cannot read them; each registers a section from its own
`AppConfig.ready()`:

    register_personal_data("wishes", _("Wishes"), collect=collect, erase=erase, order=30)

`collect(user, resident) -> list[dict]` returns the rows the app holds about that person
(`resident` is the user's resident record or None), each row a dict of plain values keyed by
field; `fields` gives their labels in order (a row's other keys are shown by their key). A
collector runs a bounded number of queries, never one per row. `erase(user, resident)`, when
the app keeps personal free fields of its own (a demand's contact name and phone, a
volunteer's ID number), empties or masks them when a deletion request is carried out: history
(wishes, demands, hours) stays, shown with the resident's masked name. accounts itself
registers the sections of the floors below it (the account, the resident record and who saw
it, the inbox, the audit entries about the person).

**The services** (plain functions of the acting user, each audited):
`personal_data(user)` (every section), `rename_self`, `withdraw_consent` / `give_consent`,
`request_correction`, `request_deletion`, and for staff `carry_out` and `refuse`.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from weiguang.core.audit import log_action, save_and_log_update
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.core.models import AuditEntry, Notification
from weiguang.core.notifications import notify
from weiguang.core.privacy import mask_id_number, mask_name, mask_phones_in
from weiguang.core.text import clean_text, normalize_phone
from weiguang.core.transitions import SYSTEM, perform
from weiguang.people.models import PopulationGroup, Resident, VisitNote, phone_validator
from weiguang.people.services import own_resident, record_views
from weiguang.regions.access import holders
from weiguang.regions.models import Role

from . import security
from .models import (
    Account,
    DataRequestKind,
    DataRequestStatus,
    DataRightsRequest,
    ResidenceRequest,
    ResidenceStatus,
    SmsCode,
    SmsMessage,
    UserSession,
)

# --- the registry -------------------------------------------------------------------------------

Collect = Callable[[Any, Resident | None], list[dict]]
Erase = Callable[[Any, Resident | None], None]


@dataclass(frozen=True)
class Section:
    key: str
    label: Any  # lazy text
    collect: Collect
    erase: Erase | None = None
    fields: dict[str, Any] = field(default_factory=dict)  # row key -> label, in order
    order: int = 100


SECTIONS: dict[str, Section] = {}


def register_personal_data(
    key: str, label, collect: Collect, erase: Erase | None = None, *, fields=None, order: int = 100
) -> None:
    """A section of "my data" (see the module's docstring); registering a key again replaces it."""
    SECTIONS[key] = Section(key, label, collect, erase, dict(fields or {}), order)


def sections() -> list[Section]:
    return sorted(SECTIONS.values(), key=lambda s: (s.order, s.key))


def plain(value):
    """A value as JSON and a spreadsheet take it."""
    if isinstance(value, dt.datetime):
        return (
            timezone.localtime(value).isoformat(timespec="seconds")
            if timezone.is_aware(value)
            else value.isoformat()
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def personal_data(user) -> list[dict]:
    """Every section of what Weiguang holds about `user`: [{key, label, fields: [{key, label}],
    rows: [{field: plain value}]}], in the sections' order. The person sees their own data in
    full, except an ID number (masked, as everywhere)."""
    resident = own_resident(user)
    if resident is not None:
        resident = Resident.objects.select_related("grid", "grid__parent").get(pk=resident.pk)
    found = []
    for section in sections():
        rows = [{k: plain(v) for k, v in row.items()} for row in section.collect(user, resident)]
        keys = list(section.fields)
        for row in rows:
            keys += [k for k in row if k not in keys]
        found.append(
            {
                "key": section.key,
                "label": str(section.label),
                "fields": [{"key": k, "label": str(section.fields.get(k, k))} for k in keys],
                "rows": rows,
            }
        )
    return found


def export_document(user) -> dict:
    """The JSON export (the page's download and GET /api/v1/me/data)."""
    return {
        "generated_at": plain(timezone.now()),
        "user_id": user.pk,
        "sections": personal_data(user),
    }


# --- the sections of the floors below (registered by AccountsConfig.ready()) --------------------


def _account_rows(user, resident) -> list[dict]:
    account = Account.objects.filter(user=user).first()
    return [
        {
            "username": user.get_username(),
            "name": user.get_full_name(),
            "email": user.email,
            "phone": account.phone if account else "",
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        }
    ]


def _sms_rows(user, resident) -> list[dict]:
    phone = Account.objects.filter(user=user).values_list("phone", flat=True).first()
    if not phone:
        return []
    return [
        {"text": m.text, "status": m.get_status_display(), "created_at": m.created_at, "sent_at": m.sent_at}
        for m in SmsMessage.objects.filter(phone=phone).order_by("-created_at", "-id")
    ]


def _session_rows(user, resident) -> list[dict]:
    return [
        {
            "user_agent": s.user_agent,
            "ip_address": s.ip_address,
            "created_at": s.created_at,
            "last_seen": s.last_seen,
        }
        for s in UserSession.objects.filter(user=user).order_by("-last_seen")
    ]


def _residence_rows(user, resident) -> list[dict]:
    rows = ResidenceRequest.objects.filter(user=user).select_related("grid", "building")
    return [
        {
            "grid": r.grid.name,
            "building": r.building.name,
            "door": r.door,
            "status": r.get_status_display(),
            "reason": r.reason,
            "created_at": r.created_at,
            "decided_at": r.decided_at,
        }
        for r in rows.order_by("-created_at", "-id")
    ]


def _resident_rows(user, resident) -> list[dict]:
    if resident is None:
        return []
    groups = ", ".join(str(g) for g in resident.groups.all())
    community = resident.grid.parent.name if resident.grid.parent_id else ""
    return [
        {
            "name": resident.name,
            "gender": resident.get_gender_display(),
            "birth_date": resident.birth_date,
            "phone": resident.phone,
            "id_number": mask_id_number(resident.id_number),
            "community": community,
            "grid": resident.grid.name,
            "building": resident.building,
            "door": resident.door,
            "groups": groups,
            "consent": resident.consent,
            "created_at": resident.created_at,
        }
    ]


def _visit_rows(user, resident) -> list[dict]:
    if resident is None:
        return []
    return [
        {"visited_on": v.visited_on, "note": v.note, "follow_up": v.follow_up, "created_at": v.created_at}
        for v in VisitNote.objects.filter(resident=resident).order_by("-visited_on", "-id")
    ]


def _erase_visits(user, resident) -> None:
    """The notes of visits stay (the grid's work), without the person's phone numbers."""
    if resident is not None:
        mask_phones_in_rows(VisitNote.objects.filter(resident=resident), ["note"], phones_of(user, resident))


def _view_rows(user, resident) -> list[dict]:
    if resident is None:
        return []
    return [
        {
            "viewed_at": v.created_at,
            "viewer": (v.actor.get_full_name() or v.actor.get_username()) if v.actor else _("system"),
            "via": v.data.get("via", ""),
            "channel": v.data.get("channel", ""),
        }
        for v in record_views(resident)
    ]


def _request_rows(user, resident) -> list[dict]:
    return [
        {
            "kind": r.get_kind_display(),
            "status": r.get_status_display(),
            "change": r.change,
            "reason": r.reason,
            "created_at": r.created_at,
            "handled_at": r.handled_at,
            "answer": r.answer,
        }
        for r in DataRightsRequest.objects.filter(user=user).order_by("-created_at", "-id")
    ]


def _notification_rows(user, resident) -> list[dict]:
    return [
        {"title": n.title, "body": n.body, "created_at": n.created_at, "read_at": n.read_at}
        for n in Notification.objects.filter(recipient=user).order_by("-created_at", "-id")
    ]


def _audit_rows(user, resident) -> list[dict]:
    """The audit entries about the person: their account, their resident record, their data
    requests (the views of the record are a section of their own)."""
    types = ContentType.objects.get_for_models(get_user_model(), Account, Resident, DataRightsRequest)
    about = Q(content_type=types[get_user_model()], object_id=str(user.pk))
    account = Account.objects.filter(user=user).values_list("pk", flat=True).first()
    if account:
        about |= Q(content_type=types[Account], object_id=str(account))
    if resident is not None:
        about |= Q(content_type=types[Resident], object_id=str(resident.pk))
    requests = [str(pk) for pk in DataRightsRequest.objects.filter(user=user).values_list("pk", flat=True)]
    if requests:
        about |= Q(content_type=types[DataRightsRequest], object_id__in=requests)
    entries = AuditEntry.objects.filter(about).exclude(action="view_record").select_related("actor")
    states = dict(DataRequestStatus.choices)
    return [
        {
            "at": e.created_at,
            "action": str(AUDIT_ACTIONS.get(e.action, e.action)),
            "by": (e.actor.get_full_name() or e.actor.get_username()) if e.actor else _("system"),
            "from_state": str(states.get(e.from_state, e.from_state)),
            "to_state": str(states.get(e.to_state, e.to_state)),
            "note": e.note,
        }
        for e in entries.order_by("created_at", "id")
    ]


# The audit entries' actions as the person reads them (others are shown by their code).
AUDIT_ACTIONS = {
    "update": gettext_lazy("Changed"),
    "submit": gettext_lazy("Asked"),
    "carry_out": gettext_lazy("Carried out"),
    "close_at_once": gettext_lazy("Carried out at once"),
    "refuse": gettext_lazy("Refused"),
    "withdraw_consent": gettext_lazy("Consent withdrawn"),
    "give_consent": gettext_lazy("Consent given"),
    "erase": gettext_lazy("Personal data erased"),
    "close_account": gettext_lazy("Account closed"),
}


def register_own_sections() -> None:
    _ = gettext_lazy
    register_personal_data(
        "account",
        _("Account"),
        _account_rows,
        order=10,
        fields={
            "username": _("user name"),
            "name": _("real name"),
            "email": _("email"),
            "phone": _("mobile number"),
            "date_joined": _("signed up"),
            "last_login": _("last login"),
        },
    )
    register_personal_data(
        "sessions",
        _("Where you are logged in"),
        _session_rows,
        order=12,
        fields={
            "user_agent": pgettext_lazy("user session", "browser"),
            "ip_address": pgettext_lazy("user session", "address"),
            "created_at": pgettext_lazy("user session", "logged in at"),
            "last_seen": pgettext_lazy("user session", "last seen"),
        },
    )
    register_personal_data(
        "text_messages",
        _("Text messages sent to you"),
        _sms_rows,
        order=14,
        fields={
            "text": _("text"),
            "status": _("status"),
            "created_at": _("created at"),
            "sent_at": _("sent at"),
        },
    )
    register_personal_data(
        "residence",
        _("Where you said you live"),
        _residence_rows,
        order=18,
        fields={
            "grid": _("grid"),
            "building": _("building"),
            "door": _("door"),
            "status": _("status"),
            "reason": _("reason"),
            "created_at": _("submitted at"),
            "decided_at": _("decided at"),
        },
    )
    register_personal_data(
        "resident",
        _("Resident record"),
        _resident_rows,
        order=20,
        fields={
            "name": _("real name"),
            "gender": _("gender"),
            "birth_date": _("date of birth"),
            "phone": _("phone"),
            "id_number": _("ID number"),
            "community": _("community"),
            "grid": _("grid"),
            "building": _("building"),
            "door": _("door"),
            "groups": _("groups"),
            "consent": _("consent to processing"),
            "created_at": _("created at"),
        },
    )
    register_personal_data(
        "visits",
        _("Visits to your home"),
        _visit_rows,
        _erase_visits,
        order=22,
        fields={
            "visited_on": _("visited on"),
            "note": _("note"),
            "follow_up": _("needs a follow-up visit"),
            "created_at": _("created at"),
        },
    )
    register_personal_data(
        "record_views",
        _("Who looked at your record"),
        _view_rows,
        order=25,
        fields={"viewed_at": _("when"), "viewer": _("viewed by"), "via": _("where"), "channel": _("channel")},
    )
    register_personal_data(
        "data_requests",
        _("Your requests about your data"),
        _request_rows,
        order=90,
        fields={
            "kind": _("kind"),
            "status": _("status"),
            "change": _("requested change"),
            "reason": _("reason"),
            "created_at": _("asked at"),
            "handled_at": _("handled at"),
            "answer": _("answer"),
        },
    )
    register_personal_data(
        "notifications",
        _("Messages in your inbox"),
        _notification_rows,
        order=95,
        fields={"title": _("title"), "body": _("text"), "created_at": _("sent at"), "read_at": _("read at")},
    )
    register_personal_data(
        "audit",
        _("Changes to your account and record"),
        _audit_rows,
        order=99,
        fields={
            "at": _("when"),
            "action": _("action"),
            "by": _("done by"),
            "from_state": _("from"),
            "to_state": _("to"),
            "note": _("note"),
        },
    )


# --- the person's own steps ---------------------------------------------------------------------


def rename_self(user, name: str) -> None:
    """The person corrects their own name: the account's name and their resident record's."""
    name = clean_text(
        name,
        "name",
        required=True,
        max_length=50,
        one_line=True,
        message=_("Enter your name (at most 50 characters)."),
    )
    User = get_user_model()
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        save_and_log_update(locked, user, {"first_name": name, "last_name": ""})
        resident = Resident.objects.select_for_update().filter(user=user).first()
        if resident is not None and resident.name != name:
            save_and_log_update(resident, user, {"name": name})
    user.first_name, user.last_name = name, ""


def _set_consent(user, value: bool, action: str) -> Resident:
    with transaction.atomic():
        resident = Resident.objects.select_for_update().filter(user=user).first()
        if resident is None:
            raise Conflict(_("You have no resident record yet."), code="no_resident")
        if resident.consent == value:
            return resident
        resident.consent = value
        resident.save(update_fields=["consent"])
        log_action(resident, action, user)
    return resident


def withdraw_consent(user) -> Resident:
    """The person withdraws their consent to processing: staff see "consent withdrawn" on the
    record and may record nothing new on their behalf (people.services.resident_for); what was
    recorded stays (deletion is its own request)."""
    return _set_consent(user, False, "withdraw_consent")


def give_consent(user) -> Resident:
    return _set_consent(user, True, "give_consent")


# --- requests -----------------------------------------------------------------------------------

# What a correction request may change on the resident record (the name the person corrects directly).
CORRECTABLE = {"phone", "building", "door", "groups"}


def clean_change(change: dict) -> dict:
    """The requested change, checked: {phone, building, door: text; groups: [group codes]};
    unchanged or empty parts are dropped. InvalidInput names the faulty field."""
    if not isinstance(change, dict):
        raise InvalidInput(_("Say what should change."), fields={"change": "invalid"})
    clean: dict = {}
    for key, value in change.items():
        if key not in CORRECTABLE:
            raise InvalidInput(_("This cannot be corrected here."), fields={key: "not_correctable"})
        if key == "groups":
            if value is None:
                continue
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise InvalidInput(_("Choose groups from the list."), fields={"groups": "invalid"})
            known = set(PopulationGroup.objects.filter(code__in=value).values_list("code", flat=True))
            if known != set(value):
                raise InvalidInput(_("Choose groups from the list."), fields={"groups": "invalid"})
            clean["groups"] = sorted(known)
            continue
        if value is None:
            continue
        value = clean_text(value, key, required=False, max_length=30)
        if key == "phone" and value:
            try:
                phone_validator(value)
            except ValidationError:
                raise InvalidInput(
                    _("Enter a mobile number (11 digits) or a landline."), fields={"phone": "invalid"}
                ) from None
        if value:
            clean[key] = value
    return clean


def _clean_reason(text, field: str = "reason", required: bool = False) -> str:
    return clean_text(text, field, required=required, max_length=500, message=_("Give a reason."))


def _pending(user, kind: str) -> DataRightsRequest | None:
    return DataRightsRequest.objects.filter(user=user, kind=kind, status=DataRequestStatus.SUBMITTED).first()


def _notify_staff(req: DataRightsRequest) -> None:
    staff = holders({Role.COMMUNITY_STAFF, Role.STREET_ADMIN}, req.grid.path)
    notify(
        staff,
        _("A resident asked about their personal data: %(kind)s") % {"kind": req.get_kind_display()},
        url=reverse("data_requests"),
    )


def request_correction(user, change: dict, reason: str = "") -> DataRightsRequest:
    """Ask the staff of one's grid to correct one's resident record (phone, building, door,
    groups). One open correction at a time."""
    change = clean_change(change)
    reason = _clean_reason(reason)
    if not change:
        raise InvalidInput(_("Say what should change."), fields={"change": "required"})
    with transaction.atomic():
        resident = Resident.objects.select_for_update().filter(user=user).select_related("grid").first()
        if resident is None:
            raise Conflict(
                _("You have no resident record: there is nothing for staff to correct."), code="no_resident"
            )
        if _pending(user, DataRequestKind.CORRECTION):
            raise Conflict(
                _("You already asked for a correction; staff will answer it first."), code="pending"
            )
        req = DataRightsRequest.objects.create(
            user=user, resident=resident, grid=resident.grid, kind=DataRequestKind.CORRECTION,
            change=change, reason=reason,
        )  # fmt: skip
        log_action(req, "submit", user, to_state=req.status, kind=req.kind)
        _notify_staff(req)
    return req


def request_deletion(user, reason: str = "") -> DataRightsRequest:
    """Ask for one's account to be closed and one's personal data erased.

    With a resident record, the staff of its grid carry it out (they hold the record and may
    need to keep a request open for a legal reason; they refuse with a reason). Without one,
    no staff hold data about the person: the account is closed at once."""
    reason = _clean_reason(reason)
    with transaction.atomic():
        resident = Resident.objects.select_for_update().filter(user=user).select_related("grid").first()
        if _pending(user, DataRequestKind.DELETION):
            raise Conflict(_("You already asked for deletion; staff will answer it."), code="pending")
        req = DataRightsRequest.objects.create(
            user=user, resident=resident, grid=resident.grid if resident else None,
            kind=DataRequestKind.DELETION, reason=reason,
        )  # fmt: skip
        log_action(req, "submit", user, to_state=req.status, kind=req.kind)
        if resident is None:
            return perform(req, "close_at_once", SYSTEM, apply=lambda locked: _erase(locked, SYSTEM))
        _notify_staff(req)
    return req


# --- staff: carry out or refuse -----------------------------------------------------------------


def _apply_correction(req: DataRightsRequest, by) -> None:
    resident = Resident.objects.select_for_update().get(pk=req.resident_id)
    fields = {k: v for k, v in req.change.items() if k in {"phone", "building", "door"}}
    relations = {}
    if "groups" in req.change:
        relations["groups"] = list(PopulationGroup.objects.filter(code__in=req.change["groups"]))
    save_and_log_update(resident, by, fields, relations)


def close_account(user, by) -> None:
    """The account is closed: inactive, no usable password, the user name and mobile number
    replaced by an anonymous token, names and e-mail emptied, a waiting residence request
    withdrawn and the doors of all of them emptied, the text messages and codes sent to the
    number deleted, API tokens revoked. Sessions end
    with it (accounts.security.end_all_access: its sessions and its API tokens)."""
    from .residence import withdraw_residence

    User = get_user_model()
    locked = User.objects.select_for_update().get(pk=user.pk)
    # a residence request still waiting is withdrawn, as by the person (who asked for this)
    for pending in ResidenceRequest.objects.filter(user=locked, status=ResidenceStatus.PENDING):
        withdraw_residence(pending, locked, note="account closed")
    ResidenceRequest.objects.filter(user=locked).update(door="")
    token = "closed-" + secrets.token_hex(6)
    locked.username = token
    locked.first_name = locked.last_name = locked.email = ""
    locked.is_active = False
    locked.set_unusable_password()
    locked.save()
    phone = Account.objects.filter(user=locked).values_list("phone", flat=True).first()
    if phone:  # the text messages and codes sent to the number go with it
        SmsMessage.objects.filter(phone=phone).delete()
        SmsCode.objects.filter(phone=phone).delete()
    Account.objects.filter(user=locked).update(phone=None)
    security.end_all_access(locked)  # the session store's sessions and the API tokens
    log_action(locked, "close_account", by)


def phones_of(user, resident: Resident | None) -> set[str]:
    """The person's phone numbers (their account's and their resident record's), stored digits."""
    phones = {normalize_phone(Account.objects.filter(user=user).values_list("phone", flat=True).first())}
    if resident is not None:
        phones.add(normalize_phone(resident.phone))
    return phones - {""}


def mask_phones_in_rows(rows, fields: list[str], phones: set[str]) -> None:
    """For an erase hook: the person's phone numbers masked in the free text of `rows` (what they
    or staff typed about them stays, readable, without the number)."""
    for row in rows:
        changed = {f: mask_phones_in(getattr(row, f), phones) for f in fields}
        changed = {f: v for f, v in changed.items() if v != getattr(row, f)}
        if changed:
            type(row).objects.filter(pk=row.pk).update(**changed)


def erase_resident(resident: Resident, by) -> None:
    """Personal fields erased: the name replaced by its masked form, phone, ID number, door,
    birth date and gender emptied, groups removed, consent false, the account unlinked.
    Wishes, demands and hours keep pointing to the record, which now shows the masked name."""
    locked = Resident.objects.select_for_update().get(pk=resident.pk)
    locked.name = mask_name(locked.name, locked.gender, locked.birth_date)
    locked.phone = locked.id_number = locked.door = locked.gender = ""
    locked.birth_date = None
    locked.consent = False
    locked.user = None
    locked.save()
    locked.groups.clear()
    log_action(locked, "erase", by)


def _erase(req: DataRightsRequest, by) -> None:
    user = req.user
    resident = Resident.objects.filter(pk=req.resident_id).first() if req.resident_id else None
    for section in sections():
        if section.erase is not None:
            section.erase(user, resident)
    if resident is not None:
        erase_resident(resident, by)
    close_account(user, by)
    # the person's earlier requests (a correction names their phone and door) go blank too
    DataRightsRequest.objects.filter(user=user).exclude(pk=req.pk).update(change={}, reason="")
    req.change = {}
    req.reason = ""


def carry_out(req: DataRightsRequest, by, answer: str = "") -> DataRightsRequest:
    """Staff carry out a request: a correction is applied to the resident record; a deletion
    closes the account and erases the personal fields (each app's erase hook too). One
    transaction, the request locked; the person is notified while they still have an account."""
    answer = _clean_reason(answer, "answer")
    kind = req.kind

    def apply(locked):
        locked.handled_by = by
        locked.handled_at = timezone.now()
        locked.answer = answer
        if locked.kind == DataRequestKind.CORRECTION:
            _apply_correction(locked, by)
            notify(
                [locked.user],
                _("Your record was corrected as you asked."),
                url=reverse("my_data"),
            )
        else:
            _erase(locked, by)

    return perform(req, "carry_out", by, apply=apply, audit={"kind": kind})


def refuse(req: DataRightsRequest, by, answer: str) -> DataRightsRequest:
    """Staff refuse a request, saying why; the person is told."""
    answer = _clean_reason(answer, "answer", required=True)

    def apply(locked):
        locked.handled_by = by
        locked.handled_at = timezone.now()
        locked.answer = answer
        notify(
            [locked.user],
            _("Your request about your data was refused: %(reason)s") % {"reason": answer},
            url=reverse("my_data"),
        )

    return perform(req, "refuse", by, apply=apply, audit={"kind": req.kind})


def requests_for_staff(user, status: str | None = DataRequestStatus.SUBMITTED):
    qs = DataRightsRequest.objects.restrict(user, "datarequest.handle").select_related(
        "user", "resident", "grid", "grid__parent", "handled_by"
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("created_at", "id")


def pending_count(user) -> int:
    return (
        DataRightsRequest.objects.restrict(user, "datarequest.handle")
        .filter(status=DataRequestStatus.SUBMITTED)
        .count()
    )


def request_for_staff(user, pk) -> DataRightsRequest:
    from weiguang.regions.access import get_for_user

    qs = DataRightsRequest.objects.select_related("user", "resident", "grid", "grid__parent")
    return get_for_user(qs, user, "datarequest.handle", see="datarequest.handle", pk=pk, denied=NotAllowed)


def export_xlsx(user) -> bytes:
    """The Excel export: one sheet a section, a header row of labels, one row a record."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for section in personal_data(user):
        title = "".join(c for c in section["label"] if c not in "[]:*?/\\")[:28] or section["key"][:28]
        while title in used:
            title = title[:26] + f"{len(used):02d}"
        used.add(title)
        sheet = book.create_sheet(title)
        keys = [f["key"] for f in section["fields"]]
        sheet.append([f["label"] for f in section["fields"]])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in section["rows"]:
            sheet.append([_cell(row.get(k)) for k in keys])
            for cell in sheet[sheet.max_row]:
                if cell.data_type == "f":  # text the person typed as "=...": kept as text, never a formula
                    cell.data_type = "s"
                    cell.quotePrefix = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value):
    if isinstance(value, list | dict):
        import json

        return json.dumps(value, ensure_ascii=False)
    return value

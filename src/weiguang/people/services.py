from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from weiguang.core.audit import history_of, log_action
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.core.idempotency import create_once
from weiguang.core.models import AuditEntry
from weiguang.core.text import PHONE_TEXT, clean_text, normalize_phone
from weiguang.regions import access
from weiguang.regions.access import get_for_user, memberships
from weiguang.regions.models import Region, RegionKind, ancestor_ids

from .models import Gender, PopulationGroup, Resident, VisitNote, phone_validator


def own_resident(user) -> Resident | None:
    """The user's own resident record, if any (Django keeps it on the user object)."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.resident
    except Resident.DoesNotExist:
        return None


def street_id_of(path: str) -> int | None:
    ids = ancestor_ids(path or "")
    return ids[1] if len(ids) >= 2 else None


def home_street_id(user, resident: Resident | None = None, grid_path: str | None = None) -> int | None:
    """The street whose wall is "theirs": the resident's own (from `resident`, or the path of its
    grid), else that of their first role."""
    if resident is not None and resident.grid_id:
        grid_path = resident.grid.path
    street = street_id_of(grid_path) if grid_path else None
    for _role, path in memberships(user):
        street = street or street_id_of(path)
    return street


def search_residents(user, text: str = "", limit: int = 20) -> QuerySet[Resident]:
    """Residents the user may pick (a grid worker: only residents of their own grids)."""
    qs = Resident.objects.select_related("grid").restrict(user, "resident.search")
    text = (text or "").strip()
    if text:
        qs = qs.filter(Q(name__contains=text) | Q(phone__endswith=text) | Q(building__contains=text))
    return qs.order_by("name", "id")[:limit]


def resident_for(actor, resident: Resident | int | str | None, grid=None) -> Resident:
    """The resident `actor` acts for ("on behalf of": a wish, a demand, ...), checked the one way
    every such path must: the actor may see that resident (regions.access, "resident.view") and,
    when `grid` is given, the resident lives in that grid.

    Refusals: no such resident -> InvalidInput on `resident_id`; a resident out of the actor's
    sight -> NotAllowed; a resident without consent to processing (never given, or withdrawn
    on their "my data" page) -> InvalidInput on `resident_id`; another grid -> InvalidInput on
    `resident_id`."""
    pk = resident.pk if isinstance(resident, Resident) else resident
    if isinstance(pk, str):
        pk = int(pk) if pk.isdigit() else None
    if pk is None or isinstance(pk, bool) or not 0 < pk < 2**63:
        raise InvalidInput(_("There is no such resident."), fields={"resident_id": "not_found"})
    found = Resident.objects.select_related("grid").restrict(actor, "resident.view").filter(pk=pk).first()
    if found is None:
        if not Resident.objects.filter(pk=pk).exists():
            raise InvalidInput(_("There is no such resident."), fields={"resident_id": "not_found"})
        raise NotAllowed(_("You may only act for residents of the places you serve."))
    if not found.consent:
        raise InvalidInput(
            _(
                "This resident has not given (or has withdrawn) consent to processing: nothing new may be recorded for them."
            ),
            fields={"resident_id": "no_consent"},
        )
    if grid is not None and found.grid_id != grid.pk:
        raise InvalidInput(
            _("This resident does not live in the chosen grid."), fields={"resident_id": "other_grid"}
        )
    return found


NAME_MAX = 50  # Resident.name
PLACE_MAX = 30  # Resident.building and Resident.door
PHONE_TEXT_MAX = 30  # the phone as typed, spaces and dashes included


def clean_phone(value, field: str = "phone") -> str:
    """A mainland mobile or landline number (people.models.phone_validator) in the one form
    Weiguang stores and compares: digits only, without +86 (core.text.normalize_phone). Missing
    or not a phone number: InvalidInput on `field`."""
    if value is not None and not isinstance(value, str):
        raise InvalidInput(_("This value has the wrong type."), fields={field: "invalid"})
    typed = unicodedata.normalize("NFKC", value or "").strip()
    if not typed:
        raise InvalidInput(
            _("Enter the resident's phone number: they claim this record with it when they sign up."),
            fields={field: "required"},
        )
    digits = normalize_phone(typed)
    try:
        if len(typed) > PHONE_TEXT_MAX or not PHONE_TEXT.match(typed):
            raise ValidationError("")
        phone_validator(digits)
    except ValidationError:
        raise InvalidInput(str(phone_validator.message), fields={field: "invalid"}) from None
    return digits


def residents_with_phone(phone: str, street: Region) -> list[Resident]:
    """The residents of `street` whose phone is `phone` (normalised), however it was typed when
    their record was made (a record from the admin may keep "0532-8388 1234")."""
    same_street = Resident.objects.select_related("grid").filter(
        grid__path__startswith=street.path, phone__contains=phone[-4:]
    )
    return [r for r in same_street.order_by("id") if normalize_phone(r.phone) == phone]


def add_resident(
    by, *, grid: Region | None, name, phone, building="", door="",
    groups: Iterable[PopulationGroup] = (), consent: bool, gender: str = "",
    idempotency_key: str | None = None, channel: str = "page",
) -> tuple[Resident, bool]:  # fmt: skip
    """A grid worker or staff member adds a resident they could not find, on the spot (while
    recording a wish or a demand on their behalf). The resident later claims the record by
    signing up with the same phone, which is kept normalised (`clean_phone`).

    Refusals: `grid` not a grid, or one where `by` may not add residents (regions.access,
    "resident.create": the grid's workers, its community's staff, the street admin) ->
    NotAllowed; a missing name, a phone that is not a mainland mobile or landline, consent not
    recorded -> InvalidInput naming each field; a resident of the same street with that phone
    -> Conflict ("duplicate_resident", `duplicate_of` the record's id, the message names it,
    masked unless `by` may see it) so the worker picks that one. A double tap with the same
    `idempotency_key` returns the record the first made. Returns (resident, created now)."""
    if not isinstance(grid, Region) or grid.kind != RegionKind.GRID:
        raise InvalidInput(_("Choose the grid the resident lives in."), fields={"grid": "required"})
    if not access.can(by, "resident.create", grid):
        raise NotAllowed(_("You may only add residents to the grids you serve."))
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    checks = {
        "name": lambda: clean_text(
            name,
            "name",
            required=True,
            max_length=NAME_MAX,
            one_line=True,
            message=_("Enter the resident's name."),
        ),  # fmt: skip
        "phone": lambda: clean_phone(phone),
        "building": lambda: clean_text(
            building, "building", required=False, max_length=PLACE_MAX, one_line=True
        ),
        "door": lambda: clean_text(door, "door", required=False, max_length=PLACE_MAX, one_line=True),
    }
    for field, check in checks.items():
        try:
            cleaned[field] = check()
        except InvalidInput as err:
            errors[field] = err.message
    if gender not in ("", *Gender.values):
        errors["gender"] = _("This value is not valid.")
    groups = list(groups or ())
    if any(not isinstance(g, PopulationGroup) or g.pk is None for g in groups):
        errors["groups"] = _("This value is not valid.")
    if consent is not True:
        errors["consent"] = _("Ask the resident and tick that they agree their data is kept here.")
    if errors:
        message = next(iter(errors.values())) if len(errors) == 1 else _("Please correct the fields marked.")
        raise InvalidInput(message, fields=errors)
    street = grid.street or grid

    def create() -> Resident:
        with transaction.atomic():
            # Two workers adding the same person at once: the street's row makes the second
            # wait until the first is committed, then see it as a duplicate.
            Region.objects.select_for_update().filter(pk=street.pk).first()
            twins = residents_with_phone(cleaned["phone"], street)
            if twins:
                raise _duplicate(by, twins[0])
            resident = Resident.objects.create(
                grid=grid, name=cleaned["name"], phone=cleaned["phone"], building=cleaned["building"],
                door=cleaned["door"], gender=gender, consent=True,
            )  # fmt: skip
            resident.groups.set(groups)
            log_action(
                resident, "add", by, channel=channel, grid=grid.pk, groups=sorted(g.pk for g in groups)
            )
        return resident

    return create_once(by, "resident.add", idempotency_key, Resident, create)


def _duplicate(by, twin: Resident) -> Conflict:
    """The refusal naming the record that already has the phone: in full when `by` may pick it,
    else masked, with where it lives, so they ask that grid's staff."""
    where = " ".join(p for p in [twin.grid.name, twin.building] if p)
    if access.can(by, "resident.search", twin):
        message = _("%(name)s (%(where)s, %(phone)s) already has this phone number: choose them instead.")
        name = twin.name
    else:
        message = _(
            "%(name)s (%(where)s, %(phone)s) already has this phone number, in a grid you do not "
            "serve: ask the community staff."
        )
        name = twin.masked_name
    text = message % {"name": name, "where": where, "phone": twin.masked_phone}
    return Conflict(text, code="duplicate_resident", fields={"phone": text, "duplicate_of": str(twin.pk)})


def view_resident_record(
    resident: Resident | None, by, *, via: str = "record", ref=None, channel: str = "page"
) -> Resident | None:
    """Seeing a resident's full record or contact is audited (PIPL): one "view_record" entry per
    page or API answer that shows it (`via` what: record / wish / demand, `ref` its id). The
    resident looking at their own data is not logged."""
    if resident is None:
        return None
    if getattr(by, "is_authenticated", False) and resident.user_id == by.pk:
        return resident
    log_action(resident, "view_record", by, via=via, ref=ref, channel=channel)
    return resident


def residents_with_view_log(user, text: str = "") -> QuerySet[Resident]:
    """The residents whose record and view log `user` may open (staff of their region)."""
    qs = Resident.objects.select_related("grid").restrict(user, "resident.view_log")
    text = (text or "").strip()
    if text:
        qs = qs.filter(Q(name__contains=text) | Q(phone__endswith=text) | Q(building__contains=text))
    return qs.order_by("name", "id")


def resident_with_view_log(user, pk) -> Resident:
    """One resident whose record `user` may open; any other is "not found" (Http404)."""
    if isinstance(pk, str):
        pk = int(pk) if pk.isdigit() else None
    if not isinstance(pk, int) or isinstance(pk, bool) or not 0 < pk < 2**63:
        raise Http404
    residents = Resident.objects.select_related("grid", "grid__parent")
    return get_for_user(residents, user, see="resident.view_log", pk=pk)


# The pages a record is seen on (`via`), registered by the app that shows them (people names
# no page of the apps above it): via -> (label, name of the URL of the page by its `ref`).
SEEN_ON: dict[str, tuple[Any, str]] = {}


def register_seen_on(via: str, label, url_name: str) -> None:
    SEEN_ON[via] = (label, url_name)


def seen_on(view: AuditEntry) -> dict | None:
    """The page a record view was on ({label, url}), when an app registered its `via`."""
    found = SEEN_ON.get(view.data.get("via"))
    ref = view.data.get("ref")
    if found is None or ref is None:
        return None
    label, url_name = found
    return {"label": label, "url": reverse(url_name, args=[ref])}


def record_views(resident: Resident) -> QuerySet[AuditEntry]:
    """Who saw the resident's full record or contact, and when: newest first."""
    return (
        history_of(resident)
        .filter(action="view_record")
        .order_by("-created_at", "-id")
        .select_related("actor")
    )


# --- visits -----------------------------------------------------------------------------

VISIT_NOTE_MAX = 2000
VISIT_DAYS_BACK = 60  # a note recorded offline may arrive days later, not months


def record_visit(
    by, *, resident, visited_on, note, follow_up: bool = False, channel: str = "field"
) -> VisitNote:
    """A grid worker's (or staff member's) note of a visit to `resident`'s home.

    Refusals: the resident out of `by`'s sight, without consent, unknown (resident_for); `by`
    may not record visits there ("visit.record": the grid's workers, its staff) -> NotAllowed;
    no date, a date in the future or more than VISIT_DAYS_BACK days ago, an empty or too long
    note -> InvalidInput naming each field."""
    resident = resident_for(by, resident)  # the one check of every "on behalf of" path
    if not access.can(by, "visit.record", resident):
        raise NotAllowed(_("You may only record visits to residents of the places you serve."))
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if not isinstance(visited_on, dt.date):
        errors["visited_on"] = _("Give the date of the visit.")
    elif visited_on > today:
        errors["visited_on"] = _("The visit cannot be after today.")
    elif visited_on < today - dt.timedelta(days=VISIT_DAYS_BACK):
        errors["visited_on"] = _("The visit was more than %(n)d days ago.") % {"n": VISIT_DAYS_BACK}
    try:
        note = clean_text(
            note, "note", required=True, max_length=VISIT_NOTE_MAX, message=_("Write what you found.")
        )
    except InvalidInput as err:
        errors["note"] = err.message
    if not isinstance(follow_up, bool):
        errors["follow_up"] = _("Enter true or false.")
    if errors:
        message = next(iter(errors.values())) if len(errors) == 1 else _("Please correct the fields marked.")
        raise InvalidInput(message, fields=errors)
    with transaction.atomic():
        visit = VisitNote.objects.create(
            resident=resident, grid=resident.grid, visited_on=visited_on, note=note,
            follow_up=follow_up, created_by=by,
        )  # fmt: skip
        log_action(visit, "record", by, channel=channel, resident=resident.pk, follow_up=follow_up)
    return visit


def visit_notes_of(user, resident: Resident) -> QuerySet[VisitNote]:
    """The notes of visits to `resident` that `user` may read, newest first."""
    return (
        VisitNote.objects.restrict(user, "visit.view")
        .filter(resident=resident)
        .select_related("created_by")
        .order_by("-visited_on", "-id")
    )

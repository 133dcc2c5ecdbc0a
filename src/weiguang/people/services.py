from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from weiguang.core.audit import history_of, log_action
from weiguang.core.errors import InvalidInput, NotAllowed
from weiguang.core.models import AuditEntry
from weiguang.regions.access import get_for_user, memberships
from weiguang.regions.models import ancestor_ids

from .models import Resident


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
    sight -> NotAllowed; another grid -> InvalidInput on `resident_id`."""
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
    if grid is not None and found.grid_id != grid.pk:
        raise InvalidInput(
            _("This resident does not live in the chosen grid."), fields={"resident_id": "other_grid"}
        )
    return found


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

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from weiguang.core.audit import log_action
from weiguang.core.errors import InvalidInput, NotAllowed
from weiguang.regions.access import scope

from .models import Resident


def search_residents(user, text: str = "", limit: int = 20) -> QuerySet[Resident]:
    """Residents the user may pick (a grid worker: only residents of their own grids)."""
    qs = scope(Resident.objects.select_related("grid"), user, "resident.search")
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
    found = scope(Resident.objects.select_related("grid"), actor, "resident.view").filter(pk=pk).first()
    if found is None:
        if not Resident.objects.filter(pk=pk).exists():
            raise InvalidInput(_("There is no such resident."), fields={"resident_id": "not_found"})
        raise NotAllowed(_("You may only act for residents of the places you serve."))
    if grid is not None and found.grid_id != grid.pk:
        raise InvalidInput(
            _("This resident does not live in the chosen grid."), fields={"resident_id": "other_grid"}
        )
    return found


def view_resident_record(resident: Resident, by) -> Resident:
    """Viewing a full record is audited (PIPL)."""
    log_action(resident, "view_record", by)
    return resident

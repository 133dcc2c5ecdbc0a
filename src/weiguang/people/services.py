from __future__ import annotations

from django.db.models import Q, QuerySet

from weiguang.core.audit import log_action
from weiguang.regions.access import scope

from .models import Resident


def search_residents(user, text: str = "", limit: int = 20) -> QuerySet[Resident]:
    """Residents the user may pick (a grid worker: only residents of their own grids)."""
    qs = scope(Resident.objects.select_related("grid"), user, "resident.search")
    text = (text or "").strip()
    if text:
        qs = qs.filter(Q(name__contains=text) | Q(phone__endswith=text) | Q(building__contains=text))
    return qs.order_by("name", "id")[:limit]


def view_resident_record(resident: Resident, by) -> Resident:
    """Viewing a full record is audited (PIPL)."""
    log_action(resident, "view_record", by)
    return resident

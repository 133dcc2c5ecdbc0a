"""What people gives the grid worker's field kit (core/offline.py): the residents to choose
from (every form of the kit is for one of them) and the kind "visit", a note of a home visit
(services.record_visit)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext_lazy
from pydantic import Field

from weiguang.core.api import Id, InSchema, Text
from weiguang.core.offline import FieldKind, FieldPart, Outcome, parse, register_kind, register_part
from weiguang.regions import access

from . import services
from .models import Resident, VisitNote

FIELD_RESIDENTS_MAX = 800  # a grid has a few hundred households; a community's staff more


class VisitFieldIn(InSchema):
    resident_id: Id
    visited_on: dt.date
    note: Text = Field(max_length=services.VISIT_NOTE_MAX)
    follow_up: bool = False


def handle(entry) -> Outcome:
    data = parse(VisitFieldIn, entry.payload)
    visit = services.record_visit(
        entry.user, resident=data.resident_id, visited_on=data.visited_on, note=data.note,
        follow_up=data.follow_up,
    )  # fmt: skip
    return describe(entry.user, visit)


def describe(user, visit: VisitNote) -> Outcome:
    url = ""
    if access.can(user, "resident.view_log", visit.resident):
        url = reverse("staff_resident", args=[visit.resident_id]) + "#visits"
    return Outcome(visit, number=f"#{visit.pk}", url=url)


def residents(user) -> dict:
    """The residents the user may pick (people.services.search_residents' rule), by building."""
    qs = (
        Resident.objects.restrict(user, "resident.search")
        .filter(consent=True)
        .select_related("grid")
        .order_by("grid__name", "grid_id", "building", "door", "name", "id")
    )
    return {"residents": list(qs[:FIELD_RESIDENTS_MAX]), "residents_max": FIELD_RESIDENTS_MAX}


def register() -> None:
    register_part(FieldPart("residents", "people/field_residents.html", residents, order=0))
    register_kind(
        FieldKind(
            name="visit", label=gettext_lazy("Visit note"), model=VisitNote, handle=handle,
            describe=describe, template="people/field_visit.html", order=30,
            when=lambda user: access.can(user, "visit.record"),
        )
    )  # fmt: skip

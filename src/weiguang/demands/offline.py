"""The demand a grid worker records at a resident's door, offline (core/offline.py's kind
"demand"): the same service as the desk and POST /demands (intake.submit_demand), channel
"home visit"."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import Field

from weiguang.core.api import Id, InSchema, Text, referenced
from weiguang.core.errors import NotAllowed
from weiguang.core.offline import FieldKind, Outcome, parse, register_kind
from weiguang.people.services import resident_for
from weiguang.regions import access

from .models import Demand, DemandCategory, DemandChannel
from .services import intake, queries
from .services.common import PLACE_MAX, TEXT_MAX, TITLE_MAX


class DemandFieldIn(InSchema):
    resident_id: Id
    title: Text = Field(max_length=TITLE_MAX)
    description: Text = Field("", max_length=TEXT_MAX)
    category: Id | None = None
    urgent: bool = False
    place: Text = Field("", max_length=PLACE_MAX)


def handle(entry) -> Outcome:
    data = parse(DemandFieldIn, entry.payload)
    user = entry.user
    resident = resident_for(user, data.resident_id)
    if not access.can(user, "demand.create", resident.grid):
        raise NotAllowed(_("You may only record demands for residents of your own grids."))
    categories = DemandCategory.objects.filter(active=True)
    category = referenced(categories, data.category, "category", _("There is no such category."))
    demand = intake.submit_demand(
        user, grid=resident.grid, title=data.title, description=data.description,
        channel=DemandChannel.VISIT, category=category, urgent=data.urgent, resident=resident,
        place=data.place,
    )  # fmt: skip
    return describe(user, demand)


def describe(user, demand: Demand) -> Outcome:
    url = f"/demands/{demand.pk}/" if queries.visible_demands(user).filter(pk=demand.pk).exists() else ""
    return Outcome(demand, number=demand.tracking_code, url=url)


def context(user) -> dict:
    return {"categories": DemandCategory.objects.filter(active=True).select_related("parent")}


def register() -> None:
    register_kind(
        FieldKind(
            name="demand", label=gettext_lazy("Demand"), model=Demand, handle=handle, describe=describe,
            template="demands/field_demand.html", context=context, order=20,
            when=lambda user: access.can(user, "demand.create"),
        )
    )  # fmt: skip

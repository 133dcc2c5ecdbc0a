"""The wish a grid worker records at a resident's door, offline (core/offline.py's kind "wish"):
the same service as the on-behalf page and POST /wishes (services.submit_wish)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import Field

from weiguang.core.api import Id, InSchema, Text
from weiguang.core.errors import InvalidInput
from weiguang.core.offline import FieldKind, Outcome, parse, register_kind
from weiguang.people.services import resident_for
from weiguang.regions import access

from . import services
from .filters import KindCode
from .models import Channel, Wish, WishCategory, WishKind


class WishFieldIn(InSchema):
    resident_id: Id
    kind: KindCode = WishKind.ITEM
    title: Text
    description: Text = ""
    category: Id | None = None
    value: Decimal | None = Field(None, max_digits=10, decimal_places=2)
    confirm_duplicate: bool = False


def handle(entry) -> Outcome:
    data = parse(WishFieldIn, entry.payload)
    category = None
    if data.category is not None:
        category = WishCategory.objects.filter(pk=data.category, active=True).first()
        if category is None:
            raise InvalidInput(
                _("There is no such category."), fields={"category": _("There is no such category.")}
            )
    resident = resident_for(entry.user, data.resident_id)
    wish, _created = services.submit_wish(
        entry.user, kind=data.kind, title=data.title, description=data.description, category=category,
        value=data.value, resident=resident, channel=Channel.GRID,
        confirm_duplicate=data.confirm_duplicate,
    )  # fmt: skip
    return describe(entry.user, wish)


def describe(user, wish: Wish) -> Outcome:
    url = f"/wishes/{wish.pk}/" if services.may_view(user, wish) else ""
    return Outcome(wish, number=f"#{wish.pk}", url=url)


def context(user) -> dict:
    return {"categories": WishCategory.objects.filter(active=True), "kinds": WishKind.choices}


def register() -> None:
    register_kind(
        FieldKind(
            name="wish", label=gettext_lazy("Wish"), model=Wish, handle=handle, describe=describe,
            template="wishes/field_wish.html", context=context, order=10,
            when=lambda user: access.can(user, "wish.create_for_resident"),
        )
    )  # fmt: skip

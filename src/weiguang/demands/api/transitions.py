"""A demand's transitions: dispatch, transfer, handle, reply, evaluate, return, escalate, refer; a wish converted."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router
from ninja.responses import Status

from weiguang.core.actions import register_api_actions
from weiguang.core.api import (
    ERROR_RESPONSES,
    Id,
    referenced,
    require_user,
)

from ..actions import DEMAND_ACTIONS
from ..models import (
    DemandCategory,
)
from ..services import intake
from .helpers import _get, _render
from .schemas import (
    DEMAND_OUT,
    ConvertIn,
    DemandDetailOut,
)

router = Router(tags=["demands"])


# --- transitions -------------------------------------------------------------------------


register_api_actions(
    router, DEMAND_ACTIONS, path="/{id:demand_id}", load=lambda user, demand_id: _get(demand_id),
    render=_render, response=DEMAND_OUT, module=__name__,
)  # fmt: skip


@router.post(
    "/from_wish/{id:wish_id}",
    response={201: DemandDetailOut, **ERROR_RESPONSES},
    summary="Turn a micro-wish that is too big into a demand (staff)",
)
def convert_wish(request, wish_id: Id, data: ConvertIn):
    """The wish leaves the wall (status `converted`) and a demand takes it on; each links to
    the other (`source_wish` here, `demand` on the wish)."""
    from weiguang.wishes.models import Wish

    user = require_user(request)
    wish = get_object_or_404(Wish.objects.select_related("resident", "grid"), pk=wish_id)
    categories = DemandCategory.objects.filter(active=True)
    category = referenced(categories, data.category, "category", _("There is no such category."))
    return Status(201, _render(user, intake.convert_wish(wish, user, note=data.note, category=category)))

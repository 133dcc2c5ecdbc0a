"""One demand's page and its actions (dispatch, transfer, handle, reply, evaluate...), and a wish converted to a demand."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from weiguang.core.actions import run_page_action_reporting
from weiguang.core.errors import ServiceError
from weiguang.core.templatetags.wg import safe_next
from weiguang.people.services import view_resident_record
from weiguang.regions import access
from weiguang.wishes import services as wish_services
from weiguang.wishes.models import Wish
from weiguang.wishes.views import render_wish_page

from ..access import may, works_at
from ..actions import DEMAND_ACTIONS
from ..forms import (
    ConvertWishForm,
)
from ..models import (
    Demand,
    Transfer,
    TransferStatus,
    deadline_colour,
)
from ..services import intake, queries
from .helpers import (
    COLOUR_WORDS,
    STATUS_BADGES,
    _history,
    _load,
    _progress,
    _view_or_404,
)

# --- one demand ---------------------------------------------------------------------------------


def _available(demand: Demand, user, my_transfer: Transfer | None) -> dict:
    """The action forms to show, by the names of the page's forms."""
    available = queries.available_actions(demand, user, my_transfer)
    if "handle_part" in available:
        available.setdefault("handle", available.pop("handle_part"))
    if "approve_return" in available:
        available["review_return"] = available["approve_return"]
    return available


def _detail_context(request, demand: Demand, bound: dict | None = None) -> dict:
    user = request.user
    bound = bound or {}
    now = timezone.now()
    my_transfer = queries.handler_transfer(demand, user)
    available = _available(demand, user, my_transfer)
    relations = demand.relations_to(user)
    staff = works_at(user, demand.grid.path)
    transfers = list(demand.transfers.select_related("department", "handled_by"))
    for t in transfers:
        live = t.status in Transfer.LIVE_STATUSES
        t.colour = deadline_colour(t.deadline, now) if live and t.status == TransferStatus.ACTIVE else ""
        t.colour_word = COLOUR_WORDS.get(t.colour, "")
    forms = DEMAND_ACTIONS.forms(request, demand, available, bound)
    contact = queries.can_see_contact(user, demand)
    if contact and demand.resident_id and "owner" not in relations:  # shown: audited (PIPL)
        view_resident_record(demand.resident, user, via="demand", ref=demand.pk)
    resident_record = None
    if demand.resident_id and may(user, "resident.view_log", demand.resident):
        resident_record = demand.resident
    # sent online by an account whose address staff have not confirmed yet: 未核实身份
    unconfirmed_author = contact and queries.sent_unconfirmed(demand)
    demand.badge = STATUS_BADGES.get(demand.status, "grey")
    demand.deadline = demand.colour(now)
    demand.deadline_word = COLOUR_WORDS.get(demand.deadline, "")
    return {
        "d": demand,
        "available": available,
        "forms": forms,
        "contact": contact,
        "resident_record": resident_record,
        "is_owner": "owner" in relations,
        "is_staff": staff,
        "my_transfer": my_transfer,
        "transfers": transfers,
        "progress": _progress(demand.status),
        "history": _history(demand, for_resident="owner" in relations and not staff),
        "returning": [t for t in transfers if t.status == TransferStatus.RETURN_REQUESTED],
        "refer_empty": "refer" in forms and not forms["refer"].meetings,
        "can_record_service": may(user, "demand.handle", demand),
        "unconfirmed_author": unconfirmed_author,
        # the link to the queue, for those who may confirm it (not a grid worker or department)
        "may_confirm_author": unconfirmed_author and access.can(user, "residence.confirm", demand),
    }


@require_GET
def demand_detail(request, pk: int):
    demand = _load(pk)
    if not may(request.user, "demand.view", demand):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise Http404
    return render(request, "demands/detail.html", _detail_context(request, demand))


@login_required
@require_POST
def demand_action(request, pk: int, action: str):
    """POST /demands/<pk>/<action>/: one step. A refusal is shown to the user with the HTTP
    status the API would use, never a server error."""
    if action not in DEMAND_ACTIONS:
        raise Http404
    demand = _view_or_404(request, pk)
    bound: dict = {}
    ok, status = run_page_action_reporting(DEMAND_ACTIONS[action], request, demand, bound)
    if ok:
        messages.success(request, DEMAND_ACTIONS[action].success)
        fresh = _load(pk)
        default = reverse("demand_detail", args=[pk])
        if not may(request.user, "demand.view", fresh):
            default = reverse("home")
        return redirect(safe_next(request, default))
    if status == 422:
        messages.error(request, _("Please check the form below."))
    fresh = _view_or_404(request, pk)
    return render(request, "demands/detail.html", _detail_context(request, fresh, bound), status=status)


@login_required
@require_POST
def convert_wish(request, wish_pk: int):
    """Staff turn a micro-wish that is too big into a demand; the wish links to it."""
    wish = access.get_for_user(Wish, request.user, see=wish_services.may_view, pk=wish_pk)
    form = ConvertWishForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        demand = intake.convert_wish(wish, request.user, note=note)
    except ServiceError as err:
        messages.error(request, err.message)
        return render_wish_page(request, wish_pk, status=err.status)
    messages.success(request, _("The wish is now a demand. Please dispatch it."))
    return redirect("demand_detail", pk=demand.pk)

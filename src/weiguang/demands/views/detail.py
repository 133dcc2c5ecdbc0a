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

from weiguang.core.errors import ServiceError
from weiguang.core.forms import apply_service_error
from weiguang.core.templatetags.wg import safe_next
from weiguang.people.services import view_resident_record
from weiguang.regions import access
from weiguang.regions.models import ancestor_paths
from weiguang.wishes import services as wish_services
from weiguang.wishes.models import Wish
from weiguang.wishes.views import render_wish_page

from ..access import may, works_at
from ..forms import (
    AssignForm,
    ConvertWishForm,
    EvaluateForm,
    HandleForm,
    ReasonForm,
    ReferForm,
    ReplyForm,
    ResolveForm,
    ReviewReturnForm,
    TransferForm,
)
from ..models import (
    Deliberation,
    Demand,
    Department,
    MeetingStatus,
    Transfer,
    TransferStatus,
    deadline_colour,
)
from ..services import deliberations, dispatch, handling, intake, queries
from ..services import transfers as demand_transfers
from .helpers import (
    ACTIONS,
    COLOUR_WORDS,
    STATUS_BADGES,
    SUCCESS,
    _dispatchers,
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
    forms = {}
    if "resolve_on_spot" in available:
        forms["resolve"] = bound.get("resolve_on_spot") or ResolveForm(prefix="resolve")
    if "assign" in available:
        forms["assign"] = bound.get("assign") or AssignForm(people=_dispatchers(demand.grid.path))
    if "transfer" in available:
        forms["transfer"] = bound.get("transfer") or TransferForm(
            departments=Department.objects.filter(street=demand.street_id),
            default_due=demand_transfers.default_transfer_deadline(demand, now),
        )
    if "handle" in available:
        forms["handle"] = bound.get("handle") or HandleForm()
    if "reply" in available:
        forms["reply"] = bound.get("reply") or ReplyForm()
    if "evaluate" in available:
        forms["evaluate"] = bound.get("evaluate") or EvaluateForm()
    if "return" in available:
        forms["return"] = bound.get("return") or ReasonForm(prefix="return")
    if "escalate" in available:
        forms["escalate"] = bound.get("escalate") or ReasonForm(prefix="escalate")
    if "review_return" in available:
        forms["review"] = bound.get("review_return") or ReviewReturnForm()
    if "refer" in available:
        prefixes = ancestor_paths(demand.grid.path)
        meetings = Deliberation.objects.filter(status=MeetingStatus.SCHEDULED, region__path__in=prefixes)
        forms["refer"] = bound.get("refer") or ReferForm(meetings=meetings.order_by("held_at")[:20])
    contact = queries.can_see_contact(user, demand)
    if contact and demand.resident_id and "owner" not in relations:  # shown: audited (PIPL)
        view_resident_record(demand.resident, user, via="demand", ref=demand.pk)
    resident_record = None
    if demand.resident_id and may(user, "resident.view_log", demand.resident):
        resident_record = demand.resident
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
        "can_recommend": demand.is_open and may(user, "claimers.recommend", demand),
    }


@require_GET
def demand_detail(request, pk: int):
    demand = _load(pk)
    if not may(request.user, "demand.view", demand):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise Http404
    return render(request, "demands/detail.html", _detail_context(request, demand))


def _run_action(request, demand: Demand, action: str, bound: dict) -> bool:
    """Parse the action's form into `bound` and call its service. False: the form is invalid.
    A refusal by the service propagates as ServiceError."""
    user, post = request.user, request.POST
    if action == "resolve_on_spot":
        form = bound[action] = ResolveForm(post, prefix="resolve")
        if not form.is_valid():
            return False
        dispatch.resolve_on_spot(demand, user, result=form.cleaned_data["result"])
    elif action == "assign":
        form = bound[action] = AssignForm(post, people=_dispatchers(demand.grid.path))
        if not form.is_valid() or form.cleaned_data["assignee"] is None:
            return False
        dispatch.assign_demand(demand, user, form.cleaned_data["assignee"], note=form.cleaned_data["note"])
    elif action == "transfer":
        form = bound[action] = TransferForm(
            post, departments=Department.objects.filter(street=demand.street_id)
        )
        if not form.is_valid():
            return False
        demand_transfers.transfer_demand(demand, user, form.targets(), note=form.cleaned_data["note"])
    elif action == "accept":
        demand_transfers.accept_transfer(demand, user)
    elif action == "handle":
        form = bound[action] = HandleForm(post)
        if not form.is_valid():
            return False
        data = form.cleaned_data
        handling.handle_demand(
            demand, user, result=data["result"], action_taken=data["action_taken"], is_genuine=form.genuine(),
            beyond_remit=data["beyond_remit"],
        )  # fmt: skip
    elif action == "reply":
        form = bound[action] = ReplyForm(post)
        if not form.is_valid():
            return False
        handling.reply_demand(
            demand, user, reply=form.cleaned_data["reply"], public_reply=form.cleaned_data["public_reply"]
        )
    elif action == "evaluate":
        form = bound[action] = EvaluateForm(post)
        if not form.is_valid():
            return False
        handling.evaluate_demand(
            demand, user, evaluation=form.cleaned_data["evaluation"], note=form.cleaned_data["note"]
        )
    elif action in ("return", "escalate"):
        form = bound[action] = ReasonForm(post, prefix=action)
        if not form.is_valid():
            return False
        if action == "return":
            demand_transfers.request_return(demand, user, reason=form.cleaned_data["reason"])
        else:
            dispatch.escalate_demand(demand, user, reason=form.cleaned_data["reason"])
    elif action == "review_return":
        form = bound[action] = ReviewReturnForm(post)
        if not form.is_valid():
            return False
        demand_transfers.review_return(
            demand, user, approve=form.cleaned_data["decision"] == "approve", note=form.cleaned_data["note"]
        )
    elif action == "refer":
        prefixes = ancestor_paths(demand.grid.path)
        meetings = Deliberation.objects.filter(region__path__in=prefixes)
        form = bound[action] = ReferForm(post, meetings=meetings)
        if not form.is_valid() or form.cleaned_data["meeting"] is None:
            return False
        deliberations.refer_to_meeting(
            demand, user, form.cleaned_data["meeting"], note=form.cleaned_data["note"]
        )
    return True


@login_required
@require_POST
def demand_action(request, pk: int, action: str):
    """POST /demands/<pk>/<action>/: one step. A refusal is shown to the user with the HTTP
    status the API would use, never a server error."""
    if action not in ACTIONS:
        raise Http404
    demand = _view_or_404(request, pk)
    bound: dict = {}
    try:
        ok = _run_action(request, demand, action, bound)
        status = 200 if ok else 422
    except ServiceError as err:
        ok, status = False, err.status
        messages.error(request, err.message)
        form = bound.get(action)
        if form is not None and err.fields:
            apply_service_error(form, err)
    if ok:
        messages.success(request, SUCCESS[action])
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

"""Residents' pages: submit a demand online, follow it by its tracking code, my demands."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from weiguang.accounts import residence
from weiguang.core import ratelimit
from weiguang.core.errors import ServiceError
from weiguang.core.forms import apply_service_error
from weiguang.core.privacy import mask_phone
from weiguang.core.text import normalize_phone
from weiguang.people.services import own_resident

from ..access import may
from ..actions import DEMAND_ACTIONS
from ..forms import (
    EvaluateForm,
    PublicDemandForm,
)
from ..models import (
    Demand,
    format_tracking_code,
    normalize_tracking_code,
)
from ..services import intake, queries, tracking
from .helpers import (
    STATUS_BADGES,
    TRACKING_CODE,
    _decorate,
    _paginate,
    _progress,
)

# --- residents: submit online, track by code, my demands --------------------------------------


def demand_new(request):
    """Anyone may submit a demand online: a logged-in resident's is theirs, a visitor's is
    anonymous and followed by its tracking code."""
    user = request.user
    if user.is_authenticated and may(user, "demand.create"):
        return redirect("desk_demand_new")
    resident = own_resident(user)
    found = residence.standing(user)  # unconfirmed: to the grid they named, with their phone
    if request.method == "POST":
        form = PublicDemandForm(request.POST, ask_phone=resident is None)
        if form.is_valid():
            data = form.cleaned_data
            try:
                demand = intake.submit_demand(
                    user, grid=data["grid"], title=data["title"], description=data["description"],
                    category=data["category"], urgent=data["urgent"], client=ratelimit.client_address(request),
                    contact_phone=data.get("contact_phone", ""),
                )  # fmt: skip
            except ServiceError as err:
                apply_service_error(form, err)
                return render(
                    request,
                    "demands/new.html",
                    {"form": form, "unconfirmed": found.unconfirmed},
                    status=err.status,
                )
            if user.is_authenticated and demand.resident_id:
                messages.success(request, _("Your demand was received. We will reply in your inbox."))
                return redirect("demand_detail", pk=demand.pk)
            return redirect("demand_done", code=demand.tracking_code)
        return render(
            request, "demands/new.html", {"form": form, "unconfirmed": found.unconfirmed}, status=422
        )
    initial = {"grid": found.grid.pk} if found.grid is not None else {}
    if found.unconfirmed:
        initial["contact_phone"] = residence.phone_of(user)
    form = PublicDemandForm(initial=initial, ask_phone=resident is None)
    return render(request, "demands/new.html", {"form": form, "unconfirmed": found.unconfirmed})


@require_GET
def demand_done(request, code: str):
    """After an anonymous submission: the tracking code, big, and how to follow it."""
    code = normalize_tracking_code(code)
    if not TRACKING_CODE.match(code) or not Demand.objects.filter(tracking_code=code).exists():
        raise Http404
    return render(request, "demands/done.html", {"code": code, "code_display": format_tracking_code(code)})


def _private(response):
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def track_form(request):
    """Follow a demand by its tracking code, typed any way ("3815 0274-6692"), or by the phone
    number given with it: then the demands given with that number, newest first."""
    client = ratelimit.client_address(request)
    code, phone = request.GET.get("code", "").strip()[:40], request.GET.get("phone", "").strip()[:40]
    context: dict = {"code": code, "phone": phone, "error": "", "phone_error": ""}
    status = 200
    try:
        if code:
            demand = tracking.find_by_code(code, client=client)
            if demand is not None:
                return redirect("demand_track", code=demand.tracking_code)
            context["error"], status = _("No demand has this tracking code. Please check each digit."), 404
        elif phone:
            found = tracking.find_by_phone(phone, client=client)
            context["found"] = _decorate(found)
            context["masked_phone"] = mask_phone(normalize_phone(phone))
    except ServiceError as err:
        context["phone_error" if phone and not code else "error"], status = err.message, err.status
    return _private(render(request, "demands/track_form.html", context, status=status))


TRACK_FIELDS = (
    "tracking_code", "status", "title", "description", "place", "category__name", "public_reply", "reply",
    "result", "created_at", "first_response_at", "handled_at", "replied_at", "closed_at", "evaluation",
    "evaluation_note", "warning_count",
)  # fmt: skip


def _track_demand(request, code: str) -> Demand:
    """The demand with this code (the page's address may carry it with spaces or dashes)."""
    found = tracking.find_by_code(code, client=ratelimit.client_address(request))
    if found is None:
        raise Http404
    return Demand.objects.select_related("category").only(*TRACK_FIELDS).get(pk=found.pk)


def _track_render(request, demand: Demand, form=None, status: int = 200):
    """What was reported, where it stands, our answer and the evaluation: nothing about who
    asked (no name, phone or address) and no internal working (who handled it, notes)."""
    context = {
        "d": demand,
        "badge": STATUS_BADGES.get(demand.status, "grey"),
        "progress": _progress(demand.status),
        "form": form or EvaluateForm(),
    }
    return _private(render(request, "demands/track.html", context, status=status))


def _track_or_429(request, code: str):
    try:
        return _track_demand(request, code), None
    except ServiceError as err:
        context = {"code": code, "phone": "", "error": err.message, "phone_error": ""}
        return None, _private(render(request, "demands/track_form.html", context, status=err.status))


@require_GET
def track(request, code: str):
    demand, refused = _track_or_429(request, code)
    return refused or _track_render(request, demand)


@require_POST
def track_evaluate(request, code: str):
    demand, refused = _track_or_429(request, code)
    if refused:
        return refused
    form = EvaluateForm(request.POST)
    if not form.is_valid():
        return _track_render(request, demand, form, status=422)
    try:
        tracking.evaluate_by_code(
            demand.tracking_code, evaluation=form.cleaned_data["evaluation"], note=form.cleaned_data["note"]
        )
    except ServiceError as err:
        messages.error(request, err.message)
        return _track_render(request, _track_demand(request, code), form, status=err.status)
    messages.success(request, DEMAND_ACTIONS["evaluate"].success)
    return redirect("demand_track", code=demand.tracking_code)


@login_required
def my_demands(request):
    demands = (
        queries.visible_demands(request.user)
        .filter(resident__user=request.user)
        .select_related("community", "category")
        .order_by("-created_at", "-id")
    )
    page = _paginate(request, demands, size=20)
    return render(
        request, "demands/my_demands.html", {"page_obj": page, "demands": _decorate(page.object_list)}
    )

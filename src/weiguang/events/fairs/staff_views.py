"""The fair's staff pages: setting up stalls (add, edit, remove), recording at a stall's counter
whom it served and a wish or a demand collected there (in the fair's intake session), and the
food-bank rounds (open a round, its eligible households, hand out a parcel by the household's
code). Thin: the services decide, the forms parse."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weiguang.core.errors import Conflict, ServiceError
from weiguang.core.forms import apply_service_error
from weiguang.core.idempotency import create_once
from weiguang.demands.models import Demand
from weiguang.demands.services import dispatch
from weiguang.people.models import Resident
from weiguang.regions import access
from weiguang.wishes.models import WishKind

from .. import services as event_services
from ..models import Event, EventKind, FoodRound, Stall, TicketStatus
from . import services
from .api import queue_rows
from .forms import (
    FoodRoundForm,
    HandOutForm,
    StallDemandForm,
    StallForm,
    StallWishForm,
    form_field_errors,
    stall_grids,
)

HOUSEHOLDS_PER_PAGE = 50


def _int(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 12 else None


def _apply(form, err: ServiceError) -> None:
    """A service's refusal on the form, its fields called as the form calls them."""
    fields = form_field_errors(err)
    placed = False
    for name, detail in fields.items():
        if name in form.fields:
            form.add_error(name, err.message if re.fullmatch(r"[a-z_]+", str(detail)) else str(detail))
            placed = True
    if not placed:
        form.add_error(None, err.message)


# --- stall set-up -----------------------------------------------------------------------------


def _managed_fair(request, pk: int, action: str = "stall.manage") -> Event:
    event = (
        Event.objects.select_related("region")
        .restrict(request.user, action)
        .filter(pk=pk, kind=EventKind.SERVICE_FAIR)
        .first()
    )
    if event is None:
        raise Http404
    return event


def _managed_stall(request, pk: int) -> Stall:
    stall = (
        Stall.objects.select_related("event__region", "partner", "team")
        .restrict(request.user, "stall.manage")
        .filter(pk=pk)
        .first()
    )
    if stall is None:
        raise Http404
    return stall


@login_required
def fair_setup(request, pk: int):
    """The fair's stalls for its staff: each with its queue and people served, to edit or
    remove; and the form that adds one."""
    event = _managed_fair(request, pk)
    form = StallForm(event, request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                stall = services.add_stall(event, request.user, form.service_data())
            except ServiceError as err:
                _apply(form, err)
            else:
                messages.success(
                    request,
                    _("Stall %(n)d “%(service)s” is set up.") % {"n": stall.number, "service": stall.service},
                )
                return redirect("fair_setup", event.pk)
        status = 422
    stalls = services.fair_stalls(event).annotate(
        n_waiting=Count("tickets", filter=Q(tickets__status=TicketStatus.WAITING), distinct=True),
        n_visits=Count("visits", distinct=True),
    )
    return render(
        request, "events/fairs/setup.html",
        {"event": event, "stalls": stalls, "form": form, "may_food": access.can(request.user, "food.manage", event)},
        status=status,
    )  # fmt: skip


@login_required
def stall_edit(request, pk: int):
    stall = _managed_stall(request, pk)
    form = StallForm(stall.event, request.POST) if request.method == "POST" else StallForm.for_stall(stall)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.edit_stall(stall, request.user, form.service_data())
            except ServiceError as err:
                _apply(form, err)
            else:
                messages.success(request, _("Stall saved."))
                return redirect("fair_setup", stall.event_id)
        status = 422
    return render(request, "events/fairs/stall_edit.html", {"stall": stall, "form": form}, status=status)


@login_required
@require_POST
def stall_remove(request, pk: int):
    stall = _managed_stall(request, pk)
    try:
        services.remove_stall(stall, request.user)
    except ServiceError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("Stall %(n)d is removed.") % {"n": stall.number})
    return redirect("fair_setup", stall.event_id)


# --- recording at a stall's counter -----------------------------------------------------------


def served_stall(request, pk: int) -> Stall:
    stall = Stall.objects.select_related("event__region", "partner", "team").filter(pk=pk).first()
    if stall is None or not access.can(request.user, "stall.serve", stall):
        raise Http404
    return stall


def _chosen(request, stall: Stall) -> Resident | None:
    pk = _int(request.POST.get("resident") or request.GET.get("resident") or "")
    if pk is None:
        return None
    return (
        Resident.objects.select_related("grid")
        .restrict(request.user, "resident.search")
        .filter(pk=pk, grid__path__startswith=stall.event.region.path)
        .first()
    )


def counter_context(request, stall: Stall, **forms) -> dict:
    """The counter page: the queue, and recording for someone here (a resident found, or not)."""
    user = request.user
    chosen = _chosen(request, stall)
    q = request.GET.get("q", "").strip()[:30]
    found = list(event_services.residents_to_sign_up(user, stall.event, q, limit=8)) if q else []
    initial = {"resident": chosen.pk} if chosen else {}
    saved_demand = None
    if _int(request.GET.get("demand", "")):
        saved_demand = Demand.objects.filter(
            pk=int(request.GET["demand"]), session_id=stall.event.intake_session_id, created_by=user
        ).first()
    return {
        "stall": stall, "rows": queue_rows(stall), "now_calling": services.now_calling(stall),
        "q": q, "found": found, "chosen": chosen, "saved_demand": saved_demand,
        "may_find": access.can(user, "resident.search", path=stall.event.region.path),
        "may_demand": access.can_within(user, "demand.create", stall.event.region),
        "may_setup": access.can(user, "stall.manage", stall.event),
        "wish_form": forms.get("wish_form") or StallWishForm(initial={**initial, "kind": WishKind.ITEM}),
        "demand_form": forms.get("demand_form") or StallDemandForm(initial=initial, grids=stall_grids(user, stall)),
        "open": forms.get("open", ""),
    }  # fmt: skip


def _back(stall: Stall, chosen: Resident | None = None, **extra) -> str:
    query = {**({"resident": chosen.pk} if chosen else {}), **extra}
    return reverse("stall_counter", args=[stall.pk]) + ("?" + urlencode(query) if query else "") + "#record"


@login_required
@require_POST
def counter_wish(request, pk: int):
    """A micro-wish recorded at the stall for the resident found (fairs.record_wish_at_stall)."""
    stall = served_stall(request, pk)
    chosen = _chosen(request, stall)
    form = StallWishForm(request.POST)
    duplicate = None
    if chosen is None:  # the form shows only with a resident chosen: say it above
        messages.error(request, _("Find the resident the wish is for first."))
    elif form.is_valid():
        try:
            wish = services.record_wish_at_stall(
                stall, request.user, resident=chosen, **form.service_kwargs()
            )
        except Conflict as err:
            if err.code != "possible_duplicate":
                form.add_error(None, err.message)
            else:
                duplicate = err.message
                data = request.POST.copy()
                data["confirm_duplicate"] = "on"
                form = StallWishForm(data)
                form.is_valid()
        except ServiceError as err:
            apply_service_error(form, err)
        else:
            messages.success(
                request,
                _("Wish “%(title)s” recorded for %(name)s.") % {"title": wish.title, "name": chosen.name},
            )
            return redirect(_back(stall, chosen))
    context = counter_context(request, stall, wish_form=form, open="wish")
    context["duplicate"] = duplicate
    return render(request, "events/fairs/counter.html", context, status=200 if duplicate else 422)


@login_required
@require_POST
def counter_demand(request, pk: int):
    """A demand recorded at the stall in the fair's intake session (fairs.record_demand_at_stall),
    resolved on the spot at once when it was."""
    stall = served_stall(request, pk)
    user = request.user
    chosen = _chosen(request, stall)
    form = StallDemandForm(request.POST, grids=stall_grids(user, stall))
    if form.is_valid():
        data = form.cleaned_data
        grid = data["grid"] or (chosen.grid if chosen else None)
        if grid is None:
            form.add_error("grid", _("Choose the grid, or find the resident."))
        else:

            def create():
                return services.record_demand_at_stall(
                    stall, user, grid=grid, title=data["title"], description=data["description"],
                    category=data["category"], urgent=data["urgent"], resident=chosen,
                    contact_name=data["contact_name"], contact_phone=data["contact_phone"],
                )  # fmt: skip

            try:
                demand, created = create_once(user, "demand.stall", data["idempotency_key"], Demand, create)
            except ServiceError as err:
                apply_service_error(form, err)
            else:
                if created and data["resolved"]:
                    try:
                        dispatch.resolve_on_spot(demand, user, result=data["result"])
                    except ServiceError as err:
                        messages.error(request, err.message)
                return redirect(_back(stall, chosen, demand=demand.pk))
    return render(
        request, "events/fairs/counter.html", counter_context(request, stall, demand_form=form, open="demand"),
        status=422,
    )  # fmt: skip


# --- food bank ---------------------------------------------------------------------------------


@login_required
def fair_food(request, pk: int):
    """A fair's food-bank rounds, and the form that opens one."""
    event = _managed_fair(request, pk, "food.manage")
    form = FoodRoundForm(event, request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                round_ = services.open_food_round(
                    request.user, region=event.region, title=data["title"], date=timezone.localtime(event.starts_at).date(),
                    groups=data["groups"], parcels=data["parcels"], event=event, stall=data["stall"],
                )  # fmt: skip
            except ServiceError as err:
                _apply(form, err)
            else:
                messages.success(request, _("Round “%(title)s” opened.") % {"title": round_.title})
                return redirect("food_round", round_.pk)
        status = 422
    return render(
        request, "events/fairs/food.html",
        {"event": event, "rounds": services.food_rounds(event), "form": form}, status=status,
    )  # fmt: skip


def _round(request, pk: int) -> FoodRound:
    round_ = (
        FoodRound.objects.select_related("event", "region", "stall")
        .prefetch_related("groups")
        .restrict(request.user, "food.hand_out")
        .filter(pk=pk)
        .first()
    )
    if round_ is None:
        raise Http404
    return round_


@login_required
def food_round(request, pk: int):
    """One round: parcels handed out of how many, the code to hand one out, the households."""
    round_ = _round(request, pk)
    households = services.household_list(round_)
    page = Paginator(households, HOUSEHOLDS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "events/fairs/food_round.html",
        {"round": round_, "form": HandOutForm(), "page_obj": page, "households": page.object_list,
         "eligible": len(households), "handed": sum(1 for h in households if h["handed_at"]),
         "handed_out": services.handed_out(round_),
         "may_pick": access.can(request.user, "food.manage", round_)},
    )  # fmt: skip


@login_required
@require_POST
def food_hand_out(request, pk: int):
    """Hand a parcel to a household by its code (or to the household chosen in the list); a
    second parcel is refused with when the first was handed out."""
    round_ = _round(request, pk)
    code = request.POST.get("code", "").strip()[:12]
    resident = _int(request.POST.get("resident", "")) if not code else None
    try:
        parcel = services.hand_out(round_, request.user, code=code, resident=resident)
    except ServiceError as err:
        messages.error(request, err.message)
    else:
        messages.success(
            request,
            _("Parcel handed to the household of %(name)s (%(n)d handed out).")
            % {"name": parcel.resident.masked_name, "n": services.handed_out(round_)},
        )
    return redirect("food_round", round_.pk)

"""The desk's rapid entry: record demands one after another, in an intake session, for a resident found by name."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from weiguang.core.errors import ServiceError
from weiguang.core.forms import apply_service_error
from weiguang.core.idempotency import create_once
from weiguang.people.forms import AddResidentForm
from weiguang.people.models import Resident
from weiguang.people.services import resident_for, search_residents

from .. import stats
from ..forms import (
    DeskDemandForm,
    SessionForm,
)
from ..models import (
    Demand,
    IntakeSession,
)
from ..services import dispatch, intake, queries
from .helpers import (
    _communities,
    _grids,
    _require,
    _staff_render,
)

# --- the desk's rapid entry -----------------------------------------------------------------


def _desk_sessions(communities):
    return (
        IntakeSession.objects.filter(community__in=communities)
        .select_related("community")
        .order_by("-date", "-id")
    )


def _session_summary(session: IntakeSession | None) -> dict | None:
    if session is None:
        return None
    summary = stats.session_summary(session)
    other = max(summary.total - summary.resolved_on_spot - summary.transferred, 0)
    return {"session": session, "s": summary, "other": other}


def _int(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None


@login_required
def desk_new(request):
    """Record demands in a row: the same form comes back empty after each save, keeping the
    channel, grid and intake session; "resolved on the spot" records the result at once."""
    user = request.user
    _require(user, "demand.create")
    communities = _communities(user, "demand.create")
    grids = _grids(user, "demand.create")
    sessions = _desk_sessions(communities)
    source = request.POST if request.method == "POST" else request.GET
    sticky = {k: source.get(k, "") for k in ("channel", "grid", "session") if source.get(k, "")}
    resident_qs = Resident.objects.select_related("grid").restrict(user, "resident.search")
    saved, status, add_form, added = None, 200, None, None
    q, results = "", []
    if request.method == "POST" and _adding_resident(request.POST):
        # The resident was not found: add them on the spot, and give the entry back as typed.
        add_form = AddResidentForm(request.POST, user=user)
        added = add_form.save(channel="desk")
        if request.htmx:
            if added is not None:
                return render(
                    request, "demands/desk_new.html#added-resident", {"chosen": added, "picked": True}
                )
            q = request.POST.get("q", "").strip()[:50]
            return render(  # 200: htmx swaps only a success, and this shows the errors in place
                request, "demands/desk_new.html#resident-results",
                {"q": q, "results": search_residents(user, q, limit=8) if q else [], "add_form": add_form},
            )  # fmt: skip
        typed = {k: v for k, v in request.POST.items() if not k.startswith("nr-") and k != "resident"}
        form = DeskDemandForm(initial=typed, grids=grids, sessions=sessions)
        status = 200 if added is not None else 422
    elif request.method == "POST":
        form = DeskDemandForm(request.POST, grids=grids, sessions=sessions)
        if form.is_valid():
            data = form.cleaned_data
            resident, refusal = None, None
            if data["resident"]:
                try:  # the resident's field is hidden: say it at the top of the form
                    resident = resident_for(user, data["resident"], data["grid"])
                except ServiceError as err:
                    refusal = err.message
            grid = data["grid"] or (resident.grid if resident else None)
            if refusal:
                form.add_error(None, refusal)
            elif grid is None:
                form.add_error("grid", _("Choose the grid, or find the resident."))
            else:

                def create():
                    return intake.submit_demand(
                        user, grid=grid, title=data["title"], description=data["description"],
                        channel=data["channel"], category=data["category"], urgent=data["urgent"],
                        resident=resident, contact_name=data["contact_name"],
                        contact_phone=data["contact_phone"], session=data["session"],
                    )  # fmt: skip

                try:
                    # A double-tapped Enter saves one demand.
                    demand, created = create_once(
                        user, "demand.desk", data["idempotency_key"], Demand, create
                    )
                except ServiceError as err:
                    apply_service_error(form, err)
                    status = err.status
                else:
                    if created and data["resolved"]:
                        try:
                            dispatch.resolve_on_spot(demand, user, result=data["result"])
                        except ServiceError as err:
                            messages.error(request, err.message)
                    return redirect(
                        reverse("desk_demand_new") + "?" + urlencode({**sticky, "saved": demand.pk})
                    )
        status = status if status != 200 else 422
    else:
        initial = dict(sticky)
        if "grid" not in initial and grids.count() == 1:
            initial["grid"] = grids.first().pk
        form = DeskDemandForm(initial=initial, grids=grids, sessions=sessions)
        saved_pk = _int(request.GET.get("saved"))
        if saved_pk:
            saved = queries.visible_demands(user).filter(pk=saved_pk).first()
        q = request.GET.get("q", "").strip()[:50]
        if q:  # the resident search without JavaScript
            results = search_residents(user, q, limit=8)
            add_form = AddResidentForm.after_search(user, q)
    chosen = added
    if chosen is None and request.method == "POST" and _int(request.POST.get("resident")):
        chosen = resident_qs.filter(pk=int(request.POST["resident"])).first()
    session_pk = _int(source.get("session"))
    session = sessions.filter(pk=session_pk).first() if session_pk else None
    context = {
        "form": form,
        "saved": saved,
        "chosen": chosen,
        "summary": _session_summary(session),
        "session_form": SessionForm(communities=communities),
        "sticky_query": urlencode(sticky),
        "add_form": add_form if added is None else None,
        "q": q,
        "results": results,
    }
    return _staff_render(request, "demands/desk_new.html", context, status=status)


def _adding_resident(data) -> bool:
    """The post adds a resident: its button was pressed, or Enter was pressed while the
    resident's fields were being filled in (no resident chosen yet)."""
    if data.get("add_resident"):
        return True
    return not data.get("resident") and any(data.get(f"nr-{f}", "").strip() for f in ("name", "phone"))


@login_required
@require_POST
def desk_session_new(request):
    """Open an intake session (a desk session or a fair) and go back to the desk form with it."""
    user = request.user
    _require(user, "demand.create")
    communities = _communities(user, "demand.create")
    form = SessionForm(request.POST, communities=communities)
    if not form.is_valid() or form.cleaned_data["community"] is None:
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
        return redirect("desk_demand_new")
    data = form.cleaned_data
    try:
        session = intake.open_session(
            user, community=data["community"], kind=data["kind"], title=data["title"], date=data["date"]
        )
    except ServiceError as err:
        messages.error(request, err.message)
        return redirect("desk_demand_new")
    messages.success(
        request, _("Session “%(t)s” opened; the next demands belong to it.") % {"t": session.title}
    )
    sticky = {k: request.POST.get(k, "") for k in ("channel", "grid") if request.POST.get(k)}
    return redirect(reverse("desk_demand_new") + "?" + urlencode({**sticky, "session": session.pk}))


@login_required
@require_GET
def desk_resident_search(request):
    """htmx: the residents matching the typed text, each with a button to pick them."""
    _require(request.user, "resident.search")
    q = request.GET.get("q", "").strip()[:50]
    results = search_residents(request.user, q, limit=8) if q else []
    context = {
        "q": q,
        "results": results,
        "add_form": AddResidentForm.after_search(request.user, q) if q else None,
    }
    return render(request, "demands/desk_new.html#resident-results", context)


@login_required
@require_GET
def desk_resident_pick(request, pk: int):
    """htmx: the chosen resident (or none, pk=0) as a hidden field with their name."""
    _require(request.user, "resident.search")
    chosen = None
    if pk:
        chosen = (
            Resident.objects.select_related("grid")
            .restrict(request.user, "resident.search")
            .filter(pk=pk)
            .first()
        )
        if chosen is None:
            raise Http404
    return render(request, "demands/desk_new.html#chosen-resident", {"chosen": chosen, "picked": True})

"""Where I live (the person) and the queue of residence requests (community staff)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from weiguang.core.actions import run_page_action_reporting
from weiguang.core.errors import ServiceError
from weiguang.core.forms import Form, apply_service_error
from weiguang.regions import access
from weiguang.regions.models import Building, Region, RegionKind

from .. import residence
from ..residence_actions import RESIDENCE_ACTIONS, ConfirmForm

QUEUE_MAX = 100


def _id(value) -> int | None:
    value = str(value or "").strip()
    return int(value) if value.isdigit() and 0 < int(value) < 2**63 else None


class PlaceForm(Form):
    """Community → grid → building, chosen from the tree (each list follows the one above it),
    and the door, typed."""

    community = forms.TypedChoiceField(label=gettext_lazy("Community"), coerce=int)
    grid = forms.TypedChoiceField(label=gettext_lazy("Grid"), coerce=int)
    building = forms.TypedChoiceField(label=gettext_lazy("Building"), coerce=int)
    door = forms.CharField(
        label=gettext_lazy("Door"), max_length=residence.DOOR_MAX,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("e.g. 2-301"), "autocomplete": "off"}),
    )  # fmt: skip

    def __init__(self, data=None, *, picked: dict | None = None, **kwargs):
        super().__init__(data, **kwargs)
        source = data if data is not None else (picked or {})
        community_id, grid_id = _id(source.get("community")), _id(source.get("grid"))
        empty = [("", gettext_lazy("Please choose"))]
        self.fields["community"].choices = empty + [
            (c.pk, f"{c.name}（{c.parent.name}）" if c.parent_id else c.name) for c in residence.communities()
        ]
        grids = residence.grids_of(community_id)
        if grid_id not in {g.pk for g in grids}:
            grid_id = None
        self.fields["grid"].choices = empty + [(g.pk, g.name) for g in grids]
        self.buildings = residence.buildings_of(grid_id)
        self.fields["building"].choices = empty + [(b.pk, b.name) for b in self.buildings]
        self.level = "door" if grid_id else ("grid" if grids else "community")
        self.no_buildings = bool(grid_id) and not self.buildings
        if data is None:
            self.initial = {k: v for k, v in (picked or {}).items() if k in self.fields}


def _place_context(request, form: PlaceForm, **extra) -> dict:
    found = residence.standing(request.user)
    return {
        "form": form,
        "standing": found,
        "latest": residence.latest_request(request.user),
        "withdraw": RESIDENCE_ACTIONS["withdraw"],
        **extra,
    }


@login_required
def residence_page(request):
    """ "Where I live": the state of my request, and the form to send one (after sign-up, or
    any time before staff confirm). Works without JavaScript: "Next" shows the next list."""
    if request.method == "POST":
        form = PlaceForm(request.POST)
        if "send" not in request.POST:  # "Next" (no JavaScript): show the next list
            return render(
                request, "accounts/residence.html", _place_context(request, PlaceForm(picked=request.POST))
            )
        if form.is_valid():
            data = form.cleaned_data
            grid = Region.objects.filter(pk=data["grid"], kind=RegionKind.GRID).first()
            building = Building.objects.filter(pk=data["building"]).first()
            try:
                residence.request_residence(request.user, grid=grid, building=building, door=data["door"])
            except ServiceError as err:
                apply_service_error(form, err)
                return render(
                    request, "accounts/residence.html", _place_context(request, form), status=err.status
                )
            messages.success(
                request,
                _(
                    "Sent. Community staff will confirm where you live; you will find their answer in your inbox."
                ),
            )
            return redirect("residence")
        return render(request, "accounts/residence.html", _place_context(request, form), status=422)
    form = PlaceForm(picked=request.GET)
    if request.htmx:  # a list changed: the form again, with the lists below it
        return render(request, "accounts/residence.html#place-form", {"form": form})
    return render(request, "accounts/residence.html", _place_context(request, form))


@login_required
def residence_queue(request):
    """Community staff: the pending requests of their communities, oldest first, each with the
    records it may be linked to (same phone, same community) and the confirm and reject forms."""
    if not access.has_role(request.user, access.ACTION_ROLES["residence.confirm"]):
        raise PermissionDenied
    rows = _queue_rows(request.user, {})
    return render(request, "accounts/residence_queue.html", {"rows": rows})


def _queue_rows(user, bound: dict) -> list[dict]:
    requests = list(residence.pending_for(user)[:QUEUE_MAX])
    matches = residence.matches_of(requests)
    rows = []
    for req in requests:
        found = matches.get(req.pk, [])
        rows.append(
            {
                "req": req,
                "phone": residence.shown_phone(req, user),
                "matches": found,
                "confirm": bound.get(("confirm", req.pk))
                or ConfirmForm(None, matches=found, prefix=f"r{req.pk}"),
                "reject": bound.get(("reject", req.pk)) or RESIDENCE_ACTIONS["reject"].form(None, req, None),
            }
        )
    return rows


@login_required
@require_POST
def residence_action(request, pk: int, action: str):
    """POST: confirm or reject (staff of the community), withdraw (the person)."""
    if action not in RESIDENCE_ACTIONS:
        raise Http404
    req = residence.request_or_404(pk)  # a refusal comes from the service, with its reason (403)
    mine = req.user_id == request.user.pk
    bound: dict = {}
    ok, status = run_page_action_reporting(RESIDENCE_ACTIONS[action], request, req, bound)
    if ok:
        messages.success(request, RESIDENCE_ACTIONS[action].success)
        return redirect("residence" if mine and action == "withdraw" else "residence_queue")
    if mine and action == "withdraw":
        return redirect("residence")
    if status == 422:
        messages.error(request, _("Please check the form below."))
    if not access.has_role(request.user, access.ACTION_ROLES["residence.confirm"]):
        raise PermissionDenied
    keyed = {(action, req.pk): bound[action]} if bound.get(action) is not None else {}
    rows = _queue_rows(request.user, keyed)
    return render(request, "accounts/residence_queue.html", {"rows": rows}, status=status)

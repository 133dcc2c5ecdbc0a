"""Pages for recommended claimers: a wish's candidates with the reasons and an invite button
(staff), my invitations (accept = claim, or decline), and the bulk assignment of a batch of
wishes to claimers with capacities, reviewed and confirmed in one step (staff).
Thin: parse, call a service (matching.recommend, .invitations, .assignment), render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weiguang.core.errors import ServiceError
from weiguang.core.formfields import first_error
from weiguang.partners.models import PartnerUnit
from weiguang.regions import access
from weiguang.regions.models import Region, RegionKind
from weiguang.wishes.models import Wish, WishStatus

from . import assignment, invitations, recommend
from .forms import ConfirmPlanForm, ProposePlanForm
from .models import Invitation


def _wish(pk: int) -> Wish:
    return get_object_or_404(Wish.objects.select_related("grid", "community", "street", "category"), pk=pk)


@login_required
def wish_candidates(request, pk: int):
    wish = _wish(pk)
    try:
        found = recommend.candidates(wish, request.user, limit=10)
    except ServiceError:
        raise Http404 from None
    invited = invitations.named(invitations.wish_invitations(wish, request.user), request.user)
    return render(
        request, "matching/candidates.html", {"wish": wish, "candidates": found, "invitations": invited},
    )  # fmt: skip


@login_required
def demand_candidates(request, pk: int):
    """Who could help with a demand, ranked with the reasons; the handlers record the work of
    those who helped (a demand is not claimed, so there is no invitation to accept)."""
    from weiguang.demands.models import Demand

    demand = get_object_or_404(
        Demand.objects.select_related("grid", "community", "street", "category"), pk=pk
    )
    try:
        found = recommend.candidates(demand, request.user, limit=10)
    except ServiceError:
        raise Http404 from None
    return render(request, "matching/demand_candidates.html", {"demand": demand, "candidates": found})


@login_required
@require_POST
def wish_invite(request, pk: int):
    wish = _wish(pk)
    user = partner = None
    if request.POST.get("partner", "").isdigit():
        partner = get_object_or_404(PartnerUnit, pk=int(request.POST["partner"]))
    elif request.POST.get("user", "").isdigit():
        user = get_object_or_404(get_user_model(), pk=int(request.POST["user"]))
    try:
        invitations.invite(wish, request.user, user=user, partner=partner, note=request.POST.get("note", ""))
    except ServiceError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("Invited. They are told in their inbox and can accept or decline."))
    return redirect("matching:wish_candidates", pk=pk)


@login_required
def my_invitations(request):
    mine = invitations.my_invitations(request.user).order_by("-created_at", "-id")[:50]
    return render(
        request, "matching/invitations.html",
        {"invitations": mine, "default_date": dt.date.today() + dt.timedelta(days=7)},
    )  # fmt: skip


@login_required
@require_POST
def invitation_answer(request, pk: int, action: str):
    if action not in ("accept", "decline"):
        raise Http404
    invitation = get_object_or_404(Invitation.objects.select_related("wish", "partner"), pk=pk)
    try:
        if action == "accept":
            raw = request.POST.get("promised_date", "")
            try:
                promised = dt.date.fromisoformat(raw) if raw else None
            except ValueError:
                promised = None
            invitations.accept_invitation(invitation, request.user, promised_date=promised)
        else:
            invitations.decline_invitation(invitation, request.user, reason=request.POST.get("reason", ""))
    except ServiceError as err:
        messages.error(request, err.message)
        return redirect("matching:my_invitations")
    if action == "accept":
        messages.success(request, _("Thank you! The wish is yours."))
        return redirect("wish_detail", pk=invitation.wish_id)
    messages.success(request, _("You declined. Thank you for letting us know."))
    return redirect("matching:my_invitations")


# --- bulk assignment ---------------------------------------------------------------------------


def _community(request) -> tuple[Region, list[Region]]:
    raw = request.GET.get("community") or request.POST.get("community") or ""
    mine = list(access.regions_below(request.user, "claimers.recommend", RegionKind.COMMUNITY))
    if not mine:
        raise PermissionDenied
    return next((c for c in mine if str(c.pk) == raw), mine[0]), mine


@login_required
def bulk_assign(request):
    """Step 1: tick the wishes and give each claimer a capacity; step 2: the optimal proposal
    (POST "propose"); step 3: confirm it (POST "confirm"), which sends the invitations."""
    community, communities = _community(request)
    wishes = list(
        Wish.objects.filter(status=WishStatus.PUBLISHED, community=community)
        .select_related("category", "grid")
        .order_by("published_at", "id")[:200]
    )
    # The volunteers its wishes' recommendations could show, named as they show them.
    volunteers = list(
        recommend.volunteers_for(community)
        .filter(home_region__path__startswith=community.street.path)
        .select_related("home_region")
        .order_by("home_region__path", "name")[:300]
    )
    for v in volunteers:
        v.shown_name = recommend.shown_name(v, request.user)
    units = list(PartnerUnit.objects.filter(region__path__startswith=community.street.path).order_by("name"))
    context = {
        "community": community,
        "communities": communities,
        "wishes": wishes,
        "volunteers": volunteers,
        "units": units,
    }
    status = 200
    if request.method == "POST":
        if request.POST.get("step") == "confirm":
            form = ConfirmPlanForm(request.POST)
            if not form.is_valid():
                messages.error(request, first_error(form))
                status = 400
            else:
                try:
                    sent = assignment.confirm(form.cleaned_data["pair"], request.user)
                except (ServiceError, ValueError) as err:
                    messages.error(request, getattr(err, "message", str(err)))
                else:
                    messages.success(request, _("%(n)d invitations sent.") % {"n": len(sent)})
                    return redirect(f"{request.path}?community={community.pk}")
        else:
            form = ProposePlanForm(request.POST)
            if not form.is_valid():
                messages.error(request, first_error(form))
                status = 400
            else:
                try:
                    proposal = assignment.propose(
                        form.cleaned_data["wish"], form.cleaned_data["claimers"], by=request.user
                    )
                except ServiceError as err:
                    messages.error(request, err.message)
                else:
                    titles = {w.pk: w.title for w in wishes}
                    names = {v.user_id: v.shown_name for v in volunteers} | {
                        f"p{u.pk}": u.name for u in units
                    }
                    context["proposal"] = proposal
                    context["rows"] = [
                        {
                            "pair": f"{p.wish_id}:{'u' if p.claimer.user_id else 'p'}:{p.claimer.user_id or p.claimer.partner_id}",
                            "wish": titles.get(p.wish_id, p.wish_id),
                            "claimer": names.get(p.claimer.user_id)
                            if p.claimer.user_id
                            else names.get(f"p{p.claimer.partner_id}"),
                            "score": p.score,
                            "reasons": p.reasons,
                        }
                        for p in proposal.pairs
                    ]
                    context["unassigned"] = [titles.get(w, w) for w in proposal.unassigned]
    # What was asked stays filled in (the capacities and ticks of the last proposal).
    if request.method == "POST" and request.POST.get("step") != "confirm":
        ticked = set(request.POST.getlist("wish"))
        for w in wishes:
            w.ticked = str(w.pk) in ticked
        for u in units:
            u.cap = _capacity(request.POST.get(f"cap-p-{u.pk}"))
        for v in volunteers:
            v.cap = _capacity(request.POST.get(f"cap-u-{v.user_id}"))
    context["claimers_count"] = len(units) + len(volunteers)
    return render(request, "matching/bulk_assign.html", context, status=status)


def _capacity(raw) -> int:
    """A capacity to show again: what was typed if it is a small whole number, else 0."""
    return int(raw) if isinstance(raw, str) and raw.isdigit() and int(raw) <= 20 else 0

"""Deliberation meetings (党群联席议事会): list, schedule, the meeting's page and its decision."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weiguang.core.errors import ServiceError
from weiguang.core.forms import apply_service_error
from weiguang.regions import access
from weiguang.regions.models import Region, RegionKind

from ..access import dispatchers, may
from ..forms import (
    ActionItemFormSet,
    DecisionForm,
    MeetingForm,
)
from ..models import (
    Deliberation,
    MeetingStatus,
)
from ..services import deliberations
from .helpers import (
    _decorate,
    _paginate,
    _require,
    _staff_render,
    _under,
)

# --- deliberation meetings (党群联席议事会) -----------------------------------------------------------


def _meeting_regions(user) -> list[Region]:
    prefixes = access.role_paths(user, "demand.deliberate")
    if not prefixes:
        return []
    return list(
        Region.objects.filter(_under(prefixes), kind__in=[RegionKind.STREET, RegionKind.COMMUNITY]).order_by(
            "path"
        )
    )


@login_required
def meetings(request):
    user = request.user
    _require(user, "demand.deliberate")
    qs = (
        Deliberation.objects.select_related("region")
        .restrict(user, "demand.deliberate")
        .annotate(n_referred=Count("referred", distinct=True), n_actions=Count("action_items", distinct=True))
        .order_by("-held_at", "-id")
    )
    page = _paginate(request, qs)
    return _staff_render(request, "demands/meetings.html", {"page_obj": page, "meetings": page.object_list})


@login_required
def meeting_new(request):
    user = request.user
    _require(user, "demand.deliberate")
    regions = _meeting_regions(user)
    if request.method == "POST":
        form = MeetingForm(request.POST, regions=regions)
        if form.is_valid():
            data = form.cleaned_data
            try:
                meeting = deliberations.schedule_meeting(
                    user, region=data["region"], title=data["title"], held_at=data["held_at"],
                    place=data["place"], attendees=data["attendees"],
                )  # fmt: skip
            except ServiceError as err:
                apply_service_error(form, err)
                return _staff_render(request, "demands/meeting_new.html", {"form": form}, status=err.status)
            messages.success(request, _("The meeting is scheduled. Refer demands to it from their pages."))
            return redirect("meeting_detail", pk=meeting.pk)
        return _staff_render(request, "demands/meeting_new.html", {"form": form}, status=422)
    return _staff_render(request, "demands/meeting_new.html", {"form": MeetingForm(regions=regions)})


def _meeting_people(meeting: Deliberation):
    """Staff and grid workers who could own an action item of the meeting's area."""
    return dispatchers(meeting.region.path, inside=True).order_by("first_name", "username")


def _meeting_context(request, meeting: Deliberation, form=None, items=None) -> dict:
    user = request.user
    can_decide = meeting.status == MeetingStatus.SCHEDULED and may(user, "demand.deliberate", meeting)
    context = {
        "m": meeting,
        "referred": _decorate(list(meeting.referred.select_related("grid", "community"))),
        "actions": _decorate(list(meeting.action_items.select_related("grid", "assignee"))),
        "can_decide": can_decide,
    }
    if can_decide:
        people = list(_meeting_people(meeting))
        grids = Region.objects.filter(path__startswith=meeting.region.path, kind=RegionKind.GRID).order_by(
            "path"
        )
        kwargs = {"people": people, "grids": grids}
        context["form"] = form or DecisionForm(initial={"attendees": meeting.attendees})
        context["items"] = items or ActionItemFormSet(prefix="items", form_kwargs=kwargs)
    return context


def _load_meeting(request, pk: int) -> Deliberation:
    meetings = Deliberation.objects.select_related("region")
    return access.get_for_user(meetings, request.user, see="demand.deliberate", pk=pk)


@login_required
def meeting_detail(request, pk: int):
    meeting = _load_meeting(request, pk)
    return _staff_render(request, "demands/meeting.html", _meeting_context(request, meeting))


@login_required
@require_POST
def meeting_decide(request, pk: int):
    meeting = _load_meeting(request, pk)
    people = list(_meeting_people(meeting))
    grids = Region.objects.filter(path__startswith=meeting.region.path, kind=RegionKind.GRID)
    form = DecisionForm(request.POST)
    items = ActionItemFormSet(request.POST, prefix="items", form_kwargs={"people": people, "grids": grids})
    status = 422
    if form.is_valid() and items.is_valid():
        actions = [i for i in (f.item() for f in items.forms if f.is_valid()) if i]
        try:
            deliberations.record_decision(
                meeting, request.user, decision=form.cleaned_data["decision"],
                attendees=form.cleaned_data["attendees"], actions=actions,
            )  # fmt: skip
        except ServiceError as err:
            status = err.status
            apply_service_error(form, err)
            messages.error(request, err.message)
        else:
            messages.success(request, _("The decision is recorded; the action items are assigned."))
            return redirect("meeting_detail", pk=pk)
    context = _meeting_context(request, meeting, form, items)
    return _staff_render(request, "demands/meeting.html", context, status=status)

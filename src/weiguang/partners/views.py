"""Partner pages: a unit's profile, resources and record (its representatives and staff),
the three lists of a region (需求清单 / 资源清单 / 项目清单), projects, and the street's
deliveries. Thin: parse, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weiguang.core.errors import ServiceError
from weiguang.core.forms import apply_service_error
from weiguang.core.templatetags.wg import safe_next
from weiguang.regions import access
from weiguang.regions.models import Region

from . import services
from .forms import ProfileForm, ProjectForm, ResourceForm, TextForm
from .models import PartnerUnit, Project, Resource


def _unit(request, pk: int, *, manage: bool = True) -> PartnerUnit:
    see = "partner.manage" if manage else services.can_view_unit
    return access.get_for_user(PartnerUnit.objects.select_related("region"), request.user, see=see, pk=pk)


@login_required
def units(request):
    qs = services.units_for(request.user).order_by("name")
    return render(request, "partners/units.html", {"units": qs[:200]})


def _unit_context(request, unit, profile_form=None, resource_form=None) -> dict:
    record = services.unit_record_seen_by(unit, request.user)
    return {
        "unit": unit,
        "contact": services.can_see_contact(request.user, unit),
        # staff of a community it serves look; staff of its region and its representatives edit
        "manage": access.can(request.user, "partner.manage", unit),
        "staff": services.is_staff_for(request.user, unit),
        "record": record,
        "claims": record.claims[:30],
        "resources": unit.resources.select_related("area").order_by("-active", "kind", "title"),
        "profile_form": profile_form
        or ProfileForm(
            initial={
                f: getattr(unit, f)
                for f in ("contact_name", "contact_phone", "party_organisation", "party_members")
            }
        ),
        "resource_form": resource_form or ResourceForm(),
    }


@login_required
def unit_detail(request, pk: int):
    unit = _unit(request, pk, manage=False)
    return render(request, "partners/unit.html", _unit_context(request, unit))


@login_required
@require_POST
def unit_profile(request, pk: int):
    unit = _unit(request, pk)
    form = ProfileForm(request.POST)
    if form.is_valid():
        changes = {k: v if v is not None else 0 for k, v in form.cleaned_data.items()}
        try:
            services.update_unit(unit, request.user, **changes)
        except ServiceError as err:
            apply_service_error(form, err)
        else:
            messages.success(request, _("The unit's profile was saved."))
            return redirect("partner_unit", pk=pk)
    return render(request, "partners/unit.html", _unit_context(request, unit, profile_form=form), status=422)


@login_required
@require_POST
def resource_add(request, pk: int):
    unit = _unit(request, pk)
    form = ResourceForm(request.POST)
    if form.is_valid():
        try:
            services.add_resource(unit, request.user, **form.cleaned_data)
        except ServiceError as err:
            apply_service_error(form, err)
        else:
            messages.success(request, _("The resource is on the resource list."))
            return redirect("partner_unit", pk=pk)
    return render(request, "partners/unit.html", _unit_context(request, unit, resource_form=form), status=422)


@login_required
@require_POST
def resource_withdraw(request, pk: int):
    resource = get_object_or_404(Resource.objects.select_related("unit__region"), pk=pk)
    try:
        services.withdraw_resource(resource, request.user, reason=request.POST.get("reason", ""))
    except ServiceError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("The resource was withdrawn."))
    return redirect("partner_unit", pk=resource.unit_id)


# --- the three lists -----------------------------------------------------------------------------


def _list_region(request) -> Region:
    """The region asked for, or the user's first region where they may see the lists."""
    raw = request.GET.get("region", "")
    if raw.isdigit():
        region = Region.objects.filter(pk=int(raw)).first()
    else:
        region = access.regions_for(request.user, "lists.view").order_by("path").first()
    if region is None or not access.can(request.user, "lists.view", region):
        raise PermissionDenied
    return region


@login_required
def three_lists(request):
    region = _list_region(request)
    tab = request.GET.get("tab") if request.GET.get("tab") in ("needs", "resources", "projects") else "needs"
    context = {"region": region, "tab": tab, "regions": access.regions_for(request.user, "lists.view")}
    if tab == "needs":
        needs = services.needs_list(request.user, region)
        context.update(wishes=needs.wishes[:50], demands=needs.demands[:50], surveys=needs.surveys,
                       n_wishes=needs.wishes.count(), n_demands=needs.demands.count())  # fmt: skip
    elif tab == "resources":
        context["resources"] = services.resources_list(request.user, region).select_related("unit")[:200]
    else:
        context["projects"] = services.projects_list(request.user, region)[:100]
    return render(request, "partners/lists.html", context)


@login_required
def deliveries(request):
    # The street for its staff; a community's staff see what was delivered in their community.
    region = _list_region(request)
    street = region.street
    if street is None or not access.can(request.user, "lists.view", street):
        street = region.community or region
    try:
        rows = services.deliveries(request.user, street)
    except ServiceError as err:
        raise PermissionDenied(err.message) from None
    return render(request, "partners/deliveries.html", {"street": street, "rows": rows})


# --- projects -------------------------------------------------------------------------------------


def _owners(region: Region):
    """Staff of the region and the representatives of units serving it."""
    staff = access.holders(access.STAFF, region.path).values("pk")
    reps = get_user_model().objects.filter(partner_units__in=services.units_serving(region)).values("pk")
    return (
        get_user_model().objects.filter(Q(pk__in=staff) | Q(pk__in=reps)).order_by("first_name", "username")
    )


@login_required
def project_new(request):
    region = _list_region(request)
    if not access.can(request.user, "project.create", region):
        raise PermissionDenied
    needs = services.needs_list(request.user, region)
    context = {
        "region": region,
        "wishes": needs.wishes[:100],
        "demands": needs.demands[:100],
        "surveys": [t.survey for t in needs.surveys],
        "resources": services.resources_list(request.user, region).select_related("unit")[:200],
    }
    form = ProjectForm(request.POST or None, owners=_owners(region), initial={"owner": request.user.pk})
    if request.method == "POST" and form.is_valid():
        post = request.POST

        def ids(name):
            return [int(v) for v in post.getlist(name) if v.isdigit()]

        from weiguang.demands.models import Demand
        from weiguang.wishes.models import Wish

        from .models import Survey

        try:
            project = services.create_project(
                request.user, region=region, **form.cleaned_data,
                wishes=list(Wish.objects.filter(pk__in=ids("wishes"))),
                demands=list(Demand.objects.filter(pk__in=ids("demands"))),
                surveys=list(Survey.objects.filter(pk__in=ids("surveys"))),
                resources=list(Resource.objects.filter(pk__in=ids("resources"))),
            )  # fmt: skip
        except ServiceError as err:
            apply_service_error(form, err)
        else:
            messages.success(request, _("The project is on the project list."))
            return redirect("project_detail", pk=project.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "partners/project_new.html", {**context, "form": form}, status=status)


def _project(request, pk: int) -> Project:
    project = get_object_or_404(Project.objects.select_related("region", "owner"), pk=pk)
    if not (
        access.can(request.user, "project.manage", project)
        or access.can(request.user, "lists.view", project.region)
    ):
        raise Http404
    return project


@login_required
def project_detail(request, pk: int):
    project = _project(request, pk)
    return render(
        request, "partners/project.html",
        {"project": project, "available": {t.name for t in Project.state_machine.available(project, request.user)},
         "text_form": TextForm()},
    )  # fmt: skip


@login_required
@require_POST
def project_action(request, pk: int, action: str):
    project = _project(request, pk)
    text = request.POST.get("text", "")
    calls = {
        "start": lambda: services.start_project(project, request.user, note=text),
        "finish": lambda: services.finish_project(project, request.user, outcome=text),
        "cancel": lambda: services.cancel_project(project, request.user, reason=text),
    }
    if action not in calls:
        raise Http404
    try:
        calls[action]()
    except ServiceError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("Saved."))
    return redirect(safe_next(request, f"/projects/{pk}/"))

"""The pages of the three lists of a region (需求清单 / 资源清单 / 项目清单), projects, the
street's "who delivered what", and the record section of a partner unit's page. Thin: parse,
call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weiguang.core.actions import run_page_action
from weiguang.core.errors import ServiceError
from weiguang.core.forms import apply_service_error
from weiguang.core.templatetags.wg import safe_next
from weiguang.demands.models import Demand
from weiguang.partners.models import Resource
from weiguang.regions import access
from weiguang.regions.models import Region
from weiguang.wishes.models import Wish

from . import services
from .actions import PROJECT_ACTIONS
from .forms import ProjectForm
from .models import Project, Survey


def record_panel(request, unit) -> str:
    """The unit page's section "What the unit delivered" (partners/panels.py)."""
    record = services.unit_record_seen_by(unit, request.user)
    context = {"record": record, "claims": record.claims[:30]}
    return render_to_string("lists/unit_record.html", context, request=request)


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
    return render(request, "lists/lists.html", context)


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
    return render(request, "lists/deliveries.html", {"street": street, "rows": rows})


# --- projects -------------------------------------------------------------------------------------


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
    form = ProjectForm(
        request.POST or None, owners=services.project_owners(region), initial={"owner": request.user.pk}
    )
    if request.method == "POST" and form.is_valid():
        post = request.POST

        def ids(name):
            return [int(v) for v in post.getlist(name) if v.isdigit()]

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
    return render(request, "lists/project_new.html", {**context, "form": form}, status=status)


def _project(request, pk: int) -> Project:
    """A project the user may see, its links as they may see them (services.with_links)."""
    projects = services.with_links(Project.objects.all(), request.user)
    return access.get_for_user(projects, request.user, see=("project.manage", "lists.view"), pk=pk)


@login_required
def project_detail(request, pk: int):
    project = _project(request, pk)
    available = {t.name for t in Project.state_machine.available(project, request.user)}
    return render(request, "lists/project.html", {"project": project, "available": available})


@login_required
@require_POST
def project_action(request, pk: int, action: str):
    project = _project(request, pk)
    if action not in PROJECT_ACTIONS:
        raise Http404
    try:
        run_page_action(PROJECT_ACTIONS[action], request, project, {})
    except ServiceError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, PROJECT_ACTIONS[action].success)
    return redirect(safe_next(request, f"/projects/{pk}/"))

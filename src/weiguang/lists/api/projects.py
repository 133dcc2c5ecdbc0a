"""/api/v1/projects: the project list's projects, from planned to done or cancelled. Thin:
parse, call a service, render."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from weiguang.core.actions import register_api_actions
from weiguang.core.api import (
    ERROR_RESPONSES,
    Id,
    InSchema,
    Page,
    Ref,
    Text,
    many_of,
    patched,
    ref,
    require_user,
)
from weiguang.demands.models import Demand
from weiguang.partners.api import person, region_arg, user_arg
from weiguang.partners.models import Resource
from weiguang.regions import access
from weiguang.regions.models import Region
from weiguang.wishes.models import Wish

from .. import services
from ..actions import PROJECT_ACTIONS
from ..models import PROJECT_TRANSITIONS, Project, ProjectStatus, Survey

projects_router = Router(tags=["partners"])

ProjectStatusCode = Literal[tuple(ProjectStatus.values)]  # type: ignore[valid-type]
LINKS = Field([], max_length=services.MAX_LINKS)


class LinkOut(Schema):
    id: int
    title: str
    status: str


class ResourceLinkOut(Schema):
    id: int
    title: str
    unit: Ref


class ProjectOut(Schema):
    id: int
    region: Ref
    title: str
    plan: str
    owner: Ref
    starts_on: dt.date | None
    ends_on: dt.date | None
    status: str
    status_label: str
    outcome: str = Field(description="What was delivered; for a cancelled project, the reason")
    wishes: list[LinkOut]
    demands: list[LinkOut]
    surveys: list[LinkOut]
    resources: list[ResourceLinkOut]
    created_at: dt.datetime
    actions: list[str] = Field(description="Actions you may take now")


class ProjectIn(InSchema):
    region: Id = Field(description="Region id (street, community or grid)")
    title: Text = Field(max_length=services.TITLE_MAX)
    plan: Text = Field(max_length=services.PLAN_MAX)
    owner_id: Id = Field(description="User id of the person responsible")
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    wishes: list[Id] = LINKS
    demands: list[Id] = LINKS
    surveys: list[Id] = LINKS
    resources: list[Id] = LINKS


class ProjectPatch(InSchema):
    title: Text | None = Field(None, max_length=services.TITLE_MAX)
    plan: Text | None = Field(None, max_length=services.PLAN_MAX)
    owner_id: Id | None = Field(None, description="Staff only")
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    wishes: list[Id] | None = Field(None, max_length=services.MAX_LINKS)
    demands: list[Id] | None = Field(None, max_length=services.MAX_LINKS)
    surveys: list[Id] | None = Field(None, max_length=services.MAX_LINKS)
    resources: list[Id] | None = Field(None, max_length=services.MAX_LINKS)


class ProjectFilters(InSchema):
    region: Id | None = Field(None, description="Projects of this region (staff of the region)")
    status: ProjectStatusCode | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


class ProjectPage(Page):
    items: list[ProjectOut]


def project_out(user, p: Project) -> dict:
    """`p` comes from services.with_links: its links are loaded, the wishes and demands only
    as far as `user` may see them."""
    return {
        "id": p.pk, "region": ref(p.region), "title": p.title, "plan": p.plan, "owner": person(p.owner),
        "starts_on": p.starts_on, "ends_on": p.ends_on, "status": p.status,
        "status_label": str(p.get_status_display()), "outcome": p.outcome,
        "wishes": [{"id": w.pk, "title": w.title, "status": w.status} for w in p.seen_wishes],
        "demands": [{"id": d.pk, "title": d.title, "status": d.status} for d in p.seen_demands],
        "surveys": [
            {"id": s.pk, "title": s.title, "status": "open" if s.open else "closed"} for s in p.surveys.all()
        ],
        "resources": [{"id": r.pk, "title": r.title, "unit": ref(r.unit)} for r in p.resources.all()],
        "created_at": p.created_at, "actions": [t.name for t in PROJECT_TRANSITIONS.available(p, user)],
    }  # fmt: skip


def _loaded(user, project_id: int) -> Project:
    return get_object_or_404(services.with_links(Project.objects.all(), user), pk=project_id)


def _project(user, project_id: int) -> Project:
    """A project the user may see (its owner, staff of its region); others: not found."""
    projects = services.with_links(Project.objects.all(), user)
    return access.get_for_user(projects, user, see=("project.manage", "lists.view"), pk=project_id)


def _changed(user, p: Project) -> dict:
    """A project as a service returned it, shown with its links."""
    return project_out(user, _loaded(user, p.pk))


def _project_kwargs(data: dict, region: Region) -> dict:
    if "owner_id" in data:
        owner_id = data.pop("owner_id")
        if owner_id is not None:
            data["owner"] = user_arg(owner_id, "owner_id")
    patched(data, required=("title", "plan"))
    models = {
        "wishes": (Wish, _("There is no such wish.")),
        "demands": (Demand, _("There is no such demand.")),
        "surveys": (Survey, _("There is no such survey.")),
        "resources": (Resource, _("There is no such resource.")),
    }
    for name, (model, message) in models.items():
        if name in data:
            data[name] = many_of(model.objects, data[name] or [], name, message)
    return data


@projects_router.get("", response={200: ProjectPage, **ERROR_RESPONSES}, summary="Projects")
def list_projects(request, filters: Query[ProjectFilters]):
    """With `region` (staff of that region): its project list. Without: the projects of
    your regions and those you own."""
    user = require_user(request)
    region = region_arg(filters.region)
    if region is not None:
        qs = services.projects_list(user, region, status=filters.status)
    else:
        qs = services.visible_projects(user)
        if filters.status:
            qs = qs.filter(status=filters.status)
    qs = qs.order_by("-created_at", "-id")
    page = Page.window(services.with_links(qs, user), filters)
    return Page.body(filters, qs.count(), [project_out(user, p) for p in page])


@projects_router.post("", response={201: ProjectOut, **ERROR_RESPONSES}, summary="Create a project (staff)")
def create_project(request, data: ProjectIn):
    """Match needs (wishes, demands, surveys of the region) to resources of units serving
    it, with an owner and a plan. It starts as planned."""
    user = require_user(request)
    region = region_arg(data.region)
    fields = _project_kwargs(data.dict(exclude={"region"}), region)
    return Status(201, _changed(user, services.create_project(user, region=region, **fields)))


@projects_router.get("/{id:project_id}", response={200: ProjectOut, **ERROR_RESPONSES}, summary="One project")
def get_project(request, project_id: Id):
    user = require_user(request)
    return project_out(user, _project(user, project_id))


@projects_router.patch(
    "/{id:project_id}", response={200: ProjectOut, **ERROR_RESPONSES},
    summary="Edit the plan, dates or links (owner, staff; while planned or running)",
)  # fmt: skip
def update_project(request, project_id: Id, data: ProjectPatch):
    user = require_user(request)
    project = _project(user, project_id)
    changes = _project_kwargs(data.dict(exclude_unset=True), project.region)
    return _changed(user, services.update_project(project, user, **changes))


register_api_actions(
    projects_router,
    PROJECT_ACTIONS,
    path="/{id:project_id}",
    load=_project,
    render=_changed,
    response={200: ProjectOut, **ERROR_RESPONSES},
    module=__name__,
)

"""Partner API (/api/v1/partners, /resources, /projects, /surveys, /lists): thin — parse,
call a service, render. Who may do what is decided by the services and regions.access.

A unit's contact person and phone are shown only to staff of its region and its
representatives; survey answers are tallied and never say who gave them.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from weiguang.core.api import ERROR_RESPONSES, Id, InSchema, Text, require_user
from weiguang.core.errors import InvalidInput
from weiguang.core.privacy import mask_name, mask_phone
from weiguang.regions import access
from weiguang.regions.models import Region

from . import services
from .models import (
    PROJECT_TRANSITIONS,
    Alliance,
    PartnerKind,
    PartnerUnit,
    Project,
    ProjectStatus,
    Resource,
    ResourceKind,
    Survey,
)

partners_router = Router(tags=["partners"])
resources_router = Router(tags=["partners"])
projects_router = Router(tags=["partners"])
surveys_router = Router(tags=["partners"])
lists_router = Router(tags=["partners"])

KindCode = Literal[tuple(PartnerKind.values)]  # type: ignore[valid-type]
ResourceKindCode = Literal[tuple(ResourceKind.values)]  # type: ignore[valid-type]
ProjectStatusCode = Literal[tuple(ProjectStatus.values)]  # type: ignore[valid-type]
ChannelCode = Literal["visit", "online"]
LINKS = Field([], max_length=services.MAX_LINKS)


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, fields={field: message})


def _region(region_id: int | None, field: str = "region") -> Region | None:
    if region_id is None:
        return None
    region = Region.objects.filter(pk=region_id).first()
    if region is None:
        raise _invalid(field, _("There is no such region."))
    return region


def _many(model, ids, field: str, message: str, qs=None) -> list:
    ids = list(dict.fromkeys(ids or []))
    found = {o.pk: o for o in (qs if qs is not None else model.objects).filter(pk__in=ids)}
    if len(found) != len(ids):
        raise _invalid(field, message)
    return [found[i] for i in ids]


def _user(user_id: int, field: str):
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise _invalid(field, _("There is no such user."))
    return user


# --- shapes ------------------------------------------------------------------------------


class Ref(Schema):
    id: int
    name: str


class Page(Schema):
    count: int
    limit: int
    offset: int


def _ref(obj) -> dict:
    return {"id": obj.pk, "name": str(obj)}


def _person(user) -> dict:
    return {"id": user.pk, "name": user.get_full_name() or user.get_username()}


class ResourceOut(Schema):
    id: int
    unit: Ref
    kind: str
    kind_label: str
    title: str
    description: str
    keywords: str
    quantity: int | None
    quantity_unit: str
    available_from: dt.date | None
    available_until: dt.date | None
    area: Ref = Field(description="The area served: the resource's own, or the unit's region")
    active: bool = Field(description="False once withdrawn")
    created_at: dt.datetime


def _resource_out(r: Resource) -> dict:
    return {
        "id": r.pk, "unit": _ref(r.unit), "kind": r.kind, "kind_label": str(r.get_kind_display()),
        "title": r.title, "description": r.description, "keywords": r.keywords, "quantity": r.quantity,
        "quantity_unit": r.quantity_unit, "available_from": r.available_from,
        "available_until": r.available_until, "area": _ref(r.area or r.unit.region), "active": r.active,
        "created_at": r.created_at,
    }  # fmt: skip


class UnitContactOut(Schema):
    name: str
    phone: str


class UnitOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    region: Ref
    communities: list[Ref] = Field(description="Communities served; empty: the whole region")
    alliances: list[Ref]
    party_organisation: str
    party_members: int
    contact: UnitContactOut = Field(
        description="Whole for staff of the region and the unit's representatives, masked for others"
    )
    representatives: list[Ref] = Field(description="Only for staff and the representatives")
    resources: list[ResourceOut] = Field(description="On offer now")
    can_edit: bool
    can_edit_all: bool = Field(description="Staff: name, kind, communities and alliances too")


def _unit_out(user, unit: PartnerUnit) -> dict:
    full = services.can_see_contact(user, unit)
    return {
        "id": unit.pk, "name": unit.name, "kind": unit.kind, "kind_label": str(unit.get_kind_display()),
        "region": _ref(unit.region), "communities": [_ref(c) for c in unit.communities.all()],
        "alliances": [_ref(a) for a in unit.alliances.all()],
        "party_organisation": unit.party_organisation, "party_members": unit.party_members,
        "contact": {
            "name": unit.contact_name if full else (mask_name(unit.contact_name) if unit.contact_name else ""),
            "phone": unit.contact_phone if full else mask_phone(unit.contact_phone),
        },
        "representatives": [_person(u) for u in unit.representatives.all()] if full else [],
        "resources": [
            _resource_out(r) for r in unit.resources.filter(active=True).select_related("unit", "area", "unit__region")
        ],
        "can_edit": full, "can_edit_all": services.is_staff_for(user, unit),
    }  # fmt: skip


class UnitIn(InSchema):
    region: Id = Field(description="Region id of the street or community the unit serves")
    name: Text = Field(max_length=services.NAME_MAX)
    kind: KindCode
    contact_name: Text = Field("", max_length=services.CONTACT_NAME_MAX)
    contact_phone: Text = Field("", max_length=services.PHONE_MAX)
    party_organisation: Text = Field("", max_length=services.PARTY_ORG_MAX)
    party_members: int = Field(0, ge=0, le=services.PARTY_MEMBERS_MAX)
    communities: list[Id] = Field([], max_length=100, description="Region ids; empty: the whole region")
    alliances: list[Id] = Field([], max_length=20)


class UnitPatch(InSchema):
    name: Text | None = Field(None, max_length=services.NAME_MAX)
    kind: KindCode | None = None
    contact_name: Text | None = Field(None, max_length=services.CONTACT_NAME_MAX)
    contact_phone: Text | None = Field(None, max_length=services.PHONE_MAX)
    party_organisation: Text | None = Field(None, max_length=services.PARTY_ORG_MAX)
    party_members: int | None = Field(None, ge=0, le=services.PARTY_MEMBERS_MAX)
    communities: list[Id] | None = Field(None, max_length=100)
    alliances: list[Id] | None = Field(None, max_length=20)


class UnitFilters(InSchema):
    region: Id | None = Field(None, description="Units serving this region (staff of the region)")
    kind: KindCode | None = None
    alliance: Id | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


class UnitPage(Page):
    items: list[UnitOut]


class RepresentativeIn(InSchema):
    user_id: Id


class ClaimRow(Schema):
    wish: int
    title: str
    community: Ref
    wish_status: str
    wish_status_label: str
    claim_status: str
    promised_date: dt.date
    claimed_at: dt.datetime
    fulfilled_at: dt.datetime | None
    confirmed_at: dt.datetime | None


class ProjectBrief(Schema):
    id: int
    title: str
    status: str
    region: Ref


def _project_brief(p: Project) -> dict:
    return {"id": p.pk, "title": p.title, "status": p.status, "region": _ref(p.region)}


class UnitRecordOut(Schema):
    unit: Ref
    claimed: int = Field(description="Wishes ever claimed in the unit's name")
    active: int = Field(description="Claimed, not yet fulfilled")
    fulfilled: int = Field(description="Fulfilled (圆梦), lit or not")
    lit: int = Field(description="Confirmed by the resident (点亮)")
    released: int = Field(description="Released, expired or cancelled claims")
    claims: list[ClaimRow]
    projects: list[ProjectBrief] = Field(description="Projects using the unit's resources")


class DeliveryOut(Schema):
    unit: Ref
    kind: str
    claimed: int
    fulfilled: int
    lit: int
    projects: list[ProjectBrief]


class DeliveriesOut(Schema):
    street: Ref
    units: list[DeliveryOut]


class StreetFilter(InSchema):
    street: Id = Field(description="Region id of the street")


# --- /partners ---------------------------------------------------------------------------


def _unit(unit_id: int) -> PartnerUnit:
    return get_object_or_404(PartnerUnit.objects.select_related("region"), pk=unit_id)


def _unit_kwargs(data: dict, region: Region) -> dict:
    if "communities" in data:
        data["communities"] = _many(
            Region, data["communities"] or [], "communities", _("There is no such community.")
        )
    if "alliances" in data:
        data["alliances"] = _many(
            Alliance, data["alliances"] or [], "alliances", _("There is no such alliance.")
        )
    for name in ("name", "kind", "contact_name", "contact_phone", "party_organisation", "party_members"):
        if name in data and data[name] is None:
            if name in ("name", "kind"):
                raise _invalid(name, _("This field is required."))
            data[name] = 0 if name == "party_members" else ""
    return data


@partners_router.get(
    "", response={200: UnitPage, **ERROR_RESPONSES}, summary="Partner units of my region, or that I represent"
)
def list_units(request, filters: Query[UnitFilters]):
    """Without `region`: the units of the regions where you are staff, and those you
    represent. With `region` (staff of that region): the units serving it."""
    user = require_user(request)
    region = _region(filters.region)
    if region is not None:
        services.check_lists(user, region)
        qs = services.units_serving(region).select_related("region")
    else:
        qs = services.visible_units(user)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.alliance is not None:
        qs = qs.filter(alliances=filters.alliance)
    qs = qs.order_by("name", "id").prefetch_related("communities", "alliances", "representatives")
    page = qs[filters.offset : filters.offset + filters.limit]
    return {
        "count": qs.count(), "limit": filters.limit, "offset": filters.offset,
        "items": [_unit_out(user, u) for u in page],
    }  # fmt: skip


@partners_router.post(
    "", response={201: UnitOut, **ERROR_RESPONSES}, summary="Register a partner unit (staff)"
)
def create_unit(request, data: UnitIn):
    user = require_user(request)
    region = _region(data.region)
    fields = _unit_kwargs(data.dict(exclude={"region"}), region)
    unit = services.create_unit(user, region=region, **fields)
    return Status(201, _unit_out(user, unit))


@partners_router.get(
    "/deliveries",
    response={200: DeliveriesOut, **ERROR_RESPONSES},
    summary="Who delivered what (street staff)",
)
def deliveries(request, filters: Query[StreetFilter]):
    """Per unit of the street: wishes claimed, fulfilled and lit in its name, and the projects
    its resources went into. Most lit first."""
    user = require_user(request)
    street = _region(filters.street, "street")
    rows = services.deliveries(user, street)
    return {
        "street": _ref(street),
        "units": [
            {
                "unit": _ref(d.unit),
                "kind": d.unit.kind,
                "claimed": d.claimed,
                "fulfilled": d.fulfilled,
                "lit": d.lit,
                "projects": [_project_brief(p) for p in d.projects],
            }  # fmt: skip
            for d in rows
        ],
    }


@partners_router.get("/{id:unit_id}", response={200: UnitOut, **ERROR_RESPONSES}, summary="One partner unit")
def get_unit(request, unit_id: Id):
    """Anyone logged in sees the profile and resources; the contact person and phone are
    whole only for staff of the region and the unit's representatives."""
    user = require_user(request)
    return _unit_out(user, _unit(unit_id))


@partners_router.patch(
    "/{id:unit_id}", response={200: UnitOut, **ERROR_RESPONSES},
    summary="Edit a unit (staff; representatives: contact and profile fields)",
)  # fmt: skip
def update_unit(request, unit_id: Id, data: UnitPatch):
    user = require_user(request)
    unit = _unit(unit_id)
    changes = _unit_kwargs(data.dict(exclude_unset=True), unit.region)
    return _unit_out(user, services.update_unit(unit, user, **changes))


@partners_router.post(
    "/{id:unit_id}/representatives", response={200: UnitOut, **ERROR_RESPONSES},
    summary="Name a representative (staff)",
)  # fmt: skip
def add_representative(request, unit_id: Id, data: RepresentativeIn):
    user = require_user(request)
    unit = _unit(unit_id)
    return _unit_out(user, services.add_representative(unit, user, _user(data.user_id, "user_id")))


@partners_router.delete(
    "/{id:unit_id}/representatives/{id:user_id}", response={200: UnitOut, **ERROR_RESPONSES},
    summary="Remove a representative (staff)",
)  # fmt: skip
def remove_representative(request, unit_id: Id, user_id: Id):
    user = require_user(request)
    unit = _unit(unit_id)
    person = get_user_model().objects.filter(pk=user_id).first()
    return _unit_out(user, services.remove_representative(unit, user, person))


@partners_router.get(
    "/{id:unit_id}/record", response={200: UnitRecordOut, **ERROR_RESPONSES},
    summary="What the unit delivered (staff, its representatives)",
)  # fmt: skip
def unit_record(request, unit_id: Id):
    user = require_user(request)
    record = services.unit_record(_unit(unit_id), user)
    return {
        "unit": _ref(record.unit), "claimed": record.claimed, "active": record.active,
        "fulfilled": record.fulfilled, "lit": record.lit, "released": record.released,
        "claims": [
            {
                "wish": c.wish_id, "title": c.wish.title, "community": _ref(c.wish.community),
                "wish_status": c.wish.status, "wish_status_label": str(c.wish.get_status_display()),
                "claim_status": c.status, "promised_date": c.promised_date, "claimed_at": c.created_at,
                "fulfilled_at": c.wish.fulfilled_at if c.status == "done" else None,
                "confirmed_at": c.wish.confirmed_at if c.status == "done" else None,
            }  # fmt: skip
            for c in record.claims[:500]
        ],
        "projects": [_project_brief(p) for p in record.projects],
    }  # fmt: skip


# --- /resources --------------------------------------------------------------------------


class ResourceFilters(InSchema):
    region: Id | None = Field(None, description="Resources serving this region (staff of the region)")
    unit: Id | None = None
    kind: ResourceKindCode | None = None
    include_withdrawn: bool = Field(False, description="Without `region` only")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


class ResourcePage(Page):
    items: list[ResourceOut]


class ResourceIn(InSchema):
    unit: Id
    kind: ResourceKindCode
    title: Text = Field(max_length=services.TITLE_MAX)
    description: Text = Field("", max_length=services.TEXT_MAX)
    keywords: Text = Field(
        "", max_length=services.KEYWORDS_MAX, description="What needs it fits: 理发 维修 体检 ..."
    )
    quantity: int | None = Field(None, ge=0, le=services.QUANTITY_MAX)
    quantity_unit: Text = Field("", max_length=services.UNIT_LABEL_MAX, description="e.g. 份, 次, 人")
    available_from: dt.date | None = None
    available_until: dt.date | None = None
    area: Id | None = Field(None, description="Region id inside the unit's region; default: all of it")


class ResourcePatch(InSchema):
    kind: ResourceKindCode | None = None
    title: Text | None = Field(None, max_length=services.TITLE_MAX)
    description: Text | None = Field(None, max_length=services.TEXT_MAX)
    keywords: Text | None = Field(None, max_length=services.KEYWORDS_MAX)
    quantity: int | None = Field(None, ge=0, le=services.QUANTITY_MAX)
    quantity_unit: Text | None = Field(None, max_length=services.UNIT_LABEL_MAX)
    available_from: dt.date | None = None
    available_until: dt.date | None = None
    area: Id | None = None


class ReasonIn(InSchema):
    reason: Text = Field(max_length=services.REASON_MAX)


class OptionalReasonIn(InSchema):
    reason: Text = Field("", max_length=services.REASON_MAX)


def _resource(resource_id: int) -> Resource:
    return get_object_or_404(Resource.objects.select_related("unit", "unit__region", "area"), pk=resource_id)


def _resource_kwargs(data: dict) -> dict:
    if "area" in data:
        data["area"] = _region(data["area"], "area")
    for name in ("kind", "title"):
        if name in data and data[name] is None:
            raise _invalid(name, _("This field is required."))
    for name in ("description", "keywords", "quantity_unit"):
        if name in data and data[name] is None:
            data[name] = ""
    return data


@resources_router.get("", response={200: ResourcePage, **ERROR_RESPONSES}, summary="Resources")
def list_resources(request, filters: Query[ResourceFilters]):
    """With `region` (staff of that region): what the units serving it offer now. Without:
    the resources of the units of your regions and of the units you represent."""
    user = require_user(request)
    region = _region(filters.region)
    if region is not None:
        qs = services.resources_list(user, region, kind=filters.kind)
    else:
        qs = services.visible_resources(user)
        if not filters.include_withdrawn:
            qs = qs.filter(active=True)
        if filters.kind:
            qs = qs.filter(kind=filters.kind)
    if filters.unit is not None:
        qs = qs.filter(unit_id=filters.unit)
    qs = qs.order_by("unit__name", "kind", "title", "id")
    page = qs[filters.offset : filters.offset + filters.limit]
    return {
        "count": qs.count(), "limit": filters.limit, "offset": filters.offset,
        "items": [_resource_out(r) for r in page],
    }  # fmt: skip


@resources_router.post(
    "", response={201: ResourceOut, **ERROR_RESPONSES}, summary="Offer a resource (staff, representatives)"
)
def create_resource(request, data: ResourceIn):
    user = require_user(request)
    unit = PartnerUnit.objects.select_related("region").filter(pk=data.unit).first()
    if unit is None:
        raise _invalid("unit", _("There is no such unit."))
    fields = _resource_kwargs(data.dict(exclude={"unit"}))
    return Status(201, _resource_out(services.add_resource(unit, user, **fields)))


@resources_router.patch(
    "/{id:resource_id}", response={200: ResourceOut, **ERROR_RESPONSES},
    summary="Edit a resource (staff, representatives)",
)  # fmt: skip
def update_resource(request, resource_id: Id, data: ResourcePatch):
    user = require_user(request)
    resource = _resource(resource_id)
    changes = _resource_kwargs(data.dict(exclude_unset=True))
    return _resource_out(services.update_resource(resource, user, **changes))


@resources_router.post(
    "/{id:resource_id}/withdraw", response={200: ResourceOut, **ERROR_RESPONSES},
    summary="No longer on offer (staff, representatives)",
)  # fmt: skip
def withdraw_resource(request, resource_id: Id, data: OptionalReasonIn):
    user = require_user(request)
    resource = services.withdraw_resource(_resource(resource_id), user, data.reason)
    return _resource_out(_resource(resource.pk))


# --- /projects ---------------------------------------------------------------------------


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


class NoteIn(InSchema):
    note: Text = Field("", max_length=services.REASON_MAX)


class OutcomeIn(InSchema):
    outcome: Text = Field(max_length=services.PLAN_MAX)


def _project_out(user, p: Project) -> dict:
    return {
        "id": p.pk, "region": _ref(p.region), "title": p.title, "plan": p.plan, "owner": _person(p.owner),
        "starts_on": p.starts_on, "ends_on": p.ends_on, "status": p.status,
        "status_label": str(p.get_status_display()), "outcome": p.outcome,
        "wishes": [{"id": w.pk, "title": w.title, "status": w.status} for w in p.wishes.all()],
        "demands": [{"id": d.pk, "title": d.title, "status": d.status} for d in p.demands.all()],
        "surveys": [
            {"id": s.pk, "title": s.title, "status": "open" if s.open else "closed"} for s in p.surveys.all()
        ],
        "resources": [
            {"id": r.pk, "title": r.title, "unit": _ref(r.unit)} for r in p.resources.select_related("unit")
        ],
        "created_at": p.created_at, "actions": [t.name for t in PROJECT_TRANSITIONS.available(p, user)],
    }  # fmt: skip


def _project(user, project_id: int) -> Project:
    """A project the user may see (its owner, staff of its region); others: not found."""
    p = get_object_or_404(Project.objects.select_related("region", "owner"), pk=project_id)
    if not (access.can(user, "project.manage", p) or access.can(user, "lists.view", p)):
        raise Http404
    return p


def _project_kwargs(data: dict, region: Region) -> dict:
    from weiguang.demands.models import Demand
    from weiguang.wishes.models import Wish

    if "owner_id" in data:
        owner_id = data.pop("owner_id")
        if owner_id is not None:
            data["owner"] = _user(owner_id, "owner_id")
    for name in ("title", "plan"):
        if name in data and data[name] is None:
            raise _invalid(name, _("This field is required."))
    models = {
        "wishes": (Wish, _("There is no such wish.")),
        "demands": (Demand, _("There is no such demand.")),
        "surveys": (Survey, _("There is no such survey.")),
        "resources": (Resource, _("There is no such resource.")),
    }
    for name, (model, message) in models.items():
        if name in data:
            data[name] = _many(model, data[name] or [], name, message)
    return data


@projects_router.get("", response={200: ProjectPage, **ERROR_RESPONSES}, summary="Projects")
def list_projects(request, filters: Query[ProjectFilters]):
    """With `region` (staff of that region): its project list. Without: the projects of
    your regions and those you own."""
    user = require_user(request)
    region = _region(filters.region)
    if region is not None:
        qs = services.projects_list(user, region, status=filters.status)
    else:
        qs = services.visible_projects(user)
        if filters.status:
            qs = qs.filter(status=filters.status)
    qs = qs.order_by("-created_at", "-id")
    page = qs[filters.offset : filters.offset + filters.limit]
    return {
        "count": qs.count(), "limit": filters.limit, "offset": filters.offset,
        "items": [_project_out(user, p) for p in page],
    }  # fmt: skip


@projects_router.post("", response={201: ProjectOut, **ERROR_RESPONSES}, summary="Create a project (staff)")
def create_project(request, data: ProjectIn):
    """Match needs (wishes, demands, surveys of the region) to resources of units serving
    it, with an owner and a plan. It starts as planned."""
    user = require_user(request)
    region = _region(data.region)
    fields = _project_kwargs(data.dict(exclude={"region"}), region)
    return Status(201, _project_out(user, services.create_project(user, region=region, **fields)))


@projects_router.get("/{id:project_id}", response={200: ProjectOut, **ERROR_RESPONSES}, summary="One project")
def get_project(request, project_id: Id):
    user = require_user(request)
    return _project_out(user, _project(user, project_id))


@projects_router.patch(
    "/{id:project_id}", response={200: ProjectOut, **ERROR_RESPONSES},
    summary="Edit the plan, dates or links (owner, staff; while planned or running)",
)  # fmt: skip
def update_project(request, project_id: Id, data: ProjectPatch):
    user = require_user(request)
    project = _project(user, project_id)
    changes = _project_kwargs(data.dict(exclude_unset=True), project.region)
    return _project_out(user, services.update_project(project, user, **changes))


@projects_router.post(
    "/{id:project_id}/start", response={200: ProjectOut, **ERROR_RESPONSES}, summary="Start"
)
def start_project(request, project_id: Id, data: NoteIn):
    user = require_user(request)
    return _project_out(user, services.start_project(_project(user, project_id), user, data.note))


@projects_router.post(
    "/{id:project_id}/finish",
    response={200: ProjectOut, **ERROR_RESPONSES},
    summary="Done, with the outcome",
)
def finish_project(request, project_id: Id, data: OutcomeIn):
    user = require_user(request)
    return _project_out(user, services.finish_project(_project(user, project_id), user, data.outcome))


@projects_router.post(
    "/{id:project_id}/cancel",
    response={200: ProjectOut, **ERROR_RESPONSES},
    summary="Cancel, with the reason",
)
def cancel_project(request, project_id: Id, data: ReasonIn):
    user = require_user(request)
    return _project_out(user, services.cancel_project(_project(user, project_id), user, data.reason))


# --- /surveys ----------------------------------------------------------------------------


class QuestionIn(InSchema):
    text: Text = Field(max_length=services.QUESTION_MAX)
    options: list[Annotated[Text, Field(max_length=services.OPTION_MAX)]] = Field(
        [], max_length=services.MAX_OPTIONS, description="The choices; none: a free-text answer"
    )
    multiple: bool = Field(False, description="Several options may be picked")


class SurveyIn(InSchema):
    region: Id = Field(description="Region id whose residents are asked")
    title: Text = Field(max_length=services.TITLE_MAX)
    questions: list[QuestionIn] = Field(min_length=1, max_length=services.MAX_QUESTIONS)


class OptionCount(Schema):
    option: str
    count: int


class QuestionOut(Schema):
    id: int
    text: str
    options: list[str]
    multiple: bool


class QuestionTallyOut(Schema):
    id: int
    text: str
    multiple: bool
    free_text: bool
    answered: int
    counts: list[OptionCount] = Field(description="Every option with its count, most chosen first")
    answers: list[str] = Field(description="Free-text answers (who gave them is never shown)")


class TallyOut(Schema):
    survey: Ref
    region: Ref
    open: bool
    responses: int
    questions: list[QuestionTallyOut]
    top: list[OptionCount] = Field(description="The most asked-for options")
    summary: str


class SurveyOut(Schema):
    id: int
    region: Ref
    title: str
    open: bool
    created_at: dt.datetime
    questions: list[QuestionOut]
    tally: TallyOut | None = Field(description="For staff and grid workers of the region")
    can_answer_online: bool


Answer = Annotated[Text, Field(max_length=services.ANSWER_MAX)]


class ResponseIn(InSchema):
    answers: dict[Text, Answer | list[Answer]] = Field(
        max_length=services.MAX_QUESTIONS,
        description='Question id → an option, a list of options, or text: {"12": "义诊", "13": ["理发"]}',
    )
    channel: ChannelCode = Field("visit", description="visit: staff or a grid worker; online: a resident")
    grid: Id | None = Field(None, description="The grid visited")


class ResponseOut(Schema):
    id: int
    survey: int
    channel: str
    grid: Ref | None
    created_at: dt.datetime


class SurveyPage(Page):
    items: list[SurveyOut]


class SurveyFilters(InSchema):
    open: bool | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


def _tally_out(t: services.Tally) -> dict:
    s = t.survey
    return {
        "survey": {"id": s.pk, "name": s.title}, "region": _ref(s.region), "open": s.open,
        "responses": t.responses,
        "questions": [
            {
                "id": q.id, "text": q.text, "multiple": q.multiple, "free_text": q.free_text,
                "answered": q.answered, "counts": [{"option": o, "count": n} for o, n in q.counts],
                "answers": q.answers,
            }  # fmt: skip
            for q in t.questions
        ],
        "top": [{"option": o, "count": n} for o, n in t.top], "summary": t.summary,
    }  # fmt: skip


def _survey_out(user, s: Survey) -> dict:
    full = services.can_collect(user, s)
    return {
        "id": s.pk, "region": _ref(s.region), "title": s.title, "open": s.open, "created_at": s.created_at,
        "questions": [
            {"id": q.pk, "text": q.text, "options": q.options, "multiple": q.multiple} for q in s.questions.all()
        ],
        "tally": _tally_out(services.tally(s)) if full else None,
        "can_answer_online": s.open and services.resident_of(user, s) is not None,
    }  # fmt: skip


def _survey(user, survey_id: int) -> Survey:
    s = get_object_or_404(Survey.objects.select_related("region"), pk=survey_id)
    if not (services.can_collect(user, s) or services.resident_of(user, s) is not None):
        raise Http404
    return s


@surveys_router.get("", response={200: SurveyPage, **ERROR_RESPONSES}, summary="Surveys of my region")
def list_surveys(request, filters: Query[SurveyFilters]):
    """Staff and grid workers: the surveys of their regions (and of the regions above), with
    tallies."""
    user = require_user(request)
    qs = services.visible_surveys(user)
    if filters.open is not None:
        qs = qs.filter(open=filters.open)
    qs = qs.order_by("-created_at", "-id")
    page = qs[filters.offset : filters.offset + filters.limit]
    return {
        "count": qs.count(), "limit": filters.limit, "offset": filters.offset,
        "items": [_survey_out(user, s) for s in page],
    }  # fmt: skip


@surveys_router.post("", response={201: SurveyOut, **ERROR_RESPONSES}, summary="Create a survey (staff)")
def create_survey(request, data: SurveyIn):
    user = require_user(request)
    region = _region(data.region)
    survey = services.create_survey(
        user, region=region, title=data.title, questions=[q.dict() for q in data.questions]
    )
    return Status(201, _survey_out(user, survey))


@surveys_router.get(
    "/{id:survey_id}", response={200: SurveyOut, **ERROR_RESPONSES}, summary="A survey, with its tally"
)
def get_survey(request, survey_id: Id):
    """Staff and grid workers of the region get the tally; a resident of the region gets the
    questions, to answer online."""
    user = require_user(request)
    return _survey_out(user, _survey(user, survey_id))


@surveys_router.post(
    "/{id:survey_id}/responses", response={201: ResponseOut, **ERROR_RESPONSES},
    summary="Record answers (on a visit) or answer online",
)  # fmt: skip
def record_response(request, survey_id: Id, data: ResponseIn):
    user = require_user(request)
    survey = _survey(user, survey_id)
    grid = _region(data.grid, "grid")
    r = services.record_response(survey, user, answers=data.answers, channel=data.channel, grid=grid)
    return Status(
        201,
        {
            "id": r.pk, "survey": survey.pk, "channel": r.channel,
            "grid": _ref(r.grid) if r.grid_id else None, "created_at": r.created_at,
        },
    )  # fmt: skip


@surveys_router.post(
    "/{id:survey_id}/close", response={200: SurveyOut, **ERROR_RESPONSES}, summary="Stop collecting (staff)"
)
def close_survey(request, survey_id: Id):
    user = require_user(request)
    return _survey_out(user, services.close_survey(_survey(user, survey_id), user))


# --- /lists ------------------------------------------------------------------------------


class RegionFilter(InSchema):
    region: Id = Field(description="Region id (street, community or grid)")
    limit: int = Field(100, ge=1, le=500)


class ResourceListFilter(RegionFilter):
    kind: ResourceKindCode | None = None


class ProjectListFilter(RegionFilter):
    status: ProjectStatusCode | None = None


class WishNeedOut(Schema):
    id: int
    title: str
    kind: str
    category: str | None
    community: Ref
    resident: str = Field(description="Masked: 王阿姨")
    published_at: dt.datetime | None


class DemandNeedOut(Schema):
    id: int
    title: str
    status: str
    status_label: str
    urgent: bool
    category: str | None
    community: Ref
    created_at: dt.datetime


class NeedsOut(Schema):
    region: Ref
    wishes_count: int
    demands_count: int
    wishes: list[WishNeedOut]
    demands: list[DemandNeedOut]
    surveys: list[TallyOut]


class ResourceListOut(Schema):
    region: Ref
    count: int
    items: list[ResourceOut]


class ProjectListOut(Schema):
    region: Ref
    count: int
    items: list[ProjectOut]


@lists_router.get(
    "/needs", response={200: NeedsOut, **ERROR_RESPONSES}, summary="需求清单: the needs list (staff)"
)
def needs(request, filters: Query[RegionFilter]):
    """Wishes on the wall, open demands, and the tallies of open surveys of the region."""
    user = require_user(request)
    region = _region(filters.region)
    n = services.needs_list(user, region)
    return {
        "region": _ref(region), "wishes_count": n.wishes.count(), "demands_count": n.demands.count(),
        "wishes": [
            {
                "id": w.pk, "title": w.title, "kind": w.kind, "category": str(w.category) if w.category_id else None,
                "community": _ref(w.community), "resident": w.resident.masked_name, "published_at": w.published_at,
            }  # fmt: skip
            for w in n.wishes[: filters.limit]
        ],
        "demands": [
            {
                "id": d.pk, "title": d.title, "status": d.status, "status_label": str(d.get_status_display()),
                "urgent": d.urgent, "category": str(d.category) if d.category_id else None,
                "community": _ref(d.community), "created_at": d.created_at,
            }  # fmt: skip
            for d in n.demands[: filters.limit]
        ],
        "surveys": [_tally_out(t) for t in n.surveys],
    }  # fmt: skip


@lists_router.get(
    "/resources",
    response={200: ResourceListOut, **ERROR_RESPONSES},
    summary="资源清单: the resource list (staff)",
)
def resources(request, filters: Query[ResourceListFilter]):
    user = require_user(request)
    region = _region(filters.region)
    qs = services.resources_list(user, region, kind=filters.kind)
    return {
        "region": _ref(region),
        "count": qs.count(),
        "items": [_resource_out(r) for r in qs[: filters.limit]],
    }


@lists_router.get(
    "/projects",
    response={200: ProjectListOut, **ERROR_RESPONSES},
    summary="项目清单: the project list (staff)",
)
def projects(request, filters: Query[ProjectListFilter]):
    user = require_user(request)
    region = _region(filters.region)
    qs = services.projects_list(user, region, status=filters.status)
    return {
        "region": _ref(region), "count": qs.count(),
        "items": [_project_out(user, p) for p in qs[: filters.limit]],
    }  # fmt: skip

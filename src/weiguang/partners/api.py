"""Partner API (/api/v1/partners, /resources): thin — parse, call a service, render. Who may
do what is decided by the services and regions.access. (A unit's record and the street's
deliveries, also under /partners, are the lists app's: lists/api/deliveries.py.)

A unit's contact person and phone are shown only to staff of its region and its
representatives.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

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
    referenced,
    require_user,
)
from weiguang.core.privacy import mask_name, mask_phone
from weiguang.regions.models import Region

from . import services
from .filters import KindCode, ResourceFilter, ResourceKindCode, UnitFilter
from .models import Alliance, PartnerUnit, Resource

partners_router = Router(tags=["partners"])
resources_router = Router(tags=["partners"])


def region_arg(region_id: int | None, field: str = "region") -> Region | None:
    return referenced(Region.objects, region_id, field, _("There is no such region."))


def user_arg(user_id: int, field: str):
    return referenced(
        get_user_model().objects.filter(is_active=True), user_id, field, _("There is no such user.")
    )


# --- shapes ------------------------------------------------------------------------------


def person(user) -> dict:
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


def resource_out(r: Resource) -> dict:
    return {
        "id": r.pk, "unit": ref(r.unit), "kind": r.kind, "kind_label": str(r.get_kind_display()),
        "title": r.title, "description": r.description, "keywords": r.keywords, "quantity": r.quantity,
        "quantity_unit": r.quantity_unit, "available_from": r.available_from,
        "available_until": r.available_until, "area": ref(r.area or r.unit.region), "active": r.active,
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
        "region": ref(unit.region), "communities": [ref(c) for c in unit.communities.all()],
        "alliances": [ref(a) for a in unit.alliances.all()],
        "party_organisation": unit.party_organisation, "party_members": unit.party_members,
        "contact": {
            "name": unit.contact_name if full else (mask_name(unit.contact_name) if unit.contact_name else ""),
            "phone": unit.contact_phone if full else mask_phone(unit.contact_phone),
        },
        "representatives": [person(u) for u in unit.representatives.all()] if full else [],
        "resources": [resource_out(r) for r in services.active_resources(unit)],
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


class UnitFilters(UnitFilter):  # the shared filters (filters.py), whose units, the page
    region: Id | None = Field(None, description="Units serving this region (staff of the region)")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


class UnitPage(Page):
    items: list[UnitOut]


class RepresentativeIn(InSchema):
    user_id: Id


# --- /partners ---------------------------------------------------------------------------


def unit_or_404(unit_id: int) -> PartnerUnit:
    return get_object_or_404(PartnerUnit.objects.select_related("region"), pk=unit_id)


def _unit_kwargs(data: dict, region: Region) -> dict:
    if "communities" in data:
        data["communities"] = many_of(
            Region.objects, data["communities"] or [], "communities", _("There is no such community.")
        )
    if "alliances" in data:
        data["alliances"] = many_of(
            Alliance.objects, data["alliances"] or [], "alliances", _("There is no such alliance.")
        )
    blank = {"contact_name": "", "contact_phone": "", "party_organisation": "", "party_members": 0}
    return patched(data, required=("name", "kind"), blank=blank)


@partners_router.get(
    "", response={200: UnitPage, **ERROR_RESPONSES}, summary="Partner units of my region, or that I represent"
)
def list_units(request, filters: Query[UnitFilters]):
    """Without `region`: the units of the regions where you are staff, and those you
    represent. With `region` (staff of that region): the units serving it."""
    user = require_user(request)
    region = region_arg(filters.region)
    if region is not None:
        services.check_lists(user, region)
        qs = services.units_serving(region).select_related("region")
    else:
        qs = services.visible_units(user)
    qs = services.with_active_resources(filters.apply(qs).order_by("name", "id")).prefetch_related(
        "communities", "alliances", "representatives"
    )
    return Page.body(filters, qs.count(), [_unit_out(user, u) for u in Page.window(qs, filters)])


@partners_router.post(
    "", response={201: UnitOut, **ERROR_RESPONSES}, summary="Register a partner unit (staff)"
)
def create_unit(request, data: UnitIn):
    user = require_user(request)
    region = region_arg(data.region)
    fields = _unit_kwargs(data.dict(exclude={"region"}), region)
    unit = services.create_unit(user, region=region, **fields)
    return Status(201, _unit_out(user, unit))


@partners_router.get("/{id:unit_id}", response={200: UnitOut, **ERROR_RESPONSES}, summary="One partner unit")
def get_unit(request, unit_id: Id):
    """Anyone logged in sees the profile and resources; the contact person and phone are
    whole only for staff of the region and the unit's representatives."""
    user = require_user(request)
    return _unit_out(user, unit_or_404(unit_id))


@partners_router.patch(
    "/{id:unit_id}", response={200: UnitOut, **ERROR_RESPONSES},
    summary="Edit a unit (staff; representatives: contact and profile fields)",
)  # fmt: skip
def update_unit(request, unit_id: Id, data: UnitPatch):
    user = require_user(request)
    unit = unit_or_404(unit_id)
    changes = _unit_kwargs(data.dict(exclude_unset=True), unit.region)
    return _unit_out(user, services.update_unit(unit, user, **changes))


@partners_router.post(
    "/{id:unit_id}/representatives", response={200: UnitOut, **ERROR_RESPONSES},
    summary="Name a representative (staff)",
)  # fmt: skip
def add_representative(request, unit_id: Id, data: RepresentativeIn):
    user = require_user(request)
    unit = unit_or_404(unit_id)
    return _unit_out(user, services.add_representative(unit, user, user_arg(data.user_id, "user_id")))


@partners_router.delete(
    "/{id:unit_id}/representatives/{id:user_id}", response={200: UnitOut, **ERROR_RESPONSES},
    summary="Remove a representative (staff)",
)  # fmt: skip
def remove_representative(request, unit_id: Id, user_id: Id):
    user = require_user(request)
    unit = unit_or_404(unit_id)
    person = get_user_model().objects.filter(pk=user_id).first()
    return _unit_out(user, services.remove_representative(unit, user, person))


# --- /resources --------------------------------------------------------------------------


class ResourceFilters(ResourceFilter):  # the shared filters (filters.py), whose, the page
    region: Id | None = Field(None, description="Resources serving this region (staff of the region)")
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
        data["area"] = region_arg(data["area"], "area")
    blank = dict.fromkeys(("description", "keywords", "quantity_unit"), "")
    return patched(data, required=("kind", "title"), blank=blank)


@resources_router.get("", response={200: ResourcePage, **ERROR_RESPONSES}, summary="Resources")
def list_resources(request, filters: Query[ResourceFilters]):
    """With `region` (staff of that region): what the units serving it offer now. Without:
    the resources of the units of your regions and of the units you represent."""
    user = require_user(request)
    region = region_arg(filters.region)
    if region is not None:
        services.check_lists(user, region)
        qs = services.resources_serving(region)
    else:
        qs = services.visible_resources(user)
        if not filters.include_withdrawn:
            qs = qs.filter(active=True)
    qs = filters.apply(qs).order_by("unit__name", "kind", "title", "id")
    return Page.body(filters, qs.count(), [resource_out(r) for r in Page.window(qs, filters)])


@resources_router.post(
    "", response={201: ResourceOut, **ERROR_RESPONSES}, summary="Offer a resource (staff, representatives)"
)
def create_resource(request, data: ResourceIn):
    user = require_user(request)
    unit = referenced(
        PartnerUnit.objects.select_related("region"), data.unit, "unit", _("There is no such unit.")
    )
    fields = _resource_kwargs(data.dict(exclude={"unit"}))
    return Status(201, resource_out(services.add_resource(unit, user, **fields)))


@resources_router.patch(
    "/{id:resource_id}", response={200: ResourceOut, **ERROR_RESPONSES},
    summary="Edit a resource (staff, representatives)",
)  # fmt: skip
def update_resource(request, resource_id: Id, data: ResourcePatch):
    user = require_user(request)
    resource = _resource(resource_id)
    changes = _resource_kwargs(data.dict(exclude_unset=True))
    return resource_out(services.update_resource(resource, user, **changes))


@resources_router.post(
    "/{id:resource_id}/withdraw", response={200: ResourceOut, **ERROR_RESPONSES},
    summary="No longer on offer (staff, representatives)",
)  # fmt: skip
def withdraw_resource(request, resource_id: Id, data: OptionalReasonIn):
    user = require_user(request)
    resource = services.withdraw_resource(_resource(resource_id), user, data.reason)
    return resource_out(_resource(resource.pk))

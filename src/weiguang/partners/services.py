"""Every change to partner units and their resources happens here, as plain functions taking
the acting user.

Who may do what is decided by regions.access: "partner.manage" (staff of the unit's region or
its representatives). A refused action raises before anything is written. Projects, surveys,
the three lists and what the units delivered are `weiguang.lists`, a floor above.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from weiguang.core.audit import log_action, save_and_log_update
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.core.notifications import notify
from weiguang.core.text import clean_text as _text
from weiguang.core.transitions import perform
from weiguang.regions import access
from weiguang.regions.models import Membership, Region, RegionKind, Role

from .models import Alliance, PartnerKind, PartnerUnit, Resource, ResourceKind, region_q, units_serving

NAME_MIN, NAME_MAX, TITLE_MAX, TEXT_MAX, REASON_MAX = 2, 100, 60, 1000, 300
CONTACT_NAME_MAX, PHONE_MAX, PARTY_ORG_MAX, KEYWORDS_MAX, UNIT_LABEL_MAX = 50, 20, 100, 200, 10  # (API too)
PARTY_MEMBERS_MAX = 1_000_000
QUANTITY_MAX = 2_000_000_000  # fits a 32-bit integer column on every database

# What a representative may edit on the unit's record; the rest (name, kind, region,
# communities served, alliances) is the staff's.
PROFILE_FIELDS = ("contact_name", "contact_phone", "party_organisation", "party_members")
STAFF_FIELDS = ("name", "kind", "communities", "alliances")
RESOURCE_FIELDS = (
    "kind", "title", "description", "keywords", "quantity", "quantity_unit", "available_from",
    "available_until", "area",
)  # fmt: skip


def unit_url(unit: PartnerUnit) -> str:
    return f"/partners/{unit.pk}/"


# --- small helpers ------------------------------------------------------------------------


def _phone(value) -> str:
    phone = _text(value, "contact_phone", required=False, max_length=PHONE_MAX)
    if phone and not (phone.replace("-", "").isdigit() and 5 <= len(phone) <= 20):
        raise InvalidInput(_("Enter the phone number as digits."), fields={"contact_phone": "invalid"})
    return phone


def _count(value, field: str, maximum: int, *, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(_("Enter a whole number."), fields={field: "invalid"})
    if value < 0:
        raise InvalidInput(_("The number cannot be negative."), fields={field: "negative"})
    if value > maximum:
        raise InvalidInput(
            _("Enter a number of at most %(max)s.") % {"max": maximum}, fields={field: "too_large"}
        )
    return value


def dates_in_order(start, end, start_field: str, end_field: str) -> None:
    for value, name in ((start, start_field), (end, end_field)):
        if value is not None and not isinstance(value, dt.date):
            raise InvalidInput(_("Enter the date as YYYY-MM-DD."), fields={name: "invalid"})
    if start is not None and end is not None and end < start:
        raise InvalidInput(_("The end date is before the start date."), fields={end_field: "before_start"})


def is_staff_for(user, obj) -> bool:
    """Staff of the region of `obj` (by their region role, not by a relation to it)."""
    return access.can(user, "partner.manage", path=access.object_path(obj))


def can_see_contact(user, unit: PartnerUnit) -> bool:
    """A unit's contact person and phone: staff of its region and its representatives."""
    return access.can(user, "partner.manage", unit)


# --- partner units ------------------------------------------------------------------------


def _clean_communities(region: Region, communities) -> list[Region]:
    communities = list(communities or [])
    for c in communities:
        if c.kind != RegionKind.COMMUNITY or not region.contains(c):
            raise InvalidInput(
                _("Choose communities inside the unit's region."), fields={"communities": "invalid"}
            )
    return communities


def _clean_alliances(region: Region, alliances) -> list[Alliance]:
    alliances = list(alliances or [])
    street = region.street
    for a in alliances:
        if street is None or a.street_id != street.pk:
            raise InvalidInput(_("Choose alliances of the unit's street."), fields={"alliances": "invalid"})
    return alliances


def _clean_unit_fields(changes: dict, region: Region) -> dict:
    cleaned = {}
    for name, value in changes.items():
        if name == "name":
            cleaned[name] = _text(
                value, "name", required=True, min_length=NAME_MIN, max_length=NAME_MAX,
                message=_("Name the unit."),
            )  # fmt: skip
        elif name == "kind":
            if value not in PartnerKind.values:
                raise InvalidInput(_("Unknown kind of unit."), fields={"kind": "invalid"})
            cleaned[name] = value
        elif name == "contact_name":
            cleaned[name] = _text(value, "contact_name", required=False, max_length=CONTACT_NAME_MAX)
        elif name == "contact_phone":
            cleaned[name] = _phone(value)
        elif name == "party_organisation":
            cleaned[name] = _text(value, "party_organisation", required=False, max_length=PARTY_ORG_MAX)
        elif name == "party_members":
            cleaned[name] = _count(value, "party_members", PARTY_MEMBERS_MAX)
        elif name == "communities":
            cleaned[name] = _clean_communities(region, value)
        elif name == "alliances":
            cleaned[name] = _clean_alliances(region, value)
        else:
            raise InvalidInput(_("Unknown field."), fields={name: "unknown"})
    return cleaned


def create_unit(
    by, *, region: Region, name: str, kind: str, contact_name: str = "", contact_phone: str = "",
    party_organisation: str = "", party_members: int = 0, communities=(), alliances=(),
) -> PartnerUnit:  # fmt: skip
    """Register a partner unit or merchant serving `region` (a street or community): staff."""
    if region is None or region.kind not in (RegionKind.STREET, RegionKind.COMMUNITY):
        raise InvalidInput(_("Choose the street or community the unit serves."), fields={"region": "invalid"})
    if not access.can(by, "partner.manage", path=region.path):
        raise NotAllowed(_("Only staff of the region may register partner units."))
    fields = _clean_unit_fields(
        {
            "name": name, "kind": kind, "contact_name": contact_name, "contact_phone": contact_phone,
            "party_organisation": party_organisation, "party_members": party_members,
            "communities": communities, "alliances": alliances,
        },
        region,
    )  # fmt: skip
    communities, alliances = fields.pop("communities"), fields.pop("alliances")
    if PartnerUnit.objects.filter(region=region, name=fields["name"]).exists():
        raise InvalidInput(_("There is already a unit of this name here."), fields={"name": "taken"})
    try:
        with transaction.atomic():
            unit = PartnerUnit.objects.create(region=region, **fields)
            unit.communities.set(communities)
            unit.alliances.set(alliances)
            log_action(unit, "create", by, communities=[c.pk for c in communities])
    except IntegrityError:  # the same name registered twice at once
        raise InvalidInput(
            _("There is already a unit of this name here."), fields={"name": "taken"}
        ) from None
    return unit


def update_unit(unit: PartnerUnit, by, **changes) -> PartnerUnit:
    """Staff may change everything but the region; a representative only the contact and
    profile fields (contact person and phone, party organisation, party members)."""
    if not access.can(by, "partner.manage", unit):
        raise NotAllowed(_("Only staff of the region and the unit's representatives may edit it."))
    staff = is_staff_for(by, unit)
    not_theirs = [name for name in changes if name in STAFF_FIELDS] if not staff else []
    if not_theirs:
        raise NotAllowed(_("Only staff may change the unit's name, kind, communities and alliances."))
    fields = _clean_unit_fields(changes, unit.region)
    relations = {name: fields.pop(name) for name in ("communities", "alliances") if name in fields}
    try:
        with transaction.atomic():
            locked = PartnerUnit.objects.select_for_update().get(pk=unit.pk)
            renamed = "name" in fields and fields["name"] != locked.name
            if renamed and PartnerUnit.objects.filter(region=locked.region, name=fields["name"]).exists():
                raise InvalidInput(_("There is already a unit of this name here."), fields={"name": "taken"})
            save_and_log_update(locked, by, fields, relations)
    except IntegrityError:
        raise InvalidInput(
            _("There is already a unit of this name here."), fields={"name": "taken"}
        ) from None
    return locked


def add_representative(unit: PartnerUnit, by, user) -> PartnerUnit:
    """Staff name a representative; they get the partner representative role at the unit's
    region, so they can claim wishes for the unit."""
    if not is_staff_for(by, unit):
        raise NotAllowed(_("Only staff of the region may name representatives."))
    if user is None or not user.is_active:
        raise InvalidInput(_("There is no such user."), fields={"user_id": "invalid"})
    if unit.representatives.filter(pk=user.pk).exists():
        raise Conflict(_("This person already represents the unit."), code="already_representative")
    with transaction.atomic():
        unit.representatives.add(user)
        Membership.objects.get_or_create(user=user, region=unit.region, role=Role.PARTNER_REP)
        log_action(unit, "add_representative", by, user=user.pk)
        notify(
            [user],
            _("You now represent %(unit)s on Weiguang.") % {"unit": unit.name},
            body=_("You can offer the unit's resources and claim wishes in its name."),
            url=unit_url(unit),
        )
    access.forget(user)
    return unit


def remove_representative(unit: PartnerUnit, by, user) -> PartnerUnit:
    """The representative role at the unit's region goes too, unless they still represent
    another unit there. Claims already made in the unit's name stay the unit's."""
    if not is_staff_for(by, unit):
        raise NotAllowed(_("Only staff of the region may remove representatives."))
    if user is None or not unit.representatives.filter(pk=user.pk).exists():
        raise InvalidInput(_("This person does not represent the unit."), fields={"user_id": "invalid"})
    with transaction.atomic():
        unit.representatives.remove(user)
        still = PartnerUnit.objects.filter(region=unit.region, representatives=user).exists()
        if not still:
            Membership.objects.filter(user=user, region=unit.region, role=Role.PARTNER_REP).delete()
        log_action(unit, "remove_representative", by, user=user.pk, role_kept=still)
    access.forget(user)
    return unit


def create_alliance(by, *, street: Region, name: str, units=()) -> Alliance:
    """A group of units working together, e.g. a livelihood alliance (民生联盟): street staff."""
    if street is None or street.kind != RegionKind.STREET:
        raise InvalidInput(_("An alliance belongs to a street."), fields={"street": "invalid"})
    if not access.can(by, "partner.manage", path=street.path):
        raise NotAllowed(_("Only staff of the street may form an alliance."))
    name = _text(name, "name", required=True, max_length=60, message=_("Name the alliance."))
    units = list(units)
    if any(not street.contains(u.region) for u in units):
        raise InvalidInput(_("Choose units of the street."), fields={"units": "invalid"})
    if Alliance.objects.filter(street=street, name=name).exists():
        raise InvalidInput(_("There is already an alliance of this name here."), fields={"name": "taken"})
    with transaction.atomic():
        alliance = Alliance.objects.create(street=street, name=name)
        alliance.units.set(units)
        log_action(alliance, "create", by, units=[u.pk for u in units])
    return alliance


def visible_units(user) -> QuerySet[PartnerUnit]:
    """Units of the regions where the user is staff, and the units they represent."""
    return PartnerUnit.objects.select_related("region").restrict(user, "partner.manage").distinct()


def list_regions(user) -> list[Region]:
    return list(access.regions_for(user, "lists.view"))


def check_lists(user, region: Region) -> None:
    """Staff of `region` see its lists: the units serving it, their resources (the lists app
    adds the needs and the projects)."""
    if region is None or not access.can(user, "lists.view", region):
        raise NotAllowed(_("Only staff of the region may see its lists."))


def units_for(user) -> QuerySet[PartnerUnit]:
    """The units a user may open: those they manage (staff of the unit's region, its
    representatives) and those serving a region whose lists they see. Community staff see the
    street's units that serve their community: the resource list links to them."""
    condition = Q(pk__in=visible_units(user).values("pk"))
    for region in list_regions(user):
        condition |= Q(pk__in=units_serving(region).values("pk"))
    return PartnerUnit.objects.filter(condition).select_related("region")


def can_view_unit(user, unit: PartnerUnit) -> bool:
    """Open the unit's page: manage it, or see the lists of a region it serves."""
    return access.can(user, "partner.manage", unit) or any(
        unit.serves(region) for region in list_regions(user)
    )


# --- resources ----------------------------------------------------------------------------


def _clean_resource_fields(unit: PartnerUnit, changes: dict) -> dict:
    cleaned = {}
    for name, value in changes.items():
        if name == "kind":
            if value not in ResourceKind.values:
                raise InvalidInput(_("Unknown kind of resource."), fields={"kind": "invalid"})
            cleaned[name] = value
        elif name == "title":
            cleaned[name] = _text(
                value, "title", required=True, min_length=2, max_length=TITLE_MAX,
                message=_("Name the resource."),
            )  # fmt: skip
        elif name == "description":
            cleaned[name] = _text(value, "description", required=False, max_length=TEXT_MAX)
        elif name == "keywords":
            cleaned[name] = _text(value, "keywords", required=False, max_length=KEYWORDS_MAX)
        elif name == "quantity":
            cleaned[name] = _count(value, "quantity", QUANTITY_MAX, allow_none=True)
        elif name == "quantity_unit":
            cleaned[name] = _text(value, "quantity_unit", required=False, max_length=UNIT_LABEL_MAX)
        elif name in ("available_from", "available_until"):
            cleaned[name] = value
        elif name == "area":
            if value is not None and not unit.region.contains(value):
                raise InvalidInput(
                    _("The area must be inside the unit's region."), fields={"area": "outside"}
                )
            cleaned[name] = value
        else:
            raise InvalidInput(_("Unknown field."), fields={name: "unknown"})
    return cleaned


def add_resource(
    unit: PartnerUnit, by, *, kind: str, title: str, description: str = "", keywords: str = "",
    quantity: int | None = None, quantity_unit: str = "", available_from: dt.date | None = None,
    available_until: dt.date | None = None, area: Region | None = None,
) -> Resource:  # fmt: skip
    """Offer a resource in the unit's name: its staff or its representatives."""
    if not access.can(by, "partner.manage", unit):
        raise NotAllowed(
            _("Only staff of the region and the unit's representatives may offer its resources.")
        )
    fields = _clean_resource_fields(
        unit,
        {
            "kind": kind, "title": title, "description": description, "keywords": keywords,
            "quantity": quantity, "quantity_unit": quantity_unit, "available_from": available_from,
            "available_until": available_until, "area": area,
        },
    )  # fmt: skip
    dates_in_order(fields["available_from"], fields["available_until"], "available_from", "available_until")
    with transaction.atomic():
        resource = Resource.objects.create(unit=unit, **fields)
        log_action(resource, "offer", by, unit=unit.pk)
    return resource


def update_resource(resource: Resource, by, **changes) -> Resource:
    if not access.can(by, "partner.manage", resource):
        raise NotAllowed(_("Only staff of the region and the unit's representatives may edit its resources."))
    fields = _clean_resource_fields(resource.unit, changes)
    with transaction.atomic():
        locked = Resource.objects.select_for_update().select_related("unit__region").get(pk=resource.pk)
        if not locked.active:
            raise Conflict(_("This resource was withdrawn."), code="withdrawn")
        dates_in_order(
            fields.get("available_from", locked.available_from),
            fields.get("available_until", locked.available_until),
            "available_from",
            "available_until",
        )
        save_and_log_update(locked, by, fields)
    return locked


def withdraw_resource(resource: Resource, by, reason: str = "") -> Resource:
    """No longer on offer; projects that used it keep the link."""
    if not access.can(by, "partner.manage", resource):
        raise NotAllowed(
            _("Only staff of the region and the unit's representatives may withdraw its resources.")
        )
    reason = _text(reason, "reason", required=False, max_length=REASON_MAX)
    already = Conflict(_("This resource was already withdrawn."), code="withdrawn")
    return perform(resource, "withdraw", by, note=reason, conflict=already)


def _on_offer() -> QuerySet[Resource]:
    return Resource.objects.filter(active=True).select_related("unit", "area", "unit__region")


def with_active_resources(units: QuerySet[PartnerUnit]) -> QuerySet[PartnerUnit]:
    """Units with the resources they offer, for a list: one query, not one per unit."""
    return units.prefetch_related(Prefetch("resources", queryset=_on_offer(), to_attr="resources_on_offer"))


def active_resources(unit: PartnerUnit) -> list[Resource]:
    """What the unit offers (prefetched by with_active_resources, or read now)."""
    if hasattr(unit, "resources_on_offer"):
        return unit.resources_on_offer
    return list(_on_offer().filter(unit=unit))


def visible_resources(user) -> QuerySet[Resource]:
    return Resource.objects.select_related("unit", "unit__region", "area").restrict(user, "partner.manage")


def resources_serving(region: Region, *, kind: str | None = None) -> QuerySet[Resource]:
    """Resources on offer (not withdrawn, not past their last day) of units serving `region`
    whose own area, when they name one, overlaps it."""
    today = timezone.localdate()
    qs = Resource.objects.filter(active=True, unit__in=units_serving(region)).filter(
        Q(available_until__isnull=True) | Q(available_until__gte=today)
    )
    qs = qs.filter(Q(area__isnull=True) | region_q("area", region))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("unit", "unit__region", "area")

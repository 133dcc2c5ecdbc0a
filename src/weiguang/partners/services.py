"""Every change to partner units, their resources, projects and surveys happens here, as plain
functions taking the acting user; and the three lists (三张清单) and the units' records are
computed here.

Who may do what is decided by regions.access: "partner.manage" (staff of the unit's region or
its representatives), "project.create" / "project.manage", "survey.manage" / "survey.collect"
and "lists.view". A refused action raises before anything is written.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from weiguang.core.audit import log_action
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.core.notifications import notify
from weiguang.core.text import clean_text as _text
from weiguang.core.transitions import perform
from weiguang.regions import access
from weiguang.regions.models import Membership, Region, RegionKind, Role

from .models import (
    Alliance,
    PartnerKind,
    PartnerUnit,
    Project,
    ProjectStatus,
    Resource,
    ResourceKind,
    Survey,
    SurveyQuestion,
    SurveyResponse,
)

NAME_MIN, NAME_MAX, TITLE_MAX, TEXT_MAX, PLAN_MAX, REASON_MAX = 2, 100, 60, 1000, 4000, 300
CONTACT_NAME_MAX, PHONE_MAX, PARTY_ORG_MAX, KEYWORDS_MAX, UNIT_LABEL_MAX = 50, 20, 100, 200, 10  # (API too)
PARTY_MEMBERS_MAX = 1_000_000
QUANTITY_MAX = 2_000_000_000  # fits a 32-bit integer column on every database
MAX_QUESTIONS, MAX_OPTIONS, OPTION_MAX, QUESTION_MAX, ANSWER_MAX = 30, 20, 100, 200, 500
MAX_LINKS = 50  # wishes, demands, surveys or resources linked to one project
TOP_SUGGESTIONS = 5
EDITABLE_PROJECT_STATES = [ProjectStatus.PLANNED, ProjectStatus.RUNNING]
CHANNELS = ("visit", "online")

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


def project_url(project: Project) -> str:
    return f"/projects/{project.pk}/"


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


def _dates_in_order(start, end, start_field: str, end_field: str) -> None:
    for value, name in ((start, start_field), (end, end_field)):
        if value is not None and not isinstance(value, dt.date):
            raise InvalidInput(_("Enter the date as YYYY-MM-DD."), fields={name: "invalid"})
    if start is not None and end is not None and end < start:
        raise InvalidInput(_("The end date is before the start date."), fields={end_field: "before_start"})


def _overlaps(a: Region, b: Region) -> bool:
    """One region contains the other (a street and one of its grids, say)."""
    return a.path.startswith(b.path) or b.path.startswith(a.path)


def _region_q(lookup: str, region: Region) -> Q:
    """Rows whose region (by `lookup`, e.g. "region") is inside `region` or above it."""
    return Q(**{f"{lookup}__path__startswith": region.path}) | Q(**{f"{lookup}_id__in": region.ancestor_ids})


def is_staff_for(user, obj) -> bool:
    """Staff of the region of `obj` (by their region role, not by a relation to it)."""
    return access.can(user, "partner.manage", path=access.object_path(obj))


def can_see_contact(user, unit: PartnerUnit) -> bool:
    """A unit's contact person and phone: staff of its region and its representatives."""
    return access.can(user, "partner.manage", unit)


def units_serving(region: Region) -> QuerySet[PartnerUnit]:
    """Units whose area overlaps `region` and that either serve their whole area or list a
    community overlapping `region`."""
    listed = PartnerUnit.communities.through.objects.filter(
        Q(region__path__startswith=region.path) | Q(region_id__in=region.ancestor_ids)
    ).values("partnerunit_id")
    unrestricted = ~Q(pk__in=PartnerUnit.communities.through.objects.values("partnerunit_id"))
    return PartnerUnit.objects.filter(_region_q("region", region)).filter(unrestricted | Q(pk__in=listed))


def serves_any(unit: PartnerUnit, region: Region) -> bool:
    if not _overlaps(unit.region, region):
        return False
    listed = list(unit.communities.all())
    return not listed or any(_overlaps(c, region) for c in listed)


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
            changed = sorted(n for n, v in fields.items() if getattr(locked, n) != v)
            for name, value in fields.items():
                setattr(locked, name, value)
            locked.save()
            for name, values in relations.items():
                getattr(locked, name).set(values)
                changed.append(name)
            log_action(locked, "update", by, fields=changed)
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


def _list_regions(user) -> list[Region]:
    return list(access.regions_for(user, "lists.view"))


def units_for(user) -> QuerySet[PartnerUnit]:
    """The units a user may open: those they manage (staff of the unit's region, its
    representatives) and those serving a region whose lists they see. Community staff see the
    street's units that serve their community: the resource list links to them."""
    condition = Q(pk__in=visible_units(user).values("pk"))
    for region in _list_regions(user):
        condition |= Q(pk__in=units_serving(region).values("pk"))
    return PartnerUnit.objects.filter(condition).select_related("region")


def can_view_unit(user, unit: PartnerUnit) -> bool:
    """Open the unit's page: manage it, or see the lists of a region it serves."""
    return access.can(user, "partner.manage", unit) or any(
        serves_any(unit, region) for region in _list_regions(user)
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
    _dates_in_order(fields["available_from"], fields["available_until"], "available_from", "available_until")
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
        _dates_in_order(
            fields.get("available_from", locked.available_from),
            fields.get("available_until", locked.available_until),
            "available_from",
            "available_until",
        )
        changed = sorted(n for n, v in fields.items() if getattr(locked, n) != v)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save()
        log_action(locked, "update", by, fields=changed)
    return locked


def withdraw_resource(resource: Resource, by, reason: str = "") -> Resource:
    """No longer on offer; projects that used it keep the link."""
    if not access.can(by, "partner.manage", resource):
        raise NotAllowed(
            _("Only staff of the region and the unit's representatives may withdraw its resources.")
        )
    reason = _text(reason, "reason", required=False, max_length=REASON_MAX)
    with transaction.atomic():
        locked = Resource.objects.select_for_update().get(pk=resource.pk)
        if not locked.active:
            raise Conflict(_("This resource was already withdrawn."), code="withdrawn")
        locked.active = False
        locked.save(update_fields=["active"])
        log_action(locked, "withdraw", by, from_state="active", to_state="withdrawn", note=reason)
    return locked


def visible_resources(user) -> QuerySet[Resource]:
    return Resource.objects.select_related("unit", "unit__region", "area").restrict(user, "partner.manage")


def resources_serving(region: Region, *, kind: str | None = None) -> QuerySet[Resource]:
    """Resources on offer (not withdrawn, not past their last day) of units serving `region`
    whose own area, when they name one, overlaps it."""
    today = timezone.localdate()
    qs = Resource.objects.filter(active=True, unit__in=units_serving(region)).filter(
        Q(available_until__isnull=True) | Q(available_until__gte=today)
    )
    qs = qs.filter(Q(area__isnull=True) | _region_q("area", region))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("unit", "unit__region", "area")


# --- projects -----------------------------------------------------------------------------


def _clean_links(region: Region, links: dict) -> dict:
    cleaned = {}
    for name, items in links.items():
        items = list(dict.fromkeys(items or []))
        if len(items) > MAX_LINKS:
            raise InvalidInput(_("At most %(max)d links.") % {"max": MAX_LINKS}, fields={name: "too_many"})
        for item in items:
            if name == "wishes":
                ok = region.contains(item.grid) and item.status != "withdrawn"
                message = _("Link wishes of the project's region.")
            elif name == "demands":
                ok = region.contains(item.grid)
                message = _("Link demands of the project's region.")
            elif name == "surveys":
                ok = _overlaps(region, item.region)
                message = _("Link surveys of the project's region.")
            else:
                ok = item.active and serves_any(item.unit, region)
                message = _("Link resources on offer from units serving the project's region.")
            if not ok:
                raise InvalidInput(message, fields={name: "invalid"})
        cleaned[name] = items
    return cleaned


def _clean_owner(owner):
    if owner is None or not getattr(owner, "is_active", False):
        raise InvalidInput(_("Choose the project's owner."), fields={"owner": "invalid"})
    return owner


def create_project(
    by, *, region: Region, title: str, plan: str, owner, starts_on: dt.date | None = None,
    ends_on: dt.date | None = None, wishes=(), demands=(), surveys=(), resources=(),
) -> Project:  # fmt: skip
    """A need or several matched to resources, with an owner and a plan: staff of the region."""
    if region is None:
        raise InvalidInput(_("Choose the region."), fields={"region": "invalid"})
    if not access.can(by, "project.create", region):
        raise NotAllowed(_("Only staff of the region may create projects."))
    title = _text(
        title, "title", required=True, min_length=2, max_length=TITLE_MAX, message=_("Name the project.")
    )
    plan = _text(plan, "plan", required=True, max_length=PLAN_MAX, message=_("Describe the plan."))
    owner = _clean_owner(owner)
    _dates_in_order(starts_on, ends_on, "starts_on", "ends_on")
    links = _clean_links(
        region, {"wishes": wishes, "demands": demands, "surveys": surveys, "resources": resources}
    )
    if not (links["wishes"] or links["demands"] or links["surveys"]):
        raise InvalidInput(
            _("Link at least one need: a wish, a demand or a survey."), fields={"wishes": "required"}
        )
    with transaction.atomic():
        project = Project.objects.create(
            region=region, title=title, plan=plan, owner=owner, starts_on=starts_on, ends_on=ends_on,
            created_by=by,
        )  # fmt: skip
        for name, items in links.items():
            getattr(project, name).set(items)
        log_action(
            project, "create", by, to_state=project.status, owner=owner.pk,
            **{name: [i.pk for i in items] for name, items in links.items()},
        )  # fmt: skip
        if owner.pk != by.pk:
            notify([owner], _("You own the project “%(t)s”.") % {"t": title}, url=project_url(project))
    return project


def update_project(project: Project, by, **changes) -> Project:
    """Change the title, plan, dates or links while the project is planned or running; the
    owner is changed by staff only."""
    if not access.can(by, "project.manage", project):
        raise NotAllowed(_("Only the project's owner and staff of the region may edit it."))
    if "owner" in changes and not access.can(by, "project.create", project.region):
        raise NotAllowed(_("Only staff of the region may hand the project to another owner."))
    fields = {}
    for name, value in changes.items():
        if name == "title":
            fields[name] = _text(value, "title", required=True, min_length=2, max_length=TITLE_MAX)
        elif name == "plan":
            fields[name] = _text(value, "plan", required=True, max_length=PLAN_MAX)
        elif name in ("starts_on", "ends_on"):
            fields[name] = value
        elif name == "owner":
            fields[name] = _clean_owner(value)
        elif name not in ("wishes", "demands", "surveys", "resources"):
            raise InvalidInput(_("Unknown field."), fields={name: "unknown"})
    links = _clean_links(
        project.region,
        {n: v for n, v in changes.items() if n in ("wishes", "demands", "surveys", "resources")},
    )
    with transaction.atomic():
        locked = Project.objects.select_for_update().select_related("region").get(pk=project.pk)
        if locked.status not in EDITABLE_PROJECT_STATES:
            raise Conflict(
                _("This cannot be done now: the current state is “%(state)s”.")
                % {"state": locked.get_status_display()},
                code="state_conflict",
            )
        _dates_in_order(
            fields.get("starts_on", locked.starts_on),
            fields.get("ends_on", locked.ends_on),
            "starts_on",
            "ends_on",
        )
        if {"wishes", "demands", "surveys"} & set(links):
            remaining = [links.get(n, getattr(locked, n).all()) for n in ("wishes", "demands", "surveys")]
            if not any(len(items) for items in remaining):
                raise InvalidInput(
                    _("Link at least one need: a wish, a demand or a survey."), fields={"wishes": "required"}
                )
        changed = sorted(n for n, v in fields.items() if getattr(locked, n) != v)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save()
        for name, items in links.items():
            getattr(locked, name).set(items)
            changed.append(name)
        log_action(locked, "update", by, fields=changed)
        new_owner = fields.get("owner")
        if new_owner is not None and new_owner.pk != project.owner_id:
            notify(
                [new_owner], _("You own the project “%(t)s”.") % {"t": locked.title}, url=project_url(locked)
            )
    return locked


def _project_staff(p: Project):
    return access.holders(access.STAFF, p.region.path)


def start_project(project: Project, by, note: str = "") -> Project:
    note = _text(note, "note", required=False, max_length=REASON_MAX)

    def apply(p: Project):
        p.starts_on = p.starts_on or timezone.localdate()
        notify(
            [p.owner, *_project_staff(p)], _("Project started: %(t)s") % {"t": p.title}, url=project_url(p)
        )

    return perform(project, "start", by, note=note, apply=apply)


def finish_project(project: Project, by, outcome: str) -> Project:
    """Done, with the outcome (what was delivered, to how many people)."""
    outcome = _text(
        outcome, "outcome", required=True, max_length=PLAN_MAX, message=_("Describe the outcome.")
    )

    def apply(p: Project):
        p.outcome = outcome
        today = timezone.localdate()
        if p.ends_on is None or p.ends_on > today:
            p.ends_on = max(today, p.starts_on) if p.starts_on else today
        notify(
            [p.owner, *_project_staff(p)], _("Project done: %(t)s") % {"t": p.title}, body=outcome,
            url=project_url(p),
        )  # fmt: skip

    return perform(project, "finish", by, note=outcome, apply=apply)


def cancel_project(project: Project, by, reason: str) -> Project:
    reason = _text(reason, "reason", required=True, max_length=REASON_MAX, message=_("Give the reason."))

    def apply(p: Project):
        p.outcome = reason
        notify(
            [p.owner, *_project_staff(p)], _("Project cancelled: %(t)s") % {"t": p.title}, body=reason,
            url=project_url(p),
        )  # fmt: skip

    return perform(project, "cancel", by, note=reason, apply=apply)


def visible_projects(user) -> QuerySet[Project]:
    return access.scope(Project.objects.select_related("region", "owner"), user, "project.manage")


# --- surveys ------------------------------------------------------------------------------


def _clean_questions(questions) -> list[dict]:
    questions = list(questions or [])
    if not questions:
        raise InvalidInput(_("Add at least one question."), fields={"questions": "required"})
    if len(questions) > MAX_QUESTIONS:
        raise InvalidInput(
            _("At most %(max)d questions.") % {"max": MAX_QUESTIONS}, fields={"questions": "too_many"}
        )
    cleaned = []
    for i, q in enumerate(questions):
        where = f"questions.{i}"
        if not isinstance(q, dict):
            raise InvalidInput(_("This value has the wrong type."), fields={where: "invalid"})
        text = _text(q.get("text"), f"{where}.text", required=True, max_length=QUESTION_MAX)
        raw = q.get("options") or []
        if not isinstance(raw, list | tuple) or len(raw) > MAX_OPTIONS:
            raise InvalidInput(
                _("At most %(max)d options.") % {"max": MAX_OPTIONS}, fields={f"{where}.options": "invalid"}
            )
        options = [_text(o, f"{where}.options", required=True, max_length=OPTION_MAX) for o in raw]
        if len(set(options)) != len(options):
            raise InvalidInput(_("Each option once."), fields={f"{where}.options": "duplicate"})
        if len(options) == 1:
            raise InvalidInput(
                _("Give at least two options, or none for a free answer."),
                fields={f"{where}.options": "too_few"},
            )
        multiple = bool(q.get("multiple", False))
        if multiple and not options:
            raise InvalidInput(
                _("A free-text question takes one answer."), fields={f"{where}.multiple": "invalid"}
            )
        cleaned.append({"text": text, "options": options, "multiple": multiple, "ordering": i})
    return cleaned


def create_survey(by, *, region: Region, title: str, questions) -> Survey:
    """Questions to the residents of `region`: staff. A question with no options takes a
    free-text answer; `multiple` lets a resident pick several options."""
    if region is None:
        raise InvalidInput(_("Choose the region."), fields={"region": "invalid"})
    if not access.can(by, "survey.manage", region):
        raise NotAllowed(_("Only staff of the region may create surveys."))
    title = _text(
        title, "title", required=True, min_length=2, max_length=TITLE_MAX, message=_("Name the survey.")
    )
    questions = _clean_questions(questions)
    with transaction.atomic():
        survey = Survey.objects.create(region=region, title=title, created_by=by)
        SurveyQuestion.objects.bulk_create(SurveyQuestion(survey=survey, **q) for q in questions)
        log_action(survey, "create", by, to_state="open", questions=len(questions))
    return survey


def close_survey(survey: Survey, by) -> Survey:
    if not access.can(by, "survey.manage", survey):
        raise NotAllowed(_("Only staff of the region may close the survey."))
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if not locked.open:
            raise Conflict(_("The survey is already closed."), code="survey_closed")
        locked.open = False
        locked.save(update_fields=["open"])
        log_action(locked, "close", by, from_state="open", to_state="closed")
    return locked


def _clean_answers(survey: Survey, answers) -> dict[str, str | list[str]]:
    if not isinstance(answers, dict) or not answers:
        raise InvalidInput(_("Answer at least one question."), fields={"answers": "required"})
    questions = {str(q.pk): q for q in survey.questions.all()}
    cleaned: dict[str, str | list[str]] = {}
    for key, value in answers.items():
        key = str(key)
        where = f"answers.{key}"
        q = questions.get(key)
        if q is None:
            raise InvalidInput(_("There is no such question in this survey."), fields={where: "unknown"})
        if not q.options:
            if not isinstance(value, str):
                raise InvalidInput(_("Answer this question in words."), fields={where: "invalid"})
            text = _text(value, where, required=False, max_length=ANSWER_MAX)
            if text:
                cleaned[key] = text
            continue
        picked = [value] if isinstance(value, str) else value
        if not isinstance(picked, list | tuple) or any(not isinstance(p, str) for p in picked):
            raise InvalidInput(_("Choose from the options offered."), fields={where: "invalid"})
        picked = list(dict.fromkeys(p.strip() for p in picked if p.strip()))
        if any(p not in q.options for p in picked):
            raise InvalidInput(_("Choose from the options offered."), fields={where: "not_offered"})
        if not q.multiple and len(picked) > 1:
            raise InvalidInput(_("This question takes one answer."), fields={where: "single"})
        if picked:
            cleaned[key] = picked if q.multiple else picked[0]
    if not cleaned:
        raise InvalidInput(_("Answer at least one question."), fields={"answers": "required"})
    return cleaned


def record_response(
    survey: Survey, by, *, answers, channel: str = "visit", grid: Region | None = None
) -> SurveyResponse:
    """Staff and grid workers record answers on a visit (channel "visit", in a grid of the
    survey's region); a logged-in resident of the region answers online, once."""
    if not getattr(by, "is_authenticated", False):
        raise NotAllowed(_("Please log in first."))
    if channel not in CHANNELS:
        raise InvalidInput(_("Unknown channel."), fields={"channel": "invalid"})
    if grid is not None and (grid.kind != RegionKind.GRID or not survey.region.contains(grid)):
        raise InvalidInput(_("Choose a grid of the survey's region."), fields={"grid": "invalid"})
    if channel == "visit":
        if not access.can(by, "survey.collect", grid or survey):
            raise NotAllowed(_("Only staff and grid workers of the region record answers on a visit."))
    else:
        resident = resident_of(by, survey)
        if resident is None:
            raise NotAllowed(_("Only residents of the region may answer online."))
        grid = resident.grid
    cleaned = _clean_answers(survey, answers)
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if not locked.open:
            raise Conflict(_("The survey is closed."), code="survey_closed")
        if channel == "online" and locked.responses.filter(channel="online", collected_by=by).exists():
            raise Conflict(_("You have already answered this survey."), code="already_answered")
        response = SurveyResponse.objects.create(
            survey=locked, answers=cleaned, channel=channel, grid=grid, collected_by=by
        )
        log_action(response, "record", by, survey=survey.pk, channel=channel)
    return response


@dataclass
class QuestionTally:
    id: int
    text: str
    multiple: bool
    free_text: bool
    answered: int
    counts: list[tuple[str, int]]  # every option with its count, most chosen first
    answers: list[str]  # the free-text answers, newest first


@dataclass
class Tally:
    survey: Survey
    responses: int
    questions: list[QuestionTally]
    top: list[tuple[str, int]]  # the most chosen options over all questions
    summary: str


def tally(survey: Survey, *, max_answers: int = 200) -> Tally:
    """Counts per option of each question and the free-text answers (never who gave them)."""
    questions = list(survey.questions.all())
    counters = {str(q.pk): Counter() for q in questions}
    texts: dict[str, list[str]] = {str(q.pk): [] for q in questions if not q.options}
    answered = Counter()
    total = 0
    rows_iter = survey.responses.order_by("-created_at", "-id").values_list("answers", flat=True)
    for answers in rows_iter.iterator():
        total += 1
        for key, value in (answers or {}).items():
            if key not in counters:
                continue  # a question removed since (questions are not edited, but be safe)
            answered[key] += 1
            if key in texts:
                if len(texts[key]) < max_answers:
                    texts[key].append(str(value))
            elif isinstance(value, list):
                counters[key].update(value)
            else:
                counters[key][value] += 1
    rows, overall = [], Counter()
    for q in questions:
        key = str(q.pk)
        counts = sorted(
            ((o, counters[key][o]) for o in q.options), key=lambda item: (-item[1], q.options.index(item[0]))
        )
        if q.multiple or not any(other.multiple for other in questions):
            overall.update(dict(counts))  # suggestions come from the "pick several" questions
        rows.append(
            QuestionTally(
                id=q.pk,
                text=q.text,
                multiple=q.multiple,
                free_text=not q.options,
                answered=answered[key],
                counts=counts,
                answers=texts.get(key, []),
            )  # fmt: skip
        )
    top = [(o, n) for o, n in overall.most_common(TOP_SUGGESTIONS) if n]
    if top:
        summary = _("%(n)d answers; most asked for: %(top)s") % {
            "n": total,
            "top": ", ".join(f"{o} ({n})" for o, n in top),
        }
    else:
        summary = _("%(n)d answers") % {"n": total}
    return Tally(survey=survey, responses=total, questions=rows, top=top, summary=summary)


def resident_of(user, survey: Survey):
    """The user's resident record when they live in the survey's region (they may answer it
    online), else None."""
    from weiguang.people.models import Resident

    if not getattr(user, "is_authenticated", False):
        return None
    resident = Resident.objects.select_related("grid").filter(user=user).first()
    return resident if resident is not None and survey.region.contains(resident.grid) else None


def can_collect(user, survey: Survey) -> bool:
    """Staff and grid workers whose region overlaps the survey's: a grid worker collects a
    community's survey in their own grid."""
    return any(_overlaps(r, survey.region) for r in access.regions_for(user, "survey.collect"))


def visible_surveys(user) -> QuerySet[Survey]:
    """Surveys of the regions where the user may collect answers, and of the regions above."""
    condition = Q(pk__in=[])
    for region in access.regions_for(user, "survey.collect"):
        condition |= _region_q("region", region)
    return Survey.objects.filter(condition).select_related("region")


# --- the three lists ----------------------------------------------------------------------


def check_lists(user, region: Region) -> None:
    if region is None or not access.can(user, "lists.view", region):
        raise NotAllowed(_("Only staff of the region may see its lists."))


@dataclass
class NeedsList:
    region: Region
    wishes: QuerySet
    demands: QuerySet
    surveys: list[Tally]


def needs_list(user, region: Region) -> NeedsList:
    """需求清单: wishes on the wall, open demands, and the tallies of open surveys."""
    from weiguang.demands.models import OPEN_STATUSES, Demand
    from weiguang.wishes.models import Wish, WishStatus

    check_lists(user, region)
    wishes = (
        Wish.objects.filter(status=WishStatus.PUBLISHED, grid__path__startswith=region.path)
        .select_related("resident", "community", "category")
        .order_by("-published_at", "-id")
    )
    demands = (
        Demand.objects.filter(status__in=OPEN_STATUSES, grid__path__startswith=region.path)
        .select_related("community", "category")
        .order_by("-created_at", "-id")
    )
    surveys = Survey.objects.filter(_region_q("region", region), open=True).prefetch_related("questions")
    return NeedsList(region=region, wishes=wishes, demands=demands, surveys=[tally(s) for s in surveys])


def resources_list(user, region: Region, *, kind: str | None = None) -> QuerySet[Resource]:
    """资源清单: what the units serving the region offer now."""
    check_lists(user, region)
    return resources_serving(region, kind=kind).order_by("unit__name", "kind", "title")


def projects_list(user, region: Region, *, status: str | None = None) -> QuerySet[Project]:
    """项目清单: projects of the region, and those of the street above it."""
    check_lists(user, region)
    qs = Project.objects.filter(_region_q("region", region)).select_related("region", "owner")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


# --- what the units delivered -------------------------------------------------------------


@dataclass
class UnitRecord:
    unit: PartnerUnit
    claimed: int  # every claim made in the unit's name
    active: int  # promised, not yet done
    fulfilled: int  # done (圆梦), lit or not
    lit: int  # confirmed by the resident (点亮)
    released: int  # released, expired or cancelled
    claims: QuerySet
    projects: QuerySet


def _claim_counts(claims: QuerySet) -> dict:
    from weiguang.wishes.models import ClaimStatus, WishStatus

    return claims.aggregate(
        claimed=Count("id"),
        active=Count("id", filter=Q(status=ClaimStatus.ACTIVE)),
        fulfilled=Count("id", filter=Q(status=ClaimStatus.DONE)),
        lit=Count("id", filter=Q(status=ClaimStatus.DONE, wish__status=WishStatus.CONFIRMED)),
        released=Count(
            "id", filter=Q(status__in=[ClaimStatus.RELEASED, ClaimStatus.EXPIRED, ClaimStatus.CANCELLED])
        ),
    )


def unit_record(unit: PartnerUnit, user) -> UnitRecord:
    """The wishes claimed in the unit's name and what became of them, and the projects that
    use its resources: staff of the region and the unit's representatives."""
    from weiguang.wishes.models import Claim

    if not access.can(user, "partner.manage", unit):
        raise NotAllowed(_("Only staff of the region and the unit's representatives may see its record."))
    claims = (
        Claim.objects.filter(partner=unit)
        .select_related("wish", "wish__community")
        .order_by("-created_at", "-id")
    )
    projects = (
        Project.objects.filter(resources__unit=unit)
        .distinct()
        .select_related("region")
        .order_by("-created_at")
    )
    return UnitRecord(unit=unit, **_claim_counts(claims), claims=claims, projects=projects)


def unit_record_seen_by(unit: PartnerUnit, user) -> UnitRecord:
    """The record as the unit's page shows it: the whole record to those who manage the unit;
    to staff of a region it serves, its claims and projects in their regions only."""
    from weiguang.wishes.models import Claim

    if access.can(user, "partner.manage", unit):
        return unit_record(unit, user)
    if not can_view_unit(user, unit):
        raise NotAllowed(_("Only staff of the region and the unit's representatives may see its record."))
    mine, projects_q = Q(pk__in=[]), Q(pk__in=[])
    for region in _list_regions(user):
        mine |= Q(wish__community__path__startswith=region.path)
        projects_q |= _region_q("region", region)
    claims = (
        Claim.objects.filter(mine, partner=unit)
        .select_related("wish", "wish__community")
        .order_by("-created_at", "-id")
    )
    projects = (
        Project.objects.filter(projects_q, resources__unit=unit)
        .distinct()
        .select_related("region")
        .order_by("-created_at")
    )
    return UnitRecord(unit=unit, **_claim_counts(claims), claims=claims, projects=projects)


@dataclass
class Delivery:
    unit: PartnerUnit
    claimed: int
    fulfilled: int
    lit: int
    projects: list[Project]


def deliveries(user, street: Region) -> list[Delivery]:
    """Who delivered what in the street: per unit of the street, wishes claimed, fulfilled and
    lit, and the projects its resources went into. Most lit first.

    Community staff ask for their community: the units serving it, the claims on its wishes
    and the projects they may open (of the community or above it)."""
    from weiguang.wishes.models import ClaimStatus, WishStatus

    if street is None or street.kind == RegionKind.GRID:
        raise InvalidInput(_("Choose a street."), fields={"street": "invalid"})
    check_lists(user, street)
    if street.kind in (RegionKind.STREET, RegionKind.DISTRICT):  # a district: all its streets
        base, claims, in_projects = (
            PartnerUnit.objects.filter(region__path__startswith=street.path), Q(), Q(),
        )  # fmt: skip
    else:
        base = units_serving(street)
        claims = Q(wish_claims__wish__community__path__startswith=street.path)
        in_projects = _region_q("project__region", street)
    units = base.annotate(
        n_claimed=Count("wish_claims", filter=claims or None, distinct=True),
        n_fulfilled=Count(
            "wish_claims", filter=claims & Q(wish_claims__status=ClaimStatus.DONE), distinct=True
        ),
        n_lit=Count(
            "wish_claims",
            filter=claims
            & Q(wish_claims__status=ClaimStatus.DONE, wish_claims__wish__status=WishStatus.CONFIRMED),
            distinct=True,
        ),
    ).order_by("-n_lit", "-n_fulfilled", "-n_claimed", "name")
    projects_by_unit: dict[int, dict[int, Project]] = {}
    through = Project.resources.through.objects.filter(
        in_projects, resource__unit__in=base.values("pk")
    ).values_list("project_id", "resource__unit_id")
    project_ids = {pid for pid, _unit in through}
    projects = {p.pk: p for p in Project.objects.filter(pk__in=project_ids).order_by("-created_at", "-id")}
    for pid, unit_id in through:
        projects_by_unit.setdefault(unit_id, {})[pid] = projects[pid]
    return [
        Delivery(
            unit=u,
            claimed=u.n_claimed,
            fulfilled=u.n_fulfilled,
            lit=u.n_lit,
            projects=sorted(
                projects_by_unit.get(u.pk, {}).values(), key=lambda p: (-p.created_at.timestamp(), -p.pk)
            ),
        )  # fmt: skip
        for u in units
    ]

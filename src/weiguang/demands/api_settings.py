"""The street's settings for demands through the API (mounted under /api/v1/demands): the
holiday calendar, the category tree and the departments with their handlers. Thin: parse,
call demands.configure, render. Street admins (and superusers) change them; the rules, the
refusals and the audit entries live in the services."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from weiguang.core.api import (
    ERROR_RESPONSES,
    OPTIONAL_AUTH_OPENAPI,
    Id,
    InSchema,
    Ref,
    Text,
    current_user,
    invalid,
    optional_auth,
    patched,
    ref,
    referenced,
    require_user,
)
from weiguang.core.errors import NotAllowed
from weiguang.regions import access
from weiguang.regions.models import Region

from . import configure
from .models import DemandCategory, Department, Holiday

router = Router(tags=["demand settings"])


# --- shapes ------------------------------------------------------------------------------


class HolidayFilters(InSchema):
    street: Id | None = Field(None, description="Region id of the street; default: every street you keep")
    year: int | None = Field(None, ge=2000, le=2100, description="Default: this year")


class HolidayIn(InSchema):
    street: Id = Field(description="Region id of the street")
    date: dt.date = Field(description="The day, or the first day of a range (YYYY-MM-DD)")
    until: dt.date | None = Field(
        None,
        description="The last day of a range (at most 31 days); weekend days of a holiday range are left out",
    )
    is_workday: bool = Field(False, description="true: a make-up working day (调休) on a Saturday or Sunday")
    name: Text = Field(max_length=configure.HOLIDAY_NAME_MAX, description="e.g. 国庆节")


class HolidayOut(Schema):
    id: int
    street: Ref
    date: dt.date
    weekday: str
    is_workday: bool
    name: str


class CalendarChangeOut(Schema):
    items: list[HolidayOut] = Field(description="The days added")
    skipped: list[dt.date] = Field(description="Days of the range left out: they would change nothing")
    deadlines_moved: int = Field(description="Open demands whose deadlines were recomputed")


class RemovedOut(Schema):
    removed: HolidayOut
    deadlines_moved: int


class CategoryOut(Schema):
    id: int
    name: str
    parent: int | None
    active: bool
    ordering: int
    demands: int | None = Field(description="How many demands are filed under it (street admins; else null)")
    children: list[CategoryOut] = Field(default_factory=list)


class CategoryIn(InSchema):
    name: Text = Field(max_length=configure.CATEGORY_NAME_MAX)
    parent: Id | None = Field(None, description="A top-level category: the new one becomes its subcategory")


class CategoryPatch(InSchema):
    name: Text | None = Field(None, max_length=configure.CATEGORY_NAME_MAX)
    active: bool | None = Field(
        None, description="false: no longer offered on intake forms (demands keep it)"
    )
    position: int | None = Field(None, ge=0, le=10_000, description="0 = first among its siblings")


class UserRef(Schema):
    id: int
    username: str
    name: str


class DepartmentOut(Schema):
    id: int
    name: str
    street: Ref
    handlers: list[UserRef]
    waiting: int = Field(description="Transferred demands waiting with the department")


class DepartmentIn(InSchema):
    street: Id = Field(description="Region id of the street")
    name: Text = Field(max_length=configure.DEPARTMENT_NAME_MAX, description="2 to 60 characters")


class DepartmentPatch(InSchema):
    name: Text = Field(max_length=configure.DEPARTMENT_NAME_MAX)


class HandlerIn(InSchema):
    username: Text = Field(max_length=150, description="The username of an existing account")


# --- helpers -----------------------------------------------------------------------------


def _holiday_out(h: Holiday) -> dict:
    return {
        "id": h.pk, "street": ref(h.street), "date": h.date, "weekday": configure.weekday_name(h.date),
        "is_workday": h.is_workday, "name": h.name,
    }  # fmt: skip


def _street(user, street_id: int) -> Region:
    street = Region.objects.filter(pk=street_id).first()
    if street is None or street.kind != "street":
        raise invalid("street", _("There is no such street."))
    if not configure.may_configure(user, street):
        raise NotAllowed(_("Only the street's admins may change its demand settings."))
    return street


# --- the holiday calendar ----------------------------------------------------------------


@router.get(
    "/holidays", response={200: list[HolidayOut], **ERROR_RESPONSES},
    summary="A year of a street's holidays and make-up working days (street admins)",
)  # fmt: skip
def list_holidays(request, filters: Query[HolidayFilters]):
    """The exceptions to the Monday–Friday week that deadlines are counted on."""
    user = require_user(request)
    year = filters.year or timezone.localdate().year
    if filters.street is not None:
        streets = [_street(user, filters.street)]
    else:
        streets = list(configure.configurable_streets(user))
        if not streets:
            raise NotAllowed(_("Only the street's admins may change its demand settings."))
    rows = Holiday.objects.filter(street__in=streets, date__year=year).select_related("street")
    return [_holiday_out(h) for h in rows.order_by("street__path", "date")]


@router.post(
    "/holidays", response={201: CalendarChangeOut, **ERROR_RESPONSES},
    summary="Add a holiday or make-up working day, or a range (street admins)",
)  # fmt: skip
def add_holidays(request, data: HolidayIn):
    """A holiday on a Saturday or Sunday, or a make-up working day on a weekday, changes
    nothing and is refused (422); a day already in the calendar is refused (409) and nothing
    is added. The open demands not yet due get their deadlines recomputed."""
    user = require_user(request)
    street = _street(user, data.street)
    change = configure.add_holidays(
        user, street, first=data.date, last=data.until, is_workday=data.is_workday, name=data.name
    )
    return Status(
        201,
        {
            "items": [_holiday_out(h) for h in change.added],
            "skipped": change.skipped,
            "deadlines_moved": change.moved,
        },
    )


@router.delete(
    "/holidays/{id:holiday_id}", response={200: RemovedOut, **ERROR_RESPONSES},
    summary="Remove a day from the calendar (street admins)",
)  # fmt: skip
def remove_holiday(request, holiday_id: Id):
    user = require_user(request)
    holiday = Holiday.objects.select_related("street").filter(pk=holiday_id).first()
    if holiday is None or not configure.may_configure(user, holiday.street):
        raise Http404
    change = configure.remove_holiday(user, holiday)
    return {"removed": _holiday_out(holiday), "deadlines_moved": change.moved}


# --- the category tree -------------------------------------------------------------------


def _category_out(c: DemandCategory, kids: bool = True) -> dict:
    return {
        "id": c.pk, "name": c.name, "parent": c.parent_id, "active": c.active, "ordering": c.ordering,
        "demands": getattr(c, "n_demands", None),
        "children": [_category_out(k, kids=False) for k in getattr(c, "kids", [])] if kids else [],
    }  # fmt: skip


@router.get(
    "/categories", auth=optional_auth, openapi_extra=OPTIONAL_AUTH_OPENAPI,
    response={200: list[CategoryOut], **ERROR_RESPONSES},
    summary="The category tree (anyone: the active ones; street admins: all)",
)  # fmt: skip
def list_categories(request, include_inactive: bool = False):
    """Top-level categories in their order, each with its subcategories. The tree is shared
    by the whole deployment. `include_inactive=true` (street admins) adds the deactivated ones."""
    user = current_user(request)
    keeper = configure.may_manage_categories(user)
    every = include_inactive and keeper
    tree = configure.category_tree(with_counts=keeper)
    if not every:
        tree = [c for c in tree if c.active]
        for c in tree:
            c.kids = [k for k in c.kids if k.active]
    return [_category_out(c) for c in tree]


def _category(category_id: int) -> DemandCategory:
    category = DemandCategory.objects.filter(pk=category_id).first()
    if category is None:
        raise Http404
    return category


def _fresh_category(pk: int) -> dict:
    tree = configure.category_tree(with_counts=True)
    for c in tree:
        if c.pk == pk:
            return _category_out(c)
        for k in c.kids:
            if k.pk == pk:
                return _category_out(k)
    raise Http404


@router.post(
    "/categories", response={201: CategoryOut, **ERROR_RESPONSES},
    summary="Add a top-level category or a subcategory (street admins)",
)  # fmt: skip
def add_category(request, data: CategoryIn):
    user = require_user(request)
    parent = referenced(DemandCategory.objects, data.parent, "parent", _("There is no such category."))
    category = configure.add_category(user, name=data.name, parent=parent)
    return Status(201, _fresh_category(category.pk))


@router.patch(
    "/categories/{id:category_id}", response={200: CategoryOut, **ERROR_RESPONSES},
    summary="Rename, deactivate or reactivate, or move a category (street admins)",
)  # fmt: skip
def update_category(request, category_id: Id, data: CategoryPatch):
    """Deactivating a top-level category deactivates its subcategories too. Categories are
    never deleted: demands keep theirs."""
    user = require_user(request)
    category = _category(category_id)
    changes = patched(data.dict(exclude_unset=True), required=("name", "active", "position"))
    configure.update_category(user, category, **changes)
    return _fresh_category(category.pk)


# --- departments -------------------------------------------------------------------------


def _department_out(d: Department) -> dict:
    handlers = sorted(d.handlers.all(), key=lambda u: u.pk)
    return {
        "id": d.pk, "name": d.name, "street": ref(d.street),
        "handlers": [{"id": u.pk, "username": u.username, "name": u.get_full_name()} for u in handlers],
        "waiting": getattr(d, "n_open", 0),
    }  # fmt: skip


def _department(user, department_id: int) -> Department:
    department = Department.objects.select_related("street").filter(pk=department_id).first()
    if department is None or not _may_list(user, department.street):
        raise Http404
    return department


def _fresh_department(department: Department) -> dict:
    return _department_out(configure.street_departments(department.street).get(pk=department.pk))


def _may_list(user, street: Region) -> bool:
    """Street admins keep the departments; staff who dispatch demands of the street see them
    too (to transfer through the API)."""
    return configure.may_configure(user, street) or access.can_within(user, "demand.dispatch", street)


@router.get(
    "/departments", response={200: list[DepartmentOut], **ERROR_RESPONSES},
    summary="The departments of the streets you keep or dispatch demands in",
)  # fmt: skip
def list_departments(request, street: Id | None = None):
    user = require_user(request)
    streets = [s for s in Region.objects.filter(kind="street").order_by("path") if _may_list(user, s)]
    if street is not None:
        streets = [s for s in streets if s.pk == street]
        if not streets:
            raise NotAllowed(_("Only staff of the street may see its departments."))
    return [_department_out(d) for d in configure.street_departments(*streets)]


@router.post(
    "/departments",
    response={201: DepartmentOut, **ERROR_RESPONSES},
    summary="Add a department (street admins)",
)
def add_department(request, data: DepartmentIn):
    user = require_user(request)
    department = configure.add_department(user, street=_street(user, data.street), name=data.name)
    return Status(201, _fresh_department(department))


@router.patch(
    "/departments/{id:department_id}", response={200: DepartmentOut, **ERROR_RESPONSES},
    summary="Rename a department (street admins)",
)  # fmt: skip
def rename_department(request, department_id: Id, data: DepartmentPatch):
    user = require_user(request)
    department = configure.rename_department(user, _department(user, department_id), data.name)
    return _fresh_department(department)


@router.post(
    "/departments/{id:department_id}/handlers", response={200: DepartmentOut, **ERROR_RESPONSES},
    summary="Make an existing account a handler of the department (street admins)",
)  # fmt: skip
def add_handler(request, department_id: Id, data: HandlerIn):
    """They also get the department handler role at the street, and a message in their inbox."""
    user = require_user(request)
    department = _department(user, department_id)
    configure.add_handler(user, department, configure.account_by_username(data.username))
    return _fresh_department(department)


@router.delete(
    "/departments/{id:department_id}/handlers/{id:user_id}", response={200: DepartmentOut, **ERROR_RESPONSES},
    summary="Remove a handler from the department (street admins)",
)  # fmt: skip
def remove_handler(request, department_id: Id, user_id: Id):
    user = require_user(request)
    department = _department(user, department_id)
    person = get_user_model().objects.filter(pk=user_id).first()
    configure.remove_handler(user, department, person)
    return _fresh_department(department)

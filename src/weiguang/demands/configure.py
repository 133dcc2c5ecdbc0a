"""The street's settings for demands, as plain functions taking the acting user: its holiday
calendar (holidays and 调休 make-up working days), the category tree (shared by the whole
deployment) and its functional departments with their handlers.

Who may do what is decided by regions.access: "demand.configure" at the street (its calendar
and departments) and "demand.manage_categories" (the shared tree; any street admin).
Every change runs in one transaction and writes an audit entry.

A change to the calendar recomputes, in the same transaction, the deadlines of the street's
open demands that are not yet due and whose deadline window covers the changed days (see
`recompute_deadlines`); deadlines that have passed, and deadlines a person chose (a transfer
given its own date), stay as they are. demands.calendar reads the holidays from the database
on every call (there is no cache to invalidate).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from weiguang.core.audit import log_action
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.core.notifications import notify
from weiguang.core.text import clean_text
from weiguang.core.transitions import perform
from weiguang.regions import access
from weiguang.regions.models import Membership, Region, RegionKind, Role

from . import calendar
from .access import may
from .models import OPEN_STATUSES, Demand, DemandCategory, Department, Holiday, Transfer

HOLIDAY_NAME_MAX = 50
CATEGORY_NAME_MAX = 30
DEPARTMENT_NAME_MIN, DEPARTMENT_NAME_MAX = 2, 60
RANGE_MAX_DAYS = 31  # the longest range added at once (a month)
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


# --- who ---------------------------------------------------------------------------------


def configurable_streets(user) -> QuerySet[Region]:
    """The streets whose calendar and departments `user` may keep (street admins of the
    street or above it; superusers: every street)."""
    streets = Region.objects.filter(kind=RegionKind.STREET).order_by("path")
    return streets.restrict(user, "demand.configure")


def may_configure(user, street: Region) -> bool:
    return street is not None and street.kind == RegionKind.STREET and may(user, "demand.configure", street)


def may_manage_categories(user) -> bool:
    return may(user, "demand.manage_categories")


def _require_street(by, street: Region) -> None:
    if street is None or street.kind != RegionKind.STREET:
        raise InvalidInput(_("Choose a street."), fields={"street": "invalid"})
    if not may_configure(by, street):
        raise NotAllowed(_("Only the street's admins may change its demand settings."))


def _require_categories(by) -> None:
    if not may_manage_categories(by):
        raise NotAllowed(_("Only street admins may change the demand categories."))


def _name(value, field: str, *, max_length: int, min_length: int = 1, message: str) -> str:
    return clean_text(
        value,
        field,
        required=True,
        max_length=max_length,
        min_length=min_length,
        message=message,
        one_line=True,
    )


def _lock(street: Region) -> None:
    """Changes to one street's settings happen one after another (the row lock of the street)."""
    Region.objects.select_for_update().filter(pk=street.pk).first()


# --- the holiday calendar ----------------------------------------------------------------


@dataclass
class CalendarChange:
    """What a change to the calendar did: the days added (or the one removed), the days of a
    range left out because they change nothing, and how many open demands got new deadlines."""

    street: Region
    added: list[Holiday] = field(default_factory=list)
    skipped: list[dt.date] = field(default_factory=list)
    removed: Holiday | None = None
    moved: int = 0


def weekday_name(day: dt.date) -> str:
    return str(WEEKDAYS[day.weekday()])


def street_holidays(street: Region, year: int) -> QuerySet[Holiday]:
    return Holiday.objects.filter(street=street, date__year=year).order_by("date")


def add_holidays(
    by,
    street: Region,
    *,
    first: dt.date,
    last: dt.date | None = None,
    is_workday: bool = False,
    name: str = "",
) -> CalendarChange:
    """Record a holiday (a weekday off) or a make-up working day (调休: a weekend day worked),
    one day or each day from `first` to `last`. A holiday on a weekend, or a working day on a
    weekday, changes nothing: one such day is refused, and a range leaves such days out (a
    national holiday of 10-01..10-07 records the five weekdays). A day already in the
    calendar is refused, and then nothing is added."""
    _require_street(by, street)
    name = _name(
        name,
        "name",
        max_length=HOLIDAY_NAME_MAX,
        message=_("Give it a name, e.g. National Day or Spring Festival."),
    )
    if first is None:
        raise InvalidInput(_("Give the date."), fields={"date": "required"})
    last = last or first
    if not (EARLIEST <= first <= LATEST and EARLIEST <= last <= LATEST):
        raise InvalidInput(_("Choose dates between 2000 and 2100."), fields={"date": "invalid"})
    if last < first:
        text = _("The last day is before the first day.")
        raise InvalidInput(text, fields={"until": text})
    span = (last - first).days + 1
    if span > RANGE_MAX_DAYS:
        text = _("Add at most %(n)d days at once.") % {"n": RANGE_MAX_DAYS}
        raise InvalidInput(text, fields={"until": text})
    days = [first + dt.timedelta(days=n) for n in range(span)]
    useful = [d for d in days if (d.weekday() >= 5) == bool(is_workday)]
    skipped = [d for d in days if d not in useful]
    if not useful:
        if span == 1:
            values = {"date": first.isoformat(), "weekday": weekday_name(first)}
            if is_workday:
                text = (
                    _(
                        "%(date)s is a %(weekday)s, a working day anyway: a make-up working day (调休) "
                        "only makes sense on a Saturday or Sunday."
                    )
                    % values
                )
            else:
                text = (
                    _(
                        "%(date)s is a %(weekday)s, a day off anyway: a holiday only makes sense on a "
                        "weekday. To work that day, record a make-up working day (调休)."
                    )
                    % values
                )
        elif is_workday:
            text = _(
                "No day from %(first)s to %(last)s is a Saturday or Sunday: they are working days anyway."
            ) % {
                "first": first.isoformat(),
                "last": last.isoformat(),
            }
        else:
            text = _("Every day from %(first)s to %(last)s is a Saturday or Sunday: they are off anyway.") % {
                "first": first.isoformat(),
                "last": last.isoformat(),
            }
        raise InvalidInput(text, fields={"date": text})
    with transaction.atomic():
        _lock(street)
        taken = list(Holiday.objects.filter(street=street, date__in=useful).order_by("date"))
        if taken:
            text = _("%(date)s is already in the calendar (%(name)s). Remove it first to change it.") % {
                "date": ", ".join(h.date.isoformat() for h in taken),
                "name": taken[0].name or (_("make-up working day") if taken[0].is_workday else _("holiday")),
            }
            raise Conflict(text, code="duplicate", fields={"date": text})
        try:
            with transaction.atomic():
                Holiday.objects.bulk_create(
                    [Holiday(street=street, date=d, is_workday=bool(is_workday), name=name) for d in useful]
                )
        except IntegrityError:  # added by someone else at the same moment
            text = _("These days were just added by someone else; reload the page.")
            raise Conflict(text, code="duplicate", fields={"date": text}) from None
        added = list(Holiday.objects.filter(street=street, date__in=useful).order_by("date"))
        moved = recompute_deadlines(street, useful[0], useful[-1])
        log_action(
            street, "holiday.add", by, note=name, dates=[d.isoformat() for d in useful],
            is_workday=bool(is_workday), skipped=[d.isoformat() for d in skipped], deadlines_moved=moved,
        )  # fmt: skip
    return CalendarChange(street=street, added=added, skipped=skipped, moved=moved)


def remove_holiday(by, holiday: Holiday) -> CalendarChange:
    street = holiday.street
    _require_street(by, street)
    with transaction.atomic():
        _lock(street)
        deleted, _rows = Holiday.objects.filter(pk=holiday.pk).delete()
        if not deleted:
            raise Conflict(_("This day was already removed; reload the page."), code="gone")
        moved = recompute_deadlines(street, holiday.date, holiday.date)
        log_action(
            street, "holiday.remove", by, note=holiday.name, dates=[holiday.date.isoformat()],
            is_workday=holiday.is_workday, deadlines_moved=moved,
        )  # fmt: skip
    return CalendarChange(street=street, removed=holiday, moved=moved)


def recompute_deadlines(street: Region, first: dt.date, last: dt.date, now: dt.datetime | None = None) -> int:
    """After the calendar changed between `first` and `last`: give the street's open demands
    that are not yet due their deadlines on the new calendar, the way they were computed when
    the demand came in (first contact: 1 working day, unless urgent or contacted already;
    handling: 5 working days) or was reopened as a warning order (3 working days). A transfer
    whose deadline followed the demand's moves with it. A deadline never moves into the past:
    a demand that would be overdue on the new calendar keeps its deadline. Returns how many
    demands got new deadlines. Call inside the calendar change's transaction."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    window_start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    window_end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    # Only a deadline window (received or reopened .. due) that covers a changed day can move.
    candidates = list(
        Demand.objects.filter(
            street=street, status__in=OPEN_STATUSES, handle_due__gt=now, handle_due__gte=window_start,
            created_at__lt=window_end,
        ).only(
            "id", "created_at", "urgent", "warning_count", "reopened_at", "first_response_at", "response_due",
            "handle_due",
        )
    )  # fmt: skip
    if not candidates:
        return 0
    starts = [timezone.localtime(d.created_at).date() for d in candidates]
    exceptions = dict(
        Holiday.objects.filter(street=street, date__gt=min(starts)).values_list("date", "is_workday")
    )
    moved = 0
    for d in candidates:
        changes = {}
        if d.warning_count:
            base, days = d.reopened_at, calendar.WARNING_DAYS
        else:
            base, days = d.created_at, calendar.HANDLE_DAYS
        if base is not None and base < window_end:
            due = calendar.working_deadline(street, base, days, exceptions)
            if due != d.handle_due and due > now:
                changes["handle_due"] = due
        if not d.warning_count and not d.urgent and d.first_response_at is None and d.response_due > now:
            due = calendar.working_deadline(street, d.created_at, calendar.RESPONSE_DAYS, exceptions)
            if due != d.response_due and due > now:
                changes["response_due"] = due
        if not changes:
            continue
        # Conditional: a demand changed meanwhile (reopened, say) keeps what it was given then.
        updated = Demand.objects.filter(
            pk=d.pk, handle_due=d.handle_due, response_due=d.response_due, status__in=OPEN_STATUSES
        ).update(**changes)
        if not updated:
            continue
        moved += 1
        if "handle_due" in changes:
            Transfer.objects.filter(
                demand_id=d.pk, status__in=Transfer.LIVE_STATUSES, deadline=d.handle_due
            ).update(deadline=changes["handle_due"])
    return moved


# --- the category tree (shared by the deployment) ---------------------------------------


def category_tree(*, with_counts: bool = False) -> list[DemandCategory]:
    """Top-level categories in their order, each with `kids` (its subcategories). With
    `with_counts` (for those who keep the tree: a count over every demand), each node has
    `n_demands`, how many demands use it."""
    rows = DemandCategory.objects.order_by("ordering", "id")
    if with_counts:
        rows = rows.annotate(n_demands=Count("demands"))
    rows = list(rows)
    top = [c for c in rows if c.parent_id is None]
    by_parent: dict[int, list] = {c.pk: [] for c in top}
    for c in rows:
        if c.parent_id is not None and c.parent_id in by_parent:
            by_parent[c.parent_id].append(c)
    for c in top:
        c.kids = by_parent[c.pk]
    return top


def _siblings(parent_id: int | None) -> QuerySet[DemandCategory]:
    return DemandCategory.objects.filter(parent_id=parent_id).order_by("ordering", "id")


def _check_unique_name(name: str, parent_id: int | None, exclude: int | None = None) -> None:
    same = _siblings(parent_id).filter(name=name)
    if exclude is not None:
        same = same.exclude(pk=exclude)
    if same.exists():
        text = (
            _("There is already a subcategory “%(name)s” here.")
            if parent_id
            else _("There is already a top-level category “%(name)s”.")
        ) % {"name": name}
        raise Conflict(text, code="duplicate", fields={"name": text})


def add_category(by, *, name: str, parent: DemandCategory | None = None) -> DemandCategory:
    """A new category at the end of its level: top-level, or a subcategory of a top-level one
    (the tree has two levels)."""
    _require_categories(by)
    name = _name(name, "name", max_length=CATEGORY_NAME_MAX, message=_("Give the category a name."))
    with transaction.atomic():
        if parent is not None:
            parent = DemandCategory.objects.select_for_update().filter(pk=parent.pk).first()
            if parent is None:
                raise InvalidInput(_("There is no such category."), fields={"parent": "invalid"})
            if parent.parent_id is not None:
                text = _("Subcategories go under a top-level category: the tree has two levels.")
                raise InvalidInput(text, fields={"parent": text})
            if not parent.active:
                text = _("“%(name)s” is deactivated; reactivate it before adding subcategories.") % {
                    "name": parent.name
                }
                raise Conflict(text, code="inactive_parent", fields={"parent": text})
        else:
            list(
                DemandCategory.objects.select_for_update().filter(parent=None)
            )  # one top-level add at a time
        parent_id = parent.pk if parent else None
        _check_unique_name(name, parent_id)
        last = _siblings(parent_id).aggregate(m=Max("ordering"))["m"]
        category = DemandCategory.objects.create(
            name=name, parent=parent, ordering=0 if last is None else last + 1, active=True
        )
        log_action(category, "category.add", by, note=name, parent=parent_id)
    return category


def rename_category(by, category: DemandCategory, name: str) -> DemandCategory:
    """Demands filed under the category show the new name."""
    _require_categories(by)
    name = _name(name, "name", max_length=CATEGORY_NAME_MAX, message=_("Give the category a name."))
    with transaction.atomic():
        locked = DemandCategory.objects.select_for_update().get(pk=category.pk)
        if locked.name == name:
            return locked
        _check_unique_name(name, locked.parent_id, exclude=locked.pk)
        old, locked.name = locked.name, name
        locked.save(update_fields=["name"])
        log_action(locked, "category.rename", by, note=name, old=old)
    return locked


def move_category(
    by, category: DemandCategory, position: int | None = None, *, step: int = 0
) -> DemandCategory:
    """Put the category at `position` (0 = first) among its siblings, or `step` places
    further (-1: up one, as the page's arrows do)."""
    _require_categories(by)
    with transaction.atomic():
        siblings = list(_siblings(category.parent_id).select_for_update())
        current = next((c for c in siblings if c.pk == category.pk), None)
        if current is None:
            raise Conflict(_("The category changed meanwhile; reload the page."), code="state_conflict")
        old = siblings.index(current)
        position = old + step if position is None else position
        position = max(0, min(int(position), len(siblings) - 1))
        siblings.remove(current)
        siblings.insert(position, current)
        for n, c in enumerate(siblings):
            if c.ordering != n:
                c.ordering = n
                c.save(update_fields=["ordering"])
        if old != position:
            log_action(current, "category.move", by, position=position, old_position=old)
    return current


def set_category_active(by, category: DemandCategory, active: bool) -> DemandCategory:
    """Deactivate (it disappears from the intake forms; demands filed under it keep it), or
    reactivate. Deactivating a top-level category deactivates its subcategories too;
    reactivating one brings back only itself. A subcategory of a deactivated category cannot
    be reactivated on its own."""
    _require_categories(by)
    active = bool(active)
    if DemandCategory.objects.filter(pk=category.pk, active=active).exists():
        return DemandCategory.objects.get(pk=category.pk)  # already so: nothing to do
    audit = {"subcategories": []}

    def check(locked: DemandCategory):
        parent = DemandCategory.objects.filter(pk=locked.parent_id).first() if locked.parent_id else None
        if active and parent is not None and not parent.active:
            text = _("Reactivate “%(name)s” first: its subcategories cannot be used without it.") % {
                "name": parent.name
            }
            raise Conflict(text, code="inactive_parent", fields={"active": text})

    def apply(locked: DemandCategory):
        if not active and locked.parent_id is None:
            children = list(locked.children.filter(active=True).values_list("pk", flat=True))
            DemandCategory.objects.filter(pk__in=children).update(active=False)
            audit["subcategories"] = children

    action = "category.activate" if active else "category.deactivate"
    return perform(category, action, by, check=check, apply=apply, audit=audit)


def update_category(
    by,
    category: DemandCategory,
    *,
    name: str | None = None,
    active: bool | None = None,
    position: int | None = None,
) -> DemandCategory:
    """The API's PATCH: any of rename, reactivate/deactivate, move, in one transaction."""
    _require_categories(by)
    with transaction.atomic():
        if name is not None:
            category = rename_category(by, category, name)
        if active is not None:
            category = set_category_active(by, category, active)
        if position is not None:
            category = move_category(by, category, position)
    return DemandCategory.objects.get(pk=category.pk)


# --- departments and their handlers ------------------------------------------------------


def street_departments(*streets: Region) -> QuerySet[Department]:
    """The streets' departments with their handlers and `n_open` (live transfers waiting), by
    street and name."""
    return (
        Department.objects.filter(street__in=streets)
        .select_related("street")
        .annotate(n_open=Count("transfers", filter=Q(transfers__status__in=Transfer.LIVE_STATUSES)))
        .prefetch_related("handlers")
        .order_by("street__path", "name", "id")
    )


def _check_department_name(street: Region, name: str, exclude: int | None = None) -> None:
    same = Department.objects.filter(street=street, name__iexact=name)
    if exclude is not None:
        same = same.exclude(pk=exclude)
    if same.exists():
        text = _("The street already has a department called “%(name)s”.") % {"name": name}
        raise Conflict(text, code="duplicate", fields={"name": text})


def _department_name(name: str) -> str:
    return _name(
        name, "name", max_length=DEPARTMENT_NAME_MAX, min_length=DEPARTMENT_NAME_MIN,
        message=_("Give the department's name, e.g. 城市管理办公室."),
    )  # fmt: skip


def add_department(by, *, street: Region, name: str) -> Department:
    _require_street(by, street)
    name = _department_name(name)
    with transaction.atomic():
        _lock(street)
        _check_department_name(street, name)
        department = Department.objects.create(street=street, name=name)
        log_action(department, "department.add", by, note=name, street=street.pk)
    return department


def rename_department(by, department: Department, name: str) -> Department:
    """Transfers to the department, past and present, show the new name."""
    _require_street(by, department.street)
    name = _department_name(name)
    with transaction.atomic():
        _lock(department.street)
        locked = Department.objects.select_for_update().get(pk=department.pk)
        if locked.name == name:
            return locked
        _check_department_name(locked.street, name, exclude=locked.pk)
        old, locked.name = locked.name, name
        locked.save(update_fields=["name"])
        log_action(locked, "department.rename", by, note=name, old=old)
    return locked


def account_by_username(username: str):
    """The active account with this username (the one to make a handler), or InvalidInput."""
    username = (username or "").strip()
    user = get_user_model().objects.filter(username=username, is_active=True).first() if username else None
    if user is None:
        text = _(
            "No account has the username “%(username)s”. Without an account yet, create one for them: “New account for a handler”."
        ) % {"username": username}
        raise InvalidInput(text, fields={"username": "unknown"})
    return user


def add_handler(by, department: Department, user) -> Department:
    """An existing account becomes a handler of the department: the department's transferred
    demands reach them (the department inbox). Like the demo's `dept` account, they also get
    the department handler role at the department's street."""
    _require_street(by, department.street)
    if user is None or not user.is_active:
        text = _(
            "There is no such account. Create one for them with “New account for a handler”, or give the username of an existing account."
        )
        raise InvalidInput(text, fields={"username": text})
    with transaction.atomic():
        locked = Department.objects.select_for_update().get(pk=department.pk)
        if locked.handlers.filter(pk=user.pk).exists():
            text = _("%(user)s already handles demands for %(dept)s.") % {
                "user": user.get_full_name() or user.username,
                "dept": locked.name,
            }
            raise Conflict(text, code="already_handler", fields={"username": text})
        locked.handlers.add(user)
        Membership.objects.get_or_create(user=user, region=locked.street, role=Role.DEPARTMENT)
        log_action(locked, "department.add_handler", by, user=user.pk, username=user.username)
        notify(
            [user],
            _("You now handle demands for %(dept)s.") % {"dept": locked.name},
            body=_("Demands transferred to the department wait for you in the department inbox."),
            url=reverse("dept_inbox"),
        )
    access.forget(user)
    return locked


def remove_handler(by, department: Department, user) -> Department:
    """The department handler role at the street goes too, unless they still handle another
    department of the street. The last handler of a department with demands waiting in its
    inbox cannot be removed: name another one first."""
    _require_street(by, department.street)
    with transaction.atomic():
        locked = Department.objects.select_for_update().get(pk=department.pk)
        if user is None or not locked.handlers.filter(pk=user.pk).exists():
            text = _("This person does not handle demands for %(dept)s.") % {"dept": locked.name}
            raise InvalidInput(text, fields={"user_id": text})
        waiting = Transfer.objects.filter(department=locked, status__in=Transfer.LIVE_STATUSES).count()
        if waiting and locked.handlers.count() == 1:
            text = ngettext(
                "%(user)s is the only handler of %(dept)s and %(n)d demand is waiting in its inbox. "
                "Add another handler first.",
                "%(user)s is the only handler of %(dept)s and %(n)d demands are waiting in its inbox. "
                "Add another handler first.",
                waiting,
            ) % {"user": user.get_full_name() or user.username, "dept": locked.name, "n": waiting}
            raise Conflict(text, code="last_handler", fields={"user_id": text})
        locked.handlers.remove(user)
        still = Department.objects.filter(street=locked.street, handlers=user).exists()
        if not still:
            Membership.objects.filter(user=user, region=locked.street, role=Role.DEPARTMENT).delete()
        log_action(
            locked, "department.remove_handler", by, user=user.pk, username=user.username, role_kept=still
        )
    access.forget(user)
    return locked

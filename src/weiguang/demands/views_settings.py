"""The street's settings for demands, for street admins (and superusers): the holiday
calendar, the category tree (shared by the deployment) and the departments with their
handlers. Thin: parse, call demands.configure, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from weiguang.core.errors import ServiceError
from weiguang.core.forms import apply_service_error

from . import configure
from .forms_settings import HandlerForm, HolidayForm, NameForm, department_name_form
from .models import DemandCategory, Department, Holiday

YEAR_MIN, YEAR_MAX = 2000, 2100


def _int(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 10 else None


def _settings_tabs(request) -> list[dict]:
    user = request.user
    tabs = []
    keeps_a_street = configure.configurable_streets(user).exists()
    if keeps_a_street:
        tabs.append({"url": reverse("demand_holidays"), "label": _("Holidays")})
    if configure.may_manage_categories(user):
        tabs.append({"url": reverse("demand_categories"), "label": _("Categories")})
    if keeps_a_street:
        tabs.append({"url": reverse("demand_departments"), "label": _("Departments")})
    for tab in tabs:
        tab["active"] = request.path.startswith(tab["url"])  # also on a form posted below it
    return tabs


def _render(request, template: str, context: dict, status: int = 200):
    return render(request, template, {**context, "settings_tabs": _settings_tabs(request)}, status=status)


def _streets(request) -> list:
    streets = list(configure.configurable_streets(request.user))
    if not streets:
        raise PermissionDenied
    return streets


def _pick(streets: list, value) -> object:
    wanted = _int(value)
    return next((s for s in streets if s.pk == wanted), streets[0])


def _days(days) -> str:
    return _(", ").join(d.strftime("%m-%d") for d in days)


def _error_status(status: int) -> int:
    return status if status >= 400 else 422


# --- the holiday calendar ----------------------------------------------------------------


def _holidays_url(street, year: int) -> str:
    return reverse("demand_holidays") + "?" + urlencode({"street": street.pk, "year": year})


def _holidays_context(street, year: int, streets: list, form: HolidayForm) -> dict:
    rows = list(configure.street_holidays(street, year))
    for h in rows:
        h.weekday = configure.weekday_name(h.date)
        weekend = h.date.weekday() >= 5
        h.no_effect = weekend != h.is_workday  # a holiday on a weekend, a working day on a weekday
    return {
        "streets": streets,
        "street": street,
        "year": year,
        "prev_year": year - 1 if year > YEAR_MIN else None,
        "next_year": year + 1 if year < YEAR_MAX else None,
        "this_year": timezone.localdate().year,
        "holidays": rows,
        "n_off": sum(1 for h in rows if not h.is_workday),
        "n_worked": sum(1 for h in rows if h.is_workday),
        "form": form,
    }


@login_required
def holidays(request):
    """A year of the street's exceptions to the Monday–Friday week; add one day or a range."""
    streets = _streets(request)
    source = request.POST if request.method == "POST" else request.GET
    street = _pick(streets, source.get("street"))
    year = _int(source.get("year")) or timezone.localdate().year
    year = min(max(year, YEAR_MIN), YEAR_MAX)
    if request.method != "POST":
        context = _holidays_context(street, year, streets, HolidayForm())
        return _render(request, "demands/settings_holidays.html", context)
    form = HolidayForm(request.POST)
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        try:
            change = configure.add_holidays(
                request.user, street, first=data["date"], last=data["until"],
                is_workday=data["kind"] == "workday", name=data["name"],
            )  # fmt: skip
        except ServiceError as err:
            apply_service_error(form, err)
            status = _error_status(err.status)
        else:
            _calendar_messages(request, change, data["name"])
            return redirect(_holidays_url(street, data["date"].year))
    context = _holidays_context(street, year, streets, form)
    return _render(request, "demands/settings_holidays.html", context, status=status)


def _calendar_messages(request, change: configure.CalendarChange, name: str = "") -> None:
    if change.added:
        kind = _("make-up working day") if change.added[0].is_workday else _("holiday")
        messages.success(
            request,
            _("Added to the calendar: %(days)s, %(name)s (%(kind)s).")
            % {"days": _days(h.date for h in change.added), "name": name, "kind": kind},
        )
    if change.removed is not None:
        messages.success(
            request,
            _("Removed from the calendar: %(day)s %(name)s.")
            % {"day": change.removed.date.strftime("%Y-%m-%d"), "name": change.removed.name},
        )
    if change.skipped:
        text = (
            _("Left out %(days)s: Saturdays and Sundays are working days only when recorded as make-up days.")
            if change.added and change.added[0].is_workday
            else _("Left out %(days)s: Saturdays and Sundays are off anyway.")
        )
        messages.info(request, text % {"days": _days(change.skipped)})
    if change.moved:
        messages.info(
            request,
            ngettext(
                "The deadlines of %(n)d open demand were recomputed on the new calendar.",
                "The deadlines of %(n)d open demands were recomputed on the new calendar.",
                change.moved,
            )
            % {"n": change.moved},
        )


@login_required
@require_POST
def holiday_remove(request, pk: int):
    holiday = get_object_or_404(Holiday.objects.select_related("street"), pk=pk)
    if not configure.may_configure(request.user, holiday.street):
        raise Http404
    try:
        change = configure.remove_holiday(request.user, holiday)
    except ServiceError as err:
        messages.error(request, err.message)
    else:
        _calendar_messages(request, change)
    return redirect(_holidays_url(holiday.street, holiday.date.year))


# --- the category tree -------------------------------------------------------------------


def _require_categories(request) -> None:
    if not configure.may_manage_categories(request.user):
        raise PermissionDenied


def _categories_context(top_form=None, sub_forms=None, rename_forms=None) -> dict:
    tree = configure.category_tree(with_counts=True)
    sub_forms, rename_forms = sub_forms or {}, rename_forms or {}
    for level in [tree, *(c.kids for c in tree)]:
        for n, c in enumerate(level):
            c.first, c.last = n == 0, n == len(level) - 1
            c.position = n
            c.rename_form = rename_forms.get(c.pk) or NameForm(initial={"name": c.name}, prefix=f"c{c.pk}")
    for c in tree:
        c.sub_form = sub_forms.get(c.pk) or NameForm(prefix=f"sub{c.pk}", label=_("New subcategory"))
    return {
        "tree": tree,
        "top_form": top_form or NameForm(prefix="top", label=_("New top-level category")),
        "open_form": next(iter([*sub_forms, *rename_forms]), None),
    }


def _category_url(pk: int | None = None) -> str:
    return reverse("demand_categories") + (f"#cat-{pk}" if pk else "")


@login_required
def categories(request):
    """The two-level tree: add, rename, reorder, deactivate and reactivate (never delete)."""
    _require_categories(request)
    if request.method != "POST":
        return _render(request, "demands/settings_categories.html", _categories_context())
    parent = None
    parent_pk = _int(request.POST.get("parent"))
    if parent_pk:
        parent = get_object_or_404(DemandCategory, pk=parent_pk)
        form = NameForm(request.POST, prefix=f"sub{parent.pk}", label=_("New subcategory"))
    else:
        form = NameForm(request.POST, prefix="top", label=_("New top-level category"))
    status = 422
    if form.is_valid():
        try:
            category = configure.add_category(request.user, name=form.cleaned_data["name"], parent=parent)
        except ServiceError as err:
            apply_service_error(form, err)
            status = _error_status(err.status)
        else:
            messages.success(request, _("Category “%(name)s” added.") % {"name": category.name})
            return redirect(_category_url(category.pk))
    context = (
        _categories_context(sub_forms={parent.pk: form}) if parent else _categories_context(top_form=form)
    )
    return _render(request, "demands/settings_categories.html", context, status=status)


CATEGORY_ACTIONS = ("rename", "up", "down", "deactivate", "activate")


@login_required
@require_POST
def category_action(request, pk: int, action: str):
    _require_categories(request)
    if action not in CATEGORY_ACTIONS:
        raise Http404
    category = get_object_or_404(DemandCategory, pk=pk)
    user = request.user
    form = None
    try:
        if action == "rename":
            form = NameForm(request.POST, prefix=f"c{category.pk}")
            if not form.is_valid():
                context = _categories_context(rename_forms={category.pk: form})
                return _render(request, "demands/settings_categories.html", context, status=422)
            category = configure.rename_category(user, category, form.cleaned_data["name"])
            messages.success(request, _("Renamed to “%(name)s”.") % {"name": category.name})
        elif action in ("up", "down"):
            configure.move_category(user, category, step=-1 if action == "up" else 1)
        else:
            category = configure.set_category_active(user, category, action == "activate")
            if action == "activate":
                messages.success(request, _("“%(name)s” is active again.") % {"name": category.name})
            else:
                messages.success(
                    request,
                    _("“%(name)s” is deactivated: it no longer appears on intake forms.")
                    % {"name": category.name},
                )
    except ServiceError as err:
        messages.error(request, err.message)
        if form is not None:
            apply_service_error(form, err)
            context = _categories_context(rename_forms={category.pk: form})
            return _render(
                request, "demands/settings_categories.html", context, status=_error_status(err.status)
            )
        return _render(
            request,
            "demands/settings_categories.html",
            _categories_context(),
            status=_error_status(err.status),
        )
    return redirect(_category_url(category.pk))


# --- departments -------------------------------------------------------------------------


def _departments_url(street) -> str:
    return reverse("demand_departments") + "?" + urlencode({"street": street.pk})


def _departments_context(street, streets, add_form=None, bound: dict | None = None) -> dict:
    bound = bound or {}
    departments = list(configure.street_departments(street))
    for d in departments:
        d.rename_form = bound.get(("rename", d.pk)) or department_name_form(
            initial={"name": d.name}, prefix=f"d{d.pk}"
        )
        d.handler_form = bound.get(("handler", d.pk)) or HandlerForm(prefix=f"h{d.pk}")
        d.handler_list = sorted(d.handlers.all(), key=lambda u: (u.get_full_name() or u.username, u.pk))
    return {
        "streets": streets,
        "street": street,
        "departments": departments,
        "add_form": add_form or department_name_form(prefix="new", label=_("New department")),
        "open_form": next(iter(bound), (None, None)),
    }


@login_required
def departments(request):
    streets = _streets(request)
    source = request.POST if request.method == "POST" else request.GET
    street = _pick(streets, source.get("street"))
    if request.method != "POST":
        return _render(request, "demands/settings_departments.html", _departments_context(street, streets))
    form = department_name_form(request.POST, prefix="new", label=_("New department"))
    status = 422
    if form.is_valid():
        try:
            department = configure.add_department(request.user, street=street, name=form.cleaned_data["name"])
        except ServiceError as err:
            apply_service_error(form, err)
            status = _error_status(err.status)
        else:
            messages.success(
                request, _("Department “%(name)s” added. Now add its handlers.") % {"name": department.name}
            )
            return redirect(_departments_url(street) + f"#dept-{department.pk}")
    context = _departments_context(street, streets, add_form=form)
    return _render(request, "demands/settings_departments.html", context, status=status)


def _department(request, pk: int) -> Department:
    department = get_object_or_404(Department.objects.select_related("street"), pk=pk)
    if not configure.may_configure(request.user, department.street):
        raise Http404
    return department


def _department_again(request, department, key, form, status: int = 422):
    """The departments page again, `form` (the `key` form of `department`) shown as it was sent."""
    context = _departments_context(department.street, _streets(request), bound={(key, department.pk): form})
    return _render(request, "demands/settings_departments.html", context, status=status)


def _department_error(request, department, err: ServiceError, key, form):
    apply_service_error(form, err)
    return _department_again(request, department, key, form, status=_error_status(err.status))


def _department_post(request, department, form, key: str, call):
    """A department's `key` form sent: `call(data)` (a service) takes its data and says what
    was done, then back to the department; a bad form or a refusal shows the page again."""
    if not form.is_valid():
        return _department_again(request, department, key, form)
    try:
        done = call(form.cleaned_data)
    except ServiceError as err:
        return _department_error(request, department, err, key, form)
    messages.success(request, done)
    return redirect(_departments_url(department.street) + f"#dept-{department.pk}")


@login_required
@require_POST
def department_rename(request, pk: int):
    department = _department(request, pk)

    def rename(data):
        renamed = configure.rename_department(request.user, department, data["name"])
        return _("Renamed to “%(name)s”.") % {"name": renamed.name}

    form = department_name_form(request.POST, prefix=f"d{department.pk}")
    return _department_post(request, department, form, "rename", rename)


@login_required
@require_POST
def handler_add(request, pk: int):
    department = _department(request, pk)

    def add(data):
        person = configure.account_by_username(data["username"])
        configure.add_handler(request.user, department, person)
        return _("%(user)s now handles demands for %(dept)s.") % {
            "user": person.get_full_name() or person.username, "dept": department.name,
        }  # fmt: skip

    return _department_post(
        request, department, HandlerForm(request.POST, prefix=f"h{department.pk}"), "handler", add
    )


@login_required
@require_POST
def handler_remove(request, pk: int, user_pk: int):
    department = _department(request, pk)
    person = get_user_model().objects.filter(pk=user_pk).first()
    try:
        configure.remove_handler(request.user, department, person)
    except ServiceError as err:
        messages.error(request, err.message)
        context = _departments_context(department.street, _streets(request))
        return _render(
            request, "demands/settings_departments.html", context, status=_error_status(err.status)
        )
    messages.success(
        request,
        _("%(user)s no longer handles demands for %(dept)s.")
        % {"user": person.get_full_name() or person.username, "dept": department.name},
    )
    return redirect(_departments_url(department.street) + f"#dept-{department.pk}")

"""Staff accounts pages (back office): who holds which role where, one account's page (its
roles, grant, remove, deactivate, reactivate, its history). The rule is accounts.staff's."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from weiguang.core.errors import NotFound, ServiceError
from weiguang.core.forms import PLEASE_CHOOSE, Form, apply_service_error
from weiguang.regions.models import Membership, Region

from .. import staff

PER_PAGE = 30


def _require_manager(request) -> None:
    if not staff.may_manage_accounts(request.user):
        raise PermissionDenied


@login_required
@require_GET
def staff_accounts(request):
    _require_manager(request)
    filters = staff.StaffFilter.from_query(request.GET)
    page = Paginator(staff.filtered_accounts(request.user, filters), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "accounts/staff_list.html",
        {
            "page_obj": page,
            "accounts": page.object_list,
            "filters": filters,
            "roles": [(r.value, r.label) for r in staff.STAFF_ROLES],
            "regions": staff.regions_in_scope(request.user).exclude(kind="grid"),
            "query": urlencode(filters.active()),
            "may_create": bool(staff.grantable_roles(request.user)),
        },
    )


class GrantForm(Form):
    role = forms.ChoiceField(label=gettext_lazy("Role"))
    region = forms.ModelChoiceField(
        queryset=Region.objects.none(), label=gettext_lazy("Where"), required=False
    )

    def __init__(self, actor, *args, **kwargs):
        super().__init__(*args, **kwargs)
        roles = staff.grantable_roles(actor)
        self.fields["role"].choices = [("", PLEASE_CHOOSE)] + [
            (r.value, r.label) for r in roles if r in staff.ROLE_KINDS
        ]
        self.fields["region"].queryset = staff.regions_in_scope(actor, grantable=True)
        self.fields["region"].label_from_instance = staff.region_label


def _account(request, pk: int):
    try:
        return staff.account_for(request.user, pk)
    except NotFound as err:
        raise Http404 from err
    except ServiceError as err:
        raise PermissionDenied from err


def _account_context(request, user, grant_form=None) -> dict:
    actor = request.user
    roles = sorted(user.memberships.all(), key=lambda m: (m.region.path, m.role))
    for m in roles:
        m.removable = m.role in staff.STAFF_ROLES and staff.may_grant(actor, m.role, m.region)
        m.attached = m.role in staff.ATTACHMENTS
        m.manage_url = staff.ATTACHMENTS[m.role].manage_url(m) if m.attached else None
    history = list(staff.history(user).select_related("actor")[:50])
    for entry in history:
        entry.action_label = staff.HISTORY_LABELS.get(entry.action, entry.action)
    return {
        "person": user,
        "roles": roles,
        "grant_form": grant_form or GrantForm(actor),
        "admin_over": staff.admin_over_all(actor, user),
        "history": history,
    }


@login_required
@require_GET
def staff_account(request, pk: int):
    user = _account(request, pk)
    return render(request, "accounts/staff_account.html", _account_context(request, user))


def _back(user) -> str:
    return reverse("staff_account", args=[user.pk])


def _refused(request, user, err: ServiceError, grant_form=None):
    if grant_form is None:
        messages.error(request, err.message)
    context = _account_context(request, user, grant_form)
    return render(
        request, "accounts/staff_account.html", context, status=err.status if err.status != 404 else 422
    )


@login_required
@require_POST
def staff_account_grant(request, pk: int):
    user = _account(request, pk)
    form = GrantForm(request.user, request.POST)
    if not form.is_valid():
        return render(
            request, "accounts/staff_account.html", _account_context(request, user, form), status=422
        )
    role = form.cleaned_data["role"]
    try:
        membership = staff.grant_role(request.user, user, role=role, region=form.cleaned_data["region"])
    except ServiceError as err:
        apply_service_error(form, err)
        return _refused(request, user, err, form)
    messages.success(
        request,
        _("%(user)s is now %(role)s at %(region)s.")
        % {
            "user": staff.display_name(user),
            "role": staff.role_label(role),
            "region": membership.region.name,
        },
    )
    return redirect(_back(user))


@login_required
@require_POST
def staff_account_remove_role(request, pk: int, role_pk: int):
    user = _account(request, pk)
    membership = Membership.objects.select_related("region", "user").filter(pk=role_pk, user=user).first()
    if membership is None:
        raise Http404
    try:
        staff.remove_role(request.user, membership)
    except ServiceError as err:
        return _refused(request, user, err)
    messages.success(
        request,
        _("%(user)s is no longer %(role)s at %(region)s.")
        % {
            "user": staff.display_name(user),
            "role": staff.role_label(membership.role),
            "region": membership.region.name,
        },
    )
    return redirect(_back(user))


ACTIONS = {
    "deactivate": (staff.deactivate, gettext_lazy("The account is deactivated: they can no longer log in.")),
    "reactivate": (staff.reactivate, gettext_lazy("The account is active again.")),
}


@login_required
@require_POST
def staff_account_action(request, pk: int, action: str):
    if action not in ACTIONS:
        raise Http404
    user = _account(request, pk)
    service, done = ACTIONS[action]
    try:
        service(request.user, user)
    except ServiceError as err:
        return _refused(request, user, err)
    messages.success(request, str(done))
    return redirect(_back(user))

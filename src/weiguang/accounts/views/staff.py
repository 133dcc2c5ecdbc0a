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
    page = Paginator(staff.staff_accounts(request.user, filters), PER_PAGE).get_page(request.GET.get("page"))
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
    """A role and where: a node of the tree, or (department handler, partner representative)
    the department or unit, chosen as "<role>:<id>"."""

    role = forms.ChoiceField(label=gettext_lazy("Role"))
    region = forms.ModelChoiceField(
        queryset=Region.objects.none(),
        label=gettext_lazy("Where"),
        required=False,
        help_text=gettext_lazy(
            "Street admin: the street; community staff: a community; grid worker: a grid."
        ),
    )
    target = forms.ChoiceField(
        label=gettext_lazy("Department or partner unit"),
        required=False,
        help_text=gettext_lazy("Only for a department handler or a partner representative."),
    )

    def __init__(self, actor, *args, **kwargs):
        super().__init__(*args, **kwargs)
        roles = staff.grantable_roles(actor)
        self.fields["role"].choices = [("", PLEASE_CHOOSE)] + [(r.value, r.label) for r in roles]
        self.fields["region"].queryset = staff.regions_in_scope(actor, grantable=True)
        self.fields["region"].label_from_instance = staff.region_label
        groups = [
            (a.label, [(f"{a.role}:{pk}", label) for pk, label, _region in a.options(actor)])
            for a in staff.ATTACHMENTS.values()
            if a.role in roles
        ]
        groups = [g for g in groups if g[1]]
        if groups:
            self.fields["target"].choices = [("", PLEASE_CHOOSE), *groups]
        else:
            del self.fields["target"]

    def where(self) -> dict:
        """The service's `region` and `target` (a target of another role than the one chosen:
        none, and the service says what to choose)."""
        role, _sep, pk = (self.cleaned_data.get("target") or "").partition(":")
        target = int(pk) if role == self.cleaned_data["role"] and pk.isdigit() else None
        return {"region": self.cleaned_data.get("region"), "target": target}


class CreateForm(GrantForm):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=staff.NAME_MAX)
    phone = forms.CharField(
        label=gettext_lazy("Mobile number"),
        max_length=20,
        help_text=gettext_lazy("The link to set a password goes to this number; they log in with it."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )

    field_order = ["name", "phone", "role", "region", "target"]


def _account(request, pk: int):
    try:
        return staff.account_for(request.user, pk)
    except NotFound as err:
        raise Http404 from err
    except ServiceError as err:
        raise PermissionDenied from err


def _account_context(request, user, grant_form=None) -> dict:
    actor = request.user
    # Their staff roles in the actor's area (as in the list and the API); a role elsewhere, or
    # a resident's or volunteer's (which says where they live), is the business of others.
    roles = user.shown_roles
    for m in roles:
        m.removable = m.role in staff.STAFF_ROLES and staff.may_grant(actor, m.role, m.region)
        attachment = staff.ATTACHMENTS.get(m.role)
        # A department handler or partner representative: removed per department or unit.
        m.held = attachment.held(m) if attachment and m.removable else []
        m.manage_url = attachment.manage_url(m) if attachment else None
    history = list(staff.history(user).select_related("actor")[:50])
    for entry in history:
        entry.action_label = staff.HISTORY_LABELS.get(entry.action, entry.action)
    return {
        "person": user,
        "roles": roles,
        "grant_form": grant_form or GrantForm(actor),
        "elsewhere": len(user.memberships.all()) - len(roles),
        # deactivating oneself is refused (staff.deactivate): no button for it
        "admin_over": staff.admin_over_all(actor, user) and user.pk != actor.pk,
        "may_send_link": user.is_active
        and not user.has_usable_password()
        and any(m.removable for m in roles),
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
        membership = staff.grant_role(request.user, user, role=role, **form.where())
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
    target = request.POST.get("target", "")
    target = int(target) if target.isdigit() and int(target) < 2**63 else None
    try:
        staff.remove_role(request.user, membership, target=target)
    except ServiceError as err:
        return _refused(request, user, err)
    gone = not Membership.objects.filter(pk=membership.pk).exists()
    messages.success(
        request,
        (
            _("%(user)s is no longer %(role)s at %(region)s.")
            if gone
            else _("%(user)s is still %(role)s at %(region)s, for another department or unit.")
        )
        % {
            "user": staff.display_name(user),
            "role": staff.role_label(membership.role),
            "region": membership.region.name,
        },
    )
    if not staff.staff_accounts(request.user).filter(pk=user.pk).exists():
        return redirect("staff_accounts")  # their last role in the actor's area: the page is gone
    return redirect(_back(user))


ACTIONS = {
    "deactivate": (staff.deactivate, gettext_lazy("The account is deactivated: they can no longer log in.")),
    "reactivate": (staff.reactivate, gettext_lazy("The account is active again.")),
    "send-link": (
        lambda actor, user, request: staff.send_link(actor, user, base_url=request.build_absolute_uri("/")),
        gettext_lazy("A new link to set a password is on its way by SMS; the old one no longer works."),
    ),
}


@login_required
@require_POST
def staff_account_action(request, pk: int, action: str):
    if action not in ACTIONS:
        raise Http404
    user = _account(request, pk)
    service, done = ACTIONS[action]
    try:
        service(request.user, user, request) if action == "send-link" else service(request.user, user)
    except ServiceError as err:
        return _refused(request, user, err)
    messages.success(request, str(done))
    return redirect(_back(user))


@login_required
def staff_account_new(request):
    """A new staff account: name, mobile number, role and where; an SMS takes them the link."""
    _require_manager(request)
    initial = {k: request.GET[k] for k in ("role", "target", "region") if k in request.GET}
    form = CreateForm(request.user, request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = staff.create_staff_account(
                    request.user, name=data["name"], phone=data["phone"], role=data["role"],
                    base_url=request.build_absolute_uri("/"), **form.where(),
                )  # fmt: skip
            except ServiceError as err:
                apply_service_error(form, err)
                status = err.status if err.status != 404 else 422
            else:
                messages.success(
                    request,
                    _("The account of %(user)s is ready. An SMS with a link to set a password is on its way.")
                    % {"user": staff.display_name(user)},
                )
                return redirect(_back(user))
    return render(request, "accounts/staff_new.html", {"form": form}, status=status)


class SetPasswordForm(Form):
    password = forms.CharField(
        label=gettext_lazy("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=gettext_lazy("The same password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", _("The two passwords differ."))
        return data


def staff_set_password(request, uidb64: str, token: str):
    """Public: the page the SMS link opens. The person sets a password, then logs in."""
    person = staff.link_user(uidb64, token)
    if person is None:
        return render(request, "accounts/staff_set_password.html", {"dead": staff.link_dead()}, status=410)
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            staff.set_password_from_link(uidb64, token, form.cleaned_data["password"])
        except ServiceError as err:
            apply_service_error(form, err)
        else:
            messages.success(
                request, _("Your password is set. Log in with your mobile number and the new password.")
            )
            return redirect(reverse("login"))
    status = 422 if request.method == "POST" else 200
    # The token is in the address: Django's default Referrer-Policy (same-origin) keeps it
    # from other sites ("no-referrer" would send the form's Origin as null, and CSRF refuses).
    return render(
        request, "accounts/staff_set_password.html", {"form": form, "person": person}, status=status
    )

"""Partner pages: a unit's profile and resources (its representatives and staff), with the
sections apps above add to it (partners/panels.py: the lists app's record of what it
delivered). Thin: parse, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weiguang.accounts.staff import grantable_roles
from weiguang.core.errors import ServiceError
from weiguang.core.forms import apply_service_error
from weiguang.regions import access
from weiguang.regions.models import Role

from . import panels, services
from .filters import UnitFilter
from .forms import ProfileForm, ResourceForm
from .models import PartnerKind, PartnerUnit, Resource


def _unit(request, pk: int, *, manage: bool = True) -> PartnerUnit:
    see = "partner.manage" if manage else services.can_view_unit
    return access.get_for_user(PartnerUnit.objects.select_related("region"), request.user, see=see, pk=pk)


@login_required
def units(request):
    filters = UnitFilter.from_query(request.GET)
    qs = filters.apply(services.units_for(request.user)).order_by("name")
    return render(
        request,
        "partners/units.html",
        {"units": qs[:200], "kind": filters.kind or "", "kinds": PartnerKind.choices},
    )


def _unit_context(request, unit, profile_form=None, resource_form=None) -> dict:
    staff = services.is_staff_for(request.user, unit)
    return {
        "unit": unit,
        "contact": services.can_see_contact(request.user, unit),
        # staff of a community it serves look; staff of its region and its representatives edit
        "manage": access.can(request.user, "partner.manage", unit),
        "staff": staff,
        "representatives": unit.representatives.order_by("first_name", "username") if staff else (),
        # the street admin opens a representative's account (accounts.staff, through this
        # app's add_representative: partners/staff_roles.py)
        "new_rep_account": staff and Role.PARTNER_REP in grantable_roles(request.user),
        "panels": panels.unit_panels(request, unit),
        "resources": unit.resources.select_related("area").order_by("-active", "kind", "title"),
        "profile_form": profile_form
        or ProfileForm(
            initial={
                f: getattr(unit, f)
                for f in ("contact_name", "contact_phone", "party_organisation", "party_members")
            }
        ),
        "resource_form": resource_form or ResourceForm(),
    }


@login_required
def unit_detail(request, pk: int):
    unit = _unit(request, pk, manage=False)
    return render(request, "partners/unit.html", _unit_context(request, unit))


def _unit_post(request, unit, form, name: str, call, done: str):
    """A form of the unit's page (`name` in its context) sent: `call(data)` (a service) takes
    its data, then back to the page with `done`; a bad form or a refusal shows the page again."""
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except ServiceError as err:
            apply_service_error(form, err)
        else:
            messages.success(request, done)
            return redirect("partner_unit", pk=unit.pk)
    return render(request, "partners/unit.html", _unit_context(request, unit, **{name: form}), status=422)


@login_required
@require_POST
def unit_profile(request, pk: int):
    unit = _unit(request, pk)

    def save(data):
        services.update_unit(unit, request.user, **{k: v if v is not None else 0 for k, v in data.items()})

    return _unit_post(
        request, unit, ProfileForm(request.POST), "profile_form", save, _("The unit's profile was saved.")
    )


@login_required
@require_POST
def resource_add(request, pk: int):
    unit = _unit(request, pk)
    return _unit_post(
        request, unit, ResourceForm(request.POST), "resource_form",
        lambda data: services.add_resource(unit, request.user, **data),
        _("The resource is on the resource list."),
    )  # fmt: skip


@login_required
@require_POST
def resource_withdraw(request, pk: int):
    resource = get_object_or_404(Resource.objects.select_related("unit__region"), pk=pk)
    try:
        services.withdraw_resource(resource, request.user, reason=request.POST.get("reason", ""))
    except ServiceError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("The resource was withdrawn."))
    return redirect("partner_unit", pk=resource.unit_id)

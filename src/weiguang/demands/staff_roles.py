"""A department handler's role is granted with the department (accounts.staff.Attachment): the
street admin's staff pages create a handler's account, make an account a handler or remove them here."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from weiguang.accounts.staff import Attachment, register_attachment
from weiguang.regions.models import Role

from . import configure
from .models import Department


def options(actor) -> list:
    """(id, label, street) of the departments of the streets `actor` keeps."""
    streets = configure.configurable_streets(actor)
    rows = (
        Department.objects.filter(street__in=streets)
        .select_related("street")
        .order_by("street__path", "name")
    )
    return [(d.pk, f"{d.name}（{d.street.name}）", d.street) for d in rows]


def attach(actor, user, pk: int) -> None:
    configure.add_handler(actor, Department.objects.select_related("street").get(pk=pk), user)


def held(membership) -> list:
    """(id, name) of the departments of the street that make the user a handler there."""
    rows = Department.objects.filter(street=membership.region_id, handlers=membership.user_id).order_by(
        "name"
    )
    return [(d.pk, d.name) for d in rows]


def detach(actor, user, pk: int) -> None:
    configure.remove_handler(actor, Department.objects.select_related("street").get(pk=pk), user)


def register() -> None:
    register_attachment(
        Attachment(
            role=Role.DEPARTMENT,
            label=_("Department"),
            options=options,
            attach=attach,
            held=held,
            detach=detach,
            manage_url=lambda m: reverse("demand_departments") + f"?street={m.region_id}",
        )
    )

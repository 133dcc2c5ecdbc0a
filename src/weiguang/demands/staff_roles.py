"""A department handler's role is granted with the department (accounts.staff.Attachment): the
street admin's staff pages create a handler's account, make an account a handler or remove them here."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from weiguang.accounts.staff import records_attachment, register_attachment
from weiguang.regions.models import Role

from . import configure
from .models import Department


def register() -> None:
    register_attachment(
        records_attachment(
            role=Role.DEPARTMENT,
            label=_("Department"),
            model=Department,
            place="street",
            members="handlers",
            # the departments of the streets the actor keeps
            available=lambda actor: Department.objects.filter(
                street__in=configure.configurable_streets(actor)
            ),
            add=configure.add_handler,
            remove=configure.remove_handler,
            manage_url=lambda m, _departments: reverse("demand_departments") + f"?street={m.region_id}",
        )
    )

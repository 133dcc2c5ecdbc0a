"""A partner representative's role is granted with the unit (accounts.staff.Attachment): the
street admin's staff pages create a representative's account, name an account or remove them here."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from weiguang.accounts.staff import records_attachment, register_attachment
from weiguang.regions.models import Role

from . import services
from .models import PartnerUnit


def _manage_url(_membership, units) -> str:
    unit = units.first()
    return services.unit_url(unit) if unit is not None else "/partners/"


def register() -> None:
    register_attachment(
        records_attachment(
            role=Role.PARTNER_REP,
            label=_("Partner unit"),
            model=PartnerUnit,
            place="region",
            members="representatives",
            # the units the actor is staff for (by region role)
            available=lambda actor: PartnerUnit.objects.restrict(actor, "partner.list_region"),
            add=lambda actor, unit, user: services.add_representative(unit, actor, user),
            remove=lambda actor, unit, user: services.remove_representative(unit, actor, user),
            manage_url=_manage_url,
        )
    )

"""A partner representative's role is granted with the unit (accounts.staff.Attachment): the
street admin's staff pages create a representative's account, name an account or remove them here."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from weiguang.accounts.staff import Attachment, register_attachment
from weiguang.regions.models import Role

from . import services
from .models import PartnerUnit


def options(actor) -> list:
    """(id, label, region) of the units `actor` is staff for (by region role)."""
    rows = (
        PartnerUnit.objects.restrict(actor, "partner.list_region").select_related("region").order_by("name")
    )
    return [(u.pk, f"{u.name}（{u.region.name}）", u.region) for u in rows]


def attach(actor, user, pk: int) -> None:
    services.add_representative(PartnerUnit.objects.select_related("region").get(pk=pk), actor, user)


def held(membership) -> list:
    """(id, name) of the units at the region that the user represents."""
    rows = PartnerUnit.objects.filter(region=membership.region_id, representatives=membership.user_id)
    return [(u.pk, u.name) for u in rows.order_by("name")]


def detach(actor, user, pk: int) -> None:
    services.remove_representative(PartnerUnit.objects.select_related("region").get(pk=pk), actor, user)


def manage_url(membership) -> str:
    unit = PartnerUnit.objects.filter(region=membership.region_id, representatives=membership.user_id).first()
    return services.unit_url(unit) if unit is not None else "/partners/"


def register() -> None:
    register_attachment(
        Attachment(
            role=Role.PARTNER_REP,
            label=_("Partner unit"),
            options=options,
            attach=attach,
            held=held,
            detach=detach,
            manage_url=manage_url,
        )
    )

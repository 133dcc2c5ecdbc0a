"""Partner units and merchants (共建单位/商户), in the smallest form that lets a unit claim."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from weiguang.regions.models import Region


class PartnerKind(models.TextChoices):
    COMPANY = "company", _("Company")
    HOSPITAL = "hospital", _("Hospital")
    SCHOOL = "school", _("School")
    BANK = "bank", _("Bank")
    PROPERTY = "property", _("Property company")
    MERCHANT = "merchant", _("Shop / merchant")
    GOVERNMENT = "government", _("Public institution")
    SOCIAL = "social", _("Social organisation")


class PartnerUnit(models.Model):
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=PartnerKind.choices)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="partner_units", verbose_name=_("serves region")
    )
    representatives = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="partner_units", verbose_name=_("representatives")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner unit")
        verbose_name_plural = _("partner units")
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="uniq_partner_name")]

    def __str__(self) -> str:
        return self.name

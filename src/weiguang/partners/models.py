"""Partner units and merchants (共建单位/商户), their representatives and the resources they
offer. The three lists, projects and surveys that use them are the lists app's (a floor up)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from weiguang.core.transitions import StateMachine
from weiguang.regions.models import Region
from weiguang.regions.scoping import RegionScoped


class PartnerKind(models.TextChoices):
    COMPANY = "company", _("Company")
    HOSPITAL = "hospital", _("Hospital")
    SCHOOL = "school", _("School")
    BANK = "bank", _("Bank")
    PROPERTY = "property", _("Property company")
    MERCHANT = "merchant", _("Shop / merchant")
    GOVERNMENT = "government", _("Public institution")
    SOCIAL = "social", _("Social organisation")


class Alliance(RegionScoped):
    """A group of units working together, e.g. a livelihood alliance (民生联盟) of a street."""

    name = models.CharField(_("name"), max_length=60)
    street = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="alliances")

    scope_path_lookup = "street__path"

    class Meta:
        ordering = ["street", "name"]
        verbose_name = _("alliance")
        verbose_name_plural = _("alliances")
        constraints = [models.UniqueConstraint(fields=["street", "name"], name="uniq_alliance_name")]

    def __str__(self) -> str:
        return self.name


class PartnerUnit(RegionScoped):
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=PartnerKind.choices)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="partner_units", verbose_name=_("serves region")
    )
    communities = models.ManyToManyField(
        Region, blank=True, related_name="serving_units", verbose_name=_("communities served"),
        help_text=_("Leave empty when the unit serves its whole region."),
    )  # fmt: skip
    representatives = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="partner_units", verbose_name=_("representatives")
    )
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    party_organisation = models.CharField(_("party organisation"), max_length=100, blank=True)
    party_members = models.PositiveIntegerField(_("party members"), default=0)
    alliances = models.ManyToManyField(
        Alliance, blank=True, related_name="units", verbose_name=_("alliances")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_relations = {"owner": ("representatives",)}

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner unit")
        verbose_name_plural = _("partner units")
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="uniq_partner_name")]

    def __str__(self) -> str:
        return self.name

    def serves(self, region: Region) -> bool:
        """Does the unit serve (some of) `region`? The rule is `units_serving`."""
        return units_serving(region).filter(pk=self.pk).exists()


def region_q(lookup: str, region: Region) -> Q:
    """Rows whose region (by `lookup`, e.g. "region") is inside `region` or above it."""
    return Q(**{f"{lookup}__path__startswith": region.path}) | Q(**{f"{lookup}_id__in": region.ancestor_ids})


def units_serving(region: Region) -> models.QuerySet[PartnerUnit]:
    """ "This unit serves that region", the one definition: units whose area overlaps `region`
    and that either serve their whole area or list a community overlapping it."""
    served = PartnerUnit.communities.through.objects
    listed = served.filter(region_q("region", region)).values("partnerunit_id")
    unrestricted = ~Q(pk__in=served.values("partnerunit_id"))
    return PartnerUnit.objects.filter(region_q("region", region)).filter(unrestricted | Q(pk__in=listed))


class ResourceKind(models.TextChoices):
    GOODS = "goods", _("Goods")
    SERVICE = "service", _("Service")
    VENUE = "venue", _("Venue")
    PEOPLE = "people", pgettext_lazy("resource kind", "People")
    FUNDS = "funds", _("Funds")


# A resource is on offer or withdrawn: its `active` flag, read as a state (Resource.state).
RESOURCE_TRANSITIONS = StateMachine.build(
    "state", [("withdraw", ["active"], "withdrawn", "partner.manage", _("Withdraw"))]
)


class Resource(RegionScoped):
    """Something a unit (or merchant) offers: goods, a service, a venue, people or funds."""

    unit = models.ForeignKey(PartnerUnit, on_delete=models.CASCADE, related_name="resources")
    kind = models.CharField(_("kind"), max_length=10, choices=ResourceKind.choices)
    title = models.CharField(_("title"), max_length=60)
    description = models.TextField(_("description"), max_length=1000, blank=True)
    keywords = models.CharField(
        _("keywords"), max_length=200, blank=True, help_text=_("What needs it fits: 理发 维修 体检 ...")
    )
    quantity = models.PositiveIntegerField(_("quantity"), null=True, blank=True)
    quantity_unit = models.CharField(_("unit"), max_length=10, blank=True)
    available_from = models.DateField(_("available from"), null=True, blank=True)
    available_until = models.DateField(_("available until"), null=True, blank=True)
    area = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("area served"), help_text=_("Default: the unit's region."),
    )  # fmt: skip
    active = models.BooleanField(_("on offer"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path_lookup = "unit__region__path"
    scope_relations = {"owner": ("unit__representatives",)}
    state_machine = RESOURCE_TRANSITIONS

    class Meta:
        ordering = ["unit", "kind", "title"]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")

    def __str__(self) -> str:
        return self.title

    @property
    def state(self) -> str:
        return "active" if self.active else "withdrawn"

    @state.setter
    def state(self, value: str) -> None:
        self.active = value == "active"

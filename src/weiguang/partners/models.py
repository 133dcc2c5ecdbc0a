"""Partner units and merchants (共建单位/商户), the resources they offer, and the three lists
(三张清单): needs (wishes, demands, survey answers), resources, and projects that match a need
to resources with an owner and a plan."""

from __future__ import annotations

from django.conf import settings
from django.db import models
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
        """Does the unit serve `region` (a grid or community)?"""
        if not self.region.contains(region):
            return False
        listed = list(self.communities.values_list("path", flat=True))
        return not listed or any(region.path.startswith(p) for p in listed)


class ResourceKind(models.TextChoices):
    GOODS = "goods", _("Goods")
    SERVICE = "service", _("Service")
    VENUE = "venue", _("Venue")
    PEOPLE = "people", pgettext_lazy("resource kind", "People")
    FUNDS = "funds", _("Funds")


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

    class Meta:
        ordering = ["unit", "kind", "title"]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")

    def __str__(self) -> str:
        return self.title


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


PROJECT_TRANSITIONS = StateMachine.build(
    "status",
    [
        ("start", [ProjectStatus.PLANNED], ProjectStatus.RUNNING, "project.manage", _("Start")),
        ("finish", [ProjectStatus.RUNNING], ProjectStatus.DONE, "project.manage", _("Record the outcome")),
        (
            "cancel",
            [ProjectStatus.PLANNED, ProjectStatus.RUNNING],
            ProjectStatus.CANCELLED,
            "project.manage",
            _("Cancel"),
        ),
    ],
)


class Project(RegionScoped):
    """The project list (项目清单): one or more needs matched to resources, with an owner,
    a plan, dates, a status and the outcome."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="projects")
    title = models.CharField(_("title"), max_length=60)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_projects",
        verbose_name=_("owner"),
    )
    plan = models.TextField(_("plan"), max_length=4000)
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    status = models.CharField(max_length=10, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED)
    outcome = models.TextField(_("outcome"), max_length=4000, blank=True)
    wishes = models.ManyToManyField("wishes.Wish", blank=True, related_name="projects")
    demands = models.ManyToManyField("demands.Demand", blank=True, related_name="projects")
    surveys = models.ManyToManyField("Survey", blank=True, related_name="projects")
    resources = models.ManyToManyField(Resource, blank=True, related_name="projects")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    state_machine = PROJECT_TRANSITIONS
    scope_relations = {"owner": ("owner",)}

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")

    def __str__(self) -> str:
        return self.title


class Survey(RegionScoped):
    """Questions to the residents of a region; answers come from visits or online and are
    tallied into the needs list ("52 suggestions: free clinic, appliance repair ...")."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="surveys")
    title = models.CharField(_("title"), max_length=60)
    open = models.BooleanField(_("collecting answers"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self) -> str:
        return self.title


class SurveyQuestion(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("question"), max_length=200)
    # choices: one line each; empty means a free-text answer
    options = models.JSONField(_("options"), default=list, blank=True)
    multiple = models.BooleanField(_("several answers allowed"), default=False)
    ordering = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["survey", "ordering", "id"]

    def __str__(self) -> str:
        return self.text


class SurveyResponse(RegionScoped):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    # {question id (as text): "an option" | ["options"] | "free text"}
    answers = models.JSONField(default=dict)
    channel = models.CharField(max_length=10, choices=[("visit", _("Home visit")), ("online", _("Online"))])
    grid = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path_lookup = "survey__region__path"  # `grid` is where it was collected, if known

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.pk}"

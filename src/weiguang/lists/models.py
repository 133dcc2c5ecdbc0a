"""The three lists (三张清单) beside the partner units: projects that match needs (wishes,
demands, survey answers) to the units' resources with an owner and a plan, and the surveys
whose tallies feed the needs list.

The tables keep the names they had in `partners` (the models moved without moving data;
migrations/0001_initial.py), so every model here names its `db_table`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from weiguang.core.transitions import StateMachine
from weiguang.partners.models import Resource
from weiguang.regions.models import Region
from weiguang.regions.scoping import RegionScoped


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
        db_table = "partners_project"
        ordering = ["-created_at", "-id"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")

    def __str__(self) -> str:
        return self.title


# A survey collects answers until it is closed: its `open` flag, read as a state (Survey.state).
SURVEY_TRANSITIONS = StateMachine.build(
    "state", [("close", ["open"], "closed", "survey.manage", _("Close the survey"))]
)


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

    state_machine = SURVEY_TRANSITIONS

    class Meta:
        db_table = "partners_survey"
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self) -> str:
        return self.title

    @property
    def state(self) -> str:
        return "open" if self.open else "closed"

    @state.setter
    def state(self, value: str) -> None:
        self.open = value == "open"


class SurveyQuestion(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("question"), max_length=200)
    # choices: one line each; empty means a free-text answer
    options = models.JSONField(_("options"), default=list, blank=True)
    multiple = models.BooleanField(_("several answers allowed"), default=False)
    ordering = models.PositiveSmallIntegerField(default=0)

    class Meta:
        db_table = "partners_surveyquestion"
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
        db_table = "partners_surveyresponse"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.pk}"

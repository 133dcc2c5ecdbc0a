"""Residents, the groups they belong to, and how they are shown to others."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from weiguang.core.names import local_name
from weiguang.core.privacy import id_number_problem, mask_id_number, mask_name, mask_phone
from weiguang.regions.models import Region
from weiguang.regions.scoping import RegionScoped

phone_validator = RegexValidator(
    r"^1[3-9]\d{9}$|^0\d{2,3}-?\d{7,8}$", _("Enter a mobile number (11 digits) or a landline.")
)


def validate_id_number(value: str) -> None:
    problem = id_number_problem(value)
    if problem:
        raise ValidationError(problem)


class PopulationGroup(models.Model):
    """A group a resident may belong to: elderly living alone, disabled, low-income, ..."""

    code = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(
        _("name in English"), max_length=80, blank=True, help_text=_("Shown when the page is in English.")
    )
    ordering = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["ordering", "id"]
        verbose_name = _("population group")
        verbose_name_plural = _("population groups")

    def __str__(self) -> str:
        return local_name(self)


class Gender(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")


class Resident(RegionScoped):
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])
    id_number = models.CharField(
        _("ID number"), max_length=18, blank=True, validators=[validate_id_number], db_index=True
    )
    grid = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="residents", verbose_name=_("grid")
    )
    building = models.CharField(_("building"), max_length=30, blank=True)
    door = models.CharField(_("door"), max_length=30, blank=True)
    groups = models.ManyToManyField(
        PopulationGroup, blank=True, related_name="residents", verbose_name=_("groups")
    )
    consent = models.BooleanField(
        _("consent to processing"),
        default=False,
        help_text=_("The resident agreed that their data is kept here."),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="resident"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path_lookup = "grid__path"
    scope_relations = {"owner": ("user",)}  # the resident's own account

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        indexes = [models.Index(fields=["grid", "name"])]

    def __str__(self) -> str:
        return self.masked_name

    @property
    def masked_name(self) -> str:
        return mask_name(self.name, self.gender, self.birth_date)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def address(self) -> str:
        return " ".join(p for p in [self.grid.name, self.building, self.door] if p)


class VisitNote(RegionScoped):
    """A grid worker's (or staff member's) note of a visit to a resident's home: when, what they
    found, and whether someone must come back. Written on the doorstep, often offline (the
    field kit, core/offline.py); read by the grid's workers and the community's staff."""

    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="visit_notes", verbose_name=_("resident")
    )
    grid = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("grid"))
    visited_on = models.DateField(_("visited on"))
    note = models.TextField(_("note"), max_length=2000)
    follow_up = models.BooleanField(_("needs a follow-up visit"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path_lookup = "grid__path"
    scope_relations = {"owner": ("resident__user",)}

    class Meta:
        ordering = ["-visited_on", "-id"]
        verbose_name = _("visit note")
        verbose_name_plural = _("visit notes")
        indexes = [models.Index(fields=["resident", "visited_on"])]

    def __str__(self) -> str:
        return f"{self.resident.masked_name} {self.visited_on:%Y-%m-%d}"

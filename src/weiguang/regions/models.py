"""The place tree (district → street → community → grid) and who holds which role where."""

from __future__ import annotations

from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from .scoping import RegionScoped


class RegionKind(models.TextChoices):
    DISTRICT = "district", _("District")
    STREET = "street", _("Street")
    COMMUNITY = "community", _("Community")
    GRID = "grid", _("Grid")


KIND_DEPTH = {RegionKind.DISTRICT: 0, RegionKind.STREET: 1, RegionKind.COMMUNITY: 2, RegionKind.GRID: 3}


def path_segment(pk: int) -> str:
    return f"{pk:07d}/"


def ancestor_paths(path: str) -> list[str]:
    """The paths of a node and of every node above it, top first ("1/", "1/4/", "1/4/9/")."""
    return [path[: i + 1] for i, ch in enumerate(path) if ch == "/"]


def ancestor_ids(path: str) -> list[int]:
    """The ids along a path, top first."""
    return [int(seg) for seg in path.strip("/").split("/") if seg]


class Region(RegionScoped):
    """A node of the place tree. `path` is the materialised path of ids ("0000001/0000004/"),
    so "everything below X" is one indexed prefix match: path LIKE 'X.path%'."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=RegionKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")

    scope_path_lookup = "path"  # a region is where it is: the regions at or below a user's role

    class Meta:
        ordering = ["path"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="uniq_region_name_in_parent")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        with transaction.atomic():
            super().save(*args, **kwargs)
            path = (self.parent.path if self.parent_id else "") + path_segment(self.pk)
            if path != self.path:
                self.path = path
                Region.objects.filter(pk=self.pk).update(path=path)

    @property
    def ancestor_ids(self) -> list[int]:
        return ancestor_ids(self.path)

    def ancestor_of_kind(self, kind: str) -> Region | None:
        if self.kind == kind:
            return self
        return Region.objects.filter(pk__in=self.ancestor_ids, kind=kind).first()

    @property
    def street(self) -> Region | None:
        return self.ancestor_of_kind(RegionKind.STREET)

    @property
    def community(self) -> Region | None:
        return self.ancestor_of_kind(RegionKind.COMMUNITY)

    def descendants(self, include_self: bool = True):
        qs = Region.objects.filter(path__startswith=self.path)
        return qs if include_self else qs.exclude(pk=self.pk)

    def contains(self, other: Region) -> bool:
        return other.path.startswith(self.path)


class Role(models.TextChoices):
    STREET_ADMIN = "street_admin", _("Street admin")
    COMMUNITY_STAFF = "community_staff", _("Community staff")
    GRID_WORKER = "grid_worker", _("Grid worker")
    VOLUNTEER = "volunteer", _("Volunteer")
    PARTNER_REP = "partner_rep", _("Partner representative")
    DEPARTMENT = "department", _("Department handler")
    RESIDENT = "resident", _("Resident")


class Membership(RegionScoped):
    """A user holds `role` at `region` and so may act (as that role) on everything below it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "region", "role"], name="uniq_membership")]
        indexes = [models.Index(fields=["user", "role"])]

    def __str__(self) -> str:
        return f"{self.user} {self.role}@{self.region}"


class Building(RegionScoped):
    """A building (楼栋) of a grid: the leaf of the place tree a person picks where they live.

    Not a Region: a building holds no roles and no records of its own (a resident's building
    stays text on people.Resident), it is only a name to choose instead of typing it. Seeded
    from the residents' buildings (people/migrations) and by the demo."""

    grid = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="buildings", verbose_name=_("grid"),
        limit_choices_to={"kind": RegionKind.GRID},
    )  # fmt: skip
    name = models.CharField(_("name"), max_length=30)

    scope_path_lookup = "grid__path"

    class Meta:
        ordering = ["grid", "name", "id"]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        constraints = [models.UniqueConstraint(fields=["grid", "name"], name="uniq_building_name_in_grid")]

    def __str__(self) -> str:
        return self.name

"""What the partner units delivered: a unit's record (the wishes claimed in its name and what
became of them, the projects its resources went into) and the street's "who delivered what"."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from weiguang.core.errors import InvalidInput, NotAllowed
from weiguang.partners.models import PartnerUnit, region_q, units_serving
from weiguang.partners.services import can_view_unit, list_regions
from weiguang.regions import access
from weiguang.regions.models import Region, RegionKind
from weiguang.wishes.models import Claim, ClaimStatus, WishStatus

from ..models import Project
from .lists import check_lists


@dataclass
class UnitRecord:
    unit: PartnerUnit
    claimed: int  # every claim made in the unit's name
    active: int  # promised, not yet done
    fulfilled: int  # done (圆梦), lit or not
    lit: int  # confirmed by the resident (点亮)
    released: int  # released, expired or cancelled
    claims: QuerySet
    projects: QuerySet


def _claim_counts(claims: QuerySet) -> dict:
    return claims.aggregate(
        claimed=Count("id"),
        active=Count("id", filter=Q(status=ClaimStatus.ACTIVE)),
        fulfilled=Count("id", filter=Q(status=ClaimStatus.DONE)),
        lit=Count("id", filter=Q(status=ClaimStatus.DONE, wish__status=WishStatus.CONFIRMED)),
        released=Count(
            "id", filter=Q(status__in=[ClaimStatus.RELEASED, ClaimStatus.EXPIRED, ClaimStatus.CANCELLED])
        ),
    )


def unit_record(unit: PartnerUnit, user) -> UnitRecord:
    """The wishes claimed in the unit's name and what became of them, and the projects that
    use its resources: staff of the region and the unit's representatives."""
    if not access.can(user, "partner.manage", unit):
        raise NotAllowed(_("Only staff of the region and the unit's representatives may see its record."))
    claims = (
        Claim.objects.filter(partner=unit)
        .select_related("wish", "wish__community")
        .order_by("-created_at", "-id")
    )
    projects = (
        Project.objects.filter(resources__unit=unit)
        .distinct()
        .select_related("region")
        .order_by("-created_at")
    )
    return UnitRecord(unit=unit, **_claim_counts(claims), claims=claims, projects=projects)


def unit_record_seen_by(unit: PartnerUnit, user) -> UnitRecord:
    """The record as the unit's page shows it: the whole record to those who manage the unit;
    to staff of a region it serves, its claims and projects in their regions only."""
    if access.can(user, "partner.manage", unit):
        return unit_record(unit, user)
    if not can_view_unit(user, unit):
        raise NotAllowed(_("Only staff of the region and the unit's representatives may see its record."))
    mine, projects_q = Q(pk__in=[]), Q(pk__in=[])
    for region in list_regions(user):
        mine |= Q(wish__community__path__startswith=region.path)
        projects_q |= region_q("region", region)
    claims = (
        Claim.objects.filter(mine, partner=unit)
        .select_related("wish", "wish__community")
        .order_by("-created_at", "-id")
    )
    projects = (
        Project.objects.filter(projects_q, resources__unit=unit)
        .distinct()
        .select_related("region")
        .order_by("-created_at")
    )
    return UnitRecord(unit=unit, **_claim_counts(claims), claims=claims, projects=projects)


@dataclass
class Delivery:
    unit: PartnerUnit
    claimed: int
    fulfilled: int
    lit: int
    projects: list[Project]


def deliveries(user, street: Region) -> list[Delivery]:
    """Who delivered what in the street: per unit of the street, wishes claimed, fulfilled and
    lit, and the projects its resources went into. Most lit first.

    Community staff ask for their community: the units serving it, the claims on its wishes
    and the projects they may open (of the community or above it)."""
    if street is None or street.kind == RegionKind.GRID:
        raise InvalidInput(_("Choose a street."), fields={"street": "invalid"})
    check_lists(user, street)
    if street.kind in (RegionKind.STREET, RegionKind.DISTRICT):  # a district: all its streets
        base, claims, in_projects = (
            PartnerUnit.objects.filter(region__path__startswith=street.path), Q(), Q(),
        )  # fmt: skip
    else:
        base = units_serving(street)
        claims = Q(wish_claims__wish__community__path__startswith=street.path)
        in_projects = region_q("project__region", street)
    units = base.annotate(
        n_claimed=Count("wish_claims", filter=claims or None, distinct=True),
        n_fulfilled=Count(
            "wish_claims", filter=claims & Q(wish_claims__status=ClaimStatus.DONE), distinct=True
        ),
        n_lit=Count(
            "wish_claims",
            filter=claims
            & Q(wish_claims__status=ClaimStatus.DONE, wish_claims__wish__status=WishStatus.CONFIRMED),
            distinct=True,
        ),
    ).order_by("-n_lit", "-n_fulfilled", "-n_claimed", "name")
    projects_by_unit: dict[int, dict[int, Project]] = {}
    through = Project.resources.through.objects.filter(
        in_projects, resource__unit__in=base.values("pk")
    ).values_list("project_id", "resource__unit_id")
    project_ids = {pid for pid, _unit in through}
    projects = {p.pk: p for p in Project.objects.filter(pk__in=project_ids).order_by("-created_at", "-id")}
    for pid, unit_id in through:
        projects_by_unit.setdefault(unit_id, {})[pid] = projects[pid]
    return [
        Delivery(
            unit=u,
            claimed=u.n_claimed,
            fulfilled=u.n_fulfilled,
            lit=u.n_lit,
            projects=sorted(
                projects_by_unit.get(u.pk, {}).values(), key=lambda p: (-p.created_at.timestamp(), -p.pk)
            ),
        )  # fmt: skip
        for u in units
    ]

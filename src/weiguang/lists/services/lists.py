"""The three lists (三张清单) of a region, for its staff ("lists.view"): the needs list (wishes
on the wall, open demands, the tallies of open surveys), the resource list (what the units
serving it offer now) and the project list. Each is one query scoped by regions.access."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from weiguang.demands.models import OPEN_STATUSES, Demand
from weiguang.partners.models import Resource, region_q
from weiguang.partners.services import check_lists, resources_serving
from weiguang.regions.models import Region
from weiguang.wishes.models import Wish, WishStatus

from ..models import Project
from .surveys import Tally, tallies, visible_surveys


@dataclass
class NeedsList:
    region: Region
    wishes: QuerySet
    demands: QuerySet
    surveys: list[Tally]


def needs_list(user, region: Region) -> NeedsList:
    """需求清单: wishes on the wall, open demands, and the tallies of open surveys (of the region
    and above it, as the user sees surveys)."""
    check_lists(user, region)
    on_wall = Wish.objects.filter(status=WishStatus.PUBLISHED, grid__path__startswith=region.path)
    wishes = on_wall.restrict(user, "lists.view")
    open_demands = Demand.objects.filter(status__in=OPEN_STATUSES, grid__path__startswith=region.path)
    demands = open_demands.restrict(user, "lists.view")
    surveys = (
        visible_surveys(user).filter(region_q("region", region), open=True).prefetch_related("questions")
    )
    return NeedsList(
        region=region,
        wishes=wishes.select_related("resident", "community", "category").order_by("-published_at", "-id"),
        demands=demands.select_related("community", "category").order_by("-created_at", "-id"),
        surveys=tallies(surveys),
    )


def resources_list(user, region: Region, *, kind: str | None = None) -> QuerySet[Resource]:
    """资源清单: what the units serving the region offer now."""
    check_lists(user, region)
    return resources_serving(region, kind=kind).order_by("unit__name", "kind", "title")


def projects_list(user, region: Region, *, status: str | None = None) -> QuerySet[Project]:
    """项目清单: projects of the region, and of the regions above it where the user sees the lists."""
    check_lists(user, region)
    qs = Project.objects.filter(region_q("region", region)).restrict(user, "lists.view")
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("region", "owner").order_by("-created_at", "-id")

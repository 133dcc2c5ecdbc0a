"""The home page: entry points by role, with counts from the apps below, and the street walls."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q
from django.shortcuts import render

from weiguang.demands.views import open_counts
from weiguang.matching.views import home_counts as invitation_counts
from weiguang.regions.models import Region, RegionKind
from weiguang.volunteers.views import home_counts
from weiguang.wishes.models import Wish, WishStatus
from weiguang.wishes.services import region_wishes

from .templatetags.nav import role_flags


def home(request):
    """Entry points by role, and the list of street walls."""
    flags = role_flags(request.user)
    communities = Region.objects.filter(kind=RegionKind.COMMUNITY).order_by("name")
    streets = (
        Region.objects.filter(kind=RegionKind.STREET)
        .prefetch_related(Prefetch("children", queryset=communities, to_attr="communities"))
        .order_by("name")
    )
    waiting = None
    if flags.staff:
        waiting = (
            region_wishes(request.user, "wish.review")
            .filter(status__in=[WishStatus.SUBMITTED, WishStatus.DISPUTED])  # to review, to follow up
            .count()
        )
    mine = None
    if flags.is_resident:
        mine = (
            Wish.objects.restrict(request.user, "wish.view_private")
            .filter(resident__user=request.user)
            .aggregate(total=Count("id"), to_confirm=Count("id", filter=Q(status="fulfilled")))
        )
    demands = volunteering = None
    if flags.authenticated:
        demands = open_counts(request.user)
        volunteering = home_counts(request.user, flags) | invitation_counts(request.user, flags)
    return render(
        request,
        "site/home.html",
        {"flags": flags, "streets": streets, "waiting": waiting, "mine": mine, "demands": demands,
         "volunteering": volunteering},
    )  # fmt: skip

"""The home page: the tiles every app registered for the user's roles, a resident's next events,
and the street walls."""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import render

from weiguang.core import navigation
from weiguang.events import services as event_services
from weiguang.regions.models import Region, RegionKind


def home(request):
    """Entry points by role, and the list of street walls."""
    communities = Region.objects.filter(kind=RegionKind.COMMUNITY).order_by("name")
    streets = (
        Region.objects.filter(kind=RegionKind.STREET)
        .prefetch_related(Prefetch("children", queryset=communities, to_attr="communities"))
        .order_by("name")
    )
    notices, tiles = navigation.tiles_for(request.user)
    upcoming = event_services.next_events_for_home(
        request.user, navigation.role_flags(request.user).resident_grid_path
    )
    context = {"streets": streets, "notices": notices, "tiles": tiles, "upcoming": upcoming}
    return render(request, "site/home.html", context)

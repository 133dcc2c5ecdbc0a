"""Station pages: the public list for riders (no login) and a station's public page; the staff's
list, create and edit pages, amenity states (one tap, htmx) and the pick-up list. Thin: parse,
call a service, render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weiguang.core.errors import ServiceError
from weiguang.core.forms import apply_service_error
from weiguang.core.templatetags.wg import safe_next
from weiguang.partners.models import PartnerUnit
from weiguang.regions import access

from .. import calendar
from ..models import Amenity, AmenityState, Pickup, PickupStatus, Station, StationAmenity
from . import queries, services
from .filters import StationFilter
from .forms import AmenityStateForm, PickupItemsForm, StationForm

# --- public -----------------------------------------------------------------------------------


def stations(request):
    """Riders' page: open stations first, nearest first when the browser shared a position."""
    filters = StationFilter.from_query(request.GET)
    cards = queries.public_stations(filters)
    return render(
        request,
        "places/stations.html",
        {
            "cards": cards,
            "filters": filters,
            "chosen": set(filters.amenity or []),
            "amenity_choices": Amenity.choices,
            "now": timezone.localtime(),
        },
    )


def station_detail(request, pk: int):
    station = get_object_or_404(Station.objects.filter(active=True).select_related("partner"), pk=pk)
    filters = StationFilter.from_query(request.GET)
    card = queries.card(station, timezone.localtime(), filters.position)
    return render(
        request,
        "places/station.html",
        {
            "card": card,
            "station": station,
            "week": _week(station),
            "coming": _coming(station),
            "now": timezone.localtime(),
            "can_manage": _can_manage(request.user, station),
        },  # fmt: skip
    )


def _week(station: Station) -> list[tuple[str, str]]:
    from ..hours import WEEKDAYS, format_day
    from .forms import DAY_LABELS

    if station.open_24h:
        return []
    return [(DAY_LABELS[d], format_day(station.hours.get(d, [])) or _("Closed that day")) for d in WEEKDAYS]


def _coming(station: Station):
    """The street's holidays and make-up days of the next two weeks, when they change its hours."""
    if station.open_24h or station.open_on_holidays:
        return []
    today = timezone.localdate()
    rows = calendar.holidays_of(station.region, today, today + dt.timedelta(days=14))
    return [h for h in rows if not h.is_workday or h.date.weekday() >= 5]


def _can_manage(user, station: Station) -> bool:
    return access.can(user, "station.manage", station)


# --- staff ------------------------------------------------------------------------------------


def _staff_or_403(user) -> None:
    if not access.can(user, "station.manage"):
        raise PermissionDenied


@login_required
def staff_stations(request):
    _staff_or_403(request.user)
    qs = (
        services.staff_stations(request.user)
        .select_related("region")
        .annotate(
            broken=Count("amenities", filter=Q(amenities__state=AmenityState.OUT_OF_ORDER), distinct=True),
            waiting=Count("pickups", filter=Q(pickups__status=PickupStatus.WAITING), distinct=True),
        )
        .order_by("region__path", "name", "id")
    )
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "places/staff_stations.html", {"page_obj": page, "stations": page.object_list})


def _partners(user):
    return PartnerUnit.objects.restrict(user, "partner.list_region").order_by("name")


@login_required
def station_new(request):
    _staff_or_403(request.user)
    regions = services.station_regions(request.user)
    form = StationForm(
        request.POST or None, request.FILES or None, regions=regions, partners=_partners(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            station = services.create_station(request.user, **form.values())
        except ServiceError as err:
            apply_service_error(form, err)
        else:
            messages.success(request, _("The station is open: %(name)s.") % {"name": station.name})
            return redirect("staff_station", pk=station.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "places/station_form.html", {"form": form, "station": None}, status=status)


def _staff_station(request, pk: int) -> Station:
    return access.get_for_user(
        Station.objects.select_related("region", "partner"), request.user, see="station.manage", pk=pk
    )


@login_required
def station_edit(request, pk: int):
    station = _staff_station(request, pk)
    form = StationForm(
        request.POST or None, request.FILES or None, initial=StationForm.initial_for(station),
        partners=_partners(request.user), editing=True,
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            services.update_station(station, request.user, **form.values())
        except ServiceError as err:
            apply_service_error(form, err)
        else:
            messages.success(request, _("Saved."))
            return redirect("staff_station", pk=station.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "places/station_form.html", {"form": form, "station": station}, status=status)


def _amenity_rows(station: Station) -> list[StationAmenity]:
    rows = station.amenities.select_related("changed_by")
    order = {a: i for i, a in enumerate(Amenity.values)}
    return sorted(rows, key=lambda r: order.get(r.amenity, 99))


@login_required
def staff_station(request, pk: int):
    station = _staff_station(request, pk)
    items = services.reward_items_for(station)
    chosen = list(station.reward_items.values_list("item_id", flat=True))
    return render(
        request,
        "places/staff_station.html",
        {
            "station": station,
            "rows": _amenity_rows(station),
            "states": AmenityState.choices,
            "today": timezone.localdate(),
            "items_form": PickupItemsForm(initial={"items": chosen}, items=items),
            "has_items": items.exists(),
            "waiting": station.pickups.filter(status=PickupStatus.WAITING).count(),
        },
    )


@login_required
@require_POST
def amenity_state(request, pk: int, amenity: str):
    """One tap: the amenity's new state (htmx swaps its row; without script, back to the page)."""
    station = _staff_station(request, pk)
    if amenity not in Amenity.values:
        return redirect("staff_station", pk=station.pk)
    row = get_object_or_404(station.amenities.select_related("station__region"), amenity=amenity)
    form = AmenityStateForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            data = form.cleaned_data
            row = services.set_amenity(row, request.user, data["state"], data["note"], data["until"])
        except ServiceError as err:
            error = err.message
    else:
        error = (
            next(iter(form.errors.values()))[0]
            if "until" in form.errors
            else _("Choose the amenity's state.")
        )
    if request.htmx:
        row = StationAmenity.objects.select_related("changed_by").get(pk=row.pk)
        return render(
            request,
            "places/staff_station.html#amenity-row",
            {
                "station": station,
                "row": row,
                "states": AmenityState.choices,
                "today": timezone.localdate(),
                "error": error,
            },
            status=422 if error else 200,
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Saved."))
    return redirect(safe_next(request, f"/staff/stations/{station.pk}/"))


@login_required
@require_POST
def pickup_items(request, pk: int):
    station = _staff_station(request, pk)
    form = PickupItemsForm(request.POST, items=services.reward_items_for(station))
    if form.is_valid():
        try:
            services.set_pickup_items(station, request.user, form.cleaned_data["items"])
        except ServiceError as err:
            messages.error(request, err.message)
        else:
            messages.success(request, _("Saved."))
    else:
        messages.error(request, _("This choice is not valid; reload the page and try again."))
    return redirect("staff_station", pk=station.pk)


@login_required
def station_pickups(request, pk: int):
    station = _staff_station(request, pk)
    status = request.GET.get("status")
    status = status if status in PickupStatus.values else PickupStatus.WAITING
    qs = services.station_pickups(station, request.user).filter(status=status)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "places/pickups.html",
        {
            "station": station, "page_obj": page, "pickups": page.object_list, "status": status,
            "statuses": PickupStatus.choices, "query": f"status={status}",
        },
    )  # fmt: skip


@login_required
@require_POST
def pickup_hand_over(request, pk: int):
    pickup = access.get_for_user(
        Pickup.objects.select_related("station__region"),
        request.user,
        "station.hand_over",
        see="pickup.view",
        pk=pk,
    )
    default = f"/staff/stations/{pickup.station_id}/pickups/"
    try:
        services.hand_over(pickup, request.user)
    except ServiceError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("Handed over."))
    return redirect(safe_next(request, default))

"""Stations API (/api/v1/stations): the public list (amenity filter, nearest first from lat/lng)
and a station's page for anyone; staff create and edit stations, set an amenity's state and
hand out the love supermarket's pick-ups. Thin: parse, call a service, render."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from weiguang.core.api import (
    ERROR_RESPONSES,
    OPTIONAL_AUTH_OPENAPI,
    Id,
    InSchema,
    Page,
    Ref,
    Text,
    current_user,
    invalid,
    optional_auth,
    patched,
    ref,
    referenced,
    require_user,
)
from weiguang.core.errors import NotAllowed
from weiguang.partners.models import PartnerUnit
from weiguang.regions import access
from weiguang.regions.models import Region

from .. import hours as opening
from ..models import Amenity, AmenityState, Pickup, PickupStatus, Station, StationKind
from . import queries, services
from .filters import StationFilter

stations_router = Router(tags=["stations"])

AmenityName = Literal[tuple(Amenity.values)]  # type: ignore[valid-type]
AmenityStateName = Literal[tuple(AmenityState.values)]  # type: ignore[valid-type]
KindName = Literal[tuple(StationKind.values)]  # type: ignore[valid-type]


class StationAmenityOut(Schema):
    amenity: AmenityName  # type: ignore[valid-type]
    label: str
    state: AmenityStateName  # type: ignore[valid-type]
    note: str = Field(description="What is wrong, while out of order")
    out_until: dt.date | None = Field(
        description="While out of order: its last day (the next day it is available again)"
    )
    changed_at: dt.datetime | None


class StationCardOut(Schema):
    id: int
    name: str
    kind: KindName  # type: ignore[valid-type]
    address: str
    latitude: float
    longitude: float
    phone: str = Field(description="The station's public service number")
    open_now: bool
    open_24h: bool
    open_on_holidays: bool = Field(
        description="Keeps its weekly hours on the street's holidays (else closed on them, and "
        "open with the working-day hours on a make-up working day)"
    )
    holiday_today: bool = Field(description="Closed today for a holiday of the street")
    closes_at: dt.datetime | None = Field(description="While open: when it closes (null: round the clock)")
    next_opening: dt.datetime | None = Field(
        description="While closed: when it opens next (null: not in the next two weeks)"
    )
    distance_m: int | None = Field(description="Metres from lat/lng, when given")
    amenities: list[StationAmenityOut] = Field(description="The amenities offered, broken ones included")


class StationDetailOut(StationCardOut):
    hours: dict[str, list[list[str]]] = Field(description='Per weekday: [["08:00", "12:00"], ...]; [] closed')
    note: str
    run_by: Ref | None
    photo_url: str | None
    region: Ref
    active: bool


class StationListOut(Page):
    items: list[StationCardOut]


class StationListQuery(StationFilter):
    limit: int = Field(50, ge=1, le=queries.PUBLIC_LIMIT)
    offset: int = Field(0, ge=0, le=queries.PUBLIC_LIMIT)


class StationPositionQuery(InSchema):
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)


class StationHoursIn(InSchema):
    mon: Text = Field("", max_length=80, description="08:00-12:00, 14:00-20:00; empty: closed")
    tue: Text = Field("", max_length=80)
    wed: Text = Field("", max_length=80)
    thu: Text = Field("", max_length=80)
    fri: Text = Field("", max_length=80)
    sat: Text = Field("", max_length=80)
    sun: Text = Field("", max_length=80)


class StationIn(InSchema):
    region: Id = Field(description="The street or community")
    name: Text = Field(max_length=services.NAME_MAX)
    kind: KindName  # type: ignore[valid-type]
    address: Text = Field(max_length=services.ADDRESS_MAX)
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    open_24h: bool = False
    open_on_holidays: bool = False
    hours: StationHoursIn | None = None
    phone: Text = Field("", max_length=30)
    run_by: Id | None = Field(None, description="A partner unit serving the region")
    note: Text = Field("", max_length=services.NOTE_MAX)
    active: bool = True
    amenities: list[AmenityName] = Field([], description="The amenities offered (available)")  # type: ignore[valid-type]


class StationPatch(InSchema):
    name: Text | None = Field(None, max_length=services.NAME_MAX)
    kind: KindName | None = None  # type: ignore[valid-type]
    address: Text | None = Field(None, max_length=services.ADDRESS_MAX)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    open_24h: bool | None = None
    open_on_holidays: bool | None = None
    hours: StationHoursIn | None = None
    phone: Text | None = Field(None, max_length=30)
    run_by: Id | None = None
    note: Text | None = Field(None, max_length=services.NOTE_MAX)
    active: bool | None = None


class AmenityStateIn(InSchema):
    state: AmenityStateName  # type: ignore[valid-type]
    note: Text = Field("", max_length=services.AMENITY_NOTE_MAX, description="What is wrong (out of order)")
    until: dt.date | None = Field(
        None,
        description="Out of order: its last day (today when not given); the next day it is available again",
    )


class StationPickupOut(Schema):
    id: int
    item: str
    quantity: int
    volunteer: str = Field(description="Masked name")
    phone: str = Field(description="Masked phone, to check who collects")
    redeemed_at: dt.datetime
    status: Literal[tuple(PickupStatus.values)]  # type: ignore[valid-type]
    handed_over_at: dt.datetime | None


def _amenity_out(row) -> dict:
    return {
        "amenity": row.amenity, "label": row.get_amenity_display(), "state": row.state, "note": row.note,
        "out_until": row.out_until, "changed_at": row.changed_at,
    }  # fmt: skip


def _card_out(c: queries.StationCard) -> dict:
    s = c.station
    return {
        "id": s.pk, "name": s.name, "kind": s.kind, "address": s.address, "latitude": float(s.latitude),
        "longitude": float(s.longitude), "phone": s.phone, "open_now": c.open_now, "open_24h": s.open_24h,
        "open_on_holidays": s.open_on_holidays, "holiday_today": c.holiday, "closes_at": c.closes_at, "next_opening": c.next_opening,
        "distance_m": round(c.distance_m) if c.distance_m is not None else None,
        "amenities": [_amenity_out(a) for a in c.amenities],
    }  # fmt: skip


def _detail_out(c: queries.StationCard) -> dict:
    s = c.station
    return _card_out(c) | {
        "hours": {d: s.hours.get(d, []) for d in opening.WEEKDAYS}, "note": s.note,
        "run_by": ref(s.partner) if s.partner else None, "photo_url": s.photo.url if s.photo else None,
        "region": ref(s.region), "active": s.active,
    }  # fmt: skip


def _station_card(station: Station, position=None) -> queries.StationCard:
    return queries.card(station, timezone.localtime(), position)


@stations_router.get(
    "", auth=optional_auth, openapi_extra=OPTIONAL_AUTH_OPENAPI,
    response={200: StationListOut, **ERROR_RESPONSES},
    summary="Stations for riders: open now first, nearest first with lat and lng (anyone)",
)  # fmt: skip
def list_stations(request, filters: Query[StationListQuery]):
    """The public list (no login): `amenity=water&amenity=charging` keeps the stations where
    each is available now (not out of order); with `lat` and `lng` (both) the nearest come first
    and each says its distance. Open stations come before closed ones, which say when they open."""
    if (filters.lat is None) != (filters.lng is None):
        raise invalid("lng" if filters.lng is None else "lat", _("Give both lat and lng."))
    cards = queries.public_stations(filters)
    return Page.body(filters, len(cards), [_card_out(c) for c in Page.window(cards, filters)])


@stations_router.get(
    "/managed", response={200: list[StationCardOut], **ERROR_RESPONSES},
    summary="The stations I keep (staff of their region)",
)  # fmt: skip
def managed_stations(request):
    user = require_user(request)
    qs = services.staff_stations(user).select_related("region").prefetch_related("amenities")
    return [
        _card_out(c) for c in queries.station_cards(qs.order_by("name", "id")[:500], timezone.localtime())
    ]


def _visible_station(user, station_id: int) -> Station:
    station = get_object_or_404(Station.objects.select_related("region", "partner"), pk=station_id)
    if not station.active and not access.can(user, "station.manage", station):
        raise Http404
    return station


@stations_router.get(
    "/{id:station_id}", auth=optional_auth, openapi_extra=OPTIONAL_AUTH_OPENAPI,
    response={200: StationDetailOut, **ERROR_RESPONSES}, summary="A station (anyone)",
)  # fmt: skip
def station_detail(request, station_id: Id, where: Query[StationPositionQuery]):
    """With `lat` and `lng`, the station says how far it is."""
    station = _visible_station(current_user(request), station_id)
    position = (where.lat, where.lng) if where.lat is not None and where.lng is not None else None
    return _detail_out(_station_card(station, position))


def _partner(data: dict, region: Region) -> dict:
    if "run_by" in data:
        data["partner"] = referenced(
            PartnerUnit.objects, data.pop("run_by"), "run_by", _("There is no such partner unit.")
        )
    return data


def _hours(data: dict) -> dict:
    if "hours" in data:
        data["hours"] = data["hours"] or {}
    return data


@stations_router.post(
    "", response={201: StationDetailOut, **ERROR_RESPONSES}, summary="Open a station (staff)"
)
def create_station(request, data: StationIn):
    user = require_user(request)
    body = data.dict()
    region = referenced(
        Region.objects, body.pop("region"), "region", _("There is no such street or community.")
    )
    amenities = {a: AmenityState.AVAILABLE for a in body.pop("amenities")}
    body = _hours(_partner(body, region))
    station = services.create_station(user, region=region, amenities=amenities, **body)
    return Status(201, _detail_out(_station_card(_visible_station(user, station.pk))))


def _managed(user, station_id: int) -> Station:
    return access.get_for_user(
        Station.objects.select_related("region", "partner"), user, see="station.manage", pk=station_id,
        denied=NotAllowed(_("Only staff of the region may edit the station.")),
    )  # fmt: skip


@stations_router.patch(
    "/{id:station_id}", response={200: StationDetailOut, **ERROR_RESPONSES}, summary="Edit a station (staff)"
)
def update_station(request, station_id: Id, data: StationPatch):
    user = require_user(request)
    station = _managed(user, station_id)
    body = patched(
        data.dict(exclude_unset=True),
        required=("name", "kind", "address", "latitude", "longitude", "open_24h", "active"),
        blank={"phone": "", "note": "", "hours": {}},
    )
    body = _hours(_partner(body, station.region))
    services.update_station(station, user, **body)
    return _detail_out(_station_card(_visible_station(user, station.pk)))


@stations_router.put(
    "/{id:station_id}/amenities/{amenity}", response={200: StationAmenityOut, **ERROR_RESPONSES},
    summary="Set an amenity's state: available, out of order (with a note, until a day) or not offered (staff)",
)  # fmt: skip
def set_amenity(request, station_id: Id, amenity: AmenityName, data: AmenityStateIn):  # type: ignore[valid-type]
    user = require_user(request)
    station = _managed(user, station_id)
    row = services.amenity_of(station, amenity)
    return _amenity_out(services.set_amenity(row, user, data.state, data.note, data.until))


@stations_router.get(
    "/{id:station_id}/pickups", response={200: list[StationPickupOut], **ERROR_RESPONSES},
    summary="The love supermarket's pick-ups at a station (staff)",
)  # fmt: skip
def station_pickups(
    request, station_id: Id, status: Literal[tuple(PickupStatus.values)] = PickupStatus.WAITING
):  # type: ignore[valid-type]
    user = require_user(request)
    station = _managed(user, station_id)
    rows = services.station_pickups(station, user).filter(status=status)[:200]
    return [_pickup_out(p) for p in rows]


def _pickup_out(p: Pickup) -> dict:
    r = p.redemption
    return {
        "id": p.pk, "item": r.item.name, "quantity": r.quantity, "volunteer": r.volunteer.masked_name,
        "phone": r.volunteer.masked_phone, "redeemed_at": r.created_at, "status": p.status,
        "handed_over_at": p.handed_over_at,
    }  # fmt: skip


@stations_router.post(
    "/pickups/{id:pickup_id}/hand_over", response={200: StationPickupOut, **ERROR_RESPONSES},
    summary="The item was handed to the volunteer (staff of the station); 409 when it was already",
)  # fmt: skip
def hand_over(request, pickup_id: Id):
    user = require_user(request)
    pickup = access.get_for_user(
        Pickup.objects.select_related("station__region"), user, "station.hand_over", see="pickup.view",
        pk=pickup_id, denied=NotAllowed(_("Only staff of the station may hand it over.")),
    )  # fmt: skip
    services.hand_over(pickup, user)
    return _pickup_out(services.station_pickups(pickup.station, user).get(pk=pickup.pk))

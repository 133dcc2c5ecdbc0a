"""Every change to stations, their amenities and the love supermarket's pick-ups happens here,
as plain functions taking the acting user."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from weiguang.core.audit import log_action, save_and_log_update
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from weiguang.core.text import clean_text as _text
from weiguang.core.text import normalize_phone
from weiguang.core.transitions import SYSTEM, perform
from weiguang.core.uploads import reencode
from weiguang.partners.models import PartnerUnit, units_serving
from weiguang.people.models import Resident
from weiguang.regions import access
from weiguang.regions.models import Region, RegionKind
from weiguang.volunteers.models import Redemption, RewardItem

from .. import hours as opening
from ..models import (
    Amenity,
    AmenityState,
    Pickup,
    PickupStatus,
    RewardPickup,
    Station,
    StationAmenity,
    StationKind,
    station_phone_validator,
)

NAME_MAX, ADDRESS_MAX, NOTE_MAX, AMENITY_NOTE_MAX = 60, 120, 200, 100
FIELDS = (
    "name", "kind", "address", "latitude", "longitude", "open_24h", "open_on_holidays", "hours", "phone",
    "partner", "note", "active",
)  # fmt: skip


def staff_stations(user) -> QuerySet[Station]:
    """The stations `user` keeps (staff of their region)."""
    return Station.objects.restrict(user, "station.manage")


def station_regions(user) -> QuerySet[Region]:
    """Where `user` may open a station: the streets and communities of their area."""
    streets = access.regions_below(user, "station.manage", RegionKind.STREET)
    communities = access.regions_below(user, "station.manage", RegionKind.COMMUNITY)
    return (streets | communities).order_by("path")


# --- stations ---------------------------------------------------------------------------------


def _coordinate(value, field: str, limit: int) -> Decimal:
    try:
        number = Decimal(str(value)) if not isinstance(value, bool) and value is not None else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise InvalidInput(_("Enter a number, e.g. 36.066."), fields={field: "invalid"})
    if not -limit <= number <= limit:
        raise InvalidInput(
            _("Enter a value between -%(n)d and %(n)d.") % {"n": limit}, fields={field: "out_of_range"}
        )
    return number.quantize(Decimal("0.000001"))


def _clean_fields(changes: dict, region: Region) -> dict:
    cleaned = {}
    for name, value in changes.items():
        if name == "name":
            cleaned[name] = _text(
                value,
                "name",
                required=True,
                max_length=NAME_MAX,
                one_line=True,
                message=_("Name the station."),
            )
        elif name == "kind":
            if value not in StationKind.values:
                raise InvalidInput(_("Choose the kind of station."), fields={"kind": "invalid"})
            cleaned[name] = value
        elif name == "address":
            cleaned[name] = _text(
                value, "address", required=True, max_length=ADDRESS_MAX, one_line=True,
                message=_("Say where the station is."),
            )  # fmt: skip
        elif name in ("latitude", "longitude"):
            cleaned[name] = _coordinate(value, name, 90 if name == "latitude" else 180)
        elif name in ("open_24h", "open_on_holidays", "active"):
            if not isinstance(value, bool):
                raise InvalidInput(_("This value has the wrong type."), fields={name: "invalid"})
            cleaned[name] = value
        elif name == "hours":
            cleaned[name] = _clean_hours(value)
        elif name == "phone":
            text = _text(value, "phone", required=False, max_length=30)
            phone = normalize_phone(text)
            if text and not _valid_phone(phone):
                raise InvalidInput(station_phone_validator.message, fields={"phone": "invalid"})
            if phone and Resident.objects.filter(phone=phone).exists():
                # shown to everyone on the public page: never a resident's own number
                raise InvalidInput(
                    _("This is a resident's number. Give the station's public service number."),
                    fields={"phone": "personal"},
                )
            cleaned[name] = phone
        elif name == "partner":
            if value is not None and not (
                isinstance(value, PartnerUnit) and units_serving(region).filter(pk=value.pk).exists()
            ):
                raise InvalidInput(
                    _("Choose a partner unit serving the station's region."), fields={"partner": "invalid"}
                )
            cleaned[name] = value
        elif name == "note":
            cleaned[name] = _text(value, "note", required=False, max_length=NOTE_MAX)
        else:
            raise InvalidInput(_("Unknown field."), fields={name: "unknown"})
    return cleaned


def _valid_phone(phone: str) -> bool:
    try:
        station_phone_validator(phone)
    except ValidationError:
        return False
    return True


def _clean_hours(value) -> dict:
    """The week from {"mon": "08:00-12:00, 14:00-20:00" or [["08:00", "12:00"], ...], ...}."""
    if value is None:
        value = {}
    if not isinstance(value, dict) or set(value) - set(opening.WEEKDAYS):
        raise InvalidInput(_("Opening hours are given per weekday."), fields={"hours": "invalid"})
    week = {}
    for day in opening.WEEKDAYS:
        given = value.get(day) or ""
        try:
            if isinstance(given, list):
                if not all(isinstance(i, list | tuple) and len(i) == 2 for i in given):
                    raise ValidationError(_("Opening hours are given per weekday."))
                given = ", ".join(f"{a}-{b}" for a, b in given)
            if not isinstance(given, str):
                raise ValidationError(_("Opening hours are given per weekday."))
            week[day] = opening.parse_day(given)
        except ValidationError as err:
            raise InvalidInput(err.messages[0], fields={f"hours_{day}": "invalid"}) from None
    return week


def _photo(photo):
    return reencode(photo, "photo") if photo else None


def create_station(
    by, *, region: Region, name: str, kind: str, address: str, latitude, longitude,
    open_24h: bool = False, open_on_holidays: bool = False, hours=None, phone: str = "", partner=None,
    note: str = "",
    active: bool = True, photo=None, amenities: dict | None = None,
) -> Station:  # fmt: skip
    """Open a station in a street or community: staff of that region. `amenities` gives the
    amenities it offers ({"water": "available"}); the others are "not offered"."""
    if not isinstance(region, Region) or region.kind not in (RegionKind.STREET, RegionKind.COMMUNITY):
        raise InvalidInput(_("Choose the street or community of the station."), fields={"region": "invalid"})
    if not access.can(by, "station.manage", path=region.path):
        raise NotAllowed(_("Only staff of the region may open stations."))
    fields = _clean_fields(
        {
            "name": name, "kind": kind, "address": address, "latitude": latitude, "longitude": longitude,
            "open_24h": open_24h, "open_on_holidays": open_on_holidays, "hours": hours, "phone": phone, "partner": partner, "note": note,
            "active": active,
        },
        region,
    )  # fmt: skip
    states = _clean_amenities(amenities or {})
    picture = _photo(photo)
    if Station.objects.filter(region=region, name=fields["name"]).exists():
        raise InvalidInput(_("There is already a station of this name here."), fields={"name": "taken"})
    try:
        with transaction.atomic():
            station = Station(region=region, **fields)
            if picture is not None:
                station.photo.save(picture.name, picture, save=False)
            station.save()
            now = timezone.now()
            StationAmenity.objects.bulk_create(
                StationAmenity(
                    station=station, amenity=a, state=states.get(a, AmenityState.NOT_OFFERED),
                    changed_at=now if a in states else None, changed_by=by if a in states else None,
                )
                for a in Amenity.values
            )  # fmt: skip
            log_action(station, "create", by, amenities=states)
    except IntegrityError:
        raise InvalidInput(
            _("There is already a station of this name here."), fields={"name": "taken"}
        ) from None
    return station


def _clean_amenities(amenities) -> dict[str, str]:
    if not isinstance(amenities, dict) or set(amenities) - set(Amenity.values):
        raise InvalidInput(_("Unknown amenity."), fields={"amenities": "invalid"})
    if set(amenities.values()) - {AmenityState.AVAILABLE, AmenityState.NOT_OFFERED}:
        raise InvalidInput(
            _("A new station's amenities are available or not offered."), fields={"amenities": "invalid"}
        )
    return {k: v for k, v in amenities.items() if v == AmenityState.AVAILABLE}


def update_station(station: Station, by, *, photo=None, remove_photo: bool = False, **changes) -> Station:
    """Staff of the station's region change its fields (not its region)."""
    if not access.can(by, "station.manage", station):
        raise NotAllowed(_("Only staff of the region may edit the station."))
    fields = _clean_fields(changes, station.region)
    picture = _photo(photo)
    try:
        with transaction.atomic():
            locked = Station.objects.select_for_update().get(pk=station.pk)
            renamed = "name" in fields and fields["name"] != locked.name
            if renamed and Station.objects.filter(region=locked.region_id, name=fields["name"]).exists():
                raise InvalidInput(
                    _("There is already a station of this name here."), fields={"name": "taken"}
                )
            if picture is not None:
                locked.photo.save(picture.name, picture, save=False)
                fields["photo"] = locked.photo
            elif remove_photo and locked.photo:
                fields["photo"] = ""
            save_and_log_update(locked, by, fields)
    except IntegrityError:
        raise InvalidInput(
            _("There is already a station of this name here."), fields={"name": "taken"}
        ) from None
    return locked


# --- amenities --------------------------------------------------------------------------------


OUT_OF_ORDER_MAX_DAYS = 60  # a longer repair: mark it "not offered" until it is back


def set_amenity(
    row: StationAmenity, by, state: str, note: str = "", until: dt.date | None = None
) -> StationAmenity:
    """One tap on the staff page: the amenity is available, out of order (with a note:
    "微波炉今天坏了") or not offered. Out of order lasts until the end of `until` (today when not
    given); the next day the reset job makes it available again unless staff set it again.
    Who changed it and when is kept on the row and audited."""
    if state not in AmenityState.values:
        raise InvalidInput(_("Choose the amenity's state."), fields={"state": "invalid"})
    note = _text(note, "note", required=False, max_length=AMENITY_NOTE_MAX, one_line=True)
    today = timezone.localdate()
    if state != AmenityState.OUT_OF_ORDER:
        note, until = "", None
    else:
        until = until or today
        if not isinstance(until, dt.date) or isinstance(until, dt.datetime):
            raise InvalidInput(_("Enter a date."), fields={"until": "invalid"})
        if until < today:
            raise InvalidInput(_("The last day must not be in the past."), fields={"until": "past"})
        if until > today + dt.timedelta(days=OUT_OF_ORDER_MAX_DAYS):
            raise InvalidInput(
                _("At most %(n)d days ahead; for longer, mark it not offered.")
                % {"n": OUT_OF_ORDER_MAX_DAYS},
                fields={"until": "too_far"},
            )

    def apply(locked):
        locked.note = note
        locked.out_until = until
        locked.changed_at = timezone.now()
        locked.changed_by = by if getattr(by, "is_authenticated", False) else None

    audit = {"amenity": row.amenity} | ({"until": until.isoformat()} if until else {})
    return perform(row, state, by, note=note, apply=apply, audit=audit)


def expired_amenities(today: dt.date | None = None) -> QuerySet[StationAmenity]:
    """Out-of-order states whose last day has passed."""
    today = today or timezone.localdate()
    return StationAmenity.objects.filter(state=AmenityState.OUT_OF_ORDER, out_until__lt=today)


def reset_expired_amenities(today: dt.date | None = None) -> int:
    """The periodic job: an amenity out of order past its last day is available again (audited
    as "reset", by the system). Safe to run twice or concurrently: a row set again meanwhile is
    skipped."""
    today = today or timezone.localdate()

    def check(locked):
        if locked.broken_on(today):
            raise Conflict(_("Set again meanwhile."), code="set_again")

    def apply(locked):
        locked.note, locked.out_until, locked.changed_at, locked.changed_by = "", None, timezone.now(), None

    count = 0
    for row in expired_amenities(today):
        try:
            perform(row, "reset", SYSTEM, check=check, apply=apply, note="out of order until passed")
        except Conflict:
            continue
        count += 1
    return count


def amenity_of(station: Station, amenity: str) -> StationAmenity:
    if amenity not in Amenity.values:
        raise InvalidInput(_("Unknown amenity."), fields={"amenity": "invalid"})
    row = (
        StationAmenity.objects.select_related("station__region")
        .filter(station=station, amenity=amenity)
        .first()
    )
    if (
        row is None
    ):  # every station has a row per amenity (create_station): only a station made by hand lacks one
        raise NotFound(_("This station has no such amenity."))
    return row


# --- the love supermarket's pick-ups -------------------------------------------------------------


def reward_items_for(station: Station) -> QuerySet[RewardItem]:
    """The items a station may hand out: those of its street."""
    street = station.region.street
    return (
        RewardItem.objects.filter(street=street).order_by("points", "name")
        if street
        else RewardItem.objects.none()
    )


def set_pickup_items(station: Station, by, items) -> list[int]:
    """The items collected at `station` (staff): each item is collected at one station, so
    naming it here moves it from another; the items no longer named are collected "at the
    service station" again. Redemptions already made keep their station."""
    if not access.can(by, "station.manage", station):
        raise NotAllowed(_("Only staff of the region may edit the station."))
    items = list(items or [])
    allowed = set(reward_items_for(station).values_list("pk", flat=True))
    if any(not isinstance(i, RewardItem) or i.pk not in allowed for i in items):
        raise InvalidInput(_("Choose items of the station's street."), fields={"items": "invalid"})
    wanted = {i.pk for i in items}
    with transaction.atomic():
        Station.objects.select_for_update().get(pk=station.pk)
        RewardPickup.objects.filter(station=station).exclude(item__in=wanted).delete()
        for pk in sorted(wanted):
            RewardPickup.objects.update_or_create(item_id=pk, defaults={"station": station})
        log_action(station, "pickup_items", by, items=sorted(wanted))
    return sorted(wanted)


def record_pickup(redemption: Redemption, by) -> Pickup | None:
    """The volunteers app's redeem hook (inside its transaction): a redemption of an item with
    a pick-up station is to be collected there."""
    point = RewardPickup.objects.filter(item=redemption.item_id).select_related("station").first()
    if point is None or not point.station.active:
        return None
    pickup = Pickup.objects.create(redemption=redemption, station=point.station)
    log_action(pickup, "create", by, station=point.station_id)
    return pickup


def pickup_places(redemptions) -> dict[int, dict]:
    """Where each of `redemptions` is collected: {redemption id: {station, address, url,
    handed_over}} (the volunteers app's shop page and API ask, one query for all)."""
    ids = [r.pk for r in redemptions]
    rows = Pickup.objects.filter(redemption__in=ids).select_related("station")
    return {
        p.redemption_id: {
            "station": p.station.name,
            "address": p.station.address,
            "url": f"/stations/{p.station_id}/",
            "handed_over": p.status == PickupStatus.HANDED_OVER,
        }
        for p in rows
    }


def station_pickups(station: Station, user) -> QuerySet[Pickup]:
    return (
        Pickup.objects.restrict(user, "station.hand_over")
        .filter(station=station)
        .select_related("redemption__item", "redemption__volunteer", "handed_over_by")
        .order_by("status", "-id")
    )


def hand_over(pickup: Pickup, by) -> Pickup:
    """Staff of the station hand the item to the volunteer: once (a second tap, or a colleague
    at the same moment, is told it was handed over already)."""

    def apply(locked):
        locked.handed_over_at = timezone.now()
        locked.handed_over_by = by

    return perform(
        pickup, "hand_over", by, apply=apply, audit={"station": pickup.station_id},
        conflict=Conflict(_("This was handed over already."), code="handed_over"),
    )  # fmt: skip

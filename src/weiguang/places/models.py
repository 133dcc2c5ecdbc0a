"""Stations and rooms: the models."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from weiguang.core.transitions import StateMachine
from weiguang.partners.models import PartnerUnit
from weiguang.regions.models import Region
from weiguang.regions.scoping import RegionScoped
from weiguang.volunteers.models import Redemption, RewardItem, Team

from .hours import validate_hours

# =============================================================================================
# Stations (驿站): where riders, drivers and office workers rest, drink, charge and warm up;
# each amenity with its state today; the love supermarket's pick-ups.
# =============================================================================================


class StationKind(models.TextChoices):
    WARM_NEW = "warm_new", _("Warm station for new workers (暖新驿站)")
    BUILDING = "building", _("Office building station (楼宇驿站)")
    COMMUNITY = "community", _("Community station")
    OTHER = "other", _("Other station")


# A station's number is a public service line: a mobile, a landline (0532-8388 1234), a
# 400/800 number or a short service number (12345); stored as digits (core.text.normalize_phone).
station_phone_validator = RegexValidator(
    r"^(1[3-9]\d{9}|0\d{9,11}|[48]00\d{7}|[19]\d{4})$",
    _("Enter the station's service number: a mobile, a landline with its area code, a 400 number or 12345."),
)


class Station(RegionScoped):
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="stations", verbose_name=_("community or street")
    )
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=12, choices=StationKind.choices)
    address = models.CharField(_("address"), max_length=120)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6,
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))],
    )  # fmt: skip
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6,
        validators=[MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))],
    )  # fmt: skip
    open_24h = models.BooleanField(_("open 24 hours"), default=False)
    # {"mon": [["08:00", "20:00"]], ..., "sun": []} (places.hours); ignored while open_24h
    hours = models.JSONField(_("opening hours"), default=dict, blank=True, validators=[validate_hours])
    # False: the street's holiday calendar applies (closed on holidays, working-day hours on a
    # 调休 make-up day); True: the weekly hours hold whatever the calendar says
    open_on_holidays = models.BooleanField(
        _("keeps its weekly hours on public holidays"), default=False,
        help_text=_("Otherwise it is closed on the street's holidays and keeps working-day hours on make-up days."),
    )  # fmt: skip
    phone = models.CharField(
        _("service phone"), max_length=20, blank=True, validators=[station_phone_validator],
        help_text=_("The station's public number, never a resident's."),
    )  # fmt: skip
    partner = models.ForeignKey(
        PartnerUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="stations",
        verbose_name=_("run by"),
    )  # fmt: skip
    photo = models.ImageField(_("photo"), upload_to="places/stations/", blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    active = models.BooleanField(_("shown to the public"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="uniq_station_name"),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="station_coordinates_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def phone_display(self) -> str:
        """The stored digits as people read them: 0532-88661234, 400-123-4567, 139 1234 5678."""
        p = self.phone
        if p.startswith("0") and len(p) >= 10:
            area = 3 if p[1] in "12" else 4
            return f"{p[:area]}-{p[area:]}"
        if p[:3] in ("400", "800") and len(p) == 10:
            return f"{p[:3]}-{p[3:6]}-{p[6:]}"
        if len(p) == 11 and p.startswith("1"):
            return f"{p[:3]} {p[3:7]} {p[7:]}"
        return p


class Amenity(models.TextChoices):
    WATER = "water", _("Drinking water")
    CHARGING = "charging", _("Phone charging")
    MICROWAVE = "microwave", _("Microwave")
    REST = "rest", _("Rest seats")
    TOILET = "toilet", _("Toilet")
    FIRST_AID = "first_aid", _("First aid kit")
    CLIMATE = "climate", _("Heating and cooling")


class AmenityState(models.TextChoices):
    AVAILABLE = "available", _("Available")
    OUT_OF_ORDER = "out_of_order", _("Out of order")
    NOT_OFFERED = "not_offered", _("Not offered")


_ALL = [AmenityState.AVAILABLE, AmenityState.OUT_OF_ORDER, AmenityState.NOT_OFFERED]
AMENITY_TRANSITIONS = StateMachine.build(
    "state",
    [
        ("available", _ALL, AmenityState.AVAILABLE, "station.manage", _("Available")),
        ("out_of_order", _ALL, AmenityState.OUT_OF_ORDER, "station.manage", _("Out of order")),
        ("not_offered", _ALL, AmenityState.NOT_OFFERED, "station.manage", _("Not offered")),
        # the job: an out-of-order state whose last day has passed is available again
        ("reset", [AmenityState.OUT_OF_ORDER], AmenityState.AVAILABLE, None, _("Available again")),
    ],
)


class StationAmenity(RegionScoped):
    """One amenity of one station and its state; every station has a row for each amenity
    (made with the station), changed only by places.stations.services.set_amenity."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="amenities")
    amenity = models.CharField(_("amenity"), max_length=12, choices=Amenity.choices)
    state = models.CharField(
        _("state"), max_length=12, choices=AmenityState.choices, default=AmenityState.NOT_OFFERED
    )
    note = models.CharField(_("note"), max_length=100, blank=True)
    # out of order: the last day it is (today unless staff said longer); the day after, the
    # reset job makes it available again unless staff set it again
    out_until = models.DateField(_("out of order until"), null=True, blank=True)
    changed_at = models.DateTimeField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    state_machine = AMENITY_TRANSITIONS
    scope_path_lookup = "station__region__path"

    class Meta:
        ordering = ["station", "id"]
        verbose_name = _("station amenity")
        verbose_name_plural = _("station amenities")
        constraints = [
            models.UniqueConstraint(fields=["station", "amenity"], name="uniq_station_amenity"),
        ]

    def __str__(self) -> str:
        return f"{self.station_id}: {self.amenity} {self.state}"

    def broken_on(self, day: dt.date) -> bool:
        """Out of order on `day` (a state whose last day has passed counts as available, also
        before the reset job has run)."""
        return self.state == AmenityState.OUT_OF_ORDER and (self.out_until is None or self.out_until >= day)


class RewardPickup(RegionScoped):
    """Where a love-supermarket item is collected: the station that hands it out. An item
    without one is collected "at the service station", as before stations existed."""

    item = models.OneToOneField(RewardItem, on_delete=models.CASCADE, related_name="pickup_point")
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="reward_items")

    scope_path_lookup = "station__region__path"

    class Meta:
        verbose_name = _("pick-up station of an item")
        verbose_name_plural = _("pick-up stations of items")

    def __str__(self) -> str:
        return f"{self.item_id} @ {self.station_id}"


class PickupStatus(models.TextChoices):
    WAITING = "waiting", _("To hand over")
    HANDED_OVER = "handed_over", _("Handed over")


PICKUP_TRANSITIONS = StateMachine.build(
    "status",
    [("hand_over", [PickupStatus.WAITING], PickupStatus.HANDED_OVER, "station.hand_over", _("Handed over"))],
)


class Pickup(RegionScoped):
    """A redemption to collect at a station: written with the redemption (the item's pick-up
    station at that moment), handed over by the station's staff."""

    redemption = models.OneToOneField(Redemption, on_delete=models.CASCADE, related_name="pickup")
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="pickups")
    status = models.CharField(
        _("status"), max_length=12, choices=PickupStatus.choices, default=PickupStatus.WAITING
    )
    handed_over_at = models.DateTimeField(null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    state_machine = PICKUP_TRANSITIONS
    scope_path_lookup = "station__region__path"
    scope_relations = {"owner": ("redemption__volunteer__user",)}

    class Meta:
        ordering = ["-id"]
        verbose_name = _("pick-up")
        verbose_name_plural = _("pick-ups")
        indexes = [models.Index(fields=["station", "status"], name="pickup_station_status")]

    def __str__(self) -> str:
        return f"{self.redemption_id} @ {self.station_id}"


# =============================================================================================
# Rooms: the service centre (服务中心) and its function rooms, booked by groups.
# A booking holds its room for its time span through core.capacity.reserve()
# (places.rooms.services); its status moves through BOOKING_TRANSITIONS only.


ROOM_WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]  # date.weekday() order


class Equipment(models.TextChoices):
    PROJECTOR = "projector", _("Projector")
    SCREEN = "screen", _("Screen")
    PIANO = "piano", _("Piano")
    TABLES = "tables", _("Tables")
    CHAIRS = "chairs", _("Chairs")
    WHITEBOARD = "whiteboard", _("Whiteboard")
    SOUND = "sound", _("Sound system")
    COMPUTERS = "computers", _("Computers")
    BOOKS = "books", _("Books")
    PAINTING = "painting", _("Painting desks")
    KITCHEN = "kitchen", _("Kitchen")
    STAGE = "stage", _("Stage")


class ServiceCentre(RegionScoped):
    """A service centre (党群服务中心): a building of a street or a community with floors of
    function rooms. Its street's holiday calendar (demands.Holiday) says when it is closed."""

    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="service_centres",
        verbose_name=_("street or community"),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    floors = models.PositiveSmallIntegerField(_("floors"), default=1)

    class Meta:
        ordering = ["region", "name"]
        verbose_name = _("service centre")
        verbose_name_plural = _("service centres")
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="uniq_centre_name")]

    def __str__(self) -> str:
        return self.name


def default_room_hours() -> dict:
    """Open 08:30–17:00 on working days, closed at weekends."""
    return {day: ["08:30", "17:00"] for day in ROOM_WEEKDAYS[:5]}


class Room(RegionScoped):
    """A function room of a centre. `hours`: the bookable hours per weekday, {"mon": ["08:30",
    "17:00"], ...}; a weekday missing is closed. How holidays and 调休 make-up days change
    them: places.rooms.services.opening_hours()."""

    centre = models.ForeignKey(ServiceCentre, on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(_("name"), max_length=50)
    floor = models.SmallIntegerField(_("floor"), default=1)
    capacity = models.PositiveIntegerField(_("capacity (people)"), default=20)
    equipment = models.JSONField(_("equipment"), default=list, blank=True)
    hours = models.JSONField(_("bookable hours"), default=default_room_hours, blank=True)
    needs_approval = models.BooleanField(
        _("bookings need approval"), default=True, help_text=_("Otherwise a request is approved at once.")
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    active = models.BooleanField(_("open for bookings"), default=True)
    # the door QR code's version: staff replace the code (a lost or copied print), and every
    # earlier code stops working (places.rooms.services.door_token)
    door_key = models.PositiveIntegerField(_("door code version"), default=0, editable=False)

    scope_path_lookup = "centre__region__path"

    class Meta:
        ordering = ["centre", "floor", "name"]
        verbose_name = _("function room")
        verbose_name_plural = _("function rooms")
        constraints = [models.UniqueConstraint(fields=["centre", "name"], name="uniq_room_name")]

    def __str__(self) -> str:
        return self.name

    def equipment_labels(self) -> list[str]:
        labels = dict(Equipment.choices)
        return [str(labels.get(key, key)) for key in self.equipment]

    def hours_on(self, weekday: int) -> tuple[dt.time, dt.time] | None:
        """The room's usual hours on a weekday (0 = Monday), without the calendar."""
        span = (self.hours or {}).get(ROOM_WEEKDAYS[weekday])
        if not span:
            return None
        return dt.time.fromisoformat(span[0]), dt.time.fromisoformat(span[1])


class BookingStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    CANCELLED = "cancelled", _("Cancelled")
    RELEASED = "released", _("Released (nobody checked in)")
    CHECKED_IN = "checked_in", _("Checked in")
    LAPSED = "lapsed", _("Lapsed (not decided before its start)")


# The statuses that hold the room for the booking's time span.
ACTIVE_BOOKING = [BookingStatus.REQUESTED, BookingStatus.APPROVED, BookingStatus.CHECKED_IN]

BOOKING_TRANSITIONS = StateMachine.build(
    "status",
    [
        ("approve", [BookingStatus.REQUESTED], BookingStatus.APPROVED, "booking.approve", _("Approve")),
        ("refuse", [BookingStatus.REQUESTED], BookingStatus.REFUSED, "booking.approve", _("Refuse")),
        (
            "cancel",
            [BookingStatus.REQUESTED, BookingStatus.APPROVED],
            BookingStatus.CANCELLED,
            "booking.cancel",
            _("Cancel booking"),
        ),
        ("release", [BookingStatus.APPROVED], BookingStatus.RELEASED, None, _("Release")),
        # the system's step when what held the room gives it back (an event cancelled or moved)
        (
            "withdraw",
            [BookingStatus.REQUESTED, BookingStatus.APPROVED],
            BookingStatus.CANCELLED,
            None,
            _("Given back"),
        ),
        # the job: a request nobody decided on before its start
        ("lapse", [BookingStatus.REQUESTED], BookingStatus.LAPSED, None, _("Lapse")),
        # the booker or staff change its time or details (places.rooms.services.change_booking);
        # an approved booking whose time the booker changed waits for approval again
        (
            "change",
            [BookingStatus.REQUESTED, BookingStatus.APPROVED],
            None,
            "booking.cancel",
            _("Change booking"),
        ),
        (
            "resubmit",
            [BookingStatus.APPROVED],
            BookingStatus.REQUESTED,
            "booking.cancel",
            _("Change booking"),
        ),
        ("check_in", [BookingStatus.APPROVED], BookingStatus.CHECKED_IN, "booking.check_in", _("Check in")),
    ],
)


class BookingSeries(RegionScoped):
    """A weekly booking ("every Tuesday 14:00–16:00 for a term"): the rule its bookings were
    made from. Each occurrence is its own Booking with its own status."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="series")
    weekday = models.PositiveSmallIntegerField(_("weekday"))  # 0 = Monday
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))
    first_date = models.DateField(_("first date"))
    until = models.DateField(_("last date"), null=True, blank=True)
    count = models.PositiveSmallIntegerField(_("number of weeks"), null=True, blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="booking_series"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path_lookup = "room__centre__region__path"
    scope_relations = {"owner": ("booked_by",)}

    class Meta:
        verbose_name = _("weekly booking")
        verbose_name_plural = _("weekly bookings")


class Booking(RegionScoped):
    """A group's booking of a room from `start` to `end`. While its status is one of
    ACTIVE_BOOKING it holds the room: no other active booking may overlap it."""

    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="bookings")
    series = models.ForeignKey(
        BookingSeries, null=True, blank=True, on_delete=models.SET_NULL, related_name="bookings"
    )
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    purpose = models.CharField(_("purpose"), max_length=200)
    group_name = models.CharField(_("group"), max_length=100)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="room_bookings",
        verbose_name=_("volunteer team"),
    )  # fmt: skip
    partner = models.ForeignKey(
        PartnerUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="room_bookings",
        verbose_name=_("partner unit"),
    )  # fmt: skip
    attendees = models.PositiveIntegerField(_("attendees expected"), default=1)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="room_bookings"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=BookingStatus.choices, default=BookingStatus.REQUESTED
    )
    note = models.CharField(_("note"), max_length=200, blank=True)  # a refusal's reason
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)

    scope_path_lookup = "room__centre__region__path"
    scope_relations = {"owner": ("booked_by",)}
    state_machine = BOOKING_TRANSITIONS

    class Meta:
        ordering = ["start", "room"]
        verbose_name = _("room booking")
        verbose_name_plural = _("room bookings")
        indexes = [
            models.Index(fields=["room", "start"]),
            models.Index(fields=["status", "start"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="booking_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.room} {self.start:%Y-%m-%d %H:%M} {self.group_name}"

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_BOOKING

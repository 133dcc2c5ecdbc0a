"""Service fairs: stalls, queue numbers, slots, whom a stall served, food-bank rounds."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from weiguang.core.privacy import mask_name
from weiguang.core.transitions import StateMachine
from weiguang.partners.models import PartnerUnit
from weiguang.people.models import PopulationGroup, Resident
from weiguang.places.models import Station
from weiguang.regions.models import Region
from weiguang.regions.scoping import RegionScoped
from weiguang.volunteers.models import Team
from weiguang.wishes.models import Wish

from .events import Event

# --- Fairs ----------------------------------------------------------------------------------
# A service fair (EventKind.SERVICE_FAIR) has stalls; a stall keeps a queue (numbers taken at
# the stall or on the phone, a priority lane), bookable time slots, and records whom it served.
# What a fair collects is demands' IntakeSession of kind "fair" (Event.intake_session, below)
# and the wishes recorded at its stalls (StallWish). Food-bank rounds hand one parcel to each
# eligible household. The services live in events/fairs/.


class ProviderKind(models.TextChoices):
    PARTNER = "partner", _("Partner unit")
    TEAM = "team", _("Volunteer team")
    DEPARTMENT = "department", _("Department")


class Stall(RegionScoped):
    """One stall of a fair: who runs it (a partner unit, a volunteer team, or a department by
    name), what it offers, where it stands and when. `workers` are the volunteers and unit
    staff who serve at it (they call numbers and record whom they served)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="stalls")
    number = models.PositiveSmallIntegerField(_("stall number"))
    provider_kind = models.CharField(_("run by"), max_length=12, choices=ProviderKind.choices)
    partner = models.ForeignKey(
        PartnerUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stalls",
        verbose_name=_("partner unit"),
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="stalls", verbose_name=_("team")
    )
    department_name = models.CharField(_("department"), max_length=60, blank=True)
    service = models.CharField(_("service"), max_length=60)
    spot = models.CharField(_("spot"), max_length=30, blank=True)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    # bookable slots (appliance repair every 15 minutes, N per slot); None: no booking
    slot_minutes = models.PositiveSmallIntegerField(_("minutes per slot"), null=True, blank=True)
    per_slot = models.PositiveSmallIntegerField(_("people per slot"), default=1)
    workers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="stalls_served", verbose_name=_("serving")
    )
    # the last number given in each lane (taken under the stall's row lock)
    last_normal = models.PositiveIntegerField(default=0)
    last_priority = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path_lookup = "event__region__path"
    scope_relations = {"handler": ("workers",)}

    class Meta:
        ordering = ["event", "number", "id"]
        verbose_name = _("stall")
        verbose_name_plural = _("stalls")
        constraints = [
            models.UniqueConstraint(fields=["event", "number"], name="stall_number_unique_per_fair"),
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="stall_closes_after_opening"
            ),
            models.CheckConstraint(
                condition=(
                    Q(provider_kind="partner", partner__isnull=False, team__isnull=True)
                    | Q(provider_kind="team", team__isnull=False, partner__isnull=True)
                    | Q(provider_kind="department", partner__isnull=True, team__isnull=True)
                    & ~Q(department_name="")
                ),
                name="stall_has_one_provider",
            ),  # fmt: skip
            models.CheckConstraint(condition=Q(per_slot__gte=1), name="stall_per_slot_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.number}号 {self.service}"

    @property
    def provider(self) -> str:
        if self.provider_kind == ProviderKind.PARTNER and self.partner_id:
            return self.partner.name
        if self.provider_kind == ProviderKind.TEAM and self.team_id:
            return self.team.name
        return self.department_name

    @property
    def provider_key(self) -> str:
        """One key per unit (partner, team or department), for counting units."""
        if self.provider_kind == ProviderKind.PARTNER:
            return f"partner:{self.partner_id}"
        if self.provider_kind == ProviderKind.TEAM:
            return f"team:{self.team_id}"
        return f"department:{self.department_name}"


class Lane(models.TextChoices):
    PRIORITY = "priority", _("Priority")  # residents of 70 and over, disabled residents
    NORMAL = "normal", _("Normal")


LANE_LETTER = {Lane.PRIORITY: "P", Lane.NORMAL: "A"}


class TicketChannel(models.TextChoices):
    PHONE = "phone", _("On the phone")
    STALL = "stall", _("At the stall")


class TicketStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    CALLED = "called", _("Called")
    SERVED = "served", _("Served")
    SKIPPED = "skipped", _("Skipped")
    CANCELLED = "cancelled", _("Cancelled")


TICKET_LIVE = [TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SKIPPED]

TICKET_TRANSITIONS = StateMachine.build(
    "status",
    [
        ("call", [TicketStatus.WAITING], TicketStatus.CALLED, "stall.serve", _("Call")),
        ("serve", [TicketStatus.CALLED], TicketStatus.SERVED, "stall.serve", _("Served")),
        ("skip", [TicketStatus.CALLED], TicketStatus.SKIPPED, "stall.serve", _("Skip (not here)")),
        ("recall", [TicketStatus.SKIPPED], TicketStatus.CALLED, "stall.serve", _("Call again")),
        ("cancel", [TicketStatus.WAITING], TicketStatus.CANCELLED, "ticket.cancel", _("Give up my number")),
    ],
)


class QueueTicket(RegionScoped):
    """A number in a stall's queue. Numbers run per lane (A001, A002 ... and P001 ...), given
    under the stall's row lock, so no two people get the same one."""

    stall = models.ForeignKey(Stall, on_delete=models.CASCADE, related_name="tickets")
    lane = models.CharField(_("lane"), max_length=10, choices=Lane.choices, default=Lane.NORMAL)
    number = models.PositiveIntegerField(_("number"))
    resident = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="queue_tickets"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="queue_tickets",
    )
    name = models.CharField(_("name"), max_length=50)
    channel = models.CharField(_("taken"), max_length=10, choices=TicketChannel.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.WAITING
    )
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    taken_at = models.DateTimeField(auto_now_add=True)
    called_at = models.DateTimeField(null=True, blank=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    calls = models.PositiveSmallIntegerField(default=0)  # called, then recalled
    served_at = models.DateTimeField(null=True, blank=True)

    state_machine = TICKET_TRANSITIONS
    scope_path_lookup = "stall__event__region__path"
    scope_relations = {"owner": ("user", "resident__user"), "handler": ("stall__workers",)}

    class Meta:
        ordering = ["stall", "taken_at", "id"]
        verbose_name = _("queue number")
        verbose_name_plural = _("queue numbers")
        indexes = [models.Index(fields=["stall", "status", "lane", "number"], name="ticket_queue_order")]
        constraints = [
            models.UniqueConstraint(fields=["stall", "lane", "number"], name="ticket_number_unique"),
            models.UniqueConstraint(
                fields=["stall", "resident"],
                condition=Q(status__in=TICKET_LIVE, resident__isnull=False),
                name="one_live_ticket_per_resident",
            ),
            models.CheckConstraint(
                condition=Q(resident__isnull=False) | Q(user__isnull=False) | ~Q(name=""),
                name="ticket_has_a_person",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{LANE_LETTER[self.lane]}{self.number:03d}"

    @property
    def masked_name(self) -> str:
        if self.resident_id:
            return self.resident.masked_name
        return mask_name(self.name)


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    SERVED = "served", _("Served")
    CANCELLED = "cancelled", _("Cancelled")


BOOKING_TRANSITIONS = StateMachine.build(
    "status",
    [
        ("serve", [BookingStatus.BOOKED], BookingStatus.SERVED, "stall.serve", _("Served")),
        (
            "cancel",
            [BookingStatus.BOOKED],
            BookingStatus.CANCELLED,
            "slot_booking.cancel",
            _("Cancel the booking"),
        ),
    ],
)


class SlotBooking(RegionScoped):
    """A booked time slot at a stall (`starts_at` is the slot's start); a slot holds the
    stall's `per_slot` bookings, held through core.capacity.reserve() on the stall's row."""

    stall = models.ForeignKey(Stall, on_delete=models.CASCADE, related_name="bookings")
    starts_at = models.DateTimeField(_("slot"))
    resident = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="stall_bookings"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stall_bookings",
    )
    name = models.CharField(_("name"), max_length=50)
    status = models.CharField(
        _("status"), max_length=10, choices=BookingStatus.choices, default=BookingStatus.BOOKED
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    state_machine = BOOKING_TRANSITIONS
    scope_path_lookup = "stall__event__region__path"
    scope_relations = {"owner": ("user", "resident__user"), "handler": ("stall__workers",)}

    class Meta:
        ordering = ["stall", "starts_at", "id"]
        verbose_name = _("slot booking")
        verbose_name_plural = _("slot bookings")
        indexes = [models.Index(fields=["stall", "starts_at", "status"], name="booking_slot")]
        constraints = [
            models.UniqueConstraint(
                fields=["stall", "resident"],
                condition=Q(status=BookingStatus.BOOKED, resident__isnull=False),
                name="one_booking_per_resident_and_stall",
            ),
            models.CheckConstraint(
                condition=Q(resident__isnull=False) | Q(user__isnull=False), name="booking_has_a_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stall_id}@{self.starts_at:%H:%M}"

    @property
    def masked_name(self) -> str:
        return self.resident.masked_name if self.resident_id else mask_name(self.name)


class VisitKind(models.TextChoices):
    TICKET = "ticket", _("Queue number")
    BOOKING = "booking", _("Booked slot")
    WALK_IN = "walk_in", _("Walk-in")


class StallVisit(RegionScoped):
    """One person served at a stall (a person-visit): from a number called, a booked slot, or
    a walk-in. A resident known by their record also counts once among the distinct residents."""

    stall = models.ForeignKey(Stall, on_delete=models.CASCADE, related_name="visits")
    kind = models.CharField(_("how"), max_length=10, choices=VisitKind.choices)
    ticket = models.OneToOneField(
        QueueTicket, null=True, blank=True, on_delete=models.CASCADE, related_name="visit"
    )
    booking = models.OneToOneField(
        SlotBooking, null=True, blank=True, on_delete=models.CASCADE, related_name="visit"
    )
    resident = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="stall_visits"
    )
    name = models.CharField(_("name"), max_length=50, blank=True)
    served_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    served_at = models.DateTimeField(_("served at"))

    scope_path_lookup = "stall__event__region__path"
    scope_relations = {"handler": ("stall__workers",)}

    class Meta:
        ordering = ["stall", "served_at", "id"]
        verbose_name = _("person served")
        verbose_name_plural = _("people served")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="ticket", ticket__isnull=False, booking__isnull=True)
                    | Q(kind="booking", booking__isnull=False, ticket__isnull=True)
                    | Q(kind="walk_in", ticket__isnull=True, booking__isnull=True)
                ),
                name="stall_visit_kind_matches",
            ),  # fmt: skip
        ]

    def __str__(self) -> str:
        return f"{self.stall_id}/{self.kind}"


class StallWish(RegionScoped):
    """A micro-wish recorded at a stall of a fair (its channel is "stall"): the fair keeps it."""

    stall = models.ForeignKey(Stall, on_delete=models.CASCADE, related_name="wishes")
    wish = models.OneToOneField(Wish, on_delete=models.CASCADE, related_name="stall_link")

    scope_path_lookup = "stall__event__region__path"

    class Meta:
        verbose_name = _("wish recorded at a stall")
        verbose_name_plural = _("wishes recorded at stalls")

    def __str__(self) -> str:
        return f"{self.stall_id}/{self.wish_id}"


class FoodRound(RegionScoped):
    """A food-bank round (爱心食物银行): parcels for the households of the chosen population
    groups in `region`, at a fair (`event`, optionally at one of its `stall`s) or a station;
    one parcel per household per round."""

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="food_rounds", verbose_name=_("community or street")
    )
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.CASCADE, related_name="food_rounds"
    )
    stall = models.ForeignKey(
        Stall, null=True, blank=True, on_delete=models.SET_NULL, related_name="food_rounds"
    )
    station = models.ForeignKey(
        Station, null=True, blank=True, on_delete=models.SET_NULL, related_name="food_rounds"
    )
    title = models.CharField(_("title"), max_length=60)
    date = models.DateField(_("date"))
    parcels = models.PositiveIntegerField(_("parcels"), null=True, blank=True)
    groups = models.ManyToManyField(PopulationGroup, related_name="food_rounds", verbose_name=_("for"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_relations = {"handler": ("stall__workers",)}

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("food-bank round")
        verbose_name_plural = _("food-bank rounds")

    def __str__(self) -> str:
        return self.title


class FoodParcel(RegionScoped):
    """A parcel handed to a household in a round. `household` is the household's key (its
    grid, building and door; a resident without a door is a household alone); the unique
    constraint and the round's row lock make a second parcel for it impossible."""

    round = models.ForeignKey(FoodRound, on_delete=models.CASCADE, related_name="handed_out")
    household = models.CharField(_("household"), max_length=120)
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="food_parcels")
    handed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    handed_at = models.DateTimeField(auto_now_add=True)

    scope_path_lookup = "round__region__path"
    scope_relations = {"handler": ("round__stall__workers",)}

    class Meta:
        ordering = ["round", "handed_at", "id"]
        verbose_name = _("food parcel")
        verbose_name_plural = _("food parcels")
        constraints = [
            models.UniqueConstraint(fields=["round", "household"], name="one_parcel_per_household_and_round")
        ]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.household}"

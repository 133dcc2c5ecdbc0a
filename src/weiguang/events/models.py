"""Events (活动): theme party days, micro-lectures, courses, service fairs, volunteer activities
and home visits; who signed up for them, and the waiting list.

An event lives in a community or a street (`region`). Its places are held by the sign-ups
that are confirmed or offered (a party of three holds three places); every hold goes through
`core.capacity.reserve()` (services.py). A sign-up that does not fit waits; when places free
up, the next waiting party that fits gets an offer that expires, or is confirmed at once when
the event promotes automatically.

Where an event happens is a free address for now (`place_text`); stations and rooms
(`places`) join as optional keys beside it, and `where` then prefers them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from weiguang.core.privacy import mask_name
from weiguang.core.transitions import StateMachine
from weiguang.demands.models import IntakeSession
from weiguang.partners.models import PartnerUnit
from weiguang.people.models import PopulationGroup, Resident
from weiguang.places.models import Station
from weiguang.regions.models import Region
from weiguang.regions.scoping import RegionScoped
from weiguang.volunteers.models import Team
from weiguang.wishes.models import Wish


class EventKind(models.TextChoices):
    PARTY_DAY = "party_day", _("Theme party day")
    MICRO_LECTURE = "micro_lecture", _("Micro-lecture")
    COURSE = "course", _("Course")
    SERVICE_FAIR = "service_fair", _("Service fair")
    VOLUNTEERING = "volunteering", _("Volunteer activity")
    HOME_VISIT = "home_visit", _("Home visit")


class OrganiserKind(models.TextChoices):
    COMMUNITY = "community", _("Community")
    TEAM = "team", _("Volunteer team")
    PARTNER = "partner", _("Partner unit")
    DEPARTMENT = "department", _("Department")
    OTHER = "other", _("Other")


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


EVENT_TRANSITIONS = StateMachine.build(
    "status",
    [
        ("publish", [EventStatus.DRAFT], EventStatus.PUBLISHED, "event.manage", _("Publish")),
        ("close", [EventStatus.PUBLISHED], EventStatus.CLOSED, "event.manage", _("Close sign-ups")),
        (
            "cancel",
            [EventStatus.DRAFT, EventStatus.PUBLISHED],
            EventStatus.CANCELLED,
            "event.manage",
            _("Cancel the event"),
        ),
    ],
)


class Event(RegionScoped):
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="events", verbose_name=_("community or street")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    title = models.CharField(_("title"), max_length=60)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    organiser_kind = models.CharField(
        _("organiser"), max_length=12, choices=OrganiserKind.choices, default=OrganiserKind.COMMUNITY
    )
    organiser_name = models.CharField(_("organiser's name"), max_length=60, blank=True)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="events", verbose_name=_("team")
    )
    partner = models.ForeignKey(
        PartnerUnit,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
        verbose_name=_("partner unit"),
    )
    place_text = models.CharField(_("address"), max_length=120, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(
        _("places"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    max_party_size = models.PositiveSmallIntegerField(
        _("people per sign-up"),
        default=1,
        help_text=_("How many people one sign-up may bring, themselves included."),
    )
    # who may sign up: residents of the event's region only, or any signed-in user
    residents_only = models.BooleanField(_("residents of this place only"), default=True)
    groups = models.ManyToManyField(
        PopulationGroup,
        blank=True,
        related_name="events",
        verbose_name=_("for these groups"),
        help_text=_("Empty: for everyone."),
    )
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    party_members_only = models.BooleanField(_("party members only"), default=False)
    # the waiting list: how long an offered place is kept (None: the site's default), and
    # whether a freed place goes straight to the next waiting party instead
    offer_minutes = models.PositiveIntegerField(
        _("minutes to accept an offered place"),
        null=True,
        blank=True,
        help_text=_("Empty: the site's default."),
    )
    auto_promote = models.BooleanField(
        _("confirm from the waiting list automatically"),
        default=False,
        help_text=_("A freed place goes to the next person waiting without asking them first."),
    )
    summary = models.TextField(_("summary afterwards"), max_length=2000, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=EventStatus.choices, default=EventStatus.DRAFT
    )
    cancel_reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # a service fair's intake session (demands): what it collects, handled on the spot, transferred
    intake_session = models.OneToOneField(
        IntakeSession, null=True, blank=True, on_delete=models.PROTECT, related_name="fair"
    )

    state_machine = EVENT_TRANSITIONS

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [models.Index(fields=["status", "starts_at"], name="event_status_starts")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("starts_at")), name="event_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(max_party_size__gte=1), name="event_party_size_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def where(self) -> str:
        return self.place_text

    @property
    def organiser(self) -> str:
        if self.organiser_name:
            return self.organiser_name
        if self.team_id:
            return self.team.name
        if self.partner_id:
            return self.partner.name
        return self.region.name


class EventPhoto(models.Model):
    """A picture of the event (a poster before, photos after), re-encoded by core.uploads."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="events/%Y/%m/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.image.name


class SignUpStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Place confirmed")
    WAITING = "waiting", _("On the waiting list")
    OFFERED = "offered", _("Place offered")
    CANCELLED = "cancelled", _("Cancelled")
    LEFT = "left", _("Left the waiting list")
    EXPIRED = "expired", _("Offer expired")


# The sign-ups that hold places, and those still in the game (one per person and event).
HOLDING = [SignUpStatus.CONFIRMED, SignUpStatus.OFFERED]
LIVE = [SignUpStatus.CONFIRMED, SignUpStatus.OFFERED, SignUpStatus.WAITING]

SIGNUP_TRANSITIONS = StateMachine.build(
    "status",
    [
        ("cancel", [SignUpStatus.CONFIRMED, SignUpStatus.OFFERED], SignUpStatus.CANCELLED, "signup.cancel", _("Cancel my place")),
        ("leave", [SignUpStatus.WAITING], SignUpStatus.LEFT, "signup.cancel", _("Leave the waiting list")),
        ("accept", [SignUpStatus.OFFERED], SignUpStatus.CONFIRMED, "signup.respond", _("Take the place")),
        # the system's steps: a freed place offered (or given, with auto_promote), an offer lapsing
        ("offer", [SignUpStatus.WAITING], SignUpStatus.OFFERED, None, _("Offer a place")),
        ("promote", [SignUpStatus.WAITING], SignUpStatus.CONFIRMED, None, _("Confirm from the waiting list")),
        ("expire", [SignUpStatus.OFFERED], SignUpStatus.EXPIRED, None, _("Offer expired")),
    ],
)  # fmt: skip


class SignUp(RegionScoped):
    """One sign-up for an event: a resident (with or without an account) or a signed-in user,
    bringing `party_size` people. `signed_up_by` is who filled it in (the person themselves,
    or the grid worker or staff member who signed them up)."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="signups")
    resident = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="event_signups"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="event_signups",
    )
    name = models.CharField(_("name"), max_length=50)  # kept as it was when signing up
    party_size = models.PositiveSmallIntegerField(_("people"), default=1)
    status = models.CharField(_("status"), max_length=12, choices=SignUpStatus.choices)
    code = models.CharField(_("code"), max_length=6)
    signed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    waiting_since = models.DateTimeField(null=True, blank=True)  # the waiting list's order
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)  # cancelled, left or expired

    state_machine = SIGNUP_TRANSITIONS
    scope_path_lookup = "event__region__path"
    scope_relations = {"owner": ("user", "resident__user")}

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        indexes = [
            models.Index(fields=["event", "status", "waiting_since"], name="signup_event_status"),
            models.Index(fields=["status", "offer_expires_at"], name="signup_offer_expiry"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["event", "code"], name="signup_code_unique_per_event"),
            models.UniqueConstraint(
                fields=["event", "resident"],
                condition=Q(status__in=LIVE, resident__isnull=False),
                name="one_live_signup_per_resident",
            ),
            models.UniqueConstraint(
                fields=["event", "user"],
                condition=Q(status__in=LIVE, user__isnull=False),
                name="one_live_signup_per_user",
            ),
            models.CheckConstraint(condition=Q(party_size__gte=1), name="signup_party_size_positive"),
            models.CheckConstraint(
                condition=Q(resident__isnull=False) | Q(user__isnull=False), name="signup_has_a_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_id}/{self.code}"

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def holds_places(self) -> bool:
        return self.status in HOLDING


# --- check-in and check-out ---------------------------------------------------------------


class EventHelper(RegionScoped):
    """A volunteer serving at an event (the roster): they check people in and out, and their
    own hours from check-in to check-out become a pending record in the volunteers' ledger."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="helpers")
    volunteer = models.ForeignKey(
        "volunteers.Volunteer", on_delete=models.PROTECT, related_name="event_roles"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path_lookup = "event__region__path"
    scope_relations = {"owner": ("volunteer__user",)}

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("volunteer serving")
        verbose_name_plural = _("volunteers serving")
        constraints = [
            models.UniqueConstraint(fields=["event", "volunteer"], name="one_helper_row_per_volunteer")
        ]

    def __str__(self) -> str:
        return f"{self.event_id}/{self.volunteer_id}"


class CheckInStatus(models.TextChoices):
    IN = "in", _("Checked in")
    OUT = "out", _("Checked out")


class CheckInRole(models.TextChoices):
    VISITOR = "visitor", _("Participant")
    HELPER = "helper", _("Volunteer serving")


class CheckInMethod(models.TextChoices):
    CODE = "code", _("Code typed")
    QR = "qr", _("QR code scanned")
    WALK_IN = "walk_in", _("Walk-in")
    SELF = "self", _("Volunteer's own check-in")


CHECKIN_TRANSITIONS = StateMachine.build(
    "status",
    [
        ("check_out", [CheckInStatus.IN], CheckInStatus.OUT, "event.check_in", _("Check out")),
        # the system's step at the event's end: everyone still in leaves at its end
        ("exit_at_close", [CheckInStatus.IN], CheckInStatus.OUT, None, _("Checked out at the close")),
    ],
)


class CheckIn(RegionScoped):
    """One person's visit to an event: in at `checked_in_at`, out at `checked_out_at`. A person
    (`person_key`: their resident record, account or, for a named visitor, the visit itself) has
    at most one visit open per event (a database constraint), so a ticket scanned at two desks
    at once makes one. Checked out and in again: a second visit (person-visits count it, distinct
    people do not)."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="checkins")
    signup = models.ForeignKey(
        SignUp, null=True, blank=True, on_delete=models.PROTECT, related_name="checkins"
    )
    resident = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="event_checkins"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    helper = models.ForeignKey(
        EventHelper, null=True, blank=True, on_delete=models.PROTECT, related_name="checkins"
    )
    person_key = models.CharField(max_length=40)
    name = models.CharField(_("name"), max_length=50)
    role = models.CharField(_("role"), max_length=8, choices=CheckInRole.choices, default=CheckInRole.VISITOR)
    method = models.CharField(_("how"), max_length=8, choices=CheckInMethod.choices)
    status = models.CharField(
        _("status"), max_length=4, choices=CheckInStatus.choices, default=CheckInStatus.IN
    )
    checked_in_at = models.DateTimeField(_("checked in"))
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_out_at = models.DateTimeField(_("checked out"), null=True, blank=True)
    checked_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    service_record = models.ForeignKey(
        "volunteers.ServiceRecord", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    state_machine = CHECKIN_TRANSITIONS
    scope_path_lookup = "event__region__path"
    scope_relations = {"owner": ("user", "resident__user"), "handler": ("event__helpers__volunteer__user",)}

    class Meta:
        ordering = ["-checked_in_at", "-id"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        indexes = [models.Index(fields=["event", "status"], name="checkin_event_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "person_key"], condition=Q(status="in"), name="one_open_visit_per_person"
            ),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True) | Q(checked_out_at__gte=models.F("checked_in_at")),
                name="checkin_out_after_in",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_id}/{self.person_key}"

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)


class CheckInScan(RegionScoped):
    """One scan or typed code sent by a device (online or from its offline queue): it either
    made the check-in (`duplicate` False) or found the person already in (`duplicate` True,
    `checkin` the visit it repeats). The offline kind "checkin" creates one per entry key."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="scans")
    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="scans")
    duplicate = models.BooleanField(default=False)
    scanned_at = models.DateTimeField()
    scanned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path_lookup = "event__region__path"

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.checkin_id}{' (dup)' if self.duplicate else ''}"


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

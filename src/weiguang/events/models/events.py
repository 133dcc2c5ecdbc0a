"""Events, their photos and sign-ups (the waiting list included)."""

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
from weiguang.places.models import Booking, Room, Station
from weiguang.regions.models import Region
from weiguang.regions.scoping import RegionScoped
from weiguang.volunteers.models import Team


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


def room_label(room: Room) -> str:
    return _("%(centre)s, %(room)s (floor %(floor)s)") % {
        "centre": room.centre.name,
        "room": room.name,
        "floor": room.floor,
    }


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
    # where: a station, a function room or a free address, at most one of them (event_one_place);
    # a room is held for the event's times by `room_booking` (places.rooms.services)
    station = models.ForeignKey(
        Station,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("station"),
    )
    room = models.ForeignKey(
        Room,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("function room"),
    )
    room_booking = models.OneToOneField(
        Booking, null=True, blank=True, on_delete=models.SET_NULL, related_name="event", editable=False
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
            models.CheckConstraint(
                condition=(
                    Q(station__isnull=True, room__isnull=True)
                    | Q(station__isnull=False, room__isnull=True, place_text="")
                    | Q(station__isnull=True, room__isnull=False, place_text="")
                ),
                name="event_one_place",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def where(self) -> str:
        """Where it happens, in words: the station's name, the room with its centre and floor,
        or the address (callers select_related("station", "room__centre"))."""
        if self.station_id:
            return self.station.name
        if self.room_id:
            return room_label(self.room)
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

"""Check-in and check-out at an event's desk, and the volunteers serving it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from weiguang.core.privacy import mask_name
from weiguang.core.transitions import StateMachine
from weiguang.people.models import Resident
from weiguang.regions.scoping import RegionScoped

from .events import Event, SignUp

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
    # how many of the sign-up's party came (the desk says; the party size unless told): the
    # person-visits count them, and the distinct people count the party at its largest visit
    party = models.PositiveSmallIntegerField(_("people who came"), default=1)
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
            models.CheckConstraint(condition=Q(party__gte=1), name="checkin_party_positive"),
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

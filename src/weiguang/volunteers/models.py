"""Volunteers (志愿者): real-name registration, teams, the service ledger, points and the love
supermarket (爱心超市).

The service ledger and the points ledger are append-only: a row's hours or points never change
after it is written; a correction is a new row pointing at the one it corrects. Whether a
service record counts is its status (pending → verified or rejected), changed through the
transition helper like every other state.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from weiguang.core.names import local_name
from weiguang.core.privacy import mask_id_number, mask_name, mask_phone
from weiguang.core.transitions import StateMachine
from weiguang.people.models import phone_validator, validate_id_number
from weiguang.regions.models import Region
from weiguang.regions.scoping import RegionScoped

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
PERIODS = ["am", "pm", "eve"]  # morning, afternoon, evening


class Skill(models.Model):
    """What a volunteer can do (理发, 家电维修, 医疗护理 ...). Its keywords match wish and demand
    categories and texts when candidates are recommended."""

    name = models.CharField(_("name"), max_length=30, unique=True)
    name_en = models.CharField(
        _("name in English"), max_length=60, blank=True, help_text=_("Shown when the page is in English.")
    )
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    ordering = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["ordering", "id"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")

    def __str__(self) -> str:
        return local_name(self)


class VolunteerStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Not approved")
    SUSPENDED = "suspended", _("Suspended")


VOLUNTEER_TRANSITIONS = StateMachine.build(
    "status",
    [
        ("approve", [VolunteerStatus.PENDING], VolunteerStatus.APPROVED, "volunteer.approve", _("Approve")),
        (
            "reject",
            [VolunteerStatus.PENDING],
            VolunteerStatus.REJECTED,
            "volunteer.approve",
            _("Do not approve"),
        ),
        (
            "resubmit",
            [VolunteerStatus.REJECTED],
            VolunteerStatus.PENDING,
            "volunteer.edit_own",
            _("Apply again"),
        ),
        ("suspend", [VolunteerStatus.APPROVED], VolunteerStatus.SUSPENDED, "volunteer.approve", _("Suspend")),
        (
            "reinstate",
            [VolunteerStatus.SUSPENDED],
            VolunteerStatus.APPROVED,
            "volunteer.approve",
            _("Reinstate"),
        ),
    ],
)


class Volunteer(RegionScoped):
    """A registered volunteer. The ID number is kept for the record (insurance, the national
    rules) but shown only masked; the volunteer number is our own."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="volunteer")
    number = models.CharField(_("volunteer number"), max_length=20, unique=True, null=True, blank=True)
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20, validators=[phone_validator])
    id_number = models.CharField(_("ID number"), max_length=18, unique=True, validators=[validate_id_number])
    home_region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="volunteers", verbose_name=_("home community or grid")
    )
    skills = models.ManyToManyField(Skill, blank=True, related_name="volunteers", verbose_name=_("skills"))
    # {"mon": ["am", "pm"], "sat": ["am"]}: when the volunteer is usually free
    availability = models.JSONField(_("availability"), default=dict, blank=True)
    party_member = models.BooleanField(_("party member"), default=False)
    dual_reporting_unit = models.CharField(
        _("workplace unit (双报到)"), max_length=100, blank=True,
        help_text=_("Party members registered with their workplace unit and serving where they live."),
    )  # fmt: skip
    status = models.CharField(
        _("status"), max_length=12, choices=VolunteerStatus.choices, default=VolunteerStatus.PENDING
    )
    reject_reason = models.CharField(_("reason"), max_length=300, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Kept in step with the ledgers in the same transactions (for rankings and star levels);
    # the ledgers are the truth and a test checks they agree.
    verified_hours = models.DecimalField(max_digits=9, decimal_places=2, default=Decimal("0"))
    points_balance = models.IntegerField(default=0)

    state_machine = VOLUNTEER_TRANSITIONS
    scope_path_lookup = "home_region__path"
    scope_relations = {"owner": ("user",)}

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        indexes = [models.Index(fields=["status", "home_region"], name="volunteer_status_region")]
        constraints = [
            models.CheckConstraint(condition=Q(points_balance__gte=0), name="volunteer_points_never_negative")
        ]

    def __str__(self) -> str:
        return self.masked_name

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)


class TeamColour(models.TextChoices):
    RED = "red", _("Red: lead")
    ORANGE = "orange", _("Orange: care")
    GOLD = "gold", _("Gold: neighbourhood watch")
    GREEN = "green", _("Green: environment")
    CYAN = "cyan", _("Cyan: youth")
    BLUE = "blue", _("Blue: safety")
    PURPLE = "purple", _("Purple: culture")


class Team(RegionScoped):
    """A volunteer team (分队), e.g. one of the seven colour teams of a rainbow alliance."""

    name = models.CharField(_("name"), max_length=50)
    colour = models.CharField(_("colour"), max_length=10, choices=TeamColour.choices, blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="teams")
    description = models.TextField(_("description"), max_length=1000, blank=True)
    leaders = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="led_teams")
    created_at = models.DateTimeField(auto_now_add=True)

    scope_relations = {"leader": ("leaders",)}

    class Meta:
        ordering = ["region", "name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="uniq_team_name")]

    def __str__(self) -> str:
        return self.name


class MembershipStatus(models.TextChoices):
    REQUESTED = "requested", _("Asked to join")
    MEMBER = "member", _("Member")
    DECLINED = "declined", _("Declined")
    LEFT = "left", _("Left")


TEAM_MEMBERSHIP_TRANSITIONS = StateMachine.build(
    "status",
    [
        ("accept", [MembershipStatus.REQUESTED], MembershipStatus.MEMBER, "team.manage", _("Accept")),
        ("decline", [MembershipStatus.REQUESTED], MembershipStatus.DECLINED, "team.manage", _("Decline")),
        ("leave", [MembershipStatus.MEMBER], MembershipStatus.LEFT, "team.leave", _("Leave the team")),
    ],
)


class TeamMembership(RegionScoped):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="team_memberships")
    status = models.CharField(
        max_length=10, choices=MembershipStatus.choices, default=MembershipStatus.REQUESTED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    state_machine = TEAM_MEMBERSHIP_TRANSITIONS
    scope_path_lookup = "team__region__path"
    scope_relations = {"leader": ("team__leaders",), "owner": ("volunteer__user",)}

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "volunteer"],
                condition=Q(status__in=["requested", "member"]),
                name="one_live_membership_per_team",
            )
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} in {self.team_id}"


class TeamProject(models.Model):
    """A standing project of a team: 幸福来敲门, a walking toolbox, the garden crew ..."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="projects")
    name = models.CharField(_("name"), max_length=60)
    description = models.TextField(_("description"), max_length=1000, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["team", "name"]
        verbose_name = _("team project")
        verbose_name_plural = _("team projects")

    def __str__(self) -> str:
        return self.name


class Activity(models.Model):
    """An activity a team leader organises; each attendee's check-in and check-out becomes a
    service record."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="activities")
    project = models.ForeignKey(
        TeamProject, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    title = models.CharField(_("title"), max_length=60)
    place = models.CharField(_("place"), max_length=100, blank=True)
    date = models.DateField(_("date"))
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        return self.title


class RecordKind(models.TextChoices):
    WISH = "wish", _("Micro-wish")
    DEMAND = "demand", _("Demand")
    ACTIVITY = "activity", _("Activity")
    HONOUR = "honour", _("Honour hours")
    CORRECTION = "correction", _("Correction")


class RecordStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Not verified")


SERVICE_RECORD_TRANSITIONS = StateMachine.build(
    "status",
    [
        ("verify", [RecordStatus.PENDING], RecordStatus.VERIFIED, "service.verify", _("Verify")),
        ("reject", [RecordStatus.PENDING], RecordStatus.REJECTED, "service.verify", _("Reject")),
    ],
)


class ServiceRecord(RegionScoped):
    """One entry of the service ledger. Hours never change once written (save() refuses);
    a correction is a new entry of kind `correction` with `corrects` set (its hours may be
    negative). Honour hours are added by staff, capped, and always marked as such."""

    IMMUTABLE = ("volunteer_id", "kind", "hours", "started_at", "ended_at", "corrects_id", "content")

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="service_records")
    kind = models.CharField(max_length=12, choices=RecordKind.choices)
    content = models.CharField(_("service content"), max_length=200)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=2)
    started_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    ended_at = models.DateTimeField(_("checked out"), null=True, blank=True)
    status = models.CharField(max_length=10, choices=RecordStatus.choices, default=RecordStatus.PENDING)
    # what the service was for (at most one of these)
    wish = models.ForeignKey("wishes.Wish", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    demand = models.ForeignKey(
        "demands.Demand", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.PROTECT, related_name="records"
    )
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    # who verifies: the organiser's place (staff there) or the team's leaders
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="records")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    verified_at = models.DateTimeField(null=True, blank=True)

    state_machine = SERVICE_RECORD_TRANSITIONS
    scope_relations = {"owner": ("volunteer__user",), "leader": ("team__leaders",)}

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        indexes = [
            models.Index(fields=["volunteer", "status"], name="record_by_volunteer"),
            models.Index(fields=["status", "verified_at"], name="record_verified"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="correction") | Q(hours__gt=0),
                name="record_hours_positive_unless_correction",
            ),
            models.UniqueConstraint(
                fields=["volunteer", "wish"], condition=Q(kind="wish"), name="one_wish_record_per_volunteer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id}: {self.hours} h {self.content}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            before = type(self).objects.filter(pk=self.pk).values(*self.IMMUTABLE).first()
            if before and any(before[f] != getattr(self, f) for f in self.IMMUTABLE):
                raise ValueError("A service record is never edited: add a correction instead.")
        super().save(*args, **kwargs)


class PointsRule(RegionScoped):
    """How a street turns verified hours into points: a base per hour, times the highest
    multiplier that applies to the volunteer (party member, team leader)."""

    street = models.OneToOneField(Region, on_delete=models.CASCADE, related_name="points_rule")
    per_hour = models.PositiveSmallIntegerField(_("points per verified hour"), default=10)
    party_member_multiplier = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("1.2"))
    team_leader_multiplier = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("1.5"))

    scope_path_lookup = "street__path"

    class Meta:
        verbose_name = _("points rule")
        verbose_name_plural = _("points rules")

    def __str__(self) -> str:
        return f"{self.street}: {self.per_hour}/h"


class PointsEntry(models.Model):
    """The points ledger: + for verified service, − for a redemption. Never edited."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="points_entries")
    delta = models.IntegerField()
    reason = models.CharField(max_length=200)
    record = models.OneToOneField(
        ServiceRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="points_entry"
    )
    redemption = models.ForeignKey(
        "Redemption", null=True, blank=True, on_delete=models.PROTECT, related_name="points_entries"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")

    def __str__(self) -> str:
        return f"{self.volunteer_id} {self.delta:+d}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("The points ledger is append-only.")
        super().save(*args, **kwargs)


class RewardItem(RegionScoped):
    """An item of the love supermarket (爱心超市) with its price in points and its stock."""

    street = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="reward_items")
    name = models.CharField(_("name"), max_length=60)
    points = models.PositiveIntegerField(_("price in points"))
    stock = models.IntegerField(_("stock"), default=0)
    active = models.BooleanField(_("on offer"), default=True)

    scope_path_lookup = "street__path"

    class Meta:
        ordering = ["street", "points", "name"]
        verbose_name = _("reward item")
        verbose_name_plural = _("reward items")
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="reward_stock_never_negative"),
            models.CheckConstraint(condition=Q(points__gt=0), name="reward_price_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Redemption(models.Model):
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="redemptions")
    item = models.ForeignKey(RewardItem, on_delete=models.PROTECT, related_name="redemptions")
    quantity = models.PositiveSmallIntegerField(default=1)
    points = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")

    def __str__(self) -> str:
        return f"{self.volunteer_id}: {self.quantity} × {self.item_id}"


class Certificate(models.Model):
    """A service certificate (志愿服务证明) with the fields the 2021 national rules ask for;
    the figures are a snapshot at issue time, and the QR code verifies it online."""

    number = models.CharField(_("certificate number"), max_length=30, unique=True)
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="certificates")
    hours = models.DecimalField(max_digits=9, decimal_places=2)
    content = models.TextField(_("service content"), max_length=1000)
    issuer = models.CharField(_("issued by"), max_length=100)
    issued_at = models.DateTimeField(auto_now_add=True)
    verify_token = models.CharField(max_length=32, unique=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("service certificate")
        verbose_name_plural = _("service certificates")

    def __str__(self) -> str:
        return self.number

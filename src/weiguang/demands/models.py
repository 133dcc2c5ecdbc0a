"""Demands (诉求): a resident's request or complaint, from intake to the resident's evaluation."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weiguang.core.names import local_name
from weiguang.core.transitions import StateMachine
from weiguang.people.models import Resident
from weiguang.regions.models import Region
from weiguang.regions.scoping import RegionScoped


class Holiday(RegionScoped):
    """An exception to the Monday–Friday week, kept by each street: a holiday on a weekday
    (is_workday=False) or a make-up working day (调休) on a weekend (is_workday=True)."""

    street = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField(_("date"))
    is_workday = models.BooleanField(_("working day"), default=False)
    name = models.CharField(_("name"), max_length=50, blank=True)

    scope_path_lookup = "street__path"

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        constraints = [models.UniqueConstraint(fields=["street", "date"], name="uniq_holiday_street_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


# A category is deactivated (it leaves the intake forms) or reactivated; the transition names
# are the audit verbs.
CATEGORY_TOGGLES = StateMachine.build(
    "active",
    [
        ("category.deactivate", [True], False, "demand.manage_categories", _("Deactivate")),
        ("category.activate", [False], True, "demand.manage_categories", _("Reactivate")),
    ],
)


class DemandCategory(models.Model):
    name = models.CharField(_("name"), max_length=30)
    name_en = models.CharField(
        _("name in English"), max_length=60, blank=True, help_text=_("Shown when the page is in English.")
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    active = models.BooleanField(_("active"), default=True)
    ordering = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["ordering", "id"]
        verbose_name = _("demand category")
        verbose_name_plural = _("demand categories")
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="uniq_demand_category")]

    state_machine = CATEGORY_TOGGLES
    # The tree is shared by the deployment, not a region's: access.can asks for a role anywhere.
    scope_path = None

    def __str__(self) -> str:
        return f"{self.parent} / {local_name(self)}" if self.parent_id else local_name(self)

    def get_status_display(self) -> str:  # perform()'s conflict message names the state
        return str(_("active") if self.active else _("Deactivated"))


class Department(RegionScoped):
    """A functional department of the street; its handlers act on demands transferred to it."""

    name = models.CharField(_("name"), max_length=60)
    street = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="departments")
    handlers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="departments")

    scope_path_lookup = "street__path"

    class Meta:
        ordering = ["street", "name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [models.UniqueConstraint(fields=["street", "name"], name="uniq_department_name")]

    def __str__(self) -> str:
        return self.name


class DemandChannel(models.TextChoices):
    DESK = "desk", _("Face to face with the secretary")
    HOTLINE = "hotline", _("Hotline")
    GROUP_CHAT = "group_chat", _("Group chat")
    VISIT = "visit", _("Home visit")
    STALL = "stall", _("Event stall")
    ONLINE = "online", _("Online")
    WISH = "wish", _("Converted from a micro-wish")
    DELIBERATION = "deliberation", _("Action item of a deliberation meeting")


class DemandStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    RESOLVED_ON_SPOT = "resolved_on_spot", _("Resolved on the spot")
    ASSIGNED = "assigned", _("Assigned")
    TRANSFERRED = "transferred", _("Transferred to departments")
    RETURNED = "returned", _("Returned by a department")
    ESCALATED = "escalated", _("Escalated to the street")
    DELIBERATING = "deliberating", _("Referred to the deliberation meeting")
    HANDLED = "handled", _("Handled")
    REPLIED = "replied", _("Replied")
    REOPENED = "reopened", _("Warning order")
    CLOSED = "closed", _("Closed")


# What the resident reads about her demand (her demand page, "my demands", the tracking page):
# plain words, none of the office's own (预警单, 吹哨, 退单, 议事会).
RESIDENT_STATUS = {
    DemandStatus.RECEIVED: _("Received"),
    DemandStatus.RESOLVED_ON_SPOT: _("Resolved on the spot"),
    DemandStatus.REPLIED: _("Replied"),
    DemandStatus.REOPENED: _("Being handled again"),
    DemandStatus.CLOSED: _("Closed"),
}  # any other status: "Being handled"


def resident_status(status: str) -> str:
    return RESIDENT_STATUS.get(status, _("Being handled"))


class Evaluation(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


S = DemandStatus
OPEN_FOR_DISPATCH = [S.RECEIVED, S.ESCALATED, S.REOPENED]
# Waiting for someone to act before the handling deadline (the queue's deadline colours).
OPEN_STATUSES = [
    S.RECEIVED, S.ASSIGNED, S.TRANSFERRED, S.RETURNED, S.ESCALATED, S.REOPENED, S.DELIBERATING,
]  # fmt: skip
OVERDUE_CAN_ESCALATE = [S.RECEIVED, S.ASSIGNED, S.TRANSFERRED, S.REOPENED]
RESOLVED_STATUSES = [S.RESOLVED_ON_SPOT, S.HANDLED, S.REPLIED, S.CLOSED]

DEMAND_TRANSITIONS = StateMachine.build(
    "status",
    [
        ("resolve_on_spot", [S.RECEIVED], S.RESOLVED_ON_SPOT, "demand.dispatch", _("Resolve on the spot")),
        ("accept", [S.TRANSFERRED, S.REOPENED], None, "demand.accept", _("Accepted by the department")),
        ("assign", [*OPEN_FOR_DISPATCH, S.ASSIGNED], S.ASSIGNED, "demand.dispatch", _("Assign")),
        ("transfer", [*OPEN_FOR_DISPATCH, S.ASSIGNED], S.TRANSFERRED, "demand.dispatch", _("Transfer")),
        ("return", [S.TRANSFERRED], S.RETURNED, "demand.return", _("Return to the street")),
        ("approve_return", [S.RETURNED], S.ESCALATED, "demand.review_return", _("Approve the return")),
        ("reject_return", [S.RETURNED], S.TRANSFERRED, "demand.review_return", _("Reject the return")),
        ("escalate", OVERDUE_CAN_ESCALATE, S.ESCALATED, "demand.escalate", _("Escalate to the street")),
        ("auto_escalate", OVERDUE_CAN_ESCALATE, S.ESCALATED, None, _("Escalated: overdue")),
        (
            "refer",
            [S.RECEIVED, S.ASSIGNED, S.ESCALATED, S.REOPENED],
            S.DELIBERATING,
            "demand.deliberate",
            _("Refer to the deliberation meeting"),
        ),
        ("decide", [S.DELIBERATING], S.HANDLED, "demand.deliberate", _("Decided by the meeting")),
        # One department of several reports its result; the demand waits for the others.
        ("handle_part", [S.TRANSFERRED, S.REOPENED], None, "demand.handle", _("A department reported")),
        (
            "handle",
            [S.ASSIGNED, S.TRANSFERRED, S.REOPENED],
            S.HANDLED,
            "demand.handle",
            _("Record the result"),
        ),
        ("reply", [S.HANDLED], S.REPLIED, "demand.reply", _("Reply to the resident")),
        ("evaluate", [S.REPLIED], S.CLOSED, "demand.evaluate", _("Evaluate")),
        ("reopen", [S.REPLIED], S.REOPENED, "demand.evaluate", _("Unsatisfied: warning order")),
        # Whoever holds the tracking code may evaluate; the system acts for them.
        ("evaluate_by_code", [S.REPLIED], S.CLOSED, None, _("Evaluated with the tracking code")),
        ("reopen_by_code", [S.REPLIED], S.REOPENED, None, _("Unsatisfied (tracking code): warning order")),
        ("auto_close", [S.REPLIED], S.CLOSED, None, _("Closed without evaluation")),
    ],
)


class DeadlineColour(models.TextChoices):
    GREEN = "green", _("On track")
    YELLOW = "yellow", _("Due soon")
    RED = "red", _("Overdue")


YELLOW_WINDOW = dt.timedelta(hours=24)  # an open order due within this is yellow


def overdue_q(now: dt.datetime) -> Q:
    """Open and past its handling deadline: the one definition of "overdue", read by the red
    list (the queue's red orders, the home tile's count), the scheduler's escalation and the
    figures (an overdue open demand is not on time). deadline_colour says the same of one."""
    return Q(status__in=OPEN_STATUSES, handle_due__lt=now)


def deadline_colour(due: dt.datetime | None, now: dt.datetime) -> str:
    if due is None:
        return ""
    if now > due:
        return DeadlineColour.RED
    return DeadlineColour.YELLOW if due - now <= YELLOW_WINDOW else DeadlineColour.GREEN


class SessionKind(models.TextChoices):
    DESK = "desk", _("Face to face with the secretary (书记面对面)")
    FAIR = "fair", _("Service fair or market day")
    VISIT = "visit", _("Door-to-door visits")
    OTHER = "other", _("Other")


class IntakeSession(RegionScoped):
    """A desk session, fair or round of visits where demands are collected together; its
    summary shows how many were collected, resolved on the spot and transferred."""

    community = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="intake_sessions")
    kind = models.CharField(_("kind"), max_length=10, choices=SessionKind.choices, default=SessionKind.DESK)
    title = models.CharField(_("title"), max_length=60)
    date = models.DateField(_("date"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path_lookup = "community__path"

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("intake session")
        verbose_name_plural = _("intake sessions")

    def __str__(self) -> str:
        return f"{self.date} {self.title}"


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    DECIDED = "decided", _("Decided")


class Deliberation(RegionScoped):
    """A deliberation meeting (党群联席议事会) on shared issues: the demands referred to it, who
    attended, the decision, and action items that become assigned demands."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="deliberations")
    title = models.CharField(_("topic"), max_length=60)
    held_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=100, blank=True)
    attendees = models.TextField(_("attendees"), max_length=2000, blank=True)
    decision = models.TextField(_("decision"), max_length=4000, blank=True)
    status = models.CharField(max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    state_machine = StateMachine.build(
        "status",
        [
            (
                "decide",
                [MeetingStatus.SCHEDULED],
                MeetingStatus.DECIDED,
                "demand.deliberate",
                _("Record the decision"),
            )
        ],
    )

    class Meta:
        ordering = ["-held_at", "-id"]
        verbose_name = _("deliberation meeting")
        verbose_name_plural = _("deliberation meetings")

    def __str__(self) -> str:
        return self.title


# A tracking code is twelve digits, shown in groups of four ("3815 0274 6692"): easy to write on
# a slip, to read out on the phone and to type on a phone's number pad. Demands received before
# this kept their ten-character code of letters and digits (no 0/O, 1/I), which still works.
TRACKING_DIGITS = 12
_CODE_JUNK = re.compile(r"[\s\-_.·—–－]+")


def new_tracking_code() -> str:
    return f"{secrets.randbelow(10**TRACKING_DIGITS):0{TRACKING_DIGITS}d}"


def normalize_tracking_code(text: str) -> str:
    """What a person typed or read out, as stored: full-width digits made plain, spaces and
    dashes dropped, letters (of an older code) upper-case."""
    return _CODE_JUNK.sub("", unicodedata.normalize("NFKC", text or "")).upper()


def format_tracking_code(code: str) -> str:
    """Twelve digits in groups of four, for the eye; an older code as it is."""
    if len(code) == TRACKING_DIGITS and code.isdigit():
        return " ".join(code[i : i + 4] for i in range(0, TRACKING_DIGITS, 4))
    return code


# The columns stats.py reads of every demand of a region (its regional indexes carry them).
FIGURE_COLUMNS = ["id", "status", "evaluation", "first_response_at", "handled_at", "handle_due"]


class Demand(RegionScoped):
    tracking_code = models.CharField(max_length=12, unique=True, default=new_tracking_code, editable=False)
    resident = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="demands"
    )
    contact_name = models.CharField(_("contact name"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    grid = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=12, choices=DemandChannel.choices)
    category = models.ForeignKey(
        DemandCategory, null=True, blank=True, on_delete=models.SET_NULL, related_name="demands"
    )
    title = models.CharField(_("title"), max_length=60)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    place = models.CharField(
        _("building or spot"),
        max_length=100,
        blank=True,
        help_text=_("e.g. building 3, unit 2; the school gate"),
    )
    urgent = models.BooleanField(_("urgent"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=DemandStatus.choices, default=DemandStatus.RECEIVED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_demands",
    )
    response_due = models.DateTimeField(_("first contact due"))
    handle_due = models.DateTimeField(_("handling due"))
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    result = models.TextField(_("result"), max_length=2000, blank=True)
    is_genuine = models.BooleanField(_("complaint is genuine (属实)"), null=True, blank=True)
    beyond_remit = models.BooleanField(_("beyond our remit (超职责)"), default=False)
    action_taken = models.TextField(_("what was done"), max_length=2000, blank=True)
    reply = models.TextField(_("reply to the resident"), max_length=2000, blank=True)
    public_reply = models.TextField(_("public reply"), max_length=2000, blank=True)
    evaluation = models.CharField(_("evaluation"), max_length=20, choices=Evaluation.choices, blank=True)
    evaluation_note = models.CharField(_("evaluation note"), max_length=300, blank=True)
    warning_count = models.PositiveSmallIntegerField(default=0)
    reopened_at = models.DateTimeField(null=True, blank=True)  # the latest warning order (reopen)
    session = models.ForeignKey(
        IntakeSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="demands"
    )
    source_wish = models.OneToOneField(
        "wishes.Wish", null=True, blank=True, on_delete=models.PROTECT, related_name="demand"
    )
    deliberation = models.ForeignKey(
        Deliberation, null=True, blank=True, on_delete=models.SET_NULL, related_name="referred",
        help_text=_("The meeting this demand was referred to."),
    )  # fmt: skip
    action_of = models.ForeignKey(
        Deliberation, null=True, blank=True, on_delete=models.SET_NULL, related_name="action_items",
        help_text=_("The meeting whose decision created this work."),
    )  # fmt: skip
    updated_at = models.DateTimeField(auto_now=True)

    state_machine = DEMAND_TRANSITIONS
    scope_path_lookup = "grid__path"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("demand")
        verbose_name_plural = _("demands")
        indexes = [
            # A region's demands by date (the lists) and its figures: `include` carries every
            # column stats.py reads, so on PostgreSQL the figures of a street's or a community's
            # year are an index-only scan instead of a walk over most of the table
            # (bench/README.md, "Demands").
            models.Index(
                fields=["street", "-created_at"],
                include=[*FIGURE_COLUMNS, "community", "category"],
                name="demand_street",
            ),
            models.Index(
                fields=["community", "-created_at"],
                include=[*FIGURE_COLUMNS, "category"],
                name="demand_community",
            ),
            models.Index(fields=["status", "handle_due"], name="demand_status_due"),
            # The community queue: open orders, soonest deadline first.
            models.Index(
                fields=["community", "handle_due", "id"],
                condition=Q(status__in=[s.value for s in OPEN_STATUSES]),
                name="demand_open_queue",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def resident_status(self) -> str:
        return resident_status(self.status)

    @property
    def code_display(self) -> str:
        return format_tracking_code(self.tracking_code)

    @property
    def phone_to_call(self) -> str:
        """The number given with the demand, else the linked resident's; "" for an anonymous
        report or a meeting's action item (no resident, no phone)."""
        return self.contact_phone or (self.resident.phone if self.resident_id else "")

    def colour(self, now: dt.datetime | None = None) -> str:
        """Green / yellow / red against the handling deadline; "" once handled."""
        return deadline_colour(self.handle_due, now or timezone.now()) if self.is_open else ""

    def live_transfers(self):
        return self.transfers.filter(status__in=Transfer.LIVE_STATUSES)

    def relations_to(self, user) -> set[str]:
        if not getattr(user, "is_authenticated", False):
            return set()
        relations = set()
        if self.resident_id and self.resident.user_id == user.pk:
            relations.add("owner")
        if self.assignee_id == user.pk or self.live_transfers().filter(department__handlers=user).exists():
            relations.add("handler")
        if self.transfers.filter(department__handlers=user).exists():
            relations.add("transferee")
        return relations

    @classmethod
    def relation_q(cls, user, relations) -> Q:
        q = Q(pk__in=[])
        if "owner" in relations:
            q |= Q(resident__user=user)
        if "handler" in relations:
            live = Transfer.objects.filter(status__in=Transfer.LIVE_STATUSES, department__handlers=user)
            q |= Q(assignee=user) | Q(pk__in=live.values("demand_id"))
        if "transferee" in relations:
            q |= Q(pk__in=Transfer.objects.filter(department__handlers=user).values("demand_id"))
        return q


class TransferStatus(models.TextChoices):
    ACTIVE = "active", _("Being handled")
    RETURN_REQUESTED = "return_requested", _("Return requested")
    RETURNED = "returned", _("Returned")
    DONE = "done", _("Done")


T = TransferStatus
# A department's part in a demand: with the department (active) until it reports (done) or asks
# to give it back; the street approves the return (returned) or sends it back (active). Closing
# and reopening follow the demand (handled for all, decided by a meeting, a warning order): the
# system does them, after the person's transition on the demand.
TRANSFER_TRANSITIONS = StateMachine.build(
    "status",
    [
        ("accept", [T.ACTIVE], None, "demand.accept", _("Accepted by the department")),
        ("resend", [T.ACTIVE, T.RETURN_REQUESTED], T.ACTIVE, "demand.dispatch", _("Transfer")),
        ("return", [T.ACTIVE], T.RETURN_REQUESTED, "demand.return", _("Return to the street")),
        ("approve_return", [T.RETURN_REQUESTED], T.RETURNED, "demand.review_return", _("Approve the return")),
        ("reject_return", [T.RETURN_REQUESTED], T.ACTIVE, "demand.review_return", _("Reject the return")),
        ("report", [T.ACTIVE], T.DONE, "demand.handle", _("A department reported")),
        ("close", [T.ACTIVE, T.RETURN_REQUESTED], T.DONE, None, _("Done")),
        ("reopen", [T.DONE], T.ACTIVE, None, _("Unsatisfied: warning order")),
    ],
)


class Transfer(RegionScoped):
    LIVE_STATUSES = [TransferStatus.ACTIVE, TransferStatus.RETURN_REQUESTED]

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="transfers")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="transfers")
    deadline = models.DateTimeField(_("deadline"))
    status = models.CharField(max_length=20, choices=TransferStatus.choices, default=TransferStatus.ACTIVE)
    return_reason = models.CharField(_("reason for return"), max_length=300, blank=True)
    summoned = models.BooleanField(
        _("summoned by the street (吹哨报到)"), default=False,
        help_text=_("Sent while the demand was escalated: the department must report in."),
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    # The department's own result, when a demand went to several departments.
    result = models.TextField(_("result"), max_length=2000, blank=True)
    action_taken = models.TextField(_("what was done"), max_length=2000, blank=True)
    is_genuine = models.BooleanField(null=True, blank=True)
    beyond_remit = models.BooleanField(default=False)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        indexes = [models.Index(fields=["department", "status"], name="transfer_inbox")]
        constraints = [
            models.UniqueConstraint(
                fields=["demand", "department"],
                condition=Q(status__in=["active", "return_requested"]),
                name="one_live_transfer_per_department",
            )
        ]

    state_machine = TRANSFER_TRANSITIONS
    scope_path_lookup = "demand__grid__path"
    scope_relations = {"handler": ("department__handlers",)}  # the department's handlers

    def __str__(self) -> str:
        return f"{self.demand_id} → {self.department}"


class DeadlineReminder(models.Model):
    """A reminder sent for one deadline. The unique row makes the periodic job idempotent:
    a reminder is sent when its row is first inserted, and a moved deadline is a new row."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="reminders")
    target = models.CharField(max_length=30)  # "response", "handle" or "transfer:<id>"
    kind = models.CharField(max_length=10)  # "soon" or "due"
    due = models.DateTimeField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["demand", "target", "kind", "due"], name="uniq_deadline_reminder")
        ]

    def __str__(self) -> str:
        return f"{self.demand_id} {self.target} {self.kind}"


class DemandPhotoStage(models.TextChoices):
    INTAKE = "intake", _("When reported")
    RESULT = "result", _("Evidence of the result")


class DemandPhoto(models.Model):
    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="demands/%Y/%m/")
    stage = models.CharField(max_length=10, choices=DemandPhotoStage.choices, default=DemandPhotoStage.INTAKE)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.image.name

"""Invitations to claim a wish: staff ask a recommended volunteer, or a partner unit, to make a
wish come true (matching.invitations, matching.assignment).

The table keeps the name it had when the model lived in `volunteers` (migrations
volunteers 0004 and matching 0001 moved it without moving data)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from weiguang.core.transitions import StateMachine
from weiguang.regions.scoping import RegionScoped


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("No longer open")


INVITATION_TRANSITIONS = StateMachine.build(
    "status",
    [
        ("accept", [InvitationStatus.PENDING], InvitationStatus.ACCEPTED, "invitation.respond", _("Accept")),
        (
            "decline",
            [InvitationStatus.PENDING],
            InvitationStatus.DECLINED,
            "invitation.respond",
            _("Decline"),
        ),
        # the wish was claimed by someone else, withdrawn or taken off the wall
        ("expire", [InvitationStatus.PENDING], InvitationStatus.EXPIRED, None, _("No longer open")),
    ],
)


class Invitation(RegionScoped):
    """Staff ask a volunteer, or a partner unit through its representatives, to claim a wish.
    Accepting claims the wish (wishes.services.claim_wish); the invitation itself grants no
    right to claim that the invitee did not already have."""

    wish = models.ForeignKey("wishes.Wish", on_delete=models.CASCADE, related_name="invitations")
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wish_invitations"
    )
    partner = models.ForeignKey(
        "partners.PartnerUnit", null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    status = models.CharField(
        max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    score = models.FloatField(null=True, blank=True, help_text=_("The match score when invited."))
    note = models.CharField(_("note"), max_length=300, blank=True)
    decline_reason = models.CharField(_("reason"), max_length=300, blank=True)
    claim = models.ForeignKey(
        "wishes.Claim", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    state_machine = INVITATION_TRANSITIONS
    scope_path_lookup = "wish__grid__path"
    # the invitee, or any representative of the invited unit, answers
    scope_relations = {"owner": ("invitee", "partner__representatives")}

    class Meta:
        ordering = ["-created_at", "-id"]
        db_table = "volunteers_invitation"
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [models.Index(fields=["invitee", "status"], name="invitation_by_invitee")]
        constraints = [
            models.UniqueConstraint(
                fields=["wish", "invitee"], condition=Q(status="pending"), name="one_pending_invitation"
            )
        ]

    def __str__(self) -> str:
        return f"invitation {self.pk} to {self.invitee_id} for {self.wish_id}"

"""Micro-wishes (微心愿): a resident's small concrete wish, from posted to lit."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from weiguang.core.names import local_name
from weiguang.core.transitions import StateMachine
from weiguang.partners.models import PartnerUnit
from weiguang.people.models import Resident
from weiguang.regions.models import Region
from weiguang.regions.scoping import RegionScoped


class WishKind(models.TextChoices):
    ITEM = "item", _("Item")
    SERVICE = "service", _("Service")


class WishStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting review")
    PUBLISHED = "published", _("On the wall")
    CLAIMED = "claimed", _("Claimed")
    FULFILLED = "fulfilled", _("Fulfilled")
    CONFIRMED = "confirmed", _("Lit")
    # The resident (or staff for them) says it did not come true; staff follow up.
    DISPUTED = "disputed", _("Not fulfilled, says the resident")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CONVERTED = "converted", _("Turned into a demand")


# Colours for status badges (a NetBox-style ChoiceSet colour per status).
STATUS_COLOURS = {
    WishStatus.SUBMITTED: "grey",
    WishStatus.PUBLISHED: "blue",
    WishStatus.CLAIMED: "orange",
    WishStatus.FULFILLED: "teal",
    WishStatus.CONFIRMED: "red",
    WishStatus.DISPUTED: "orange",
    WishStatus.REJECTED: "dark",
    WishStatus.WITHDRAWN: "dark",
    WishStatus.CONVERTED: "dark",
}
PUBLIC_STATUSES = [WishStatus.PUBLISHED, WishStatus.CLAIMED, WishStatus.FULFILLED, WishStatus.CONFIRMED]


class Channel(models.TextChoices):
    SELF = "self", _("Resident online")
    GRID = "grid", _("Grid worker visit")
    DESK = "desk", _("Service desk")
    PHONE = "phone", _("Phone")
    STALL = "stall", _("Event stall")


class WishCategory(models.Model):
    """Editable by street admins; `keywords` suggest the category from a wish's text."""

    name = models.CharField(_("name"), max_length=30, unique=True)
    name_en = models.CharField(
        _("name in English"), max_length=60, blank=True, help_text=_("Shown when the page is in English.")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=WishKind.choices, blank=True)
    keywords = models.TextField(_("keywords"), blank=True, help_text=_("Separated by spaces or commas."))
    active = models.BooleanField(_("active"), default=True)
    ordering = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["ordering", "id"]
        verbose_name = _("wish category")
        verbose_name_plural = _("wish categories")

    def __str__(self) -> str:
        return local_name(self)

    @property
    def keyword_list(self) -> list[str]:
        return [k for k in self.keywords.replace("，", ",").replace(",", " ").split() if k]


class WishPolicy(RegionScoped):
    """Per-street settings of the wish programme."""

    street = models.OneToOneField(Region, on_delete=models.CASCADE, related_name="wish_policy")
    item_value_cap = models.DecimalField(
        _("maximum value of an item wish (yuan)"), max_digits=8, decimal_places=2, default=300
    )

    scope_path_lookup = "street__path"

    class Meta:
        verbose_name = _("wish policy")
        verbose_name_plural = _("wish policies")

    def __str__(self) -> str:
        return f"{self.street}: {self.item_value_cap}"


WISH_TRANSITIONS = StateMachine.build(
    "status",
    [
        ("publish", [WishStatus.SUBMITTED], WishStatus.PUBLISHED, "wish.review", _("Publish")),
        (
            "reject",
            [WishStatus.SUBMITTED, WishStatus.PUBLISHED],
            WishStatus.REJECTED,
            "wish.review",
            _("Reject"),
        ),
        ("claim", [WishStatus.PUBLISHED], WishStatus.CLAIMED, "wish.claim", _("Claim")),
        ("release", [WishStatus.CLAIMED], WishStatus.PUBLISHED, "wish.release", _("Release claim")),
        ("expire", [WishStatus.CLAIMED], WishStatus.PUBLISHED, None, _("Claim expired")),
        ("fulfil", [WishStatus.CLAIMED], WishStatus.FULFILLED, "wish.fulfil", _("Mark fulfilled")),
        (
            "confirm",
            [WishStatus.FULFILLED, WishStatus.DISPUTED],
            WishStatus.CONFIRMED,
            "wish.confirm",
            _("Confirm and light"),
        ),
        # "It did not come true": the resident says so with a reason; staff follow up and
        # either send it back to the claimer (reopen) or confirm it after all.
        ("dispute", [WishStatus.FULFILLED], WishStatus.DISPUTED, "wish.dispute", _("Not fulfilled")),
        ("reopen", [WishStatus.DISPUTED], WishStatus.CLAIMED, "wish.review", _("Back to the claimer")),
        (
            # Too big for a micro-wish: handled as a demand instead (demands.services).
            "convert",
            [WishStatus.SUBMITTED, WishStatus.PUBLISHED],
            WishStatus.CONVERTED,
            "wish.review",
            _("Turn into a demand"),
        ),
        (
            "withdraw",
            [WishStatus.SUBMITTED, WishStatus.PUBLISHED, WishStatus.CLAIMED],
            WishStatus.WITHDRAWN,
            "wish.withdraw",
            _("Withdraw"),
        ),
    ],
)


class Wish(RegionScoped):
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="wishes", verbose_name=_("resident")
    )
    # The resident's place, copied at intake: grid for scoping, community/street for the walls.
    grid = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=WishKind.choices)
    category = models.ForeignKey(
        WishCategory,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="wishes",
        verbose_name=_("category"),
    )
    title = models.CharField(_("title"), max_length=60)
    description = models.TextField(_("description"), max_length=1000, blank=True)
    value = models.DecimalField(
        _("estimated value (yuan)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.SELF)
    status = models.CharField(
        _("status"), max_length=12, choices=WishStatus.choices, default=WishStatus.SUBMITTED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reject_reason = models.CharField(_("reason for rejection"), max_length=300, blank=True)
    fulfil_note = models.TextField(_("fulfilment note"), max_length=1000, blank=True)
    dispute_reason = models.CharField(_("why it did not come true"), max_length=300, blank=True)
    thanks = models.CharField(_("thanks"), max_length=300, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    created_at = models.DateTimeField(_("posted at"), auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    state_machine = WISH_TRANSITIONS
    scope_path_lookup = "grid__path"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("micro-wish")
        verbose_name_plural = _("micro-wishes")
        indexes = [
            # The walls list public wishes newest first: partial indexes in exactly that
            # order let page 1 be read straight off the index, whatever the wall's size.
            models.Index(
                fields=["community", "-published_at", "-id"],
                condition=Q(status__in=[s.value for s in PUBLIC_STATUSES]),
                name="wish_wall_community",
            ),
            models.Index(
                fields=["street", "-published_at", "-id"],
                condition=Q(status__in=[s.value for s in PUBLIC_STATUSES]),
                name="wish_wall_street",
            ),
            models.Index(fields=["resident", "-created_at"], name="wish_by_resident"),
            models.Index(fields=["status", "-created_at"], name="wish_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="wish_rating_1_5"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @cached_property
    def current_claim(self) -> Claim | None:
        """The live claim (active, or done once fulfilled), if any."""
        return self.claims.filter(status__in=Claim.LIVE_STATUSES).select_related("claimer", "partner").first()

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    @property
    def status_colour(self) -> str:
        return STATUS_COLOURS.get(self.status, "grey")

    def relations_to(self, user) -> set[str]:
        if not getattr(user, "is_authenticated", False):
            return set()
        relations = set()
        if self.resident.user_id == user.pk:
            relations.add("owner")
        claim = self.current_claim
        if claim and (
            claim.claimer_id == user.pk
            or (claim.partner_id and claim.partner.representatives.filter(pk=user.pk).exists())
        ):
            relations.add("claimer")
        return relations

    @classmethod
    def relation_q(cls, user, relations) -> Q:
        q = Q(pk__in=[])
        if "owner" in relations:
            q |= Q(resident__user=user)
        if "claimer" in relations:
            live = Claim.objects.filter(status__in=Claim.LIVE_STATUSES)
            q |= Q(pk__in=live.filter(Q(claimer=user) | Q(partner__representatives=user)).values("wish_id"))
        return q


class ClaimStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DONE = "done", _("Fulfilled")
    RELEASED = "released", _("Released")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


class Claim(models.Model):
    """A promise to make a wish come true, by a volunteer or by a partner unit through its
    representative. At most one live claim per wish (a partial unique index)."""

    LIVE_STATUSES = [ClaimStatus.ACTIVE, ClaimStatus.DONE]

    wish = models.ForeignKey(Wish, on_delete=models.CASCADE, related_name="claims")
    claimer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="wish_claims"
    )
    partner = models.ForeignKey(
        PartnerUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="wish_claims"
    )
    promised_date = models.DateField(_("promised date"))
    status = models.CharField(max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.ACTIVE)
    hours = models.DecimalField(
        _("hours spent"), max_digits=5, decimal_places=2, null=True, blank=True,
        help_text=_("Told by the claimer when fulfilling; they become service hours once verified."),
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        constraints = [
            models.UniqueConstraint(
                fields=["wish"], condition=Q(status__in=["active", "done"]), name="one_live_claim_per_wish"
            )
        ]
        indexes = [
            models.Index(fields=["claimer", "status"]),
            models.Index(fields=["status", "promised_date"]),
        ]

    def __str__(self) -> str:
        return f"claim {self.pk} on {self.wish_id}"

    @property
    def claimer_label(self) -> str:
        """How the claimer is shown publicly: the unit's name, or a masked person."""
        if self.partner_id:
            return self.partner.name
        from weiguang.core.privacy import mask_name

        return mask_name(self.claimer.get_full_name() or self.claimer.username)


class PhotoStage(models.TextChoices):
    INTAKE = "intake", _("When posted")
    FULFIL = "fulfil", _("Evidence of fulfilment")


class WishPhoto(models.Model):
    wish = models.ForeignKey(Wish, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="wishes/%Y/%m/")
    stage = models.CharField(max_length=10, choices=PhotoStage.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.image.name

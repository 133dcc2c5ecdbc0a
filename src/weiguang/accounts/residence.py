"""Where a person lives, confirmed by community staff (issue 11).

A person names their grid, building (regions.Building) and door: a ResidenceRequest, pending.
Staff of that community (regions.access "residence.confirm": community staff and the street
admin; not a grid worker) confirm it, which links the account to a people.Resident record: an
existing one of that community with the account's phone (offered as a match; one with the same
phone in another community is not), or a new one made from the request. Or they reject it with
a reason; the person may withdraw it while it is pending. Every step is a transition of
RESIDENCE_MACHINE through core.transitions.perform() (lock, access, audit) and the person gets
an inbox notification when it is decided.

`standing(user)` is the one rule of what an unconfirmed person may post (README, "Unconfirmed"):
the apps above (wishes, demands) ask it. What they posted before the confirmation is linked to
the record by the hooks they register with `register_on_confirm()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from weiguang.core.audit import log_action
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.core.notifications import notify
from weiguang.core.privacy import mask_phone
from weiguang.core.text import clean_text
from weiguang.core.transitions import StateMachine, perform
from weiguang.people.models import Resident
from weiguang.people.services import own_resident
from weiguang.regions import access
from weiguang.regions.models import Building, Membership, Region, RegionKind, Role

from .models import Account, ResidenceRequest, ResidenceStatus

DOOR_MAX = 30
REASON_MAX = 200

RESIDENCE_MACHINE = StateMachine.build(
    "status",
    [
        ("confirm", [ResidenceStatus.PENDING], ResidenceStatus.CONFIRMED, "residence.confirm", gettext_lazy("Confirm")),
        ("reject", [ResidenceStatus.PENDING], ResidenceStatus.REJECTED, "residence.confirm", gettext_lazy("Reject")),
        ("withdraw", [ResidenceStatus.PENDING], ResidenceStatus.WITHDRAWN, "residence.withdraw", gettext_lazy("Withdraw")),
    ],
)  # fmt: skip
ResidenceRequest.state_machine = RESIDENCE_MACHINE

# Hooks of the apps above, run inside the confirming transaction: hook(user, resident, by)
# links what the person posted while unconfirmed (their online demands) to the record.
ON_CONFIRM: list[Callable] = []


def register_on_confirm(hook: Callable) -> None:
    if hook not in ON_CONFIRM:
        ON_CONFIRM.append(hook)


# --- reading ----------------------------------------------------------------------------


def phone_of(user) -> str:
    """The account's mobile number ("" without an account or number)."""
    try:
        return user.account.phone or ""
    except Account.DoesNotExist:
        return ""


def latest_request(user) -> ResidenceRequest | None:
    """The person's newest residence request (pending or decided), with its places."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        ResidenceRequest.objects.filter(user=user)
        .select_related("grid", "grid__parent", "building", "decided_by")
        .first()
    )


@dataclass(frozen=True)
class Standing:
    """What a person may post, by whether their residence is confirmed (one rule for all apps).

    - confirmed (a resident record is linked): everything residents may do;
    - unconfirmed (a pending residence request): browse, and submit demands (诉求) online to
      the grid they named, which staff see marked "未核实身份" and which are linked to their
      record once it is confirmed; a wish waits for the confirmation;
    - neither (no record, no pending request): as a visitor: browse, submit a demand with a
      phone number to follow it; a wish needs a residence first."""

    resident: Resident | None
    pending: ResidenceRequest | None

    @property
    def confirmed(self) -> bool:
        return self.resident is not None

    @property
    def unconfirmed(self) -> bool:
        return self.resident is None and self.pending is not None

    @property
    def may_post_wish(self) -> bool:
        return self.confirmed

    @property
    def may_post_demand(self) -> bool:
        return True  # the demand intake is open to anyone (a visitor's is anonymous)

    @property
    def grid(self) -> Region | None:
        """The grid their posts go to: their record's, else the one they named."""
        if self.resident is not None:
            return self.resident.grid
        return self.pending.grid if self.pending is not None else None

    @property
    def wish_refusal(self) -> str:
        if self.unconfirmed:
            return _(
                "Community staff have not yet confirmed where you live. You can post a wish once "
                "they have; meanwhile you may send a demand."
            )
        return _("Tell us where you live first; community staff confirm it, then you can post a wish.")


def standing(user) -> Standing:
    """The one rule the apps above ask before a person posts (see Standing)."""
    resident = own_resident(user)
    pending = None
    if resident is None and getattr(user, "is_authenticated", False):
        pending = (
            ResidenceRequest.objects.filter(user=user, status=ResidenceStatus.PENDING)
            .select_related("grid", "building")
            .first()
        )
    return Standing(resident, pending)


def check_may_post_wish(user) -> None:
    """Asked when `user` posts a wish of their own without a resident record: NotAllowed (code
    "unconfirmed") while their residence waits for the staff's confirmation. (Without a request
    the wish service asks which resident the wish is for, as it always did.)"""
    found = standing(user)
    if found.unconfirmed:
        raise NotAllowed(found.wish_refusal, code="unconfirmed")


def is_unconfirmed_author(user) -> bool:
    """Is `user` an author whose identity staff have not confirmed (no record, a pending request)?"""
    return user is not None and standing(user).unconfirmed


def pending_for(user):
    """The pending requests `user` may decide (their communities'), oldest first."""
    return (
        ResidenceRequest.objects.restrict(user, "residence.confirm")
        .filter(status=ResidenceStatus.PENDING)
        .select_related("user", "user__account", "grid", "grid__parent", "building")
        .order_by("created_at", "id")
    )


def pending_count(user) -> int:
    return pending_for(user).count()  # the same one COUNT(*): Django drops the joins and order


def shown_phone(req: ResidenceRequest, viewer) -> str:
    """The request's phone, whole to staff who may decide it (they match by it), else masked."""
    phone = phone_of(req.user)
    return phone if access.can(viewer, "residence.confirm", req) else mask_phone(phone)


def community_of(grid: Region) -> Region | None:
    return grid.parent if grid.parent_id and grid.parent.kind == RegionKind.COMMUNITY else grid.community


def matches_for(req: ResidenceRequest):
    """Resident records of the request's community with the account's phone and no account
    yet: the ones staff may link. The same phone in another community is not offered."""
    phone = phone_of(req.user)
    community = community_of(req.grid)
    if not phone or community is None:
        return Resident.objects.none()
    return (
        Resident.objects.filter(grid__path__startswith=community.path, phone=phone, user__isnull=True)
        .select_related("grid")
        .order_by("name", "id")
    )


# --- the places a person picks ----------------------------------------------------------


def communities():
    return Region.objects.filter(kind=RegionKind.COMMUNITY).select_related("parent").order_by("path")


def grids_of(community_id) -> list[Region]:
    if not community_id:
        return []
    return list(Region.objects.filter(kind=RegionKind.GRID, parent_id=community_id).order_by("name", "id"))


def buildings_of(grid_id) -> list[Building]:
    if not grid_id:
        return []
    return list(Building.objects.filter(grid_id=grid_id).order_by("name", "id"))


# --- changing -----------------------------------------------------------------------------


def request_residence(user, *, grid: Region | None, building: Building | None, door) -> ResidenceRequest:
    """Say where `user` lives: a new pending request (a pending one is withdrawn, replaced)."""
    if not getattr(user, "is_authenticated", False):
        raise NotAllowed(_("Please log in first."), code="unauthenticated")
    if own_resident(user) is not None:
        raise Conflict(
            _("Your account is already linked to a resident record; ask your community's staff to change your address."),
            code="already_confirmed",
        )  # fmt: skip
    if grid is None or grid.kind != RegionKind.GRID:
        raise InvalidInput(_("Choose your grid."), fields={"grid": "invalid"})
    if building is None or building.grid_id != grid.pk:
        raise InvalidInput(_("Choose your building from the list."), fields={"building": "invalid"})
    door = clean_text(
        door, "door", required=True, max_length=DOOR_MAX, one_line=True, message=_("Enter your door number.")
    )
    try:
        with transaction.atomic():
            get_user_model().objects.select_for_update().filter(pk=user.pk).first()  # one at a time
            old = ResidenceRequest.objects.filter(user=user, status=ResidenceStatus.PENDING).first()
            if old is not None:
                withdraw_residence(old, user, note="replaced")
            made = ResidenceRequest.objects.create(user=user, grid=grid, building=building, door=door)
            log_action(made, "request", user, to_state=made.status)
            notify(
                access.holders(access.ACTION_ROLES["residence.confirm"], grid.path),
                _("Where I live: a request to confirm"),
                url=reverse("residence_queue"),
            )
    except IntegrityError:  # another request of this person won the race
        raise Conflict(
            _("You already sent where you live; wait for it or withdraw it."), code="pending"
        ) from None
    return made


def withdraw_residence(req: ResidenceRequest, by, note: str = "") -> ResidenceRequest:
    return perform(
        req, "withdraw", by, note=note,
        conflict=Conflict(_("This request has already been decided or withdrawn."), code="state_conflict"),
    )  # fmt: skip


def _check_decider(req: ResidenceRequest, by) -> None:
    if not access.can(by, "residence.confirm", req):
        raise NotAllowed(
            _("Only staff of the community the person named may confirm or reject where they live.")
        )


def _decided(locked: ResidenceRequest, by) -> None:
    locked.decided_by = by
    locked.decided_at = timezone.now()


def confirm_residence(
    req: ResidenceRequest, by, *, resident: Resident | int | None = None
) -> ResidenceRequest:
    """Confirm: link the account to `resident` (one of matches_for(req), by record or id) or,
    given none, to a new record made from the request. Sets Resident.user, grants the resident
    role at the grid, links what the person posted meanwhile (ON_CONFIRM) and tells them."""
    _check_decider(req, by)
    resident_pk = resident.pk if isinstance(resident, Resident) else resident

    def check(locked: ResidenceRequest) -> None:
        if own_resident_of(locked.user) is not None:
            raise Conflict(
                _("This account is already linked to a resident record."), code="already_confirmed"
            )

    def apply(locked: ResidenceRequest) -> None:
        user = locked.user
        if resident_pk is not None:
            record = matches_for(locked).select_for_update().filter(pk=resident_pk).first()
            if record is None:
                raise InvalidInput(
                    _("Choose one of the records with this phone number in this community, or create one."),
                    fields={"resident_id": "not_a_match"},
                )
            record.user = user
            record.save(update_fields=["user"])
        else:
            record = Resident.objects.create(
                name=(user.get_full_name() or user.get_username())[:50],
                phone=phone_of(user),
                grid=locked.grid,
                building=locked.building.name,
                door=locked.door,
                consent=True,  # given by the person with the request (the page says so)
                user=user,
            )
        # the role where the record lives (a matched record may be of another grid of the community)
        Membership.objects.get_or_create(user=user, region=record.grid, role=Role.RESIDENT)
        access.forget(user)
        locked.resident = record
        _decided(locked, by)
        for hook in ON_CONFIRM:
            hook(user, record, by)
        notify(
            [user],
            _("Community staff confirmed where you live"),
            _("You can now post wishes as a resident of %(place)s.") % {"place": record.grid.name},
            url=reverse("residence"),
        )

    try:
        return perform(
            req, "confirm", by, check=check, apply=apply,
            audit={"resident": resident_pk or "new"},
            conflict=Conflict(_("This request has already been decided or withdrawn."), code="state_conflict"),
        )  # fmt: skip
    except IntegrityError:  # the account got a record meanwhile (Resident.user is one-to-one)
        raise Conflict(
            _("This account is already linked to a resident record."), code="already_confirmed"
        ) from None


def own_resident_of(user) -> Resident | None:
    return Resident.objects.filter(user=user).first()


def reject_residence(req: ResidenceRequest, by, reason) -> ResidenceRequest:
    """Reject with a reason the person reads in their inbox."""
    _check_decider(req, by)
    reason = clean_text(
        reason, "reason", required=True, max_length=REASON_MAX,
        message=_("Say why, so that the person knows what to correct."),
    )  # fmt: skip

    def apply(locked: ResidenceRequest) -> None:
        locked.reason = reason
        _decided(locked, by)
        notify(
            [locked.user],
            _("Community staff could not confirm where you live"),
            reason,
            url=reverse("residence"),
        )

    return perform(
        req, "reject", by, note=reason, apply=apply,
        conflict=Conflict(_("This request has already been decided or withdrawn."), code="state_conflict"),
    )  # fmt: skip


def building_of_resident(sender, instance: Resident, **kwargs) -> None:
    """post_save of a resident: their building becomes one a person can choose (regions.Building)."""
    if kwargs.get("raw"):
        return
    name = " ".join((instance.building or "").split())[: Building._meta.get_field("name").max_length]
    if name and instance.grid_id:
        Building.objects.get_or_create(grid_id=instance.grid_id, name=name)


def matches_of(requests) -> dict[int, list[Resident]]:
    """matches_for() of each of `requests`, in one query for a whole queue."""
    phones = {phone_of(r.user) for r in requests} - {""}
    if not phones:
        return {}
    candidates = list(
        Resident.objects.filter(phone__in=phones, user__isnull=True)
        .select_related("grid")
        .order_by("name", "id")
    )
    found: dict[int, list[Resident]] = {}
    for req in requests:
        community, phone = community_of(req.grid), phone_of(req.user)
        found[req.pk] = [
            r for r in candidates if community and r.phone == phone and r.grid.path.startswith(community.path)
        ]
    return found


def request_or_404(pk) -> ResidenceRequest:
    """One request by id (Http404 when there is none); who may act on it the services decide."""
    rows = ResidenceRequest.objects.select_related(
        "user", "user__account", "grid", "grid__parent", "building"
    )
    return get_object_or_404(rows, pk=pk)

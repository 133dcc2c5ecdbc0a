"""Invitations to claim a wish (issue 4): `invite` (staff of the wish's region) asks a
recommended volunteer or unit and notifies them, `accept_invitation` claims the wish through
wishes.services.claim_wish (so the claim rules and the one-live-claim lock apply),
`decline_invitation` records the reason; a wish that leaves the wall expires the invitations
still waiting for it.
"""

from __future__ import annotations

import contextlib
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from weiguang.core.audit import log_action
from weiguang.core.errors import Conflict, InvalidInput
from weiguang.core.notifications import notify
from weiguang.core.privacy import mask_name
from weiguang.core.text import clean_text
from weiguang.core.transitions import SYSTEM, perform
from weiguang.partners.models import PartnerUnit
from weiguang.regions import access
from weiguang.wishes.models import Claim, ClaimStatus, Wish, WishStatus
from weiguang.wishes.services import wish_url

from .models import Invitation, InvitationStatus
from .recommend import check_may_recommend, score_of, shown_name


def _recipients(inv: Invitation) -> list:
    users = [inv.invitee]
    if inv.partner_id:
        users += list(inv.partner.representatives.filter(is_active=True))
    return users


def create_invitation(wish: Wish, by, invitee_id: int, partner_id: int | None, score: float, note: str = ""):
    """Inside the caller's transaction. A pending invitation of the same person to the same
    wish is returned as it is (a double-tapped invite creates one)."""
    existing = Invitation.objects.filter(
        wish=wish, invitee_id=invitee_id, status=InvitationStatus.PENDING
    ).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            inv = Invitation.objects.create(
                wish=wish, invitee_id=invitee_id, partner_id=partner_id, score=score, note=note, created_by=by
            )
    except IntegrityError:  # the same invitation, created at the same moment
        return Invitation.objects.get(
            wish=wish, invitee_id=invitee_id, status=InvitationStatus.PENDING
        ), False
    log_action(inv, "invite", by, to_state=inv.status, note=note, wish=wish.pk, score=score)
    if partner_id:
        body = _("Your unit is invited to make this wish come true. Any representative may accept.")
    else:
        body = _("You were recommended for this wish. Accept to claim it, or decline.")
    notify(_recipients(inv), _("Invitation: please help with “%(t)s”") % {"t": wish.title}, body=body,
           url=wish_url(wish))  # fmt: skip
    return inv, True


def invite(wish: Wish, by, user=None, partner: PartnerUnit | None = None, note: str = "") -> Invitation:
    """Invite a volunteer (`user`), or a unit (`partner`, optionally naming which of its
    representatives is asked). Staff of the wish's region only; the wish must be on the wall and
    the invitee a candidate (able to claim it). Returns the (pending) invitation."""
    check_may_recommend(by, wish)
    note = clean_text(note, "note", required=False, max_length=300)
    if user is None and partner is None:
        raise InvalidInput(_("Choose a volunteer or a unit to invite."), fields={"user_id": "required"})
    if wish.status != WishStatus.PUBLISHED:
        raise Conflict(_("Only a wish on the wall can be offered to a claimer."), code="not_published")
    scored, invitee = score_of(
        wish,
        user_id=user.pk if user is not None else None,
        partner_id=partner.pk if partner is not None else None,
    )
    if scored.score <= 0 or invitee is None:
        field_name = "partner_id" if partner is not None else "user_id"
        raise InvalidInput(
            _("They cannot claim this wish: not an approved volunteer or unit serving its area."),
            fields={field_name: "not_a_candidate"},
        )
    with transaction.atomic():
        inv, _created = create_invitation(
            wish, by, invitee, partner.pk if partner else None, scored.score, note
        )
    return inv


class _WishGone(Conflict):
    pass


def accept_invitation(inv: Invitation, by, promised_date=None) -> Invitation:
    """Claim the wish as the invitee (or for the invited unit). If the wish was claimed by
    someone else or left the wall meanwhile, the invitation expires and Conflict is raised."""
    from weiguang.wishes import services as wish_services

    def apply(i: Invitation):
        wish = Wish.objects.get(pk=i.wish_id)
        try:
            wish_services.claim_wish(wish, by, promised_date=promised_date, partner=i.partner)
        except Conflict as exc:
            if exc.code == "state_conflict":
                raise _WishGone(exc.message, code="wish_taken") from None
            raise
        i.claim = Claim.objects.filter(wish_id=i.wish_id, status=ClaimStatus.ACTIVE).first()
        i.decided_at = timezone.now()
        notify(
            [i.created_by],
            _("Invitation accepted: “%(t)s” is claimed.") % {"t": wish.title},
            url=wish_url(wish),
        )

    try:
        accepted = perform(inv, "accept", by, apply=apply)
    except _WishGone:
        _expire(inv)
        raise Conflict(
            _("This wish is no longer open: someone else claimed it or it left the wall."), code="wish_taken"
        ) from None
    expire_pending(accepted.wish_id)
    return accepted


def expire_pending(wish_id: int) -> None:
    """The invitations still waiting for a wish that left the wall expire, each in its own
    transaction after the wish's: locking them inside it (invitation, then wish, then another
    invitation) could deadlock with a racing invitee who holds theirs and waits for the wish."""
    for inv in Invitation.objects.filter(wish_id=wish_id, status=InvitationStatus.PENDING):
        _expire(inv)


def expire_when_wish_leaves_wall(wish: Wish, action: str, by) -> None:
    """Transition hook of the wish machine: claimed from the wall, withdrawn, taken down or
    expired, the wish is no longer open, so the invitations waiting for it expire once the
    wish's transaction has committed."""
    if wish.status != WishStatus.PUBLISHED:
        transaction.on_commit(partial(expire_pending, wish.pk))


def _expire(inv: Invitation) -> None:
    def apply(i: Invitation):
        i.decided_at = timezone.now()

    with contextlib.suppress(Conflict):  # answered meanwhile
        perform(inv, "expire", SYSTEM, apply=apply)


def decline_invitation(inv: Invitation, by, reason: str = "") -> Invitation:
    reason = clean_text(reason, "reason", required=False, max_length=300)

    def apply(i: Invitation):
        i.decline_reason = reason
        i.decided_at = timezone.now()
        notify(
            [i.created_by],
            _("Invitation declined: “%(t)s”") % {"t": i.wish.title},
            body=reason,
            url=wish_url(i.wish),
        )

    return perform(inv, "decline", by, note=reason, apply=apply)


def my_invitations(user, status: str | None = None) -> QuerySet[Invitation]:
    """Invitations to the user, or to a unit the user represents, newest first."""
    qs = Invitation.objects.filter(Invitation.relation_q(user, {access.OWNER})).distinct()
    if status:
        qs = qs.filter(status=status)
    return _listed(qs)


def wish_invitations(wish: Wish, by) -> QuerySet[Invitation]:
    """Every invitation for a wish: staff of its region (others see only their own)."""
    return _listed(Invitation.objects.filter(wish=wish).restrict(by, "invitation.view").distinct())


def _listed(qs: QuerySet[Invitation]) -> QuerySet[Invitation]:
    """What a list of invitations shows and checks (who may answer: the representatives)."""
    return qs.select_related(
        "wish", "wish__community", "partner", "invitee", "invitee__volunteer__home_region"
    ).prefetch_related("partner__representatives")


def invitee_label(inv: Invitation) -> str:
    if inv.partner_id:
        return inv.partner.name
    return mask_name(inv.invitee.get_full_name() or inv.invitee.username)


def named(invitations, by) -> list[Invitation]:
    """The invitations, each with `shown_name`: the invitee as `by` sees claimers."""
    invitations = list(invitations)
    for inv in invitations:
        inv.shown_name = invitee_name(inv, by)
    return invitations


def invitee_name(inv: Invitation, by) -> str:
    """Who was invited, named as `by` sees claimers (recommend.shown_name): the unit's name, or
    the volunteer's name, in full only where `by` may view the volunteer."""
    volunteer = getattr(inv.invitee, "volunteer", None)
    if inv.partner_id or volunteer is None:
        return invitee_label(inv)
    return shown_name(volunteer, by)

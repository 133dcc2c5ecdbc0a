"""Every change to a micro-wish happens here, as plain functions taking the acting user."""

from __future__ import annotations

import datetime as dt
import difflib
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from weiguang.accounts import residence
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed, RateLimited
from weiguang.core.idempotency import create_once
from weiguang.core.notifications import notify
from weiguang.core.text import clean_text
from weiguang.core.transitions import SYSTEM, perform
from weiguang.core.uploads import check_photos
from weiguang.partners.models import PartnerUnit
from weiguang.people.models import Resident
from weiguang.people.services import resident_for
from weiguang.regions import access
from weiguang.regions.models import RegionKind

from .models import (
    PUBLIC_STATUSES,
    Channel,
    Claim,
    ClaimStatus,
    PhotoStage,
    Wish,
    WishCategory,
    WishKind,
    WishPhoto,
    WishPolicy,
    WishStatus,
)


def conf(name: str):
    """A Weiguang setting, read at call time (so override_settings works in tests)."""
    return settings.WEIGUANG[name]


TITLE_MIN, TITLE_MAX, TEXT_MAX = 2, 60, 1000
REASON_MIN, REASON_MAX = 2, 300  # a reason, a dispute, thanks (the API schemas use these too)
DEFAULT_VALUE_CAP = Decimal("300")


def wish_url(wish: Wish) -> str:
    return f"/wishes/{wish.pk}/"


# --- intake -----------------------------------------------------------------------------


def suggest_category(text: str, kind: str | None = None) -> WishCategory | None:
    """The active category whose keywords occur most often in `text` (ties: first by order)."""
    best, best_hits = None, 0
    for category in WishCategory.objects.filter(active=True):
        if kind and category.kind and category.kind != kind:
            continue
        hits = sum(1 for word in category.keyword_list if word in text)
        if hits > best_hits:
            best, best_hits = category, hits
    return best


def value_cap_for(street) -> Decimal:
    policy = WishPolicy.objects.filter(street=street).first()
    return policy.item_value_cap if policy else DEFAULT_VALUE_CAP


def similar_open_wish(resident: Resident, title: str, description: str = "") -> Wish | None:
    """A wish by the same resident in the last 30 days that reads nearly the same."""
    since = timezone.now() - dt.timedelta(days=conf("DUPLICATE_WINDOW_DAYS"))
    recent = Wish.objects.filter(resident=resident, created_at__gte=since).exclude(
        status__in=[WishStatus.REJECTED, WishStatus.WITHDRAWN, WishStatus.CONVERTED]
    )
    text = _normalise(title + description)
    for other in recent:
        other_text = _normalise(other.title + other.description)
        if (
            _normalise(other.title) == _normalise(title)
            or difflib.SequenceMatcher(None, text, other_text).ratio() >= 0.8
        ):
            return other
    return None


def _normalise(text: str) -> str:
    return "".join(ch for ch in (text or "").lower() if ch.isalnum())


def _clean_value(kind: str, value, street) -> Decimal | None:
    if value in (None, ""):
        return None
    if kind != WishKind.ITEM:
        raise InvalidInput(_("Only item wishes have a value."), fields={"value": "not_item"})
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():  # "NaN" parses, then breaks every comparison
        raise InvalidInput(_("Enter the value as a number of yuan."), fields={"value": "invalid"})
    if amount < 0:
        raise InvalidInput(_("The value cannot be negative."), fields={"value": "negative"})
    cap = value_cap_for(street)
    if amount > cap:
        raise InvalidInput(
            _("An item wish may be worth at most %(cap)s yuan here; a bigger need is a project for staff.")
            % {"cap": cap},
            fields={"value": "over_cap"},
        )
    return amount


def _check_rate(by, channel: str) -> None:
    if channel != Channel.SELF:
        return
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    if Wish.objects.filter(created_by=by, created_at__gte=hour_ago).count() >= conf(
        "PUBLIC_SUBMISSIONS_PER_HOUR"
    ):
        raise RateLimited(_("Too many wishes in one hour; please try again later."))


def submit_wish(
    by,
    *,
    kind: str,
    title: str,
    description: str = "",
    category: WishCategory | None = None,
    value=None,
    resident: Resident | None = None,
    channel: str | None = None,
    photos=(),
    idempotency_key: str | None = None,
    confirm_duplicate: bool = False,
    public_limits: bool = True,
) -> tuple[Wish, bool]:
    """Post a wish, by the resident or on their behalf. Returns (wish, created_now).

    Raises Conflict(code="possible_duplicate") when the resident posted a near-identical
    wish in the last 30 days, unless `confirm_duplicate` is set. `public_limits=False` is for
    the demo street only.
    """
    if not getattr(by, "is_authenticated", False):
        raise NotAllowed(_("Please log in first."), code="unauthenticated")
    own = getattr(by, "resident", None) if hasattr(by, "resident") else None
    if resident is None or (own is not None and resident.pk == own.pk):
        if own is None:
            residence.check_may_post_wish(by)  # the one rule of "unconfirmed" (accounts)
            raise InvalidInput(_("Choose the resident this wish is for."), fields={"resident_id": "required"})
        resident, channel = own, Channel.SELF
    else:
        resident = resident_for(by, resident)  # the one check of every "on behalf of" path
        if not access.can(by, "wish.create_for_resident", resident):
            raise NotAllowed(_("You may only record wishes for residents of your own grids."))
        default = Channel.GRID if access.roles_at(by, resident.grid.path) == {"grid_worker"} else Channel.DESK
        channel = channel or default
        if channel == Channel.SELF:
            channel = default
    if channel not in Channel.values:
        raise InvalidInput(_("Unknown channel."), fields={"channel": "invalid"})

    errors = {}
    title = (title or "").strip()
    description = (description or "").strip()
    if kind not in WishKind.values:
        errors["kind"] = _("Choose item or service.")
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        errors["title"] = _("The title needs %(min)d to %(max)d characters.") % {
            "min": TITLE_MIN,
            "max": TITLE_MAX,
        }
    if len(description) > TEXT_MAX:
        errors["description"] = _("At most %(max)d characters.") % {"max": TEXT_MAX}
    if category is not None and category.kind and category.kind != kind:
        errors["category"] = _("This category does not fit the kind of wish.")
    if errors:
        raise InvalidInput(next(iter(errors.values())), fields=errors)
    grid = resident.grid
    community = grid.community
    street = grid.street
    if community is None or street is None or grid.kind != RegionKind.GRID:
        raise InvalidInput(
            _("The resident's address is not inside a grid."), fields={"resident_id": "no_grid"}
        )
    amount = _clean_value(kind, value, street)
    files = check_photos(photos)
    category = category or suggest_category(title + description, kind)

    def create() -> Wish:
        # The near-duplicate check and the insert are one transaction, serialised per resident:
        # on PostgreSQL the resident's row lock makes a concurrent twin wait until this wish is
        # committed, then see it; on SQLite the transaction takes the write lock up front
        # (transaction_mode IMMEDIATE). Two taps at once thus make one wish.
        with transaction.atomic():
            Resident.objects.select_for_update(no_key=True).filter(pk=resident.pk).first()
            if not confirm_duplicate:
                twin = similar_open_wish(resident, title, description)
                if twin is not None:
                    raise Conflict(
                        _("A very similar wish was posted on %(date)s: “%(title)s”. Post it again anyway?")
                        % {
                            "date": timezone.localtime(twin.created_at).strftime("%Y-%m-%d"),
                            "title": twin.title,
                        },
                        code="possible_duplicate",
                        fields={"duplicate_of": str(twin.pk)},
                    )
            if public_limits:
                _check_rate(by, channel)
            wish = Wish.objects.create(
                resident=resident, grid=grid, community=community, street=street, kind=kind,
                category=category, title=title, description=description, value=amount,
                channel=channel, created_by=by,
            )  # fmt: skip
            for f in files:
                WishPhoto.objects.create(wish=wish, image=f, stage=PhotoStage.INTAKE, uploaded_by=by)
            from weiguang.core.audit import log_action

            log_action(wish, "submit", by, to_state=wish.status, channel=channel)
            notify(
                access.holders(access.STAFF, grid.path),
                _("New wish to review: %(title)s") % {"title": title},
                url=f"/staff/wishes/{wish.pk}/",
            )
        return wish

    return create_once(by, "wish.submit", idempotency_key, Wish, create)


# --- review -----------------------------------------------------------------------------


def _owner_user(wish: Wish):
    return wish.resident.user


def publish_wish(wish: Wish, by, note: str = "") -> Wish:
    def apply(w: Wish):
        w.published_at = timezone.now()
        notify([_owner_user(w)], _("Your wish is on the wall: %(t)s") % {"t": w.title}, url=wish_url(w))

    return perform(wish, "publish", by, note=note, apply=apply)


def reject_wish(wish: Wish, by, reason: str) -> Wish:
    reason = clean_text(
        reason,
        "reason",
        required=True,
        max_length=REASON_MAX,
        message=_("Tell the resident why the wish is rejected."),
    )

    def apply(w: Wish):
        w.reject_reason = reason
        notify(
            [_owner_user(w)],
            _("Your wish was not accepted: %(t)s") % {"t": w.title},
            body=reason,
            url=wish_url(w),
        )

    return perform(wish, "reject", by, note=reason, apply=apply)


# --- claims -----------------------------------------------------------------------------


def _promised(promised_date) -> dt.date:
    today = timezone.localdate()
    if promised_date in (None, ""):
        return today + dt.timedelta(days=conf("DEFAULT_CLAIM_DAYS"))
    if isinstance(promised_date, str):
        try:
            promised_date = dt.date.fromisoformat(promised_date)
        except ValueError:
            raise InvalidInput(
                _("Enter the date as YYYY-MM-DD."), fields={"promised_date": "invalid"}
            ) from None
    if promised_date < today:
        raise InvalidInput(_("The promised date cannot be in the past."), fields={"promised_date": "past"})
    if promised_date > today + dt.timedelta(days=conf("MAX_CLAIM_DAYS")):
        raise InvalidInput(
            _("Promise a date within %(n)d days.") % {"n": conf("MAX_CLAIM_DAYS")},
            fields={"promised_date": "too_far"},
        )
    return promised_date


def claim_wish(
    wish: Wish, by, *, promised_date=None, partner: PartnerUnit | None = None, note: str = ""
) -> Wish:
    """Claim a published wish, personally or for a partner unit `by` represents.
    Exactly one of several simultaneous claimers wins; the others get a Conflict."""
    promised = _promised(promised_date)
    if partner is not None and not partner.representatives.filter(pk=by.pk).exists():
        raise NotAllowed(_("You do not represent this unit."))

    def check(w: Wish):
        if w.resident.user_id and w.resident.user_id == by.pk:
            raise NotAllowed(_("You cannot claim your own wish."))
        if partner is not None and not partner.region.contains(w.grid):
            raise NotAllowed(_("This unit does not serve the wish's area."))

    def apply(w: Wish):
        Claim.objects.create(wish=w, claimer=by, partner=partner, promised_date=promised)
        who = partner.name if partner else (by.get_full_name() or by.username)
        notify(
            [_owner_user(w)],
            _("Your wish was claimed: %(t)s") % {"t": w.title},
            body=_("%(who)s promises to make it come true by %(date)s.") % {"who": who, "date": promised},
            url=wish_url(w),
        )

    return perform(
        wish, "claim", by, note=note, check=check, apply=apply, audit={"promised_date": str(promised)}
    )


def _end_claim(w: Wish, status: str) -> Claim | None:
    claim = Claim.objects.select_for_update().filter(wish=w, status=ClaimStatus.ACTIVE).first()
    if claim:
        claim.status = status
        claim.ended_at = timezone.now()
        claim.save(update_fields=["status", "ended_at"])
    return claim


def release_claim(wish: Wish, by, reason: str = "") -> Wish:
    def apply(w: Wish):
        claim = _end_claim(w, ClaimStatus.RELEASED)
        notify(
            [claim.claimer if claim else None, _owner_user(w)],
            _("The claim on “%(t)s” was released; the wish is back on the wall.") % {"t": w.title},
            body=reason,
            url=wish_url(w),
        )

    return perform(wish, "release", by, note=reason, apply=apply)


def expire_claim(wish: Wish, today: dt.date | None = None) -> Wish:
    """Run by the periodic job when the promised date has passed. The date is checked again
    under the row lock: between the job's listing and the lock, the claim may have been
    released and the wish claimed afresh, and that new claim must be left alone."""
    today = today or timezone.localdate()

    def check(w: Wish):
        claim = Claim.objects.filter(wish=w, status=ClaimStatus.ACTIVE).first()
        if claim is None or claim.promised_date >= today:
            raise Conflict(_("This claim is not overdue."), code="not_overdue")

    def apply(w: Wish):
        claim = _end_claim(w, ClaimStatus.EXPIRED)
        msg = _("The claim on “%(t)s” passed its promised date and was released.") % {"t": w.title}
        notify(
            [claim.claimer if claim else None, *access.holders(access.STAFF, w.grid.path)],
            msg,
            url=wish_url(w),
        )

    return perform(wish, "expire", SYSTEM, check=check, apply=apply)


def overdue_claims(today: dt.date | None = None) -> QuerySet[Claim]:
    today = today or timezone.localdate()
    return Claim.objects.filter(status=ClaimStatus.ACTIVE, promised_date__lt=today)


def expire_overdue_claims(today: dt.date | None = None) -> int:
    """Release every claim past its promised date. Safe to run twice or concurrently: a wish
    already released by another run is skipped."""
    today = today or timezone.localdate()
    count = 0
    for wish_id in overdue_claims(today).values_list("wish_id", flat=True):
        try:
            expire_claim(Wish.objects.get(pk=wish_id), today)
            count += 1
        except Conflict:
            continue
    return count


# --- fulfil, confirm, withdraw ----------------------------------------------------------


MAX_CLAIM_HOURS = Decimal("24")


def fulfil_wish(wish: Wish, by, note: str, photos=(), hours=None) -> Wish:
    """`hours`: how long the claimer spent (optional); they become service hours once verified."""
    note = (note or "").strip()
    if not note:
        raise InvalidInput(_("Describe what was done."), fields={"note": "required"})
    if len(note) > TEXT_MAX:
        raise InvalidInput(_("At most %(max)d characters.") % {"max": TEXT_MAX}, fields={"note": "too_long"})
    if hours is not None:
        try:
            hours = Decimal(str(hours)).quantize(Decimal("0.01"))
        except ArithmeticError:
            hours = None
        if hours is None or not Decimal("0") < hours <= MAX_CLAIM_HOURS:
            raise InvalidInput(
                _("Hours spent: more than 0 and at most %(max)d.") % {"max": MAX_CLAIM_HOURS},
                fields={"hours": "invalid"},
            )
    files = check_photos(photos)

    def apply(w: Wish):
        w.fulfil_note = note
        w.fulfilled_at = timezone.now()
        claim = _end_claim(w, ClaimStatus.DONE)
        if claim is not None and hours is not None:
            claim.hours = hours
            claim.save(update_fields=["hours"])
        for f in files:
            WishPhoto.objects.create(wish=w, image=f, stage=PhotoStage.FULFIL, uploaded_by=by)
        notify(
            [_owner_user(w)],
            _("Your wish came true: %(t)s. Please confirm.") % {"t": w.title},
            body=note,
            url=wish_url(w),
        )

    return perform(wish, "fulfil", by, note=note, apply=apply)


def confirm_wish(wish: Wish, by, *, thanks: str = "", rating=None) -> Wish:
    thanks = (thanks or "").strip()
    if len(thanks) > REASON_MAX:
        raise InvalidInput(
            _("At most %(max)d characters.") % {"max": REASON_MAX}, fields={"thanks": "too_long"}
        )
    if rating in ("", None):
        rating = None
    else:
        try:
            # whole stars only: int() would quietly turn 4.5 into 4 and True into 1
            fractional = isinstance(rating, float) and not rating.is_integer()
            rating = 0 if fractional or isinstance(rating, bool) else int(rating)
        except (TypeError, ValueError):
            rating = 0
        if not 1 <= rating <= 5:
            raise InvalidInput(_("The rating is 1 to 5 stars."), fields={"rating": "invalid"})

    def apply(w: Wish):
        w.thanks, w.rating, w.confirmed_at = thanks, rating, timezone.now()
        claim = Claim.objects.filter(wish=w, status=ClaimStatus.DONE).select_related("claimer").first()
        notify(
            [claim.claimer if claim else None],
            _("“%(t)s” is lit! The resident confirmed.") % {"t": w.title},
            body=thanks,
            url=wish_url(w),
        )

    return perform(wish, "confirm", by, note=thanks, apply=apply, audit={"rating": rating})


def dispute_wish(wish: Wish, by, reason: str) -> Wish:
    """ "It did not come true": the resident (or staff for a resident who phoned) says why.
    Staff of the region and the claimer are told; staff follow up (reopen or confirm)."""
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN:
        raise InvalidInput(_("Tell us what did not come true."), fields={"reason": "required"})
    reason = clean_text(reason, "reason", required=True, max_length=REASON_MAX)

    def apply(w: Wish):
        w.dispute_reason = reason
        staff = access.holders(access.STAFF, w.grid.path)
        notify(
            staff, _("Not fulfilled, says the resident: %(t)s") % {"t": w.title}, body=reason, url=wish_url(w)
        )
        claim = Claim.objects.filter(wish=w, status=ClaimStatus.DONE).select_related("claimer").first()
        notify(
            [claim.claimer if claim else None],
            _("The resident says “%(t)s” did not come true; the community will be in touch.")
            % {"t": w.title},
            body=reason,
            url=wish_url(w),
        )

    return perform(wish, "dispute", by, note=reason, apply=apply)


def reopen_wish(wish: Wish, by, note: str = "") -> Wish:
    """Staff, after following up a dispute: the wish goes back to its claimer to finish, with
    a promised date at least a few days ahead (so the claim does not expire at once)."""
    note = (note or "").strip()
    if len(note) > REASON_MAX:
        raise InvalidInput(
            _("At most %(max)d characters.") % {"max": REASON_MAX}, fields={"note": "too_long"}
        )

    def apply(w: Wish):
        claim = Claim.objects.select_for_update().filter(wish=w, status=ClaimStatus.DONE).first()
        if claim is None:  # nothing to go back to
            raise Conflict(_("The claim of this wish has ended; it cannot go back to the claimer."))
        claim.status, claim.ended_at = ClaimStatus.ACTIVE, None
        claim.promised_date = max(
            claim.promised_date, timezone.localdate() + dt.timedelta(days=conf("DEFAULT_CLAIM_DAYS"))
        )
        claim.save(update_fields=["status", "ended_at", "promised_date"])
        w.fulfilled_at = None
        notify(
            [claim.claimer],
            _("“%(t)s” is back with you: the resident says it did not come true.") % {"t": w.title},
            body=note or w.dispute_reason,
            url=wish_url(w),
        )
        notify(
            [_owner_user(w)], _("Your wish “%(t)s” is being done again.") % {"t": w.title}, url=wish_url(w)
        )

    return perform(wish, "reopen", by, note=note, apply=apply)


def withdraw_wish(wish: Wish, by, reason: str = "") -> Wish:
    def apply(w: Wish):
        claim = _end_claim(w, ClaimStatus.CANCELLED)
        if claim:
            notify(
                [claim.claimer], _("The resident withdrew “%(t)s”; your claim is cancelled.") % {"t": w.title}
            )

    return perform(wish, "withdraw", by, note=reason, apply=apply)


# --- queries ----------------------------------------------------------------------------


def may_view(user, wish: Wish) -> bool:
    """The wall is public; otherwise the resident, the claimer, staff and grid workers of
    the region may read a wish (to anyone else it is 'not found')."""
    return (
        wish.is_public
        or access.can(user, "wish.view_private", wish)
        or access.can(user, "wish.list_region", wish)
    )


def visible_wishes(user) -> QuerySet[Wish]:
    """The wishes `user` may open, by `may_view`'s rule in one query: on the wall, of a region
    where they list wishes, or their own and the ones they (or their unit) claimed."""
    every = Wish.objects.all()
    return (
        every.filter(status__in=PUBLIC_STATUSES)
        | every.restrict(user, "wish.list_region")
        | every.restrict(user, "wish.view_private")
    )


def can_see_contact(user, wish: Wish) -> bool:
    """Full name, phone and address: to the claimer, the resident and staff of the region."""
    return access.can(user, "wish.view_private", wish)


def region_wishes(user, action: str = "wish.list_region") -> QuerySet[Wish]:
    return Wish.objects.restrict(user, action).select_related("resident", "category", "community", "grid")


def my_claims(user) -> QuerySet[Claim]:
    return (
        Claim.objects.filter(claimer=user)
        .select_related("wish", "wish__community", "wish__category", "partner")
        .order_by("-created_at")
    )

"""Intake: a demand submitted online, recorded at the desk or in a session, or converted from a wish."""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weiguang.core import ratelimit
from weiguang.core.audit import log_action
from weiguang.core.errors import InvalidInput, NotAllowed, RateLimited
from weiguang.core.notifications import notify
from weiguang.core.text import PHONE_TEXT, normalize_phone
from weiguang.core.transitions import perform
from weiguang.core.uploads import check_photos
from weiguang.people.models import Resident
from weiguang.people.services import resident_for
from weiguang.regions import access
from weiguang.regions.models import Region, RegionKind

from .. import calendar
from ..access import may
from ..models import (
    Demand,
    DemandCategory,
    DemandChannel,
    DemandPhoto,
    DemandPhotoStage,
    IntakeSession,
    SessionKind,
    new_tracking_code,
)
from .common import (
    CONTACT_NAME_MAX,
    INTAKE_CHANNELS,
    PHONE_TEXT_MAX,
    PLACE_MAX,
    PUBLIC_WINDOW,
    REASON_MAX,
    TEXT_MAX,
    TITLE_MAX,
    TITLE_MIN,
    _text,
    demand_url,
    public_limit,
)

# --- intake -----------------------------------------------------------------------------


def submit_demand(
    by,
    *,
    grid: Region,
    title: str,
    description: str = "",
    channel: str | None = None,
    category: DemandCategory | None = None,
    urgent: bool = False,
    resident: Resident | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    session: IntakeSession | None = None,
    client: str = "",
    place: str = "",
    photos=(),
    public_limits: bool = True,
) -> Demand:
    """Record a demand. Staff and grid workers record it for their region from any channel
    (at a desk session or fair when `session` is given); anyone else (a logged-in resident, or
    nobody at all) submits online, possibly anonymously: the returned demand's tracking_code
    lets them follow it. Online submissions are rate-limited per user, or per `client` (the
    visitor's address) when anonymous; `public_limits=False` is for the demo street only, whose
    made-up visitors are not the public."""
    authenticated = getattr(by, "is_authenticated", False)
    if grid is None or grid.kind != RegionKind.GRID:
        raise InvalidInput(_("Choose the grid the demand is about."), fields={"grid": "invalid"})
    if authenticated and may(by, "demand.create", grid):
        channel = channel or DemandChannel.DESK
        if channel not in INTAKE_CHANNELS:
            raise InvalidInput(_("Unknown channel."), fields={"channel": "invalid"})
        if session is not None and not session.community.contains(grid):
            raise InvalidInput(_("The session belongs to another community."), fields={"session": "invalid"})
        if resident is not None:  # the one check of every "on behalf of" path
            resident = resident_for(by, resident, grid)
    else:
        session = None
        if public_limits:
            _check_public_rate(by if authenticated else None, client)
        channel = DemandChannel.ONLINE
        own = getattr(by, "resident", None) if authenticated and hasattr(by, "resident") else None
        if resident is not None and (own is None or resident.pk != own.pk):
            raise NotAllowed(_("You may only record demands for residents of your own grids."))
        resident = own  # a logged-in resident's demand is theirs; a visitor's is anonymous
    errors = {}
    title = (title or "").strip()
    description = (description or "").strip()
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        errors["title"] = _("The title needs %(min)d to %(max)d characters.") % {
            "min": TITLE_MIN,
            "max": TITLE_MAX,
        }
    if len(description) > TEXT_MAX:
        errors["description"] = _("At most %(max)d characters.") % {"max": TEXT_MAX}
    contact_name = (contact_name or "").strip()
    raw_phone = unicodedata.normalize("NFKC", (contact_phone or "").strip())
    contact_phone = normalize_phone(raw_phone)  # as digits, so that a look-up by phone finds it
    if len(contact_name) > CONTACT_NAME_MAX:
        errors["contact_name"] = _("At most %(max)d characters.") % {"max": CONTACT_NAME_MAX}
    if raw_phone and not (
        PHONE_TEXT.match(raw_phone) and len(raw_phone) <= PHONE_TEXT_MAX and 5 <= len(contact_phone) <= 20
    ):
        errors["contact_phone"] = _("Enter the phone number as digits.")
    place = (place or "").strip()
    if len(place) > PLACE_MAX:
        errors["place"] = _("At most %(max)d characters.") % {"max": PLACE_MAX}
    if errors:
        raise InvalidInput(next(iter(errors.values())), fields=errors)
    files = check_photos(photos)
    with transaction.atomic():
        demand = _create(
            by, grid=grid, title=title, description=description, channel=channel, category=category,
            urgent=bool(urgent), resident=resident, contact_name=contact_name,
            contact_phone=contact_phone, session=session, place=place,
        )  # fmt: skip
        _attach_photos(demand, files, DemandPhotoStage.INTAKE, by)
        if not authenticated and public_limits:
            ratelimit.record("demand-anon", client or "unknown", PUBLIC_WINDOW)
    return demand


def sent_without_record(user):
    """The demands `user` sent online themselves while no resident record was theirs (an
    unconfirmed sign-up): theirs, though no record points to them (a desk entry made by staff
    is not: its channel is the desk's)."""
    if not getattr(user, "pk", None):
        return Demand.objects.none()
    return Demand.objects.filter(created_by=user, resident__isnull=True, channel=DemandChannel.ONLINE)


def link_to_confirmed_resident(user, resident: Resident, by) -> int:
    """When staff confirm where `user` lives (accounts.residence), the demands they sent online
    while unconfirmed become the record's: they can follow them as theirs. Audited per demand."""
    linked = 0
    for demand in sent_without_record(user).select_for_update():
        demand.resident = resident
        demand.save(update_fields=["resident", "updated_at"])
        log_action(demand, "link_resident", by, resident=resident.pk)
        linked += 1
    return linked


def _attach_photos(demand: Demand, files, stage: str, by) -> None:
    uploader = by if getattr(by, "is_authenticated", False) else None
    for f in files:
        DemandPhoto.objects.create(demand=demand, image=f, stage=stage, uploaded_by=uploader)


def open_session(
    by, *, community: Region, title: str, date: dt.date, kind: str = SessionKind.DESK
) -> IntakeSession:
    """Open a desk session (书记面对面) or fair whose demands are summarised together."""
    if community is None or community.kind != RegionKind.COMMUNITY:
        raise InvalidInput(_("Choose a community."), fields={"community": "invalid"})
    if not access.can_within(by, "demand.create", community):
        raise NotAllowed(_("Only staff and grid workers of the community may open a session."))
    if kind not in SessionKind.values:
        raise InvalidInput(_("Unknown kind of session."), fields={"kind": "invalid"})
    title = _text(title, "title", required=True, max_length=TITLE_MAX, message=_("Name the session."))
    if date is None:
        raise InvalidInput(_("Give the date."), fields={"date": "required"})
    with transaction.atomic():
        session = IntakeSession.objects.create(
            community=community, kind=kind, title=title, date=date, created_by=by
        )
        log_action(session, "open", by)
    return session


def _check_public_rate(user, client: str) -> None:
    if user is not None:
        hour_ago = timezone.now() - dt.timedelta(seconds=PUBLIC_WINDOW)
        if Demand.objects.filter(created_by=user, created_at__gte=hour_ago).count() >= public_limit():
            raise RateLimited(_("Too many demands in one hour; please try again later."))
    elif ratelimit.hits("demand-anon", client or "unknown") >= public_limit():
        raise RateLimited(_("Too many demands from this network in one hour; please try again later."))


def _create(by, *, grid: Region, title: str, channel: str, urgent: bool = False, **fields) -> Demand:
    """Insert a demand with its deadlines, audit entry and staff notification (in the caller's
    transaction). Every way a demand comes into being ends here."""
    community, street = grid.community, grid.street
    if community is None or street is None:
        raise InvalidInput(_("This grid is not inside a community."), fields={"grid": "invalid"})
    now = timezone.now()
    authenticated = getattr(by, "is_authenticated", False)
    code = new_tracking_code()
    while Demand.objects.filter(tracking_code=code).exists():  # one in 10^12: draw again
        code = new_tracking_code()
    demand = Demand.objects.create(
        tracking_code=code,
        grid=grid, community=community, street=street, channel=channel, title=title, urgent=urgent,
        created_by=by if authenticated else None,
        response_due=calendar.response_due(street, now, urgent),
        handle_due=calendar.handle_due(street, now),
        **fields,
    )  # fmt: skip
    log_action(demand, "submit", by, to_state=demand.status, channel=channel)
    notify(
        access.holders(access.STAFF, grid.path),
        (_("URGENT demand: %(t)s") if urgent else _("New demand: %(t)s")) % {"t": title},
        url=demand_url(demand),
    )
    return demand


# --- a wish too big for a micro-wish ------------------------------------------------------


def convert_wish(wish, by, *, note: str = "", category: DemandCategory | None = None) -> Demand:
    """Turn a micro-wish into a demand (it leaves the wall); each links to the other."""
    from weiguang.wishes.services import wish_url

    note = _text(note, "note", required=False, max_length=REASON_MAX)
    created: list[Demand] = []

    def apply(w):
        created.append(
            _create(
                by, grid=w.grid, title=w.title, channel=DemandChannel.WISH, resident=w.resident,
                description=w.description, category=category, source_wish=w,
            )
        )  # fmt: skip
        if w.resident.user_id:
            notify(
                [w.resident.user],
                _("Your wish “%(t)s” will be handled as a demand.") % {"t": w.title},
                body=note,
                url=wish_url(w),
            )

    with transaction.atomic():
        perform(wish, "convert", by, note=note, apply=apply)
    return created[0]

"""Every change to volunteers, teams, the service ledger and points happens here, as plain
functions taking the acting user. Ledger rows are only ever added; balances kept on the
volunteer change in the same transaction, under a row lock."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from weiguang.core.audit import log_action
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.core.notifications import notify
from weiguang.core.privacy import id_number_problem
from weiguang.core.text import clean_text as _text
from weiguang.core.transitions import perform
from weiguang.regions import access
from weiguang.regions.models import Membership, Region, RegionKind, Role

from .models import (
    PERIODS,
    WEEKDAYS,
    Activity,
    Certificate,
    MembershipStatus,
    PointsEntry,
    PointsRule,
    RecordKind,
    RecordStatus,
    Redemption,
    RewardItem,
    ServiceRecord,
    Skill,
    Team,
    TeamMembership,
    TeamProject,
    Volunteer,
    VolunteerStatus,
)

NAME_MAX, TEXT_MAX, REASON_MAX = 50, 200, 300
# the API schemas use these too: a project's, an activity's or an item's name; a description; a
# place; the work done on a demand (ServiceRecord.content); a party member's workplace unit
TITLE_MAX, DESCRIPTION_MAX, PLACE_MAX, CONTENT_MAX, UNIT_MAX = 60, 1000, 100, 1000, 100
MAX_RECORD_HOURS = Decimal("24")  # one record: at most a day
DEFAULT_WISH_HOURS = Decimal("1")  # when the claimer did not say how long it took
HOURS = Decimal("0.01")


def conf(name: str, default):
    return settings.WEIGUANG.get(name, default)


def star_thresholds() -> list[int]:
    return conf("VOLUNTEER_STAR_HOURS", [100, 300, 600, 1000, 1500])


def honour_cap() -> Decimal:
    """Honour hours one volunteer may be given in a calendar year."""
    return Decimal(str(conf("HONOUR_HOURS_PER_YEAR", 20)))


def star_level(hours) -> int:
    """0 to 5 stars by verified hours (e.g. 100/300/600/1000/1500)."""
    return sum(1 for threshold in star_thresholds() if Decimal(hours) >= threshold)


def _hours(value, field: str = "hours", *, allow_negative: bool = False) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(HOURS, rounding=ROUND_HALF_UP)
    except ArithmeticError:
        raise InvalidInput(_("Give the hours as a number."), fields={field: "invalid"}) from None
    low = -MAX_RECORD_HOURS if allow_negative else Decimal("0")
    if hours == 0 or not low < hours <= MAX_RECORD_HOURS:
        raise InvalidInput(
            _("Hours must be more than 0 and at most %(max)d.") % {"max": MAX_RECORD_HOURS},
            fields={field: "out_of_range"},
        )
    return hours


def _street_of(region: Region) -> Region:
    return region.street or region


# --- registration -------------------------------------------------------------------------


def _clean_availability(raw) -> dict[str, list[str]]:
    if not raw:
        return {}
    if not isinstance(raw, dict):
        raise InvalidInput(
            _("Availability: days with morning, afternoon or evening."), fields={"availability": "invalid"}
        )
    cleaned = {}
    for day, periods in raw.items():
        if (
            day not in WEEKDAYS
            or not isinstance(periods, list | tuple)
            or any(p not in PERIODS for p in periods)
        ):
            raise InvalidInput(
                _("Availability: days with morning, afternoon or evening."),
                fields={"availability": "invalid"},
            )
        if periods:
            cleaned[day] = sorted(set(periods), key=PERIODS.index)
    return cleaned


def registration_defaults(user) -> dict:
    """What the account already knows, to fill in the registration form: the name, phone and
    community of the resident record linked to it; else the account's name, a mobile number
    used as its login name and the community of a role it holds."""
    from weiguang.people.models import Resident

    found: dict = {}
    resident = Resident.objects.filter(user=user).select_related("grid").first()
    if resident is not None:
        found = {"name": resident.name, "phone": resident.phone, "home_region": resident.grid.community}
    name = found.get("name") or f"{user.last_name}{user.first_name}".strip()
    phone = found.get("phone") or ""
    if not phone and len(user.username) == 11 and user.username.isdigit() and user.username.startswith("1"):
        phone = user.username
    community = found.get("home_region")
    if community is None:
        places = (
            Region.objects.filter(pk__in=Membership.objects.filter(user=user).values("region"))
            .exclude(kind__in=[RegionKind.STREET, RegionKind.DISTRICT])
            .order_by("path")
        )  # fmt: skip
        community = next((r.community for r in places if r.community is not None), None)
    defaults = {"name": name, "phone": phone, "home_region": community.pk if community else None}
    return {k: v for k, v in defaults.items() if v}


def register_volunteer(
    user, *, name: str, phone: str, id_number: str, home_region: Region, skills=(), availability=None,
    party_member: bool = False, dual_reporting_unit: str = "",
) -> Volunteer:  # fmt: skip
    """Real-name registration; community staff of the home region approve it."""
    if not getattr(user, "is_authenticated", False):
        raise NotAllowed(_("Log in to register as a volunteer."))
    if Volunteer.objects.filter(user=user).exists():
        raise Conflict(_("You have already registered."), code="already_registered")
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not 2 <= len(name) <= NAME_MAX:
        errors["name"] = _("Give your real name.")
    phone = (phone or "").strip()
    if not (len(phone) == 11 and phone.isdigit() and phone.startswith("1")):
        errors["phone"] = _("Enter a mobile number (11 digits).")
    id_number = (id_number or "").strip().upper()
    problem = id_number_problem(id_number)
    if problem:
        errors["id_number"] = problem
    if home_region is None or home_region.kind not in (RegionKind.COMMUNITY, RegionKind.GRID):
        errors["home_region"] = _("Choose the community you live or serve in.")
    dual_reporting_unit = (dual_reporting_unit or "").strip()
    if len(dual_reporting_unit) > UNIT_MAX:
        errors["dual_reporting_unit"] = _("At most %(max)d characters.") % {"max": UNIT_MAX}
    if errors:
        raise InvalidInput(next(iter(errors.values())), fields=errors)
    availability = _clean_availability(availability)
    if Volunteer.objects.filter(id_number=id_number).exists():
        raise InvalidInput(
            _("This ID number is already registered; ask the community if you lost your account."),
            fields={"id_number": "taken"},
        )
    try:
        with transaction.atomic():
            volunteer = Volunteer.objects.create(
                user=user, name=name, phone=phone, id_number=id_number, home_region=home_region,
                availability=availability, party_member=bool(party_member),
                dual_reporting_unit=dual_reporting_unit if party_member else "",
            )  # fmt: skip
            volunteer.skills.set(list(skills))
            log_action(volunteer, "register", user, to_state=volunteer.status)
            notify(
                access.holders(access.STAFF, home_region.path),
                _("New volunteer to approve: %(name)s") % {"name": volunteer.masked_name},
                url=f"/volunteers/{volunteer.pk}/",
            )
    except IntegrityError:  # the same person registering twice at once
        raise Conflict(_("You have already registered."), code="already_registered") from None
    return volunteer


def approve_volunteer(volunteer: Volunteer, by, note: str = "") -> Volunteer:
    """Approval gives the volunteer number and the volunteer role in the home region, so the
    volunteer can claim wishes there."""

    def apply(v: Volunteer):
        v.approved_at = timezone.now()
        v.number = v.number or f"WG{v.approved_at:%Y}{v.pk:07d}"
        Membership.objects.get_or_create(user=v.user, region=v.home_region, role=Role.VOLUNTEER)
        access.forget(v.user)
        notify([v.user], _("Welcome! You are a registered volunteer, number %(n)s.") % {"n": v.number})

    return perform(volunteer, "approve", by, note=note, apply=apply)


def reject_volunteer(volunteer: Volunteer, by, reason: str) -> Volunteer:
    reason = _text(reason, "reason", required=True, max_length=REASON_MAX, message=_("Give the reason."))

    def apply(v: Volunteer):
        v.reject_reason = reason
        notify(
            [v.user], _("Your volunteer registration was not approved."), body=reason, url="/volunteers/me/"
        )

    return perform(volunteer, "reject", by, note=reason, apply=apply)


def resubmit_volunteer(volunteer: Volunteer, by) -> Volunteer:
    def apply(v: Volunteer):
        v.reject_reason = ""

    return perform(volunteer, "resubmit", by, apply=apply)


def suspend_volunteer(volunteer: Volunteer, by, reason: str) -> Volunteer:
    """A suspended volunteer keeps their ledger but may not claim until reinstated."""
    reason = _text(reason, "reason", required=True, max_length=REASON_MAX, message=_("Give the reason."))

    def apply(v: Volunteer):
        Membership.objects.filter(user=v.user, role=Role.VOLUNTEER).delete()
        access.forget(v.user)

    return perform(volunteer, "suspend", by, note=reason, apply=apply)


def reinstate_volunteer(volunteer: Volunteer, by) -> Volunteer:
    def apply(v: Volunteer):
        Membership.objects.get_or_create(user=v.user, region=v.home_region, role=Role.VOLUNTEER)
        access.forget(v.user)

    return perform(volunteer, "reinstate", by, apply=apply)


def volunteer_of(user) -> Volunteer | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Volunteer.objects.select_related("home_region").filter(user=user).first()


# --- teams --------------------------------------------------------------------------------


def create_team(
    by, *, region: Region, name: str, colour: str = "", description: str = "", leaders=()
) -> Team:
    if not access.can(by, "team.create", region):
        raise NotAllowed(_("Only staff of the region may create a team."))
    name = _text(name, "name", required=True, max_length=NAME_MAX, message=_("Name the team."))
    description = _text(description, "description", required=False, max_length=DESCRIPTION_MAX)
    if Team.objects.filter(region=region, name=name).exists():
        raise InvalidInput(_("There is already a team of this name here."), fields={"name": "taken"})
    with transaction.atomic():
        team = Team.objects.create(region=region, name=name, colour=colour, description=description)
        team.leaders.set(list(leaders))
        log_action(team, "create", by, leaders=[u.pk for u in leaders])
    return team


def add_project(team: Team, by, *, name: str, description: str = "") -> TeamProject:
    if not access.can(by, "team.manage", team):
        raise NotAllowed(_("Only the team's leaders and staff may add projects."))
    name = _text(name, "name", required=True, max_length=TITLE_MAX, message=_("Name the project."))
    description = _text(description, "description", required=False, max_length=DESCRIPTION_MAX)
    with transaction.atomic():
        project = TeamProject.objects.create(team=team, name=name, description=description)
        log_action(team, "add_project", by, project=project.pk)
    return project


def request_to_join(team: Team, user) -> TeamMembership:
    volunteer = volunteer_of(user)
    if volunteer is None or volunteer.status != VolunteerStatus.APPROVED:
        raise NotAllowed(_("Only approved volunteers may join a team."))
    try:
        with transaction.atomic():
            membership = TeamMembership.objects.create(team=team, volunteer=volunteer)
            log_action(membership, "request", user, to_state=membership.status)
            notify(
                team.leaders.all(),
                _("%(name)s asks to join %(team)s") % {"name": volunteer.masked_name, "team": team.name},
                url=f"/teams/{team.pk}/",
            )
    except IntegrityError:
        raise Conflict(_("You have already asked to join, or are a member."), code="already_member") from None
    return membership


def decide_membership(membership: TeamMembership, by, *, accept: bool) -> TeamMembership:
    def apply(m: TeamMembership):
        m.decided_at = timezone.now()
        title = _("You joined %(team)s") if accept else _("Your request to join %(team)s was declined")
        notify([m.volunteer.user], title % {"team": m.team.name}, url=f"/teams/{m.team_id}/")

    return perform(membership, "accept" if accept else "decline", by, apply=apply)


def leave_team(membership: TeamMembership, by) -> TeamMembership:
    return perform(membership, "leave", by)


def team_members(team: Team) -> QuerySet[Volunteer]:
    return Volunteer.objects.filter(
        team_memberships__team=team, team_memberships__status=MembershipStatus.MEMBER
    ).order_by("name")


def with_team_facts(teams: QuerySet[Team]) -> QuerySet[Team]:
    """Teams with `n_members` and `active_projects`, for a list: two queries, not two per team."""
    return teams.annotate(
        n_members=Count("memberships", filter=Q(memberships__status=MembershipStatus.MEMBER))
    ).prefetch_related(
        Prefetch("projects", queryset=TeamProject.objects.filter(active=True), to_attr="active_projects")
    )


# --- the service ledger ------------------------------------------------------------------


def _new_record(**fields) -> ServiceRecord:
    record = ServiceRecord.objects.create(**fields)
    log_action(record, "create", fields.get("created_by"), to_state=record.status, hours=str(record.hours))
    return record


def record_from_wish(wish, action: str, by) -> None:
    """Transition hook of the wish machine (inside its transaction): a fulfilled claim by a
    volunteer becomes a pending service record, verified later by the wish's community staff."""
    if action != "fulfil":
        return
    claim = wish.claims.filter(status="done").select_related("claimer").order_by("-id").first()
    volunteer = Volunteer.objects.filter(user_id=claim.claimer_id).first() if claim else None
    if volunteer is None or volunteer.status != VolunteerStatus.APPROVED:
        return  # a partner unit's representative, or someone who never registered
    if claim.partner_id:
        return  # done in the unit's name: it counts for the unit, not as personal hours
    if ServiceRecord.objects.filter(volunteer=volunteer, wish=wish, kind=RecordKind.WISH).exists():
        return  # fulfilled again after a dispute: the first record stands (one per wish)
    _new_record(
        volunteer=volunteer, kind=RecordKind.WISH, wish=wish,
        content=_("Micro-wish: %(t)s") % {"t": wish.title},
        hours=claim.hours or DEFAULT_WISH_HOURS, started_at=claim.created_at, ended_at=timezone.now(),
        region=wish.community, created_by=by,
    )  # fmt: skip


def record_demand_service(demand, volunteer: Volunteer, by, *, hours, content: str) -> ServiceRecord:
    """Those handling a demand record a volunteer's work on it (e.g. clearing a stairwell):
    a pending record, verified by the community's staff before it counts."""
    if not access.can(by, "demand.handle", demand):
        raise NotAllowed(_("Only those handling the demand may record work on it."))
    # On behalf of a volunteer: only one who serves in the demand's street (a volunteer
    # elsewhere is out of the handler's sight; their name is not even said).
    if not demand.street.contains(volunteer.home_region):
        raise InvalidInput(
            _("This volunteer does not serve in this street."), fields={"volunteer": "other_street"}
        )
    if volunteer.status != VolunteerStatus.APPROVED:
        raise InvalidInput(
            _("%(name)s is not an approved volunteer.") % {"name": volunteer.masked_name},
            fields={"volunteer": "not_approved"},
        )
    hours = _hours(hours)
    content = _text(
        content, "content", required=True, max_length=CONTENT_MAX, message=_("Describe the service.")
    )
    with transaction.atomic():
        return _new_record(
            volunteer=volunteer, kind=RecordKind.DEMAND, demand=demand, content=content, hours=hours,
            region=demand.community, created_by=by,
        )  # fmt: skip


def record_served_time(
    volunteer: Volunteer, by, *, content: str, started_at: dt.datetime, ended_at: dt.datetime,
    region: Region, team: Team | None = None,
) -> ServiceRecord | None:  # fmt: skip
    """Time a volunteer served somewhere the app above tracks by check-in and check-out (an
    event's desk): a pending activity record of check-out − check-in, verified by the staff of
    `region` (or the team's leaders) before it counts. Called inside the caller's transaction;
    under a minute, or a volunteer no longer approved, records nothing (None)."""
    if volunteer.status != VolunteerStatus.APPROVED or ended_at <= started_at:
        return None
    seconds = Decimal((ended_at - started_at).total_seconds())
    hours = min(MAX_RECORD_HOURS, (seconds / 3600).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    if hours <= 0:
        return None
    return _new_record(
        volunteer=volunteer, kind=RecordKind.ACTIVITY, content=content[:200], hours=hours,
        started_at=started_at, ended_at=ended_at, region=region, team=team, created_by=by,
    )  # fmt: skip


def volunteer_by_number(number: str) -> Volunteer:
    """The volunteer with this number (our own, printed on the certificate and the profile)."""
    volunteer = Volunteer.objects.filter(number=(number or "").strip().upper()).first()
    if volunteer is None:
        raise InvalidInput(_("No volunteer has this number."), fields={"volunteer": "not_found"})
    return volunteer


def demand_model():
    """The model of `ServiceRecord.demand` ("demands.Demand"), found through the ledger's own
    key: volunteers shares a floor with demands and does not import it."""
    return ServiceRecord._meta.get_field("demand").related_model


def demand_records(demand) -> QuerySet[ServiceRecord]:
    return (
        ServiceRecord.objects.filter(demand=demand).select_related("volunteer").order_by("created_at", "id")
    )


def record_activity(
    team: Team, by, *, title: str, date: dt.date, place: str = "", project: TeamProject | None = None,
    attendance: list[tuple[Volunteer, dt.datetime, dt.datetime]],
) -> Activity:  # fmt: skip
    """A team leader records an activity with each member's check-in and check-out; hours are
    check-out − check-in (travel is not counted), pending until verified."""
    if not access.can(by, "service.record", team):
        raise NotAllowed(_("Only the team's leaders and staff may record its activities."))
    title = _text(title, "title", required=True, max_length=TITLE_MAX, message=_("Name the activity."))
    place = _text(place, "place", required=False, max_length=PLACE_MAX)
    if date is None:
        raise InvalidInput(_("Give the date."), fields={"date": "required"})
    if date > timezone.localdate():
        raise InvalidInput(_("An activity is recorded after it took place."), fields={"date": "future"})
    if not attendance:
        raise InvalidInput(_("Add who took part."), fields={"attendance": "required"})
    members = set(team_members(team).values_list("pk", flat=True))
    seen = set()
    rows = []
    for volunteer, check_in, check_out in attendance:
        if volunteer.pk not in members:
            raise InvalidInput(
                _("%(name)s is not a member of the team.") % {"name": volunteer.masked_name},
                fields={"attendance": "not_member"},
            )
        if volunteer.pk in seen:
            raise InvalidInput(_("Each person once per activity."), fields={"attendance": "duplicate"})
        seen.add(volunteer.pk)
        if check_in is None or check_out is None or check_out <= check_in:
            raise InvalidInput(_("Check-out must be after check-in."), fields={"attendance": "times"})
        hours = _hours(Decimal((check_out - check_in).total_seconds()) / 3600, "attendance")
        rows.append((volunteer, check_in, check_out, hours))
    if project is not None and project.team_id != team.pk:
        raise InvalidInput(_("That project belongs to another team."), fields={"project": "invalid"})
    with transaction.atomic():
        activity = Activity.objects.create(
            team=team, project=project, title=title, place=place, date=date, organiser=by
        )
        for volunteer, check_in, check_out, hours in rows:
            _new_record(
                volunteer=volunteer, kind=RecordKind.ACTIVITY, activity=activity, team=team,
                content=title, hours=hours, started_at=check_in, ended_at=check_out,
                region=team.region, created_by=by,
            )  # fmt: skip
        log_action(activity, "record", by, attendees=len(rows))
    return activity


def _points_for(volunteer: Volunteer, hours: Decimal) -> int:
    street = _street_of(volunteer.home_region)
    rule = PointsRule.objects.filter(street=street).first() or PointsRule(street=street)
    multiplier = Decimal("1")
    if volunteer.party_member:
        multiplier = max(multiplier, rule.party_member_multiplier)
    if volunteer.user.led_teams.exists():
        multiplier = max(multiplier, rule.team_leader_multiplier)
    return int((hours * rule.per_hour * multiplier).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def _count(record: ServiceRecord, by) -> None:
    """A verified record's hours and points join the volunteer's totals (volunteer row locked).
    A negative correction takes back points only as far as the balance allows."""
    volunteer = Volunteer.objects.select_for_update().get(pk=record.volunteer_id)
    points = _points_for(volunteer, record.hours)
    if points < 0:
        points = max(points, -volunteer.points_balance)
    Volunteer.objects.filter(pk=volunteer.pk).update(
        verified_hours=F("verified_hours") + record.hours, points_balance=F("points_balance") + points
    )
    if points:
        PointsEntry.objects.create(
            volunteer=volunteer, delta=points, record=record,
            reason=_("Service: %(c)s (%(h)s h)") % {"c": record.content, "h": record.hours},
        )  # fmt: skip


def verifiable_records(user) -> QuerySet[ServiceRecord]:
    """The one rule of who may verify (or reject) a service record: staff of its region or a
    leader of its team (access "service.verify"), and never the volunteer whose hours they
    are. The to-do, the queues, the buttons and the transitions all ask here."""
    qs = ServiceRecord.objects.restrict(user, "service.verify")
    return qs.exclude(volunteer__user=user) if getattr(user, "is_authenticated", False) else qs


def may_verify(user, record: ServiceRecord) -> bool:
    return verifiable_records(user).filter(pk=record.pk).exists()


def _check_verifier(by):
    def check(r: ServiceRecord):
        if not may_verify(by, r):
            if r.volunteer.user_id == getattr(by, "pk", None):
                raise NotAllowed(_("Someone else must verify your own hours."))
            raise NotAllowed(_("You are not allowed to do this."))

    return check


def verify_record(record: ServiceRecord, by, note: str = "") -> ServiceRecord:
    """The organiser confirms the hours; only then do they (and their points) count."""
    check = _check_verifier(by)

    def apply(r: ServiceRecord):
        r.verified_at = timezone.now()
        _count(r, by)

    return perform(record, "verify", by, note=note, check=check, apply=apply)


def reject_record(record: ServiceRecord, by, reason: str) -> ServiceRecord:
    reason = _text(reason, "reason", required=True, max_length=REASON_MAX, message=_("Give the reason."))

    def apply(r: ServiceRecord):
        notify(
            [r.volunteer.user], _("A service record was not verified: %(c)s") % {"c": r.content}, body=reason
        )

    return perform(record, "reject", by, note=reason, check=_check_verifier(by), apply=apply)


def add_honour_hours(volunteer: Volunteer, by, *, hours, reason: str) -> ServiceRecord:
    """Honour hours (荣誉时长) for exceptional service: staff only, capped per year, always
    marked as honour, and counted at once (staff are the organiser)."""
    if not access.can(by, "service.honour", volunteer):
        raise NotAllowed(_("Only staff of the volunteer's region may add honour hours."))
    hours = _hours(hours)
    reason = _text(reason, "reason", required=True, max_length=TEXT_MAX, message=_("Say what it honours."))
    with transaction.atomic():
        Volunteer.objects.select_for_update().get(pk=volunteer.pk)  # one honour grant at a time
        year_start = timezone.localdate().replace(month=1, day=1)
        given = ServiceRecord.objects.filter(
            volunteer=volunteer, kind=RecordKind.HONOUR, created_at__date__gte=year_start
        ).exclude(status=RecordStatus.REJECTED).aggregate(s=Sum("hours"))["s"] or Decimal("0")
        if given + hours > honour_cap():
            raise InvalidInput(
                _("At most %(cap)s honour hours a year; %(left)s are left.")
                % {"cap": honour_cap(), "left": max(honour_cap() - given, Decimal("0"))},
                fields={"hours": "over_cap"},
            )
        record = _new_record(
            volunteer=volunteer, kind=RecordKind.HONOUR, content=_("Honour hours: %(r)s") % {"r": reason},
            hours=hours, region=volunteer.home_region, created_by=by,
        )  # fmt: skip
        return verify_record(record, by, note=reason)


def correct_record(record: ServiceRecord, by, *, hours, reason: str) -> ServiceRecord:
    """The ledger is never edited: a correction is a new verified entry of ±hours that points
    at the record it corrects."""
    if not access.can(by, "service.verify", record):
        raise NotAllowed(_("Only staff or the team's leaders may correct a record."))
    if record.status != RecordStatus.VERIFIED or record.kind == RecordKind.CORRECTION:
        raise Conflict(_("Only a verified record can be corrected."), code="state_conflict")
    delta = _hours(hours, allow_negative=True)
    reason = _text(reason, "reason", required=True, max_length=REASON_MAX, message=_("Give the reason."))
    with transaction.atomic():
        corrected = (
            record.corrections.filter(status=RecordStatus.VERIFIED).aggregate(s=Sum("hours"))["s"] or 0
        )
        if record.hours + corrected + delta < 0:
            raise InvalidInput(
                _("A correction cannot take away more hours than were recorded."), fields={"hours": "too_low"}
            )
        correction = _new_record(
            volunteer=record.volunteer, kind=RecordKind.CORRECTION, corrects=record, hours=delta,
            content=_("Correction of “%(c)s”: %(r)s") % {"c": record.content, "r": reason},
            region=record.region, team=record.team, created_by=by,
        )  # fmt: skip
        return verify_record(correction, by, note=reason)


def pending_records(user) -> QuerySet[ServiceRecord]:
    """Records the user may verify, oldest first."""
    return (
        verifiable_records(user)
        .filter(status=RecordStatus.PENDING)
        .select_related("volunteer", "team", "activity")
        .order_by("created_at", "id")
    )


# --- points and the love supermarket ---------------------------------------------------------


# Where a redemption is collected is told by an app above (places: the item's pick-up station),
# registered from its AppConfig.ready(); volunteers knows nothing of stations.
# REDEEM_HOOKS: hook(redemption, by), inside the redemption's transaction (write its records).
# PICKUP_DESCRIBERS: describe(redemptions) -> {redemption id: {"station", "address", "url",
# "handed_over"}}, one query for a whole list.
REDEEM_HOOKS: list = []
PICKUP_DESCRIBERS: list = []


def where_to_collect(redemptions) -> dict[int, dict]:
    """Where each of `redemptions` is collected, as the registered apps say ({} when none)."""
    places: dict[int, dict] = {}
    redemptions = list(redemptions)
    for describe in PICKUP_DESCRIBERS:
        places.update(describe(redemptions) if redemptions else {})
    return places


def redeem(user, item: RewardItem, quantity: int = 1) -> Redemption:
    """Spend points on an item. The volunteer's row and the item's row are locked (always in
    that order), so concurrent redemptions never overspend points or oversell stock."""
    if not isinstance(quantity, int) or not 1 <= quantity <= 10:
        raise InvalidInput(_("Choose 1 to 10."), fields={"quantity": "invalid"})
    own = volunteer_of(user)
    if own is None or own.status != VolunteerStatus.APPROVED:
        raise NotAllowed(_("Only approved volunteers may redeem points."))
    with transaction.atomic():
        volunteer = Volunteer.objects.select_for_update().get(pk=own.pk)
        locked = RewardItem.objects.select_for_update().get(pk=item.pk)
        if not locked.active or locked.street_id != _street_of(volunteer.home_region).pk:
            raise Conflict(_("This item is not on offer for you."), code="not_on_offer")
        if locked.stock < quantity:
            raise Conflict(_("Sorry, not enough left in stock."), code="out_of_stock")
        cost = locked.points * quantity
        if volunteer.points_balance < cost:
            raise Conflict(
                _("You need %(cost)d points and have %(have)d.")
                % {"cost": cost, "have": volunteer.points_balance},
                code="not_enough_points",
            )
        redemption = Redemption.objects.create(
            volunteer=volunteer, item=locked, quantity=quantity, points=cost
        )
        PointsEntry.objects.create(
            volunteer=volunteer, delta=-cost, redemption=redemption,
            reason=_("Redeemed: %(n)d × %(item)s") % {"n": quantity, "item": locked.name},
        )  # fmt: skip
        RewardItem.objects.filter(pk=locked.pk).update(stock=F("stock") - quantity)
        Volunteer.objects.filter(pk=volunteer.pk).update(points_balance=F("points_balance") - cost)
        log_action(redemption, "redeem", user, points=cost, item=locked.pk)
        for hook in REDEEM_HOOKS:
            hook(redemption, user)
    return redemption


# --- rankings and certificates ---------------------------------------------------------------


def period_bounds(period: str, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    if period == "month":
        start = day.replace(day=1)
        end = (start + dt.timedelta(days=32)).replace(day=1)
    elif period == "year":
        start, end = day.replace(month=1, day=1), day.replace(year=day.year + 1, month=1, day=1)
    else:
        raise ValueError(period)
    return dt.datetime.combine(start, dt.time.min, tzinfo=tz), dt.datetime.combine(
        end, dt.time.min, tzinfo=tz
    )


def ranking(
    region: Region, *, period: str, by: str, day: dt.date | None = None, limit: int = 20
) -> list[dict]:
    """Monthly or yearly ranking of the region's volunteers by verified hours or by wishes
    lit (confirmed wishes they claimed). Masked names only: rankings are shown publicly."""
    since, until = period_bounds(period, day or timezone.localdate())
    volunteers = Volunteer.objects.filter(
        home_region__path__startswith=region.path, status=VolunteerStatus.APPROVED
    )
    if by == "hours":
        rows = (
            volunteers.filter(
                service_records__status=RecordStatus.VERIFIED,
                service_records__verified_at__gte=since,
                service_records__verified_at__lt=until,
            )
            .annotate(value=Sum("service_records__hours"))
            .filter(value__gt=0)
        )
    elif by == "lit":
        # by the values of ClaimStatus.DONE and WishStatus.CONFIRMED: volunteers does not import
        # wishes (they share a floor; the app above them, matching, joins the two)
        lit = Q(
            user__wish_claims__status="done",
            user__wish_claims__partner__isnull=True,
            user__wish_claims__wish__status="confirmed",
            user__wish_claims__wish__confirmed_at__gte=since,
            user__wish_claims__wish__confirmed_at__lt=until,
        )
        rows = volunteers.annotate(value=Count("user__wish_claims", filter=lit)).filter(value__gt=0)
    else:
        raise ValueError(by)
    top = rows.order_by("-value", "pk")[:limit]

    def value(v) -> Decimal | int:
        return Decimal(v.value).quantize(HOURS) if by == "hours" else v.value

    return [
        {"rank": i, "volunteer_id": v.pk, "name": v.masked_name, "number": v.number, "value": value(v)}
        for i, v in enumerate(top, start=1)
    ]


def issue_certificate(volunteer: Volunteer, by) -> Certificate:
    """A service certificate with the hours verified so far (a snapshot)."""
    if not (access.can(by, "volunteer.view", volunteer)):
        raise NotAllowed(_("Only the volunteer and staff may issue the certificate."))
    if volunteer.status not in (VolunteerStatus.APPROVED, VolunteerStatus.SUSPENDED):
        raise Conflict(_("Only registered volunteers get a certificate."), code="state_conflict")
    with transaction.atomic():
        fresh = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        kinds = (
            fresh.service_records.filter(status=RecordStatus.VERIFIED)
            .exclude(kind=RecordKind.CORRECTION)
            .values_list("content", flat=True)
            .order_by("-verified_at")[:5]
        )
        street = _street_of(fresh.home_region)
        issued = fresh.certificates.count() + 1  # the volunteer's row is locked: no two at once
        certificate = Certificate.objects.create(
            number=f"ZM{timezone.localdate():%Y%m%d}-{fresh.pk:06d}-{issued:02d}",
            volunteer=fresh, hours=fresh.verified_hours, content="；".join(kinds) or _("Community volunteer service"),
            issuer=_("%(street)s volunteer service station") % {"street": street.name},
            verify_token=secrets.token_urlsafe(16)[:22],
        )  # fmt: skip
        log_action(certificate, "issue", by, hours=str(fresh.verified_hours))
    return certificate


def ledger_totals(volunteer: Volunteer) -> tuple[Decimal, int]:
    """(verified hours, points) computed from the ledgers themselves: they must always equal
    the totals kept on the volunteer."""
    hours = volunteer.service_records.filter(status=RecordStatus.VERIFIED).aggregate(s=Sum("hours"))["s"]
    points = volunteer.points_entries.aggregate(s=Sum("delta"))["s"]
    return (hours or Decimal("0")).quantize(HOURS), points or 0


def skills_by_name(names) -> list[Skill]:
    return list(Skill.objects.filter(name__in=list(names)))


def visible_volunteers(user) -> QuerySet[Volunteer]:
    return Volunteer.objects.select_related("home_region").restrict(user, "volunteer.view")


def offered_items(volunteer: Volunteer) -> QuerySet[RewardItem]:
    street = _street_of(volunteer.home_region)
    return RewardItem.objects.filter(street=street, active=True).order_by("points", "name")


def create_reward_item(by, *, street: Region, name: str, points: int, stock: int) -> RewardItem:
    if not access.can(by, "points.manage", street):
        raise NotAllowed(_("Only the street admin manages the love supermarket."))
    name = _text(name, "name", required=True, max_length=TITLE_MAX, message=_("Name the item."))
    if not isinstance(points, int) or points <= 0:
        raise InvalidInput(_("The price must be a positive number of points."), fields={"points": "invalid"})
    if not isinstance(stock, int) or stock < 0:
        raise InvalidInput(_("The stock cannot be negative."), fields={"stock": "invalid"})
    with transaction.atomic():
        item = RewardItem.objects.create(street=street, name=name, points=points, stock=stock)
        log_action(item, "create", by, points=points, stock=stock)
    return item


def restock(item: RewardItem, by, *, add: int) -> RewardItem:
    if not access.can(by, "points.manage", item):
        raise NotAllowed(_("Only the street admin manages the love supermarket."))
    if not isinstance(add, int) or add <= 0:
        raise InvalidInput(_("Add a positive number."), fields={"add": "invalid"})
    with transaction.atomic():
        RewardItem.objects.filter(pk=item.pk).update(stock=F("stock") + add)
        log_action(item, "restock", by, add=add)
    item.refresh_from_db()
    return item

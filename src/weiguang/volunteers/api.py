"""Volunteer API (/api/v1/volunteers, /teams, /service_records, /points, /certificates):
thin — parse, call a service, render. Who may do what is decided by the services and
regions.access; a volunteer's ID number and phone are never returned whole."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from weiguang.core.actions import register_api_actions
from weiguang.core.api import (
    ERROR_RESPONSES,
    Id,
    InSchema,
    Page,
    Ref,
    Text,
    many_of,
    ref,
    referenced,
    require_user,
)
from weiguang.core.errors import InvalidInput, NotAllowed
from weiguang.regions import access
from weiguang.regions.models import Region

from . import services
from .actions import RECORD_ACTIONS, VOLUNTEER_ACTIONS
from .filters import VolunteerFilter
from .models import (
    PERIODS,
    WEEKDAYS,
    Certificate,
    RecordStatus,
    RewardItem,
    ServiceRecord,
    Skill,
    Team,
    TeamColour,
    TeamMembership,
    Volunteer,
)

volunteers_router = Router(tags=["volunteers"])
teams_router = Router(tags=["volunteers"])
records_router = Router(tags=["volunteers"])
points_router = Router(tags=["volunteers"])
certificates_router = Router(tags=["volunteers"])

Weekday = Literal[tuple(WEEKDAYS)]  # type: ignore[valid-type]
Period = Literal[tuple(PERIODS)]  # type: ignore[valid-type]


# --- volunteers ---------------------------------------------------------------------------


class RecordOut(Schema):
    id: int
    volunteer: int
    kind: str
    content: str
    hours: Decimal
    status: str
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    honour: bool
    corrects: int | None
    created_at: dt.datetime
    verified_at: dt.datetime | None


class CorrectIn(InSchema):
    hours: Decimal = Field(ge=-24, le=24, description="Hours to add (or take away, negative)")
    reason: Text = Field(max_length=services.REASON_MAX)


def _record_out(r: ServiceRecord) -> dict:
    return {
        "id": r.pk, "volunteer": r.volunteer_id, "kind": r.kind, "content": r.content, "hours": r.hours,
        "status": r.status, "started_at": r.started_at, "ended_at": r.ended_at, "honour": r.kind == "honour",
        "corrects": r.corrects_id, "created_at": r.created_at, "verified_at": r.verified_at,
    }  # fmt: skip


class RegisterIn(InSchema):
    name: Text = Field(max_length=services.NAME_MAX)
    phone: Text = Field(max_length=11, description="A mobile number, 11 digits")
    id_number: Text = Field(max_length=18, description="18 characters; checked by its check digit")
    home_region: Id = Field(description="Region id of the community (or grid) you live or serve in")
    skills: list[Id] = Field([], max_length=20)
    availability: dict[Weekday, list[Period]] = Field({}, description='e.g. {"sat": ["am", "pm"]}')
    party_member: bool = False
    dual_reporting_unit: Text = Field(
        "", max_length=services.UNIT_MAX, description="双报到: a party member's workplace unit"
    )


class VolunteerOut(Schema):
    id: int
    number: str | None
    name: str = Field(description="Masked for everyone but the volunteer and staff")
    status: str
    home_region: Ref
    skills: list[str]
    availability: dict[str, list[str]]
    party_member: bool
    dual_reporting_unit: str
    verified_hours: Decimal
    star_level: int
    points_balance: int
    phone: str = Field(description="Masked: 138****5678")
    id_number: str = Field(description="Masked: the first 4 and last 4 characters")
    actions: list[str]


def _volunteer_out(user, v: Volunteer) -> dict:
    full = access.can(user, "volunteer.view", v)
    return {
        "id": v.pk, "number": v.number, "name": v.name if full else v.masked_name, "status": v.status,
        "home_region": ref(v.home_region), "skills": [s.name for s in v.skills.all()],
        "availability": v.availability, "party_member": v.party_member,
        "dual_reporting_unit": v.dual_reporting_unit, "verified_hours": v.verified_hours,
        "star_level": services.star_level(v.verified_hours), "points_balance": v.points_balance,
        "phone": v.masked_phone, "id_number": v.masked_id_number,
        "actions": [t.name for t in Volunteer.state_machine.available(v, user)],
    }  # fmt: skip


def _volunteer(user, volunteer_id: int) -> Volunteer:
    volunteers = Volunteer.objects.select_related("home_region", "user")
    return access.get_for_user(volunteers, user, see="volunteer.view", pk=volunteer_id)


VOLUNTEER_OUT = {200: VolunteerOut, **ERROR_RESPONSES}


@volunteers_router.post(
    "", response={201: VolunteerOut, **ERROR_RESPONSES}, summary="Register as a volunteer"
)
def register(request, data: RegisterIn):
    """Real-name registration; the community's staff approve it and the volunteer number is
    given then."""
    user = require_user(request)
    region = referenced(Region.objects, data.home_region, "home_region", _("There is no such community."))
    skills = many_of(Skill.objects, data.skills, "skills", _("There is no such skill."))
    v = services.register_volunteer(
        user, name=data.name, phone=data.phone, id_number=data.id_number, home_region=region, skills=skills,
        availability=data.availability, party_member=data.party_member,
        dual_reporting_unit=data.dual_reporting_unit,
    )  # fmt: skip
    return Status(201, _volunteer_out(user, v))


@volunteers_router.get("/me", response=VOLUNTEER_OUT, summary="My volunteer record")
def me(request):
    user = require_user(request)
    v = services.volunteer_of(user)
    if v is None:
        raise Http404
    return _volunteer_out(user, v)


class VolunteerFilters(VolunteerFilter):  # the shared filters (filters.py) and the page
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=1_000_000)


class VolunteerPage(Page):
    items: list[VolunteerOut]


@volunteers_router.get(
    "", response={200: VolunteerPage, **ERROR_RESPONSES}, summary="Volunteers of my region (staff)"
)
def list_volunteers(request, filters: Query[VolunteerFilters]):
    user = require_user(request)
    qs = filters.apply(
        Volunteer.objects.select_related("home_region").restrict(user, "volunteer.list_region")
    )
    page = Page.window(qs.prefetch_related("skills").order_by("-created_at", "-id"), filters)
    return Page.body(filters, qs.count(), [_volunteer_out(user, v) for v in page])


@volunteers_router.get("/{id:volunteer_id}", response=VOLUNTEER_OUT, summary="One volunteer")
def get_volunteer(request, volunteer_id: Id):
    user = require_user(request)
    return _volunteer_out(user, _volunteer(user, volunteer_id))


register_api_actions(
    volunteers_router,
    VOLUNTEER_ACTIONS,
    path="/{id:volunteer_id}",
    load=_volunteer,
    render=_volunteer_out,
    response=VOLUNTEER_OUT,
    module=__name__,
)


class HonourIn(InSchema):
    hours: Decimal = Field(gt=0, le=24)
    reason: Text = Field(max_length=services.TEXT_MAX)


@volunteers_router.post(
    "/{id:volunteer_id}/honour_hours", response={201: RecordOut, **ERROR_RESPONSES},
    summary="Add honour hours (staff; capped per year)",
)  # fmt: skip
def honour(request, volunteer_id: Id, data: HonourIn):
    user = require_user(request)
    record = services.add_honour_hours(
        _volunteer(user, volunteer_id), user, hours=data.hours, reason=data.reason
    )
    return Status(201, _record_out(record))


@volunteers_router.get(
    "/{id:volunteer_id}/records", response={200: list[RecordOut], **ERROR_RESPONSES},
    summary="A volunteer's service ledger",
)  # fmt: skip
def volunteer_records(request, volunteer_id: Id):
    user = require_user(request)
    v = _volunteer(user, volunteer_id)
    return [_record_out(r) for r in v.service_records.select_related("team")[:500]]


# --- teams --------------------------------------------------------------------------------


class TeamIn(InSchema):
    region: Id
    name: Text = Field(max_length=services.NAME_MAX)
    colour: Literal[tuple(TeamColour.values)] | Literal[""] = ""  # type: ignore[valid-type]
    description: Text = Field("", max_length=services.DESCRIPTION_MAX)
    leaders: list[Id] = Field([], max_length=10, description="User ids of the team leaders")


class TeamOut(Schema):
    id: int
    name: str
    colour: str
    region: Ref
    description: str
    members: int
    projects: list[str]


class MembershipOut(Schema):
    id: int
    team: int
    volunteer: int
    name: str
    status: str


class DecideIn(InSchema):
    accept: bool


class AttendanceIn(InSchema):
    volunteer_id: Id
    check_in: dt.datetime
    check_out: dt.datetime


class ActivityIn(InSchema):
    title: Text = Field(max_length=services.TITLE_MAX)
    date: dt.date
    place: Text = Field("", max_length=services.PLACE_MAX)
    project_id: Id | None = None
    attendance: list[AttendanceIn] = Field(min_length=1, max_length=200)


class TeamProjectIn(InSchema):
    name: Text = Field(max_length=services.TITLE_MAX)
    description: Text = Field("", max_length=services.DESCRIPTION_MAX)


def _team_out(team: Team) -> dict:
    """`team` from services.with_team_facts in a list; a single team counts for itself."""
    members = getattr(team, "n_members", None)
    projects = getattr(team, "active_projects", None)
    return {
        "id": team.pk, "name": team.name, "colour": team.colour, "region": ref(team.region),
        "description": team.description,
        "members": services.team_members(team).count() if members is None else members,
        "projects": [p.name for p in (team.projects.filter(active=True) if projects is None else projects)],
    }  # fmt: skip


def _membership_out(m: TeamMembership) -> dict:
    return {
        "id": m.pk,
        "team": m.team_id,
        "volunteer": m.volunteer_id,
        "name": m.volunteer.masked_name,
        "status": m.status,
    }


def _team(team_id: int, user=None, action: str | None = None, denied=None) -> Team:
    return access.get_for_user(Team.objects.select_related("region"), user, action, denied=denied, pk=team_id)


@teams_router.get("", response={200: list[TeamOut], **ERROR_RESPONSES}, summary="Teams (anyone logged in)")
def list_teams(request, region: Id | None = None):
    require_user(request)
    qs = services.with_team_facts(Team.objects.select_related("region")).order_by("region__path", "name")
    if region is not None:
        place = get_object_or_404(Region, pk=region)
        qs = qs.filter(region__path__startswith=place.path)
    return [_team_out(t) for t in qs[:200]]


@teams_router.post("", response={201: TeamOut, **ERROR_RESPONSES}, summary="Create a team (staff)")
def create_team(request, data: TeamIn):
    user = require_user(request)
    region = referenced(Region.objects, data.region, "region", _("There is no such region."))
    people = get_user_model().objects.filter(is_active=True)
    leaders = many_of(people, data.leaders, "leaders", _("There is no such person."))
    team = services.create_team(
        user, region=region, name=data.name, colour=data.colour, description=data.description, leaders=leaders
    )
    return Status(201, _team_out(team))


@teams_router.post(
    "/{id:team_id}/projects",
    response={201: TeamOut, **ERROR_RESPONSES},
    summary="Add a project (leaders, staff)",
)
def add_project(request, team_id: Id, data: TeamProjectIn):
    user = require_user(request)
    team = _team(team_id)
    services.add_project(team, user, name=data.name, description=data.description)
    return Status(201, _team_out(team))


@teams_router.post(
    "/{id:team_id}/join", response={201: MembershipOut, **ERROR_RESPONSES}, summary="Ask to join (volunteer)"
)
def join(request, team_id: Id):
    user = require_user(request)
    return Status(201, _membership_out(services.request_to_join(_team(team_id), user)))


@teams_router.get(
    "/{id:team_id}/memberships",
    response={200: list[MembershipOut], **ERROR_RESPONSES},
    summary="Members and requests (leaders, staff)",
)
def memberships(request, team_id: Id):
    user = require_user(request)
    team = _team(
        team_id, user, "team.manage", NotAllowed(_("Only the team's leaders and staff see its members."))
    )
    return [_membership_out(m) for m in team.memberships.select_related("volunteer")[:500]]


@teams_router.post(
    "/{id:team_id}/memberships/{id:membership_id}/decide", response={200: MembershipOut, **ERROR_RESPONSES},
    summary="Accept or decline a request to join (leaders, staff)",
)  # fmt: skip
def decide(request, team_id: Id, membership_id: Id, data: DecideIn):
    user = require_user(request)
    membership = get_object_or_404(
        TeamMembership.objects.select_related("team__region", "volunteer"), pk=membership_id, team_id=team_id
    )
    return _membership_out(services.decide_membership(membership, user, accept=data.accept))


@teams_router.post(
    "/{id:team_id}/activities", response={201: list[RecordOut], **ERROR_RESPONSES},
    summary="Record an activity with check-in and check-out times (leaders, staff)",
)  # fmt: skip
def record_activity(request, team_id: Id, data: ActivityIn):
    """Each attendee gets a pending service record of check-out − check-in hours."""
    user = require_user(request)
    team = _team(team_id)
    ids = [a.volunteer_id for a in data.attendance]
    volunteers = {
        v.pk: v for v in many_of(Volunteer.objects, ids, "attendance", _("There is no such volunteer."))
    }
    project = referenced(
        team.projects, data.project_id, "project_id", _("There is no such project in this team.")
    )
    activity = services.record_activity(
        team, user, title=data.title, date=data.date, place=data.place, project=project,
        attendance=[(volunteers[a.volunteer_id], a.check_in, a.check_out) for a in data.attendance],
    )  # fmt: skip
    return Status(201, [_record_out(r) for r in activity.records.order_by("id")])


# --- service records ------------------------------------------------------------------------


def _record(user, record_id: int) -> ServiceRecord:
    records = ServiceRecord.objects.select_related("volunteer", "team", "region")
    return access.get_for_user(records, user, see="service.view", pk=record_id)


@records_router.get(
    "", response={200: list[RecordOut], **ERROR_RESPONSES}, summary="Records waiting for my verification"
)
def pending(request, status: Literal[tuple(RecordStatus.values)] = "pending"):  # type: ignore[valid-type]
    user = require_user(request)
    qs = services.verifiable_records(user).filter(status=status)
    return [_record_out(r) for r in qs.order_by("created_at", "id")[:200]]


class DemandServiceIn(InSchema):
    demand_id: Id
    volunteer_id: Id | None = Field(None, description="The volunteer's id, or give `volunteer_number`")
    volunteer_number: Text | None = Field(None, max_length=20, description="e.g. WG20260000012")
    hours: Decimal = Field(gt=0, le=24)
    content: Text = Field(max_length=services.CONTENT_MAX, description="What the volunteer did")


@records_router.post(
    "", response={201: RecordOut, **ERROR_RESPONSES},
    summary="Record a volunteer's work on a demand (those handling it)",
)  # fmt: skip
def record_demand_work(request, data: DemandServiceIn):
    """A pending record of kind `demand`: it counts once the community's staff verify it."""
    user = require_user(request)
    demands = services.demand_model().objects.select_related("grid", "community")
    demand = access.get_for_user(demands, user, see="demand.view", pk=data.demand_id)
    volunteer = referenced(Volunteer.objects, data.volunteer_id, "volunteer_id", _("No such volunteer."))
    if volunteer is None and data.volunteer_number:
        volunteer = services.volunteer_by_number(data.volunteer_number)
    elif volunteer is None:
        raise InvalidInput(_("Say which volunteer did the work."), fields={"volunteer_id": "required"})
    record = services.record_demand_service(demand, volunteer, user, hours=data.hours, content=data.content)
    return Status(201, _record_out(record))


register_api_actions(
    records_router,
    RECORD_ACTIONS,
    path="/{id:record_id}",
    load=_record,
    render=lambda user, record: _record_out(record),
    response={200: RecordOut, **ERROR_RESPONSES},
    module=__name__,
)


@records_router.post(
    "/{id:record_id}/correct",
    response={201: RecordOut, **ERROR_RESPONSES},
    summary="Correct with a new entry",
)
def correct(request, record_id: Id, data: CorrectIn):
    """The ledger is never edited: the correction is a new entry pointing at this one."""
    user = require_user(request)
    return Status(
        201,
        _record_out(
            services.correct_record(_record(user, record_id), user, hours=data.hours, reason=data.reason)
        ),
    )


# --- points -----------------------------------------------------------------------------------


class ItemOut(Schema):
    id: int
    name: str
    points: int
    stock: int


class ItemIn(InSchema):
    street: Id
    name: Text = Field(max_length=services.TITLE_MAX)
    points: int = Field(gt=0, le=1_000_000)
    stock: int = Field(ge=0, le=1_000_000)


class RedeemIn(InSchema):
    item_id: Id
    quantity: int = Field(1, ge=1, le=10)


class PickupPlaceOut(Schema):
    station: str
    address: str
    url: str = Field(description="The station's public page")
    handed_over: bool


class RedemptionOut(Schema):
    id: int
    item: ItemOut
    quantity: int
    points: int
    balance: int = Field(description="Points left")
    pickup: PickupPlaceOut | None = Field(
        None, description="Where to collect it; null: at the service station, as staff say"
    )


class PointsOut(Schema):
    balance: int
    entries: list[dict]


def _item_out(item: RewardItem) -> dict:
    return {"id": item.pk, "name": item.name, "points": item.points, "stock": item.stock}


@points_router.get("/me", response={200: PointsOut, **ERROR_RESPONSES}, summary="My points and their history")
def my_points(request):
    user = require_user(request)
    v = services.volunteer_of(user)
    if v is None:
        raise Http404
    entries = [
        {"delta": e.delta, "reason": e.reason, "at": e.created_at.isoformat()}
        for e in v.points_entries.all()[:200]
    ]
    return {"balance": v.points_balance, "entries": entries}


@points_router.get(
    "/items", response={200: list[ItemOut], **ERROR_RESPONSES}, summary="The love supermarket (爱心超市)"
)
def items(request):
    user = require_user(request)
    v = services.volunteer_of(user)
    if v is None:
        raise NotAllowed(_("Register as a volunteer to redeem points."))
    return [_item_out(i) for i in services.offered_items(v)]


@points_router.post(
    "/items", response={201: ItemOut, **ERROR_RESPONSES}, summary="Add an item (street admin)"
)
def add_item(request, data: ItemIn):
    user = require_user(request)
    street = referenced(Region.objects, data.street, "street", _("There is no such street."))
    return Status(
        201,
        _item_out(
            services.create_reward_item(
                user, street=street, name=data.name, points=data.points, stock=data.stock
            )
        ),
    )


@points_router.post(
    "/redeem", response={201: RedemptionOut, **ERROR_RESPONSES}, summary="Redeem points for an item"
)
def redeem(request, data: RedeemIn):
    """409 `not_enough_points` or `out_of_stock` when it cannot be done; never overspent,
    also when many redeem at once."""
    user = require_user(request)
    item = get_object_or_404(RewardItem, pk=data.item_id)
    r = services.redeem(user, item, data.quantity)
    item.refresh_from_db()
    balance = Volunteer.objects.values_list("points_balance", flat=True).get(pk=r.volunteer_id)
    return Status(
        201,
        {
            "id": r.pk, "item": _item_out(item), "quantity": r.quantity, "points": r.points, "balance": balance,
            "pickup": services.where_to_collect([r]).get(r.pk),
        },
    )  # fmt: skip


class RankingOut(Schema):
    rank: int
    volunteer_id: int
    name: str
    number: str | None
    value: Decimal


@volunteers_router.get(
    "/rankings", response={200: list[RankingOut], **ERROR_RESPONSES}, summary="Rankings (masked names)"
)
def rankings(
    request, region: Id, period: Literal["month", "year"] = "month", by: Literal["hours", "lit"] = "hours",
    day: dt.date | None = None,
):  # fmt: skip
    """By verified hours or by wishes lit, in the month or year of `day` (default: today)."""
    require_user(request)
    place = get_object_or_404(Region, pk=region)
    return services.ranking(place, period=period, by=by, day=day)


# --- certificates --------------------------------------------------------------------------------


class CertificateOut(Schema):
    number: str
    name: str
    volunteer_number: str | None
    hours: Decimal
    content: str
    issuer: str
    issued_at: dt.datetime
    verify_url: str


def _certificate_out(request, c: Certificate, *, masked: bool) -> dict:
    v = c.volunteer
    return {
        "number": c.number, "name": v.masked_name if masked else v.name, "volunteer_number": v.number,
        "hours": c.hours, "content": c.content, "issuer": c.issuer, "issued_at": c.issued_at,
        "verify_url": request.build_absolute_uri(f"/certificates/verify/{c.verify_token}/"),
    }  # fmt: skip


@certificates_router.post(
    "", response={201: CertificateOut, **ERROR_RESPONSES}, summary="Issue my service certificate"
)
def issue(request, volunteer_id: Id | None = None):
    """For yourself, or (staff) for `volunteer_id`: the verified hours so far, with a number and
    a link that verifies it."""
    user = require_user(request)
    v = _volunteer(user, volunteer_id) if volunteer_id is not None else services.volunteer_of(user)
    if v is None:
        raise Http404
    return Status(201, _certificate_out(request, services.issue_certificate(v, user), masked=False))


@certificates_router.get(
    "/verify/{token}", auth=None, response={200: CertificateOut, **ERROR_RESPONSES},
    summary="Verify a certificate (anyone holding its QR code)",
)  # fmt: skip
def verify_certificate(request, token: str):
    c = Certificate.objects.select_related("volunteer").filter(verify_token=token[:40]).first()
    if c is None:
        raise Http404
    return _certificate_out(request, c, masked=True)

"""The page sweep: every URL pattern of the site, as every role, with the demo street loaded
(and a second street for "another region"), and never a 5xx (issue 9, "sweeps that close the
classes").

The URL patterns come from the resolver, so a new pattern is walked as soon as it exists; a
pattern with parameters that FILLERS (pages), API_FILLERS (the API, by parameter name) or the
admin rule cannot fill fails the sweep. For each role this GETs every page for every object of
the demo (one-parameter pages; pages with several parameters, such as an action on an object,
get one object in each state), then POSTs to every pattern, for one object in each state and
for ids past any table: an empty form, garbage, huge values and huge ids in every field that a
form on the pages posts to it (plus the usual names). A pattern that answered a method with 405,
or sent the role to the admin's login, is not asked again with that method. Every request runs
in a savepoint that is rolled back, so the demo stays as seeded. All failures are reported
together, one test per role (parallel-friendly).
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import traceback
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from io import StringIO
from urllib.parse import quote, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from weiguang.accounts.models import DataRightsRequest, ResidenceRequest
from weiguang.accounts.residence_actions import RESIDENCE_ACTIONS
from weiguang.demands import views_settings
from weiguang.demands.actions import DEMAND_ACTIONS
from weiguang.demands.models import (
    Deliberation,
    Demand,
    DemandCategory,
    DemandPhoto,
    Department,
    Holiday,
    IntakeSession,
)
from weiguang.demands.services import intake
from weiguang.events.actions import EVENT_ACTIONS, SIGNUP_ACTIONS
from weiguang.events.models import CheckIn, Event, EventHelper, FoodRound, QueueTicket, SignUp, Stall
from weiguang.lists.models import Project, Survey
from weiguang.matching.models import Invitation
from weiguang.partners.models import PartnerUnit, Resource
from weiguang.people.models import Resident
from weiguang.places.models import Amenity, Booking, Pickup, Room, ServiceCentre, Station
from weiguang.places.rooms.actions import BOOKING_ACTIONS
from weiguang.places.rooms.services import door_token
from weiguang.regions.models import Membership, Region, RegionKind, Role
from weiguang.volunteers.models import (
    Certificate,
    ServiceRecord,
    Team,
    TeamMembership,
    Volunteer,
)
from weiguang.wishes import services as wish_services
from weiguang.wishes.actions import WISH_ACTIONS
from weiguang.wishes.models import Wish, WishKind, WishPhoto

from .built_once import built_once
from .factories import ResidentFactory, UserFactory, grant

pytestmark = pytest.mark.django_db

HUGE_ID = "99999999999999999999"  # past any integer column
BIG_ID = str(2**63 - 1)  # the largest id there could be, and there is none
LONG = "x" * 300
GARBAGE = "abc<>'\"%;--"
HUGE_TEXT = "微" * 20000
VARIANTS = (None, GARBAGE, HUGE_TEXT, HUGE_ID)  # an empty form; every field garbage, huge, a huge id
# names posted besides those the pages' forms show: what views read from request.POST directly
USUAL_FIELDS = ("pk", "id", "next", "step", "pair", "item", "quantity", "resident", "grid", "q", "action")
ROLES = (
    "anonymous",
    "resident",
    "newcomer",
    "grid",
    "staff",
    "admin",
    "volunteer",
    "partner",
    "dept",
    "outsider",
)
# the demo's usernames for the roles; "outsider" is staff of the second street
USERNAMES = {
    "resident": "resident",
    "newcomer": "newcomer",  # signed up, where they live not yet confirmed (not in --json)
    "grid": "grid",
    "staff": "staff",
    "admin": "admin",
    "volunteer": "volunteer",
    "partner": "partner",
    "dept": "dept",
    "outsider": "sweep_outsider",
}


@dataclass
class Objs:
    """Values for one parameter: `every` for a page of one object, `sample` (one per state)
    where the page takes several parameters or is posted to."""

    every: list
    sample: list


def ids(queryset, state: str | None = None, *, extra_sample: int = 0) -> Objs:
    pks = list(queryset.order_by("pk").values_list("pk", flat=True))
    if state is None:
        sample = pks[:2] + pks[-1:]
    else:
        seen: dict = {}
        for pk, value in queryset.order_by("pk").values_list("pk", state):
            seen.setdefault(value, pk)
        sample = list(seen.values())
    sample += pks[len(pks) // 2 : len(pks) // 2 + extra_sample]
    return Objs([str(pk) for pk in pks], [str(pk) for pk in dict.fromkeys(sample)])


def words(*values) -> Objs:
    values = [*values, "nope"]
    return Objs(values, values)


def texts(values) -> Objs:
    values = [str(v) for v in values if v]
    return Objs(values, values[:3] + values[-1:])


def desk_visits(w) -> list[dict]:
    """An event desk's visits with their event (and one past any table)."""
    pairs = [{"pk": str(c.event_id), "visit_id": str(c.pk)} for c in CheckIn.objects.order_by("pk")[:3]]
    event = Event.objects.order_by("pk").first()
    return pairs + ([{"pk": str(event.pk), "visit_id": "987654321"}] if event else [])


def events(w) -> Objs:
    return ids(Event.objects.all(), "status")


def signups(w) -> Objs:
    return ids(SignUp.objects.all(), "status")


def wishes(w) -> Objs:
    return ids(Wish.objects.all(), "status")


def demands(w) -> Objs:
    """Every demand; the sample has each state, and each way a demand may lack a resident or a
    phone (the detail page was a 500 for those)."""
    every = ids(Demand.objects.all(), "status")
    seen: dict = {}
    for pk, channel, resident, phone in Demand.objects.order_by("pk").values_list(
        "pk", "channel", "resident_id", "contact_phone"
    ):
        seen.setdefault((channel, resident is None, not phone), str(pk))
    every.sample = list(dict.fromkeys(every.sample + list(seen.values())))
    return every


def rooms(w) -> Objs:
    return ids(Room.objects.all(), "active")


def aux(objs: Objs) -> Objs:
    """A page beside an object's own page (its QR code, candidates, a form): the sample."""
    return Objs(objs.sample, objs.sample)


def demand_codes(w) -> Objs:
    return texts(Demand.objects.order_by("pk").values_list("tracking_code", flat=True))


def residents(w) -> Objs:
    """200 residents of one kind: one in each grid, with and without an account."""
    seen: dict = {}
    for pk, grid, user in Resident.objects.order_by("pk").values_list("pk", "grid_id", "user_id"):
        seen.setdefault((grid, user is None), str(pk))
    found = list(seen.values())
    return Objs(found, found[:3] + found[-1:])


def staff_users(w) -> Objs:
    """The demo's accounts, a staff member of each role among them."""
    users = [str(u.pk) for u in w.users.values()]
    return Objs(users, users)


def role_pairs(w) -> list[dict]:
    rows = Membership.objects.filter(user__in=list(w.users.values())).values_list("user_id", "pk")
    return [{"pk": str(user), "role_pk": str(pk)} for user, pk in rows]


def set_password_links(w) -> list[dict]:
    """A live link (an account made for it, with no password yet) and dead ones."""
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from weiguang.accounts.staff import link_tokens

    user = UserFactory(username="sweep_new_staff", password=None)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return [
        {"uidb64": uid, "token": link_tokens.make_token(user)},
        {"uidb64": uid, "token": "abc-def"},
        {"uidb64": "x", "token": "y"},
    ]


def handler_pairs(w) -> list[dict]:
    pairs = [
        {"pk": str(d.pk), "user_pk": str(u.pk)} for d in Department.objects.all() for u in d.handlers.all()
    ]
    return pairs + [{"pk": str(Department.objects.first().pk), "user_pk": str(w.users["staff"].pk)}]


# Pages: route -> {parameter: Objs} (or a list of parameter dicts for related pairs).
FILLERS: dict[str, Callable] = {
    "inbox/<id:pk>/": lambda w: {"pk": w.notifications},
    # an event's desk (check-in and check-out)
    "events/<id:pk>/desk/": lambda w: {"pk": ids(Event.objects.all(), "status")},
    "events/<id:pk>/desk/walk-in/": lambda w: {"pk": aux(ids(Event.objects.all(), "status"))},
    "events/<id:pk>/desk/close/": lambda w: {"pk": aux(ids(Event.objects.all(), "status"))},
    "events/<id:pk>/desk/serve/": lambda w: {"pk": aux(ids(Event.objects.all(), "status"))},
    "events/<id:pk>/desk/helpers/": lambda w: {"pk": aux(ids(Event.objects.all(), "status"))},
    "events/<id:pk>/desk/<id:visit_id>/check-out/": desk_visits,
    "events/<id:pk>/desk/<id:visit_id>/party/": desk_visits,
    "streets/<id:pk>/wall/": lambda w: {"pk": ids(Region.objects.exclude(kind=RegionKind.GRID))},
    "streets/<id:pk>/wall/print/": lambda w: {"pk": ids(Region.objects.exclude(kind=RegionKind.GRID))},
    "communities/<id:pk>/wall/print/": lambda w: {"pk": ids(Region.objects.exclude(kind=RegionKind.GRID))},
    "staff/residents/<id:pk>/": lambda w: {"pk": residents(w)},
    "communities/<id:pk>/wall/": lambda w: {"pk": ids(Region.objects.exclude(kind=RegionKind.GRID))},
    "wishes/<id:pk>/": lambda w: {"pk": wishes(w)},
    "wishes/<id:pk>/qr.svg": lambda w: {"pk": aux(wishes(w))},
    "wishes/<id:pk>/<slug:action>/": lambda w: {"pk": wishes(w), "action": words(*WISH_ACTIONS)},
    "staff/wishes/<id:pk>/": lambda w: {"pk": wishes(w)},
    "demands/done/<str:code>/": lambda w: {"code": aux(demand_codes(w))},
    "demands/track/<str:code>/": lambda w: {"code": demand_codes(w)},
    "demands/track/<str:code>/evaluate/": lambda w: {"code": aux(demand_codes(w))},
    "demands/<id:pk>/": lambda w: {"pk": demands(w)},
    "demands/<id:pk>/<slug:action>/": lambda w: {
        "pk": ids(Demand.objects.all(), "status"),
        "action": words(*DEMAND_ACTIONS),
    },
    "demands/from-wish/<id:wish_pk>/": lambda w: {"wish_pk": aux(wishes(w))},
    "desk/demands/residents/<id:pk>/": lambda w: {"pk": residents(w)},
    "staff/meetings/<id:pk>/": lambda w: {"pk": ids(Deliberation.objects.all(), "status")},
    "staff/meetings/<id:pk>/decide/": lambda w: {"pk": ids(Deliberation.objects.all(), "status")},
    "street/demands/holidays/<id:pk>/remove/": lambda w: {"pk": aux(ids(Holiday.objects.all()))},
    "street/demands/categories/<id:pk>/<slug:action>/": lambda w: {
        "pk": ids(DemandCategory.objects.all(), "active"),
        "action": words(*views_settings.CATEGORY_ACTIONS),
    },
    "street/demands/departments/<id:pk>/rename/": lambda w: {"pk": aux(ids(Department.objects.all()))},
    "street/demands/departments/<id:pk>/handlers/": lambda w: {"pk": aux(ids(Department.objects.all()))},
    "street/demands/departments/<id:pk>/handlers/<id:user_pk>/remove/": handler_pairs,
    "staff/wishes/<id:pk>/candidates/": lambda w: {"pk": aux(wishes(w))},
    "staff/wishes/<id:pk>/invite/": lambda w: {"pk": aux(wishes(w))},
    "staff/demands/<id:pk>/candidates/": lambda w: {"pk": aux(demands(w))},
    "invitations/<id:pk>/<slug:action>/": lambda w: {
        "pk": ids(Invitation.objects.all(), "status"),
        "action": words("accept", "decline"),
    },
    "volunteers/<id:pk>/<slug:action>/": lambda w: {
        "pk": ids(Volunteer.objects.all(), "status"),
        "action": words("approve", "reject", "suspend", "reinstate", "resubmit"),
    },
    "teams/<id:pk>/": lambda w: {"pk": ids(Team.objects.all())},
    "teams/<id:pk>/join/": lambda w: {"pk": aux(ids(Team.objects.all()))},
    "teams/<id:pk>/activity/": lambda w: {"pk": aux(ids(Team.objects.all()))},
    "teams/memberships/<id:pk>/<slug:action>/": lambda w: {
        "pk": ids(TeamMembership.objects.all(), "status"),
        "action": words("accept", "decline", "leave"),
    },
    "staff/demands/<id:pk>/volunteer-service/": lambda w: {"pk": aux(demands(w))},
    "service-records/<id:pk>/<slug:action>/": lambda w: {
        "pk": ids(ServiceRecord.objects.all(), "status"),
        "action": words("verify", "reject"),
    },
    "certificates/verify/<str:token>/": lambda w: {
        "token": texts(Certificate.objects.values_list("verify_token", flat=True))
    },
    "certificates/<str:number>/": lambda w: {
        "number": texts(Certificate.objects.values_list("number", flat=True))
    },
    "certificates/<str:number>/pdf/": lambda w: {
        "number": texts(Certificate.objects.values_list("number", flat=True))
    },
    "partners/<id:pk>/": lambda w: {"pk": ids(PartnerUnit.objects.all())},
    "partners/<id:pk>/profile/": lambda w: {"pk": ids(PartnerUnit.objects.all())},
    "partners/<id:pk>/resources/": lambda w: {"pk": aux(ids(PartnerUnit.objects.all()))},
    "resources/<id:pk>/withdraw/": lambda w: {"pk": aux(ids(Resource.objects.all()))},
    "projects/<id:pk>/": lambda w: {"pk": ids(Project.objects.all(), "status")},
    "projects/<id:pk>/<slug:action>/": lambda w: {
        "pk": ids(Project.objects.all(), "status"),
        "action": words("start", "finish", "cancel"),
    },
    "staff/accounts/<id:pk>/": lambda w: {"pk": staff_users(w)},
    "staff/accounts/<id:pk>/grant/": lambda w: {"pk": staff_users(w)},
    "staff/accounts/<id:pk>/roles/<id:role_pk>/remove/": role_pairs,
    "staff/accounts/<id:pk>/<slug:action>/": lambda w: {
        "pk": staff_users(w),
        "action": words("deactivate", "reactivate"),
    },
    "account/set-password/<str:uidb64>/<str:token>/": set_password_links,
    "staff/data-requests/<id:pk>/": lambda w: {"pk": ids(DataRightsRequest.objects.all(), "kind")},
    "residence/<id:pk>/<slug:action>/": lambda w: {
        "pk": ids(ResidenceRequest.objects.all(), "status"),
        "action": words(*RESIDENCE_ACTIONS),
    },
    # stations (places)
    "stations/<id:pk>/": lambda w: {"pk": ids(Station.objects.all(), "kind")},
    "staff/stations/<id:pk>/": lambda w: {"pk": ids(Station.objects.all(), "kind")},
    "staff/stations/<id:pk>/edit/": lambda w: {"pk": aux(ids(Station.objects.all()))},
    "staff/stations/<id:pk>/amenities/<slug:amenity>/": lambda w: {
        "pk": aux(ids(Station.objects.all())),
        "amenity": words(*Amenity.values),
    },
    "staff/stations/<id:pk>/items/": lambda w: {"pk": aux(ids(Station.objects.all()))},
    "staff/stations/<id:pk>/pickups/": lambda w: {"pk": ids(Station.objects.all())},
    "staff/pickups/<id:pk>/hand-over/": lambda w: {"pk": ids(Pickup.objects.all(), "status")},
    # function rooms (places.rooms)
    "rooms/<id:pk>/": lambda w: {"pk": rooms(w)},
    "rooms/<id:pk>/book/": lambda w: {"pk": aux(rooms(w))},
    "rooms/<id:pk>/edit/": lambda w: {"pk": aux(rooms(w))},
    "rooms/<id:pk>/door/": lambda w: {"pk": aux(rooms(w))},
    "rooms/door/<str:token>/": lambda w: {
        "token": texts([*(door_token(r) for r in Room.objects.order_by("pk")[:2]), "1:forged", "nope"])
    },
    "centres/<id:pk>/week/": lambda w: {"pk": ids(ServiceCentre.objects.all())},
    "centres/<id:pk>/rooms/new/": lambda w: {"pk": aux(ids(ServiceCentre.objects.all()))},
    "bookings/<id:pk>/edit/": lambda w: {"pk": ids(Booking.objects.all(), "status")},
    "bookings/<id:pk>/cancel-rest/": lambda w: {"pk": ids(Booking.objects.exclude(series=None), "status")},
    "bookings/<id:pk>/<slug:action>/": lambda w: {
        "pk": ids(Booking.objects.all(), "status"),
        "action": words(*BOOKING_ACTIONS),
    },
    "events/<id:pk>/": lambda w: {"pk": events(w)},
    "events/<id:pk>/sign-up/": lambda w: {"pk": events(w)},
    "events/<id:pk>/edit/": lambda w: {"pk": events(w)},
    "events/<id:pk>/do/<slug:action>/": lambda w: {"pk": events(w), "action": words(*EVENT_ACTIONS)},
    "events/<id:pk>/signups/": lambda w: {"pk": events(w)},
    "events/<id:pk>/sign-up-for/": lambda w: {"pk": events(w)},
    "events/signups/<id:pk>/qr.svg": lambda w: {"pk": aux(signups(w))},
    "events/signups/<id:pk>/<slug:action>/": lambda w: {"pk": signups(w), "action": words(*SIGNUP_ACTIONS)},
    # service fairs (events.fairs)
    "fairs/<id:pk>/": lambda w: {"pk": ids(Event.objects.filter(kind="service_fair"))},
    "fairs/<id:pk>/summary/": lambda w: {"pk": ids(Event.objects.filter(kind="service_fair"))},
    "fairs/<id:pk>/summary.xlsx": lambda w: {"pk": aux(ids(Event.objects.filter(kind="service_fair")))},
    "stalls/<id:pk>/": lambda w: {"pk": ids(Stall.objects.all())},
    "stalls/<id:pk>/take/": lambda w: {"pk": aux(ids(Stall.objects.all()))},
    "stalls/<id:pk>/book/": lambda w: {"pk": aux(ids(Stall.objects.all()))},
    "stalls/<id:pk>/counter/": lambda w: {"pk": ids(Stall.objects.all())},
    "stalls/<id:pk>/display/": lambda w: {"pk": ids(Stall.objects.all())},
    **{
        f"stalls/<id:pk>/counter/{step}/": lambda w: {"pk": aux(ids(Stall.objects.all()))}
        for step in ("call_next", "take", "walk_in", "skip", "recall", "serve")
    },
    "stalls/<id:pk>/counter/wish/": lambda w: {"pk": aux(ids(Stall.objects.all()))},
    "stalls/<id:pk>/counter/demand/": lambda w: {"pk": aux(ids(Stall.objects.all()))},
    "fairs/<id:pk>/setup/": lambda w: {"pk": ids(Event.objects.filter(kind="service_fair"))},
    "stalls/<id:pk>/edit/": lambda w: {"pk": ids(Stall.objects.all())},
    "stalls/<id:pk>/remove/": lambda w: {"pk": aux(ids(Stall.objects.all()))},
    "fairs/<id:pk>/food/": lambda w: {"pk": ids(Event.objects.filter(kind="service_fair"))},
    "food/<id:pk>/": lambda w: {"pk": ids(FoodRound.objects.all())},
    "food/<id:pk>/hand-out/": lambda w: {"pk": aux(ids(FoodRound.objects.all()))},
    "queue/<id:pk>/": lambda w: {"pk": ids(QueueTicket.objects.all(), "status")},
    "queue/<id:pk>/cancel/": lambda w: {"pk": aux(ids(QueueTicket.objects.all(), "status"))},
    "media/<path:path>": lambda w: {
        "path": texts([*w.photos, "nope.jpg", "../../../etc/passwd", "demands/%2e%2e/x.html"])
    },
}

# The API names its parameters after what they are.
API_FILLERS: dict[str, Callable] = {
    "wish_id": lambda w: ids(Wish.objects.all(), "status"),
    "checkin_id": lambda w: ids(CheckIn.objects.all(), "status"),
    "helper_id": lambda w: ids(EventHelper.objects.all()),
    "event_id": lambda w: ids(Event.objects.all(), "status"),
    "demand_id": lambda w: ids(Demand.objects.all(), "status"),
    "session_id": lambda w: ids(IntakeSession.objects.all()),
    "meeting_id": lambda w: ids(Deliberation.objects.all(), "status"),
    "holiday_id": lambda w: ids(Holiday.objects.all()),
    "category_id": lambda w: ids(DemandCategory.objects.all(), "active"),
    "department_id": lambda w: ids(Department.objects.all()),
    "user_id": lambda w: Objs(*[[str(u.pk) for u in w.users.values()]] * 2),
    "volunteer_id": lambda w: ids(Volunteer.objects.all(), "status"),
    "team_id": lambda w: ids(Team.objects.all()),
    "membership_id": lambda w: ids(TeamMembership.objects.all(), "status"),
    "record_id": lambda w: ids(ServiceRecord.objects.all(), "status"),
    "unit_id": lambda w: ids(PartnerUnit.objects.all()),
    "resource_id": lambda w: ids(Resource.objects.all()),
    "project_id": lambda w: ids(Project.objects.all(), "status"),
    "survey_id": lambda w: ids(Survey.objects.all()),
    "invitation_id": lambda w: ids(Invitation.objects.all(), "status"),
    "resident_id": residents,
    "role_id": lambda w: ids(Membership.objects.all()),
    "request_id": lambda w: ids(DataRightsRequest.objects.all(), "kind"),
    "residence_request_id": lambda w: ids(ResidenceRequest.objects.all(), "status"),
    "station_id": lambda w: ids(Station.objects.all(), "kind"),
    "pickup_id": lambda w: ids(Pickup.objects.all(), "status"),
    "amenity": lambda w: words(*Amenity.values),
    "stall_id": lambda w: ids(Stall.objects.all()),
    "ticket_id": lambda w: ids(QueueTicket.objects.all(), "status"),
    "round_id": lambda w: ids(FoodRound.objects.all()),
    "code": demand_codes,
    "signup_id": lambda w: signups(w),
    "token": lambda w: texts(Certificate.objects.values_list("verify_token", flat=True)),
    "rest": lambda w: words("nope/deeper", "wishes/1/nope"),
    "room_id": lambda w: rooms(w),
    "booking_id": lambda w: ids(Booking.objects.all(), "status"),
}


@dataclass
class World:
    users: dict = field(default_factory=dict)
    notifications: Objs | None = None
    photos: list = field(default_factory=list)


def second_street(district: Region) -> dict:
    """Another street with its own resident, wish and demand, and staff of its own."""
    street = Region.objects.create(name="金门路街道", kind=RegionKind.STREET, parent=district)
    community = Region.objects.create(name="金华社区", kind=RegionKind.COMMUNITY, parent=street)
    grid = Region.objects.create(name="金华第一网格", kind=RegionKind.GRID, parent=community)
    for region in (street, community, grid):
        region.refresh_from_db()
    staff = UserFactory(username=USERNAMES["outsider"], first_name="冯书记")
    grant(staff, Role.COMMUNITY_STAFF, community)
    resident = ResidentFactory(name="陈桂兰", grid=grid)
    wish, _ = wish_services.submit_wish(
        staff, kind=WishKind.ITEM, title="想要一个电饭煲", description="家里的坏了", resident=resident
    )
    wish_services.publish_wish(wish, staff)
    intake.submit_demand(staff, grid=grid, title="楼道灯不亮了", description="三楼")
    return {"outsider": staff}


def data_requests() -> None:
    """Personal-data requests waiting for staff: a correction by the demo's resident, a deletion
    by another resident of that grid with an account."""
    from weiguang.accounts import personal_data

    first = Resident.objects.select_related("user").get(user__username=USERNAMES["resident"])
    second = ResidentFactory(name="赵桂芳", grid=first.grid, user=UserFactory(username="sweep_leaving"))
    personal_data.request_correction(first.user, {"door": "9单元901"}, reason="门牌号写错了")
    personal_data.request_deletion(second.user, reason="不再使用")


def unconfirmed_demand() -> None:
    """A demand sent by the demo's unconfirmed sign-up: a demand with a sender and no resident."""
    from weiguang.accounts import residence

    newcomer = get_user_model().objects.get(username=USERNAMES["newcomer"])
    grid = residence.latest_request(newcomer).grid
    intake.submit_demand(
        newcomer, grid=grid, title="小区门口路灯坏了", description="晚上很黑", public_limits=False
    )


def route_text(pattern) -> str:
    return str(pattern.pattern)


def walk(resolver=None, prefix: str = ""):
    """(route text, pattern) for every URL pattern of the site."""
    resolver = resolver or get_resolver()
    for item in resolver.url_patterns:
        if isinstance(item, URLResolver):
            yield from walk(item, prefix + route_text(item))
        elif isinstance(item, URLPattern):
            yield prefix + route_text(item), item


ADMIN_LOGIN = re.compile(r"^/admin/login/")
PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def params_of(route: str) -> list[str]:
    if route.startswith("admin/") and ("(?P<" in route):
        return re.findall(r"\(\?P<(\w+)>", route)
    return [m.group("name") for m in PARAM.finditer(route)]


def build(route: str, values: dict) -> str:
    def sub(m):
        return quote(str(values[m.group("name")]), safe="/")

    return "/" + PARAM.sub(sub, route)


@dataclass
class Plan:
    gets: list = field(default_factory=list)  # urls
    posts: list = field(default_factory=list)  # (url, which of VARIANTS)
    unfillable: list = field(default_factory=list)


def huge_variants(route: str) -> list[dict]:
    """Ids past any table and long garbage in every parameter."""
    names = params_of(route)
    variants = []
    for huge in (HUGE_ID, BIG_ID, LONG):
        values = {}
        for m in PARAM.finditer(route):
            conv = m.group("converter") or "str"
            if conv == "id" and huge == LONG:
                values[m.group("name")] = "0"
            elif conv == "slug" and huge != LONG:
                values[m.group("name")] = "nope"
            else:
                values[m.group("name")] = huge
        if set(values) == set(names):
            variants.append(values)
    return variants


def admin_values(route: str, w: World) -> list[dict] | None:
    if route.startswith("admin/^("):
        return [{"app_label": "wishes"}]
    if route == "admin/(?P<url>.*)$":
        return [{"url": "nope/"}]
    if route.startswith("admin/r/"):
        wish = Wish.objects.order_by("pk").first()
        return [{"content_type_id": ContentType.objects.get_for_model(Wish).pk, "object_id": wish.pk}]
    m = re.match(r"admin/(\w+)/(\w+)/<(?:path:)?(object_id|id)>/", route)
    if not m:
        return None
    from django.apps import apps

    model = apps.get_model(m.group(1), m.group(2))
    pks = list(model._default_manager.order_by("pk").values_list("pk", flat=True)[:2])
    return [{m.group(3): pk} for pk in [*pks, "abc"]]


def admin_url(route: str, values: dict) -> str:
    if route.startswith("admin/^("):
        return f"/admin/{values['app_label']}/"
    if route == "admin/(?P<url>.*)$":
        return f"/admin/{values['url']}"
    return build(route, values)


def plan(w: World) -> Plan:
    p = Plan()
    seen = set()
    for route, _pattern in walk():
        if route in seen:
            continue  # the API lists one path once per method
        seen.add(route)
        names = params_of(route)
        if not names:
            p.gets.append("/" + route)
            p.posts.append(("/" + route, ALL))
            continue
        if route.startswith("admin/"):
            combos = admin_values(route, w)
            if combos is None:
                p.unfillable.append(route)
                continue
            urls = [admin_url(route, c) for c in combos]
            p.gets += urls
            p.posts += spread(urls, full=1)  # a garbage post to a delete page deletes (rolled back)
            continue
        if route in FILLERS:
            filled = FILLERS[route](w)
        elif route.startswith("api/") and all(n in API_FILLERS for n in names):
            filled = {n: API_FILLERS[n](w) for n in names}
            filled = {n: Objs(v.sample, v.sample) for n, v in filled.items()}
        else:
            p.unfillable.append(route)
            continue
        if isinstance(filled, list):  # related parameters, given together
            every = sample = filled
        elif len(names) == 1:
            (name,) = names
            every = [{name: v} for v in filled[name].every]
            sample = [{name: v} for v in filled[name].sample]
        else:
            every = sample = [
                dict(zip(names, combo, strict=True))
                for combo in itertools.product(*(filled[n].sample for n in names))
            ]
        extra = huge_variants(route)
        p.gets += [build(route, v) for v in every + extra]
        p.posts += spread([build(route, v) for v in sample + extra])
    return p


ALL = (0, 1, 2, 3)


def spread(urls: list[str], full: int = 2) -> list[tuple[str, tuple]]:
    """Every kind of bad post to the first two urls of a pattern, then one kind to each of the
    others in turn: the objects in other states and the ids past any table are still each
    posted to, in a time a test suite can afford."""
    return [(url, ALL if n < full else (n % 4,)) for n, url in enumerate(urls)]


class FormFields(HTMLParser):
    """The fields of every form on a page, by the URL the form posts to."""

    def __init__(self, page_url: str):
        super().__init__()
        self.page_url = page_url
        self.forms: list[tuple[str, set]] = []
        self.current: set | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self.current = set()
            self.forms.append((attrs.get("action") or self.page_url, self.current))
        elif tag in ("input", "select", "textarea", "button") and self.current is not None:
            name = attrs.get("name")
            if name and name != "csrfmiddlewaretoken":
                self.current.add(name)

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None


def route_of(url: str) -> str | None:
    try:
        return resolve(urlsplit(url).path).route
    except Resolver404:
        return None


@dataclass
class Sweep:
    role: str
    client: Client
    user: object
    failures: list = field(default_factory=list)
    fields: dict = field(default_factory=lambda: defaultdict(set))
    requests: int = 0
    not_allowed: set = field(default_factory=set)

    def request(self, method: str, url: str, data=None) -> None:
        route = route_of(url)
        if (method, route) in self.not_allowed:
            return  # answered before the view looks at anything, see below
        self.requests += 1
        try:
            with transaction.atomic():
                response = self.client.get(url) if method == "GET" else self.client.post(url, data or {})
                transaction.set_rollback(True)
        except Exception as exc:  # the test client re-raises what the view raised (a 500)
            where = [f for f in traceback.extract_tb(exc.__traceback__) if "/weiguang/" in f.filename]
            at = f" at {where[-1].filename.split('/weiguang/')[-1]}:{where[-1].lineno}" if where else ""
            self.failures.append(
                f"{self.role} {method} {url[:160]}: {type(exc).__name__}: {str(exc)[:200]}{at}"
            )
            self.relogin()
            return
        if response.status_code == 405 or ADMIN_LOGIN.match(response.get("Location", "")):
            # decided before the view looks at the url's objects or the posted fields (the
            # method; the admin site's check of who is asking): the pattern's other urls would
            # get the same answer
            self.not_allowed.add((method, route))
        if response.status_code >= 500:
            self.failures.append(f"{self.role} {method} {url[:160]}: {response.status_code}")
        if method == "GET" and response.status_code == 200 and "html" in response.get("Content-Type", ""):
            parser = FormFields(url)
            parser.feed(response.content.decode("utf-8", "replace"))
            for action, names in parser.forms:
                target = route_of(action)
                if target is not None:
                    self.fields[target] |= names
        if method == "POST" and ("logout" in url or "login" in url or "password" in url):
            self.relogin()

    def relogin(self) -> None:
        if self.user is not None:
            self.client.force_login(self.user)

    def post_variants(self, url: str, which: tuple) -> None:
        names = self.fields.get(route_of(url) or "", set()) | set(USUAL_FIELDS)
        for n in which:
            value = VARIANTS[n]
            self.request("POST", url, {name: value for name in names} if value is not None else {})


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo street and a second street, built once for the module inside a transaction
    that is rolled back afterwards; each test runs in a savepoint of it."""
    quick = {
        "CACHES": {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "sweep"}
        },
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "MEDIA_ROOT": tmp_path_factory.mktemp("media"),
        "TASKS": {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
    }

    def build():
        out = StringIO()
        call_command("seed_demo", "--json", stdout=out)
        accounts = {a["username"] for a in json.loads(out.getvalue())}
        assert set(USERNAMES.values()) - {USERNAMES["outsider"], USERNAMES["newcomer"]} <= accounts
        w = World()
        district = Region.objects.get(kind=RegionKind.DISTRICT)
        second_street(district)
        data_requests()
        unconfirmed_demand()
        users = get_user_model().objects.filter(username__in=USERNAMES.values())
        by_name = {u.username: u for u in users}
        w.users = {role: by_name[name] for role, name in USERNAMES.items()}
        from weiguang.core.models import Notification

        mine = Notification.objects.filter(recipient__in=list(w.users.values()))
        w.notifications = ids(mine, "recipient")
        w.notifications.every = w.notifications.sample
        w.photos = [p.image.name for p in [*WishPhoto.objects.all()[:2], *DemandPhoto.objects.all()[:2]]]
        return w, plan(w)

    yield from built_once(django_db_blocker, build, **quick)


def test_every_pattern_has_a_way_to_fill_its_parameters(world):
    _w, the_plan = world
    assert not the_plan.unfillable, "URL patterns the sweep cannot fill (add them to FILLERS):\n" + "\n".join(
        the_plan.unfillable
    )


@pytest.fixture
def quiet():
    """Thousands of 404s and 403s are the point here, not news."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


@pytest.mark.parametrize("role", ROLES)
def test_no_page_is_a_server_error(world, role, db, settings, tmp_path, quiet):
    w, the_plan = world
    settings.MEDIA_ROOT = tmp_path / "media"
    user = w.users.get(role)
    sweep = Sweep(role, Client(), user)
    sweep.relogin()
    for url in the_plan.gets:
        sweep.request("GET", url)
    for url, which in the_plan.posts:
        sweep.post_variants(url, which)
    assert sweep.requests > 500
    assert not sweep.failures, f"{len(sweep.failures)} server errors as {role}:\n" + "\n".join(sweep.failures)

"""`weiguang seed_demo`: the demo street a new user sees after `make run`."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.contrib.auth import authenticate as _authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from tests.built_once import built_once
from weiguang.core.audit import history_of
from weiguang.core.models import AuditEntry, Notification
from weiguang.core.privacy import id_number_problem
from weiguang.demands import calendar, stats
from weiguang.demands.models import (
    DEMAND_TRANSITIONS,
    Deliberation,
    Demand,
    DemandCategory,
    DemandStatus,
    Department,
    Evaluation,
    Holiday,
    IntakeSession,
    Transfer,
)
from weiguang.lists.models import Project, ProjectStatus, Survey
from weiguang.partners.models import Alliance, PartnerUnit, Resource
from weiguang.people.models import Resident
from weiguang.regions import access
from weiguang.regions.models import Membership, Region, RegionKind, Role
from weiguang.volunteers.models import (
    RecordKind,
    RecordStatus,
    Redemption,
    ServiceRecord,
    Team,
    Volunteer,
    VolunteerStatus,
)
from weiguang.wishes.models import Claim, ClaimStatus, Wish, WishPolicy, WishStatus

pytestmark = pytest.mark.django_db


def authenticate(**credentials):
    """A login as the login page makes it: with a request (the lockout counts per address)."""
    return _authenticate(RequestFactory().post("/login/"), **credentials)


def run(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def accounts():
    return json.loads(run("--json"))


def test_builds_the_street(accounts):
    street = Region.objects.get(kind=RegionKind.STREET)
    assert street.name == "八大湖街道"
    assert street.parent.kind == RegionKind.DISTRICT
    communities = Region.objects.filter(kind=RegionKind.COMMUNITY)
    assert communities.count() == 4
    assert Region.objects.filter(kind=RegionKind.GRID).count() == 12
    for community in communities:
        assert community.children.filter(kind=RegionKind.GRID).count() == 3
    assert Resident.objects.count() == 200
    assert Resident.objects.filter(grid__kind=RegionKind.GRID).count() == 200
    assert PartnerUnit.objects.count() == 5
    assert set(PartnerUnit.objects.values_list("kind", flat=True)) == {
        "bank",
        "hospital",
        "property",
        "school",
        "merchant",
    }
    for unit in PartnerUnit.objects.all():
        rep = unit.representatives.get()
        assert Membership.objects.filter(user=rep, role=Role.PARTNER_REP).exists()
    assert WishPolicy.objects.filter(street=street).exists()


def test_volunteers_serve_the_street_or_one_community(accounts):
    volunteers = Membership.objects.filter(role=Role.VOLUNTEER)
    assert volunteers.values("user").distinct().count() == 30
    kinds = set(volunteers.values_list("region__kind", flat=True))
    assert kinds == {RegionKind.STREET, RegionKind.COMMUNITY}


def test_residents_are_plausible(accounts):
    residents = list(Resident.objects.prefetch_related("groups"))
    for r in residents:
        assert id_number_problem(r.id_number) is None, r.id_number
        assert r.id_number[6:14] == r.birth_date.strftime("%Y%m%d")
        assert int(r.id_number[16]) % 2 == (1 if r.gender == "M" else 0)
        assert r.phone.startswith("1") and len(r.phone) == 11 and r.phone.isdigit()
        assert r.building and r.door
    assert len({r.id_number for r in residents}) == 200
    groups = {g.code for r in residents for g in r.groups.all()}
    assert {"elderly_alone", "disabled", "low_income", "child", "new_economy"} <= groups
    assert {r.gender for r in residents} == {"F", "M"}


def test_sixty_wishes_in_every_state_with_their_history(accounts):
    assert Wish.objects.count() == 60 + 2  # and the two recorded at last Saturday's service fair
    assert set(Wish.objects.values_list("status", flat=True)) == set(WishStatus.values)
    # Made through the services: every wish has its audit trail, people were notified.
    for wish in Wish.objects.all():
        actions = list(
            AuditEntry.objects.filter(object_id=str(wish.pk), content_type__model="wish").values_list(
                "action", flat=True
            )
        )
        assert actions[0] == "submit"
        if wish.status == WishStatus.CONFIRMED:
            assert {"publish", "claim", "fulfil", "confirm"} <= set(actions)
            assert wish.published_at < wish.fulfilled_at < wish.confirmed_at
            assert wish.current_claim.status == ClaimStatus.DONE
    assert Notification.objects.exists()
    # One live claim per wish, and only where the state says there is one.
    for wish in Wish.objects.filter(
        status__in=[WishStatus.CLAIMED, WishStatus.FULFILLED, WishStatus.CONFIRMED]
    ):
        assert wish.claims.filter(status__in=Claim.LIVE_STATUSES).count() == 1
    assert not Claim.objects.filter(
        status__in=Claim.LIVE_STATUSES, wish__status=WishStatus.PUBLISHED
    ).exists()
    assert Wish.objects.exclude(reject_reason="").filter(status=WishStatus.REJECTED).count() == 3
    # a wish too big for a micro-wish went on as a demand, linked both ways
    converted = Wish.objects.get(status=WishStatus.CONVERTED)
    assert converted.demand.title == converted.title and converted.demand.resident == converted.resident
    # Spread over the last weeks, not all stamped with the moment of seeding.
    days = {w.created_at.date() for w in Wish.objects.all()}
    assert len(days) > 15


def test_json_lists_one_account_per_role_that_can_log_in(accounts):
    assert {a["role"] for a in accounts} == set(Role.values)
    for a in accounts:
        assert set(a) == {"role", "username", "password", "region", "phone"}
        user = authenticate(username=a["username"], password=a["password"])
        assert user is not None, a["username"]
        assert authenticate(username=a["phone"], password=a["password"]) == user, a  # by mobile number
        validate_password(a["password"], user)  # the demo password keeps the password rules
        assert access.roles_at(user, Region.objects.get(name=a["region"]).path) >= {a["role"]}
    usernames = {a["username"] for a in accounts}
    assert {"admin", "staff", "grid", "volunteer", "partner", "dept", "resident"} <= usernames
    resident_user = authenticate(username="resident", password="weiguang2026")
    assert resident_user.resident.wishes.exists()
    assert authenticate(username="admin", password="weiguang2026").is_superuser


def test_table_output_names_the_password():
    out = run()
    assert "weiguang2026" in out
    assert "the street admin (admin) is asked to set up an authenticator app" in out
    for username in ["admin", "staff", "grid", "volunteer", "partner", "dept", "resident"]:
        assert f" {username} " in out


def test_second_run_refuses_and_if_empty_is_a_no_op(accounts):
    counts = (
        Region.objects.count(),
        Resident.objects.count(),
        Wish.objects.count(),
        AuditEntry.objects.count(),
    )
    with pytest.raises(CommandError, match="empty database"):
        run()
    assert json.loads(run("--if-empty", "--json")) == []
    again = run("--if-empty")
    assert "not loaded" in again
    # `make run` on a second start still shows how to log in
    for username in ("admin", "staff", "grid", "volunteer", "partner", "dept", "resident"):
        assert f" {username} " in again
    assert "weiguang2026" in again
    assert (
        Region.objects.count(),
        Resident.objects.count(),
        Wish.objects.count(),
        AuditEntry.objects.count(),
    ) == counts


def test_if_empty_loads_an_empty_database():
    out = run("--if-empty")
    assert "weiguang2026" in out
    assert Wish.objects.count() == 60 + 2  # with the service fair's two


def test_same_seed_same_street():
    def snapshot():
        """Seed inside a savepoint, read what a user would see, then roll it all back."""
        with transaction.atomic():
            run("--json")
            seen = (
                list(Resident.objects.order_by("id").values_list("name", "id_number", "phone")),
                list(Wish.objects.order_by("id").values_list("title", "status")),
                list(
                    Demand.objects.order_by("id").values_list(
                        "title", "status", "evaluation", "resident__name"
                    )
                ),
                list(Volunteer.objects.order_by("id").values_list("name", "status", "party_member")),
                list(ServiceRecord.objects.order_by("id").values_list("kind", "hours", "status")),
            )
            transaction.set_rollback(True)
        return seen

    first = snapshot()
    assert not Region.objects.exists()
    assert snapshot() == first


# --- demands: one seeded street for these read-only tests ------------------------------


@pytest.fixture(scope="class")
def demo_street(django_db_setup, django_db_blocker):
    """Seeded once for the class inside a transaction rolled back afterwards; each test runs
    in a savepoint of it (pytest-django's `db`)."""
    locmem = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "seed"}}
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    yield from built_once(
        django_db_blocker, lambda: json.loads(run("--json")), CACHES=locmem, PASSWORD_HASHERS=fast
    )


@pytest.fixture
def seeded(demo_street, db):
    return demo_street


class TestDemoDemands:
    """Demands in every state, two departments, the calendar, a desk session, meetings."""

    def test_demands_in_every_state_made_through_the_services(self, seeded):
        assert 50 <= Demand.objects.count() <= 80
        assert set(Demand.objects.values_list("status", flat=True)) == set(DemandStatus.values)
        closed = Demand.objects.filter(status=DemandStatus.CLOSED)
        assert set(closed.values_list("evaluation", flat=True)) == {
            *Evaluation.values,
            "",
        }  # "" closed by the job
        assert all(d.closed_at for d in closed)
        for d in Demand.objects.all():
            entries = list(history_of(d).order_by("created_at", "id"))
            assert entries[0].action == "submit", d.title
            state = DemandStatus.RECEIVED
            for e in entries[1:]:
                t = DEMAND_TRANSITIONS[e.action]
                assert e.from_state == state and state in t.sources, (d.title, e.action, state)
                state = e.to_state
            assert state == d.status, d.title
            assert d.created_at <= d.updated_at and d.created_at < d.response_due < d.handle_due or d.urgent
        handled = Demand.objects.filter(status__in=[DemandStatus.HANDLED, DemandStatus.REPLIED])
        assert all(d.result and not d.live_transfers().exists() for d in handled)
        assert Demand.objects.filter(status=DemandStatus.REOPENED, warning_count=1).count() >= 2
        # spread over the last weeks, with the queue showing every colour it can today
        assert len({d.created_at.date() for d in Demand.objects.all()}) > 15
        colours = {
            d.colour() for d in Demand.objects.filter(status__in=["received", "assigned", "transferred"])
        }
        assert {"green", "red"} <= colours

    def test_two_departments_with_transfers_and_a_summoned_department(self, seeded):
        street = Region.objects.get(kind=RegionKind.STREET)
        departments = Department.objects.filter(street=street)
        assert set(departments.values_list("name", flat=True)) == {"城市管理办公室", "社会事务办公室"}
        dept = authenticate(username="dept", password="weiguang2026")
        assert dept.departments.get().name == "城市管理办公室"
        for department in departments:
            assert department.handlers.exists()
            assert department.transfers.filter(status__in=Transfer.LIVE_STATUSES).exists()
        two = [
            d
            for d in Demand.objects.filter(status=DemandStatus.TRANSFERRED)
            if d.live_transfers().count() == 2
        ]
        assert two
        summoned = Transfer.objects.filter(summoned=True)
        assert summoned.exists() and summoned.first().demand.status == DemandStatus.TRANSFERRED
        for d in Demand.objects.filter(status__in=["transferred", "returned"]):
            for t in d.live_transfers():
                assert t.deadline == d.handle_due
        # a finished report of each department, combined where two departments reported
        assert (
            Demand.objects.filter(result__contains="城市管理办公室：")
            .filter(result__contains="社会事务办公室：")
            .exists()
        )

    def test_the_street_keeps_a_holiday_calendar(self, seeded):
        street = Region.objects.get(kind=RegionKind.STREET)
        years = {h.date.year for h in Holiday.objects.filter(street=street)}
        assert years == {2026, 2027}
        assert Holiday.objects.filter(street=street, is_workday=True).count() >= 10
        # every entry changes something: holidays fall on weekdays, make-up days on weekends
        for h in Holiday.objects.filter(street=street):
            assert (h.date.weekday() >= 5) == h.is_workday, h
        assert not calendar.is_workday(street, dt.date(2026, 10, 5))  # National Day, a Monday
        assert calendar.is_workday(street, dt.date(2026, 10, 10))  # the make-up Saturday
        assert not calendar.is_workday(street, dt.date(2026, 2, 17))  # Spring Festival
        assert calendar.is_workday(street, dt.date(2026, 2, 14))
        assert calendar.add_working_days(street, dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)

    def test_a_desk_session_and_the_meetings(self, seeded):
        session = IntakeSession.objects.get(kind="desk")  # the other is the service fair's (kind "fair")
        summary = stats.session_summary(session)
        assert (summary.total, summary.resolved_on_spot, summary.transferred, summary.assigned) == (
            12,
            8,
            3,
            1,
        )
        assert session.demands.filter(channel="desk").count() == 12
        decided = Deliberation.objects.get(status="decided")
        assert decided.decision and decided.decided_at and decided.attendees
        assert decided.referred.count() == 2 and decided.action_items.count() == 2
        assert set(decided.action_items.values_list("channel", flat=True)) == {"deliberation"}
        assert all(item.assignee_id for item in decided.action_items.all())
        scheduled = Deliberation.objects.get(status="scheduled")
        assert scheduled.held_at > timezone.now()
        assert scheduled.referred.filter(status=DemandStatus.DELIBERATING).count() == 3
        categories = DemandCategory.objects.filter(parent=None)
        assert categories.count() >= 5 and all(c.children.exists() for c in categories)

    def test_the_demo_resident_has_demands_and_one_waits_for_her_evaluation(self, seeded):
        resident = authenticate(username="resident", password="weiguang2026").resident
        mine = resident.demands.all()
        assert mine.count() >= 3
        waiting = mine.get(status=DemandStatus.REPLIED)
        assert waiting.reply and waiting.public_reply
        assert mine.filter(status=DemandStatus.CLOSED, evaluation="satisfied").exists()
        assert Notification.objects.filter(recipient=resident.user, url=f"/demands/{waiting.pk}/").exists()

    def test_no_private_data_where_the_public_follows_a_demand(self, seeded, client):
        """The tracking page and API (anyone with the code) and a volunteer's view of the demand
        API show nothing of the resident: no name, phone, ID number or door."""
        from tests.wishes.test_privacy_pages import leaks, secrets_of

        secrets = secrets_of(Resident.objects.all())
        try:
            page_url = reverse("demand_track", args=["X"]).removesuffix("X/")
        except NoReverseMatch:  # the pages are not there yet
            page_url = None
        for d in Demand.objects.all():
            body = client.get(f"/api/v1/demands/track/{d.tracking_code}").content.decode()
            assert d.status in body
            assert not leaks(body, secrets), (d.title, leaks(body, secrets))
            if page_url:
                page = client.get(f"{page_url}{d.tracking_code}/").content.decode()
                assert not leaks(page, secrets), (d.title, leaks(page, secrets))
        volunteer = Client()
        volunteer.force_login(authenticate(username="volunteer", password="weiguang2026"))
        listing = volunteer.get("/api/v1/demands").json()
        assert listing["count"] == 0
        some = Demand.objects.filter(resident__isnull=False).first()
        assert volunteer.get(f"/api/v1/demands/{some.pk}").status_code == 404


class TestDemoVolunteersAndPartners:
    """The volunteers' life and the partners' three lists, made through their services."""

    def test_volunteers_are_registered_approved_and_have_verified_hours(self, seeded):
        volunteers = Volunteer.objects.all()
        assert volunteers.count() == 30
        assert set(volunteers.values_list("status", flat=True)) == {VolunteerStatus.APPROVED}
        assert all(
            problem is None
            for problem in map(id_number_problem, volunteers.values_list("id_number", flat=True))
        )
        assert Team.objects.count() == 7
        kinds = set(ServiceRecord.objects.filter(status=RecordStatus.VERIFIED).values_list("kind", flat=True))
        assert {RecordKind.WISH, RecordKind.ACTIVITY, RecordKind.HONOUR} <= kinds
        # The points of verified hours were partly spent at the love supermarket.
        assert Redemption.objects.exists()
        demo = Volunteer.objects.get(user__username="volunteer")
        assert demo.certificates.exists()
        # Nothing in the demo lies in the future.
        now = timezone.now()
        assert not ServiceRecord.objects.filter(created_at__gt=now).exists()

    def test_partners_have_resources_a_survey_and_projects(self, seeded):
        assert Alliance.objects.get().units.count() == PartnerUnit.objects.count() == 5
        assert Resource.objects.count() >= 5
        assert Survey.objects.get().responses.exists()
        projects = Project.objects.order_by("id")
        assert [p.status for p in projects] == [ProjectStatus.RUNNING, ProjectStatus.DONE]
        assert all(p.resources.exists() for p in projects)

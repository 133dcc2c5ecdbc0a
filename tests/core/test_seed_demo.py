"""`weiguang seed_demo`: the demo street a new user sees after `make run`."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from weiguang.core.models import AuditEntry, Notification
from weiguang.core.privacy import id_number_problem
from weiguang.demands.models import Demand
from weiguang.partners.models import PartnerUnit
from weiguang.people.models import Resident
from weiguang.regions import access
from weiguang.regions.models import Membership, Region, RegionKind, Role
from weiguang.wishes.models import Claim, ClaimStatus, Wish, WishPolicy, WishStatus

pytestmark = pytest.mark.django_db


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
    assert Wish.objects.count() == 60
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
        assert set(a) == {"role", "username", "password", "region"}
        user = authenticate(username=a["username"], password=a["password"])
        assert user is not None, a["username"]
        assert access.roles_at(user, Region.objects.get(name=a["region"]).path) >= {a["role"]}
    usernames = {a["username"] for a in accounts}
    assert {"admin", "staff", "grid", "volunteer", "partner", "dept", "resident"} <= usernames
    resident_user = authenticate(username="resident", password="weiguang2026")
    assert resident_user.resident.wishes.exists()
    assert authenticate(username="admin", password="weiguang2026").is_superuser


def test_table_output_names_the_password():
    out = run()
    assert "weiguang2026" in out
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
    assert Wish.objects.count() == 60


def test_same_seed_same_street():
    run("--json")
    first = list(Resident.objects.order_by("id").values_list("name", "id_number", "phone"))
    statuses = list(Wish.objects.order_by("id").values_list("title", "status"))
    from django.contrib.auth import get_user_model

    Demand.objects.all().delete()
    Claim.objects.all().delete()
    Wish.objects.all().delete()
    Resident.objects.all().delete()
    PartnerUnit.objects.all().delete()
    WishPolicy.objects.all().delete()
    get_user_model().objects.all().delete()
    for kind in [RegionKind.GRID, RegionKind.COMMUNITY, RegionKind.STREET, RegionKind.DISTRICT]:
        Region.objects.filter(kind=kind).delete()
    run("--json")
    assert list(Resident.objects.order_by("id").values_list("name", "id_number", "phone")) == first
    assert list(Wish.objects.order_by("id").values_list("title", "status")) == statuses

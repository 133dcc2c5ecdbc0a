"""Volunteers as their organisers see them: registration and approval, teams, the service
ledger (append-only, verified before it counts), honour hours, points and the love
supermarket, star levels, rankings and certificates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from weiguang.core.audit import history_of
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.regions import access
from weiguang.regions.models import Membership, Role
from weiguang.volunteers import services
from weiguang.volunteers.models import (
    PointsEntry,
    PointsRule,
    RecordKind,
    RecordStatus,
    RewardItem,
    ServiceRecord,
    Volunteer,
    VolunteerStatus,
)
from weiguang.wishes import services as wish_services

from ..factories import UserFactory, make_id_number

pytestmark = pytest.mark.django_db


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


# --- registration ----------------------------------------------------------------------------


class TestRegistration:
    def test_a_new_volunteer_waits_for_the_community(self, people, register, skills):
        user = UserFactory(username="newvol", first_name="刘新")
        v = register(user, skills=[skills["理发"]], availability={"sat": ["am", "am", "pm"]}, party_member=True,
                     dual_reporting_unit="青岛银行")  # fmt: skip
        assert v.status == VolunteerStatus.PENDING and v.number is None
        assert v.availability == {"sat": ["am", "pm"]} and v.dual_reporting_unit == "青岛银行"
        assert not Membership.objects.filter(user=user, role=Role.VOLUNTEER).exists()
        assert v.masked_id_number.startswith(v.id_number[:4]) and v.id_number[6:14] not in v.masked_id_number
        # the community's staff are told
        assert people.staff.notifications.filter(title__contains=v.masked_name).exists()

    @pytest.mark.parametrize(
        "field,value",
        [
            ("id_number", "37020319800101123"),  # 17 characters
            ("id_number", "370203198013011234"),  # month 13
            (
                "id_number",
                make_id_number(7)[:17] + ("0" if make_id_number(7)[17] != "0" else "1"),
            ),  # check digit
            ("phone", "12345"),
            ("name", "李"),
        ],
    )
    def test_bad_details_are_refused_with_the_field(self, people, register, field, value):
        with pytest.raises(InvalidInput) as e:
            register(UserFactory(username=f"bad{field}{len(value)}"), **{field: value})
        assert field in e.value.fields
        assert not Volunteer.objects.exists()

    def test_the_check_digit_message_is_clear(self, register):
        good = make_id_number(42)
        wrong = good[:17] + ("1" if good[17] != "1" else "2")
        with translation.override("zh-hans"), pytest.raises(InvalidInput) as e:
            register(UserFactory(username="cd"), id_number=wrong)
        assert "校验位" in e.value.message  # "the check digit is wrong", in the user's language

    def test_one_registration_per_person_and_per_id_number(self, register):
        user = UserFactory(username="twice")
        v = register(user)
        with pytest.raises(Conflict):
            register(user)
        with pytest.raises(InvalidInput) as e:
            register(UserFactory(username="other"), id_number=v.id_number)
        assert e.value.fields == {"id_number": "taken"}

    def test_approval_gives_a_number_and_the_right_to_claim(self, people, register, make_wish):
        user = UserFactory(username="tobe", first_name="何军")
        v = register(user)
        with pytest.raises(NotAllowed):
            services.approve_volunteer(v, people.staff_b)  # staff of another community
        with pytest.raises(NotAllowed):
            services.approve_volunteer(v, user)  # not oneself
        v = services.approve_volunteer(v, people.staff)
        assert (
            v.status == VolunteerStatus.APPROVED and v.number.startswith("WG") and v.id_number not in v.number
        )
        wish = make_wish("published")
        assert access.can(fresh(user), "wish.claim", wish)  # fresh: roles are cached per request
        services.suspend_volunteer(v, people.staff, reason="长期未参加活动")
        assert not access.can(fresh(user), "wish.claim", wish)
        services.reinstate_volunteer(fresh(v), people.staff)
        assert access.can(fresh(user), "wish.claim", wish)

    def test_rejected_then_applies_again(self, people, register):
        user = UserFactory(username="again")
        v = services.reject_volunteer(register(user), people.staff, reason="请补充联系方式")
        assert v.status == VolunteerStatus.REJECTED and v.reject_reason == "请补充联系方式"
        with pytest.raises(NotAllowed):
            services.resubmit_volunteer(v, people.staff)  # only the volunteer
        assert services.resubmit_volunteer(v, user).status == VolunteerStatus.PENDING


# --- the ledger ------------------------------------------------------------------------------


class TestLedger:
    def test_a_fulfilled_wish_becomes_hours_and_points_once_verified(self, people, approved, make_wish):
        user = UserFactory(username="helper", first_name="高志愿")
        v = approved(user)
        wish = make_wish("published")
        wish = wish_services.claim_wish(wish, user)
        wish_services.fulfil_wish(wish, user, note="送去了电饭煲", hours="1.5")
        (record,) = ServiceRecord.objects.filter(volunteer=v)
        assert (record.kind, record.hours, record.status, record.wish_id) == (
            RecordKind.WISH, Decimal("1.50"), RecordStatus.PENDING, wish.pk,
        )  # fmt: skip
        assert fresh(v).verified_hours == 0 and fresh(v).points_balance == 0  # not yet
        with pytest.raises(NotAllowed):
            services.verify_record(record, people.staff_b)
        with pytest.raises(NotAllowed):
            services.verify_record(record, user)
        services.verify_record(record, people.staff)
        v = fresh(v)
        assert v.verified_hours == Decimal("1.50") and v.points_balance == 15  # 10 points an hour
        assert services.ledger_totals(v) == (Decimal("1.50"), 15)
        with pytest.raises(Conflict):
            services.verify_record(fresh(record), people.staff)  # counted once

    def test_records_and_points_are_never_edited_in_place(self, people, approved):
        v = approved(UserFactory(username="ro"))
        record = services.add_honour_hours(v, people.staff, hours=2, reason="抗疫值守")
        record.hours = Decimal("20")
        with pytest.raises(ValueError):
            record.save()
        entry = PointsEntry.objects.get(record=record)
        entry.delta = 9999
        with pytest.raises(ValueError):
            entry.save()
        assert fresh(v).verified_hours == Decimal("2.00")

    def test_a_correction_is_a_new_entry(self, people, approved):
        v = approved(UserFactory(username="corr"))
        record = services.add_honour_hours(v, people.staff, hours=3, reason="防汛值守")
        correction = services.correct_record(record, people.staff, hours="-1", reason="实际2小时")
        assert correction.kind == RecordKind.CORRECTION and correction.corrects == record
        assert fresh(record).hours == Decimal("3.00")  # untouched
        v = fresh(v)
        assert v.verified_hours == Decimal("2.00") and v.points_balance == 20
        assert services.ledger_totals(v) == (Decimal("2.00"), 20)
        with pytest.raises(InvalidInput):
            services.correct_record(record, people.staff, hours="-5", reason="太多了")

    def test_honour_hours_are_capped_and_marked(self, people, approved, settings):
        settings.WEIGUANG = {**settings.WEIGUANG, "HONOUR_HOURS_PER_YEAR": 10}
        v = approved(UserFactory(username="hon"))
        with pytest.raises(NotAllowed):
            services.add_honour_hours(v, people.grid_worker, hours=1, reason="x")
        services.add_honour_hours(v, people.staff, hours=8, reason="先进个人")
        with pytest.raises(InvalidInput) as e:
            services.add_honour_hours(v, people.staff, hours=3, reason="再加")
        assert e.value.fields == {"hours": "over_cap"} and "2" in e.value.message
        (record,) = ServiceRecord.objects.filter(volunteer=v)
        assert record.kind == RecordKind.HONOUR and record.status == RecordStatus.VERIFIED

    def test_a_team_activity_counts_check_in_to_check_out(self, people, approved):
        leader = UserFactory(username="leader", first_name="队长")
        team = services.create_team(people.staff, region=people.tree.community_a, name="橙色关爱队",
                                    colour="orange", leaders=[leader])  # fmt: skip
        members = [approved(UserFactory(username=f"m{i}")) for i in range(2)]
        outsider = approved(UserFactory(username="notin"))
        for m in members:
            membership = services.request_to_join(team, m.user)
            services.decide_membership(membership, leader, accept=True)
        day = timezone.localdate() - dt.timedelta(days=1)
        start = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))
        with pytest.raises(InvalidInput):
            services.record_activity(team, leader, title="入户探访", date=day,
                                     attendance=[(outsider, start, start + dt.timedelta(hours=2))])  # fmt: skip
        with pytest.raises(InvalidInput):
            services.record_activity(team, leader, title="入户探访", date=day,
                                     attendance=[(members[0], start, start)])  # fmt: skip
        with pytest.raises(NotAllowed):
            services.record_activity(team, members[0].user, title="入户探访", date=day,
                                     attendance=[(members[1], start, start + dt.timedelta(hours=1))])  # fmt: skip
        activity = services.record_activity(
            team, leader, title="入户探访", date=day, place="七星里",
            attendance=[(members[0], start, start + dt.timedelta(hours=2, minutes=30)),
                        (members[1], start, start + dt.timedelta(minutes=45))],
        )  # fmt: skip
        hours = sorted(r.hours for r in activity.records.all())
        assert hours == [Decimal("0.75"), Decimal("2.50")]
        assert {r.status for r in activity.records.all()} == {RecordStatus.PENDING}
        assert list(services.pending_records(leader)) == list(activity.records.order_by("created_at", "id"))
        for r in activity.records.all():
            services.verify_record(r, leader)
        assert fresh(members[0]).verified_hours == Decimal("2.50")

    def test_party_members_and_leaders_earn_by_the_street_rule(self, people, approved):
        PointsRule.objects.create(
            street=people.tree.street, per_hour=10, party_member_multiplier=Decimal("1.2")
        )
        member = approved(UserFactory(username="pm"), party_member=True, dual_reporting_unit="区税务局")
        services.add_honour_hours(member, people.staff, hours=5, reason="x")
        assert fresh(member).points_balance == 60


# --- points ----------------------------------------------------------------------------------


class TestRedemption:
    def test_no_one_spends_what_they_do_not_have(self, people, approved, tree):
        v = approved(UserFactory(username="spender"))
        services.add_honour_hours(v, people.staff, hours=3, reason="x")  # 30 points
        rice = services.create_reward_item(
            people.street_admin, street=tree.street, name="大米一袋", points=20, stock=1
        )
        with pytest.raises(NotAllowed):
            services.create_reward_item(people.staff, street=tree.street, name="油", points=5, stock=3)
        services.redeem(v.user, rice)
        v = fresh(v)
        assert v.points_balance == 10 and fresh(rice).stock == 0
        with pytest.raises(Conflict) as e:
            services.redeem(v.user, rice)
        assert e.value.code == "out_of_stock"
        services.restock(rice, people.street_admin, add=5)
        with pytest.raises(Conflict) as e:
            services.redeem(v.user, rice)
        assert e.value.code == "not_enough_points"
        assert services.ledger_totals(fresh(v)) == (Decimal("3.00"), 10)
        other_street_item = RewardItem.objects.create(
            street=tree.other_street, name="外街", points=1, stock=5
        )
        with pytest.raises(Conflict):
            services.redeem(v.user, other_street_item)


# --- levels, rankings, certificates --------------------------------------------------------------


def test_star_levels_by_hours():
    assert [services.star_level(h) for h in [0, 99.99, 100, 300, 999, 1000, 1500, 5000]] == [
        0,
        0,
        1,
        2,
        3,
        4,
        5,
        5,
    ]


def test_rankings_by_hours_and_by_wishes_lit(people, approved, make_wish, tree):
    a = approved(UserFactory(username="ra", first_name="张大军"))
    b = approved(UserFactory(username="rb", first_name="李小红"))
    services.add_honour_hours(a, people.staff, hours=2, reason="x")
    services.add_honour_hours(b, people.staff, hours=5, reason="x")
    top = services.ranking(tree.street, period="month", by="hours")
    assert [(r["rank"], r["name"], r["value"]) for r in top] == [
        (1, "李**", Decimal("5.00")),
        (2, "张**", Decimal("2.00")),
    ]
    wish = wish_services.claim_wish(make_wish("published"), a.user)
    wish = wish_services.fulfil_wish(wish, a.user, note="修好了")
    wish_services.confirm_wish(wish, people.resident_user, thanks="谢谢")
    lit = services.ranking(tree.street, period="year", by="lit")
    assert [(r["name"], r["value"]) for r in lit] == [("张**", 1)]
    assert services.ranking(tree.other_street, period="year", by="lit") == []


def test_a_certificate_is_a_snapshot_with_a_number(people, approved, tree):
    v = approved(UserFactory(username="cert", first_name="王志远"))
    services.add_honour_hours(v, people.staff, hours=4, reason="社区值守")
    with pytest.raises(NotAllowed):
        services.issue_certificate(v, people.volunteer)
    first = services.issue_certificate(v, v.user)
    second = services.issue_certificate(v, people.staff)
    assert first.number != second.number and first.hours == Decimal("4.00")
    assert "社区值守" in first.content and first.issuer.startswith(tree.street.name)
    services.add_honour_hours(v, people.staff, hours=1, reason="再来")
    assert fresh(first).hours == Decimal("4.00")  # a snapshot
    assert [e.action for e in history_of(first)] == ["issue"]

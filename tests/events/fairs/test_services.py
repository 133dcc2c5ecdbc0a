"""Stalls, queue numbers (lanes, position, call / skip / recall), slots, whom a stall served,
what the fair collected, food-bank rounds and the summary."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F
from django.utils import timezone

from tests.factories import ResidentFactory
from weiguang.core.capacity import Full
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.demands.models import SessionKind
from weiguang.events import services as event_services
from weiguang.events.fairs import services
from weiguang.events.fairs.summary import fair_summary
from weiguang.events.models import (
    BookingStatus,
    FoodParcel,
    Lane,
    QueueTicket,
    StallVisit,
    TicketStatus,
    VisitKind,
)
from weiguang.people.models import PopulationGroup

from .conftest import make_fair, young

pytestmark = pytest.mark.django_db


def test_a_fair_owns_exactly_one_intake_session_made_with_it(fair):
    session = fair.intake_session
    assert session is not None and session.kind == SessionKind.FAIR and session.title == fair.title
    assert services.intake_session_for(fair) == session
    assert session.fair == fair


def test_stall_providers_partner_team_department(fair, people, tree):
    from weiguang.volunteers.models import Team

    team = Team.objects.create(name="红色先锋队", region=tree.community_a)
    s1 = services.add_stall(
        fair, people.staff, {"provider_kind": "partner", "partner": people.partner, "service": "金融知识"}
    )
    s2 = services.add_stall(
        fair, people.staff, {"provider_kind": "team", "team": team, "service": "义务理发"}
    )
    s3 = services.add_stall(
        fair,
        people.staff,
        {"provider_kind": "department", "department_name": "司法所", "service": "法律咨询"},
    )
    assert [s.number for s in (s1, s2, s3)] == [1, 2, 3]
    assert [s.provider for s in (s1, s2, s3)] == ["青岛银行八大湖支行", "红色先锋队", "司法所"]
    with pytest.raises(InvalidInput) as e:
        services.add_stall(fair, people.staff, {"provider_kind": "department", "service": "咨询"})
    assert "department_name" in e.value.fields
    with pytest.raises(NotAllowed):
        services.add_stall(
            fair,
            people.staff_b,
            {"provider_kind": "department", "department_name": "司法所", "service": "法律"},
        )


def test_numbers_run_per_lane_and_the_priority_lane_is_called_first(stall, people, young_residents):
    a, b, c, _ = young_residents
    elder = people.resident  # born 1948: 70 and over
    disabled = young("张残", people.tree.grid_a1, username="dis")
    disabled.groups.add(PopulationGroup.objects.get(code="disabled"))
    t1 = services.take_number(stall, a.user)
    t2 = services.take_number(stall, b.user)
    t3 = services.take_number(stall, elder.user)
    t4 = services.take_number(stall, disabled.user)
    assert [t.label for t in (t1, t2, t3, t4)] == ["A001", "A002", "P001", "P002"]
    assert (t3.lane, t4.lane) == (Lane.PRIORITY, Lane.PRIORITY)
    # a normal number waits behind every priority number and the earlier normal ones
    assert services.position(t2)["ahead"] == 3
    assert services.ahead_of(t4) == 1 and services.ahead_of(t3) == 0
    called = [services.call_next(stall, people.volunteer).label for _ in range(4)]
    assert called == ["P001", "P002", "A001", "A002"]
    # each call recorded the number called before as served: three visits so far
    assert StallVisit.objects.filter(stall=stall, kind=VisitKind.TICKET).count() == 3
    with pytest.raises(Conflict) as e:
        services.call_next(stall, people.volunteer)
    assert e.value.code == "queue_empty"
    assert QueueTicket.objects.get(pk=t2.pk).status == TicketStatus.SERVED  # served when the queue ran dry


def test_expected_wait_follows_the_stalls_recent_service_times(stall, people, young_residents):
    a, b, c, d = young_residents
    tickets = [services.take_number(stall, r.user) for r in (a, b, c, d)]
    services.call_next(stall, people.volunteer)
    services.call_next(stall, people.volunteer)  # A001 served
    served = QueueTicket.objects.filter(pk=tickets[0].pk)
    served.update(called_at=F("served_at") - dt.timedelta(minutes=6))  # after 6 minutes
    pos = services.position(QueueTicket.objects.get(pk=tickets[3].pk))
    assert pos["ahead"] == 1 and pos["wait_minutes"] == 6 and pos["now_calling"] == ["A002"]


def test_skip_and_recall(stall, people, young_residents):
    a, b, *_ = young_residents
    t1 = services.take_number(stall, a.user)
    services.take_number(stall, b.user)
    first = services.call_next(stall, people.volunteer)
    skipped = services.skip_ticket(first, people.volunteer)
    assert skipped.status == TicketStatus.SKIPPED
    services.call_next(stall, people.volunteer)
    again = services.recall_ticket(t1, people.volunteer)
    assert again.status == TicketStatus.CALLED and again.calls == 2
    served = services.serve_ticket(again, people.volunteer)
    assert served.status == TicketStatus.SERVED and served.visit.kind == VisitKind.TICKET
    with pytest.raises(Conflict):
        services.recall_ticket(t1, people.volunteer)


def test_one_live_number_per_person_and_only_the_stalls_people_call(stall, people, young_residents):
    a = young_residents[0]
    t = services.take_number(stall, a.user)
    with pytest.raises(Conflict) as e:
        services.take_number(stall, a.user)
    assert "A001" in e.value.message
    for outsider in (people.volunteer2, people.outsider_staff, people.resident_user, people.staff_b):
        with pytest.raises(NotAllowed):
            services.call_next(stall, outsider)
    assert services.call_next(stall, people.staff).pk == t.pk  # staff of the fair's community may


def test_workers_take_numbers_on_behalf_by_name_with_the_priority_card(stall, people):
    t = services.take_number(stall, people.volunteer, name="李大爷", priority=True)
    assert t.label == "P001" and t.channel == "stall" and t.masked_name == "李**"
    t2 = services.take_number(stall, people.volunteer, name="周小姐")
    assert t2.label == "A001"
    with pytest.raises(NotAllowed):
        services.take_number(stall, people.volunteer2, name="外人")
    staff_taken = services.take_number(stall, people.staff, resident=people.other_resident)
    assert staff_taken.resident == people.other_resident and staff_taken.lane == Lane.PRIORITY


def test_a_closed_stall_gives_no_numbers(fair, people, young_residents):
    stall = services.add_stall(fair, people.staff, {
        "provider_kind": "department", "department_name": "司法所", "service": "法律咨询",
        "opens_at": fair.starts_at, "closes_at": timezone.now() - dt.timedelta(minutes=1),
    })  # fmt: skip
    with pytest.raises(Conflict) as e:
        services.take_number(stall, young_residents[0].user)
    assert e.value.code == "closed"


def _future_slot(stall):
    now = timezone.now()
    return next(at for at in services.slot_starts(stall) if at > now)


def test_slots_hold_per_slot_bookings(stall, people, young_residents):
    a, b, c, _ = young_residents
    at = _future_slot(stall)
    services.book_slot(stall, a.user, at)
    with pytest.raises(Conflict) as e:
        services.book_slot(stall, a.user, at)
    assert e.value.code == "already_booked"
    booking = services.book_slot(stall, b.user, at)
    with pytest.raises(Full):
        services.book_slot(stall, c.user, at)
    row = next(s for s in services.slots(stall) if s["starts_at"] == at)
    assert (row["booked"], row["free"]) == (2, 0)
    services.cancel_booking(booking, b.user)
    assert services.book_slot(stall, c.user, at).status == BookingStatus.BOOKED
    with pytest.raises(InvalidInput):
        services.book_slot(stall, people.resident_user, at + dt.timedelta(minutes=7))


def test_whom_a_stall_served_feeds_visits_and_distinct_residents(stall, people, young_residents):
    a, b, *_ = young_residents
    booking = services.book_slot(stall, a.user, _future_slot(stall))
    services.serve_booking(booking, people.volunteer)
    services.take_number(stall, a.user)
    services.call_next(stall, people.volunteer)
    services.serve_ticket(QueueTicket.objects.get(stall=stall, resident=a), people.volunteer)
    services.record_walk_in(stall, people.volunteer, name="路过的大姐")
    services.record_walk_in(stall, people.staff, resident=b)
    summary = fair_summary(stall.event)
    assert (summary.person_visits, summary.distinct_residents) == (4, 2)
    assert (summary.rows[0].visits, summary.rows[0].residents) == (4, 2)
    assert summary.unit_rows[0].name == "青岛银行八大湖支行" and summary.unit_rows[0].visits == 4


def test_wishes_and_demands_recorded_at_a_stall_belong_to_the_fair(stall, people):
    wish = services.record_wish_at_stall(
        stall, people.staff, kind="item", title="想要一个电水壶", resident=people.resident
    )
    assert wish.channel == "stall" and wish.stall_link.stall == stall
    demand = services.record_demand_at_stall(
        stall, people.staff, grid=people.tree.grid_a1, title="小区路灯不亮"
    )
    assert demand.session == stall.event.intake_session and demand.channel == "stall"
    summary = fair_summary(stall.event)
    assert (summary.wishes, summary.collected) == (1, 1)


def test_yuandong_summary(yuandong):
    fair, stalls = yuandong
    s = fair_summary(fair)
    assert (s.stalls, s.units, s.collected, s.on_spot, s.transferred) == (18, 16, 39, 27, 12)
    assert s.on_spot_share == 69.2 and s.on_spot_share_text == "69.2 %"


# --- food bank ---------------------------------------------------------------------------


@pytest.fixture
def food_round(fair, people, stall):
    groups = [PopulationGroup.objects.get(code="low_income"), PopulationGroup.objects.get(code="disabled")]
    return services.open_food_round(people.staff, region=None, event=fair, stall=stall, title="爱心食物银行第3期",
                                    date=timezone.localdate(), groups=groups, parcels=3)  # fmt: skip


def _household(people, door, *, group="low_income", signed_up=True, fair=None):
    r = young(f"户主{door}", people.tree.grid_a1, username=f"hh{door}", building="3号楼", door=door)
    if group:
        r.groups.add(PopulationGroup.objects.get(code=group))
    return r


def test_one_parcel_per_household_against_the_sign_up_code(fair, people, food_round):
    head = _household(people, "101室")
    spouse = ResidentFactory(name="户主配偶", grid=people.tree.grid_a1, building="3号楼", door="101室")
    signup = event_services.sign_up(fair.__class__.objects.get(pk=fair.pk), head.user) if False else None
    # the fair has begun, so sign-ups are made before it: give the code directly
    from weiguang.events.models import SignUp, SignUpStatus

    signup = SignUp.objects.create(event=fair, resident=head, user=head.user, name=head.name,
                                   status=SignUpStatus.CONFIRMED, code="123456")  # fmt: skip
    parcel = services.hand_out(food_round, people.volunteer, code=signup.code)
    assert parcel.resident == head and parcel.household.endswith("3号楼|101室")
    with pytest.raises(Conflict) as e:
        services.hand_out(food_round, people.staff, resident=spouse)  # same door: same household
    assert e.value.code == "already_handed_out"
    with pytest.raises(InvalidInput) as e:
        services.hand_out(food_round, people.volunteer, code="999999")
    assert e.value.fields == {"code": "not_found"}
    outsider_household = _household(people, "202室", group=None)
    with pytest.raises(InvalidInput) as e:
        services.hand_out(food_round, people.staff, resident=outsider_household)
    assert e.value.fields == {"code": "not_eligible"}
    with pytest.raises(NotAllowed):
        services.hand_out(food_round, people.volunteer2, resident=head)
    assert FoodParcel.objects.filter(round=food_round).count() == 1


def test_a_round_hands_out_no_more_parcels_than_it_has(fair, people, food_round):
    heads = [_household(people, f"{i}01室") for i in range(1, 5)]
    for h in heads[:3]:
        services.hand_out(food_round, people.staff, resident=h)
    with pytest.raises(Full):
        services.hand_out(food_round, people.staff, resident=heads[3])
    assert services.eligible_households(food_round) == 4
    assert fair_summary(fair).parcels == 3


def test_a_later_fair_gets_its_own_session(people):
    a = make_fair(people, title="春季市集", hours_from_now=24)
    b = make_fair(people, title="秋季市集", hours_from_now=48)
    assert a.intake_session_id != b.intake_session_id


def test_a_persons_data_shows_their_numbers_and_erasure_masks_the_names(stall, people, young_residents):
    from weiguang.accounts.personal_data import personal_data
    from weiguang.events.fairs import personal_data as fair_data

    a = young_residents[0]
    services.take_number(stall, a.user)
    services.record_walk_in(stall, people.staff, resident=a)
    section = next(s for s in personal_data(a.user) if s["key"] == "fairs")
    assert section["rows"][0]["detail"].startswith("A001")
    assert len(section["rows"]) == 2
    assert not [s for s in personal_data(young_residents[1].user) if s["key"] == "fairs"][0]["rows"]
    fair_data.erase(a.user, a)
    assert QueueTicket.objects.get(resident=a).name == "刘**"

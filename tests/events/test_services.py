"""Signing up, the places and the waiting list, as the services do them."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from tests.factories import ResidentFactory
from weiguang.core.audit import history_of
from weiguang.core.capacity import Full
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.core.models import Notification
from weiguang.events import services
from weiguang.events.models import SignUp, SignUpStatus
from weiguang.people.models import PopulationGroup
from weiguang.volunteers.models import Volunteer

pytestmark = pytest.mark.django_db


def statuses(event):
    return [(s.user.username if s.user else s.resident.name, s.status) for s in event.signups.order_by("id")]


def test_party_sizes_count_and_a_party_that_does_not_fit_waits(make_event, residents):
    event = make_event(capacity=4)
    first = services.sign_up(event, residents[0].user, party_size=3)
    assert first.status == SignUpStatus.CONFIRMED and len(first.code) == 6 and first.code.isdigit()
    second = services.sign_up(event, residents[1].user, party_size=2)  # 3 + 2 > 4
    assert second.status == SignUpStatus.WAITING
    third = services.sign_up(event, residents[2].user)  # 3 + 1 = 4 fits
    assert third.status == SignUpStatus.CONFIRMED
    assert services.held_places(event) == 4 and services.free_places(event) == 0
    with pytest.raises(Full):
        services.sign_up(event, residents[3].user, wait=False)
    assert [a for a in history_of(first)][0].action == "sign_up"


def test_a_full_event_refuses_at_once_without_waiting_for_its_lock(make_event, residents):
    """wait=False on a full event: refused from a count read before any lock (no transaction
    opened, so it never queues behind the winners), with the answers the lock would give."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    event = make_event(capacity=1)
    services.sign_up(event, residents[0].user)
    with CaptureQueriesContext(connection) as ctx, pytest.raises(Full):
        services.sign_up(event, residents[1].user, wait=False)
    sql = [q["sql"] for q in ctx.captured_queries]
    assert not [q for q in sql if "FOR UPDATE" in q or q.startswith(("SAVEPOINT", "BEGIN"))], sql
    with pytest.raises(Conflict) as already:  # signed up already: said so, as under the lock
        services.sign_up(event, residents[0].user, wait=False)
    assert already.value.code == "already_signed_up"
    waiting = services.sign_up(event, residents[1].user)  # wait=True still joins the list under the lock
    assert waiting.status == SignUpStatus.WAITING and SignUp.objects.filter(event=event).count() == 2


def test_codes_are_unique_within_an_event(make_event, residents):
    event = make_event(capacity=None)
    codes = {services.sign_up(event, r.user).code for r in residents}
    assert len(codes) == len(residents)


def test_signing_up_twice_is_refused(make_event, residents):
    event = make_event()
    services.sign_up(event, residents[0].user)
    with pytest.raises(Conflict) as refused:
        services.sign_up(event, residents[0].user)
    assert refused.value.code == "already_signed_up"
    assert event.signups.count() == 1


def test_only_published_events_before_they_start_take_sign_ups(make_event, residents):
    draft = make_event(status="draft")
    with pytest.raises(Conflict):
        services.sign_up(draft, residents[0].user)
    event = make_event()
    with time_machine.travel(event.starts_at + dt.timedelta(minutes=1)), pytest.raises(Conflict) as refused:
        services.sign_up(event, residents[0].user)
    assert refused.value.code == "started"
    assert not SignUp.objects.exists()


def test_party_size_is_bounded(make_event, residents):
    event = make_event(max_party_size=2, capacity=10)
    for bad in (0, -1, 3):
        with pytest.raises(InvalidInput) as refused:
            services.sign_up(event, residents[0].user, party_size=bad)
        assert "party_size" in refused.value.fields
    assert not event.signups.exists()


def test_a_cancellation_offers_the_place_to_the_next_waiting_who_fits(make_event, residents, people):
    event = make_event(capacity=3)
    a = services.sign_up(event, residents[0].user, party_size=2)
    services.sign_up(event, residents[4].user, party_size=1)
    big = services.sign_up(event, residents[1].user, party_size=3)
    small = services.sign_up(event, residents[2].user, party_size=1)
    later = services.sign_up(event, residents[3].user, party_size=1)
    assert big.status == small.status == later.status == SignUpStatus.WAITING

    services.cancel_signup(a, residents[0].user)
    # 2 places free: the party of 3 does not fit, the next two parties of 1 do
    statuses_now = {s.pk: s.status for s in event.signups.all()}
    assert statuses_now[a.pk] == SignUpStatus.CANCELLED
    assert statuses_now[big.pk] == SignUpStatus.WAITING
    assert statuses_now[small.pk] == statuses_now[later.pk] == SignUpStatus.OFFERED
    small.refresh_from_db()
    assert small.offer_expires_at == small.offered_at + dt.timedelta(minutes=30)
    note = Notification.objects.get(recipient=residents[2].user)
    assert "七一主题党日" in note.title


def test_a_closed_event_takes_no_one_new_but_its_waiting_list_moves_up(make_event, residents, people):
    event = make_event(capacity=1)
    a = services.sign_up(event, residents[0].user)
    b = services.sign_up(event, residents[1].user)
    event = services.close_event(event, people.staff)
    with pytest.raises(Conflict) as refused:
        services.sign_up(event, residents[2].user)
    assert refused.value.code == "not_open"
    services.cancel_signup(a, residents[0].user)
    b.refresh_from_db()
    assert b.status == SignUpStatus.OFFERED


def test_cancelling_twice_frees_nothing_twice(make_event, residents):
    event = make_event(capacity=1)
    a = services.sign_up(event, residents[0].user)
    b = services.sign_up(event, residents[1].user)
    c = services.sign_up(event, residents[2].user)
    services.cancel_signup(a, residents[0].user)
    with pytest.raises(Conflict):
        services.cancel_signup(a, residents[0].user)
    b.refresh_from_db()
    c.refresh_from_db()
    assert (b.status, c.status) == (SignUpStatus.OFFERED, SignUpStatus.WAITING)
    assert services.held_places(event) == 1


def test_no_cancelling_once_the_event_started(make_event, residents):
    event = make_event(capacity=1)
    a = services.sign_up(event, residents[0].user)
    services.sign_up(event, residents[1].user)
    with time_machine.travel(event.starts_at + dt.timedelta(minutes=5)), pytest.raises(Conflict) as refused:
        services.cancel_signup(a, residents[0].user)
    assert refused.value.code == "started"
    assert statuses(event) == [("res0", "confirmed"), ("res1", "waiting")]


def test_an_offer_taken_in_time_confirms(make_event, residents):
    event = make_event(capacity=1)
    a = services.sign_up(event, residents[0].user)
    b = services.sign_up(event, residents[1].user)
    services.cancel_signup(a, residents[0].user)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=29)):
        b = services.accept_offer(b, residents[1].user)
    assert b.status == SignUpStatus.CONFIRMED and b.confirmed_at is not None
    with pytest.raises(NotAllowed):
        services.accept_offer(b, residents[2].user)


def test_an_expired_offer_moves_on_by_the_periodic_job(make_event, residents):
    event = make_event(capacity=1)
    a = services.sign_up(event, residents[0].user)
    b = services.sign_up(event, residents[1].user)
    c = services.sign_up(event, residents[2].user)
    services.cancel_signup(a, residents[0].user)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=29)):
        assert services.expire_offers() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31)):
        assert services.expire_offers() == 1
        b.refresh_from_db()
        c.refresh_from_db()
        assert (b.status, c.status) == (SignUpStatus.EXPIRED, SignUpStatus.OFFERED)
        with pytest.raises(Conflict):
            services.accept_offer(b, residents[1].user)
    assert services.held_places(event) == 1


def test_taking_an_offer_too_late_lapses_it_at_once(make_event, residents):
    event = make_event(capacity=1)
    a = services.sign_up(event, residents[0].user)
    b = services.sign_up(event, residents[1].user)
    c = services.sign_up(event, residents[2].user)
    services.cancel_signup(a, residents[0].user)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31)), pytest.raises(Conflict) as refused:
        services.accept_offer(b, residents[1].user)
    assert refused.value.code == "expired"
    c.refresh_from_db()
    b.refresh_from_db()
    assert (b.status, c.status) == (SignUpStatus.EXPIRED, SignUpStatus.OFFERED)


@override_settings(WEIGUANG={"EVENT_OFFER_MINUTES": 10})
def test_offer_time_from_settings_or_the_event(make_event, residents):
    event = make_event(capacity=1)
    a = services.sign_up(event, residents[0].user)
    b = services.sign_up(event, residents[1].user)
    services.cancel_signup(a, residents[0].user)
    b.refresh_from_db()
    assert b.offer_expires_at - b.offered_at == dt.timedelta(minutes=10)
    other = make_event(capacity=1, offer_minutes=120)
    x = services.sign_up(other, residents[2].user)
    y = services.sign_up(other, residents[3].user)
    services.cancel_signup(x, residents[2].user)
    y.refresh_from_db()
    assert y.offer_expires_at - y.offered_at == dt.timedelta(minutes=120)


def test_automatic_promotion_confirms_without_asking(make_event, residents):
    event = make_event(capacity=1, auto_promote=True)
    a = services.sign_up(event, residents[0].user)
    b = services.sign_up(event, residents[1].user)
    services.cancel_signup(a, residents[0].user)
    b.refresh_from_db()
    assert b.status == SignUpStatus.CONFIRMED and b.offer_expires_at is None


def test_leaving_the_waiting_list(make_event, residents):
    event = make_event(capacity=1)
    services.sign_up(event, residents[0].user)
    b = services.sign_up(event, residents[1].user)
    b = services.leave_waiting_list(b, residents[1].user)
    assert b.status == SignUpStatus.LEFT
    again = services.sign_up(event, residents[1].user)  # may join again, at the end
    assert again.status == SignUpStatus.WAITING and again.code != b.code


def test_more_places_go_to_the_waiting_list(make_event, residents, people):
    event = make_event(capacity=1)
    services.sign_up(event, residents[0].user)
    b = services.sign_up(event, residents[1].user)
    services.update_event(event, people.staff, {"capacity": 2})
    b.refresh_from_db()
    assert b.status == SignUpStatus.OFFERED
    with pytest.raises(InvalidInput) as refused:
        services.update_event(event, people.staff, {"capacity": 1})
    assert "capacity" in refused.value.fields


def test_eligibility(make_event, residents, people, tree):
    elderly = PopulationGroup.objects.get(code="elderly")
    event = make_event(capacity=None, groups=[elderly], min_age=60)
    with pytest.raises(InvalidInput) as refused:
        services.sign_up(event, residents[0].user)
    assert refused.value.code == "not_in_group"
    residents[0].groups.add(elderly)
    services.sign_up(event, residents[0].user)  # born 1948
    young = residents[1]
    young.groups.add(elderly)
    young.birth_date = dt.date(2000, 1, 1)
    young.save()
    with pytest.raises(InvalidInput) as refused:
        services.sign_up(event, young.user)
    assert refused.value.code == "too_young"
    # residents of another community of the street, and people without a resident record
    outsider = ResidentFactory(name="何其", grid=tree.grid_b1, user=people.stranger)
    plain = make_event(capacity=None)
    with pytest.raises(InvalidInput) as refused:
        services.sign_up(plain, outsider.user)
    assert refused.value.code == "other_region"
    with pytest.raises(InvalidInput) as refused:
        services.sign_up(plain, people.volunteer)
    assert refused.value.code == "not_resident"
    open_event = make_event(capacity=None, residents_only=False)
    assert services.sign_up(open_event, people.volunteer).status == SignUpStatus.CONFIRMED


def test_party_members_only(make_event, residents):
    event = make_event(party_members_only=True)
    with pytest.raises(InvalidInput) as refused:
        services.sign_up(event, residents[0].user)
    assert refused.value.code == "not_party_member"
    Volunteer.objects.create(
        user=residents[0].user, name=residents[0].name, phone="13900000001", id_number=residents[0].id_number,
        home_region=residents[0].grid, party_member=True,
    )  # fmt: skip
    assert services.sign_up(event, residents[0].user).status == SignUpStatus.CONFIRMED


def test_on_behalf(make_event, people, tree):
    event = make_event(capacity=5)
    signup = services.sign_up(event, people.grid_worker, resident=people.resident.pk, party_size=2)
    assert (signup.resident, signup.user, signup.signed_up_by) == (
        people.resident,
        people.resident_user,
        people.grid_worker,
    )
    assert signup in services.my_signups(people.resident_user)
    # a resident outside the actor's region: refused, nothing written
    for actor, resident in [
        (people.grid_worker, people.other_resident),  # grid A2, the worker serves A1
        (people.outsider_staff, ResidentFactory(grid=tree.grid_a1)),
        (people.outsider_grid_worker, ResidentFactory(grid=tree.grid_a1)),
        (people.staff_b, ResidentFactory(grid=tree.grid_a2)),
        (people.volunteer, ResidentFactory(grid=tree.grid_a2)),
    ]:
        with pytest.raises(NotAllowed):
            services.sign_up(event, actor, resident=resident.pk)
    assert event.signups.count() == 1
    # staff of the community sign up any of its residents; not one of another street's
    other = ResidentFactory(grid=tree.other_grid)
    assert services.sign_up(event, people.staff, resident=people.other_resident.pk).status == "confirmed"
    with pytest.raises(NotAllowed):
        services.sign_up(event, people.staff, resident=other.pk)


def test_event_lifecycle_and_access(make_event, people, residents):
    event = make_event(status="draft")
    with pytest.raises(NotAllowed):
        services.publish_event(event, people.staff_b)
    with pytest.raises(NotAllowed):
        services.publish_event(event, people.outsider_staff)
    event = services.publish_event(event, people.street_admin)
    assert event.status == "published" and event.published_at
    services.sign_up(event, residents[0].user)
    event = services.cancel_event(event, people.staff, reason="台风预警")
    assert event.status == "cancelled" and event.cancel_reason == "台风预警"
    assert Notification.objects.filter(recipient=residents[0].user, title__contains="台风预警").exists()
    with pytest.raises(Conflict):
        services.publish_event(event, people.staff)


def test_an_event_belongs_to_a_community_or_street_the_staff_serve(make_event, people, tree):
    with pytest.raises(InvalidInput) as refused:
        make_event(region=tree.grid_a1)
    assert refused.value.fields == {"region": "not_community"}
    with pytest.raises(NotAllowed):
        make_event(region=tree.community_b)
    with pytest.raises(InvalidInput) as refused:
        make_event(ends_at=timezone.now())
    assert "ends_at" in refused.value.fields


def test_ticket_token_round_trip(make_event, residents):
    event = make_event()
    signup = services.sign_up(event, residents[0].user)
    token = services.ticket_token(signup)
    assert services.signup_for_token(token) == signup
    with pytest.raises(InvalidInput):
        services.signup_for_token(token[:-2] + "xx")
    with pytest.raises(InvalidInput):
        services.signup_for_token("garbage")

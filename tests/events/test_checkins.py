"""Check-in and check-out at an event's desk: by code, by QR token, walk-ins, the volunteers
serving (their hours in the ledger), the figures, exit at close, and who may do it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from weiguang.core.audit import history_of
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.events import checkins, services
from weiguang.events.models import CheckIn, CheckInScan, CheckInStatus
from weiguang.volunteers.models import RecordStatus, ServiceRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(make_event, residents, people):
    """An event with three confirmed sign-ups, and the clock 10 minutes after its start."""
    event = make_event(capacity=None)
    signups = [services.sign_up(event, r.user) for r in residents[:3]]
    with time_machine.travel(event.starts_at + dt.timedelta(minutes=10), tick=False):
        yield event, signups


def test_a_code_typed_checks_the_holder_in_once(running, people):
    event, (a, b, _c) = running
    visit = checkins.check_in_ticket(event, people.staff, code=a.code)
    assert visit.status == CheckInStatus.IN and visit.signup == a and visit.name == a.name
    with pytest.raises(checkins.AlreadyIn) as again:
        checkins.check_in_ticket(event, people.staff, code=a.code)
    assert again.value.status == 409 and again.value.code == "already_checked_in"
    at = timezone.localtime(visit.checked_in_at).strftime("%H:%M")
    assert again.value.message == f"刘** 已签到（{at}，赵书记 办理）。"
    assert CheckIn.objects.filter(event=event).count() == 1
    assert [e.action for e in history_of(visit)] == ["check_in"]


def test_a_qr_token_checks_in_and_a_ticket_of_another_event_is_refused(
    running, make_event, residents, people
):
    event, (a, _b, _c) = running
    visit = checkins.check_in_ticket(event, people.staff, token=services.ticket_token(a))
    assert visit.method == "qr"
    with pytest.raises(InvalidInput) as forged:
        checkins.check_in_ticket(event, people.staff, token=services.ticket_token(a) + "x")
    assert "token" in forged.value.fields
    with pytest.raises(InvalidInput) as unknown:
        checkins.check_in_ticket(event, people.staff, code="000000" if a.code != "000000" else "000001")
    assert unknown.value.code == "unknown"
    with pytest.raises(InvalidInput):
        checkins.check_in_ticket(event, people.staff, code="12ab")


def test_check_out_and_in_again_counts_two_visits_of_one_person(running, people):
    event, (a, b, _c) = running
    first = checkins.check_in_ticket(event, people.staff, code=a.code)
    checkins.check_in_ticket(event, people.staff, code=b.code)
    out = checkins.check_out(first, people.staff)
    assert out.status == CheckInStatus.OUT and out.checked_out_at is not None
    with pytest.raises(Conflict):
        checkins.check_out(first, people.staff)
    checkins.check_in_ticket(event, people.staff, code=a.code)
    f = checkins.figures(event)
    assert (f["people"], f["visits"], f["here"]) == (2, 3, 2)


def test_walk_ins_count_as_person_visits(running, people):
    event, (a, _b, _c) = running
    checkins.walk_in(event, people.staff, resident=people.other_resident.pk)
    with pytest.raises(checkins.AlreadyIn):
        checkins.walk_in(event, people.staff, resident=people.other_resident.pk)
    checkins.walk_in(event, people.staff, name="来访的李先生")
    checkins.walk_in(event, people.staff, name="来访的李先生")  # a name says nothing of who: two
    with pytest.raises(InvalidInput):
        checkins.walk_in(event, people.staff, name="  ")
    f = checkins.figures(event)
    assert (f["people"], f["visits"], f["walk_ins"]) == (3, 3, 3)


def test_a_sign_up_holding_no_place_is_not_checked_in(make_event, residents, people):
    event = make_event(capacity=1)
    services.sign_up(event, residents[0].user)
    waiting = services.sign_up(event, residents[1].user)
    with time_machine.travel(event.starts_at, tick=False), pytest.raises(Conflict) as refused:
        checkins.check_in_ticket(event, people.staff, code=waiting.code)
    assert refused.value.code == "no_place" and not CheckIn.objects.exists()


def test_the_desk_opens_two_hours_before_and_closes_at_the_end(make_event, residents, people):
    event = make_event(capacity=None)
    s = services.sign_up(event, residents[0].user)
    with (
        time_machine.travel(event.starts_at - dt.timedelta(hours=3), tick=False),
        pytest.raises(Conflict) as early,
    ):
        checkins.check_in_ticket(event, people.staff, code=s.code)
    assert early.value.code == "not_yet"
    with (
        time_machine.travel(event.ends_at + dt.timedelta(minutes=1), tick=False),
        pytest.raises(Conflict) as late,
    ):
        checkins.check_in_ticket(event, people.staff, code=s.code)
    assert late.value.code == "ended" and not CheckIn.objects.exists()


def test_who_may_check_in(running, people, serving_volunteer):
    event, (a, b, c) = running
    for outsider in (
        people.outsider_staff,
        people.staff_b,
        people.volunteer,
        people.grid_worker,
        people.stranger,
    ):
        with pytest.raises(NotAllowed):
            checkins.check_in_ticket(event, outsider, code=a.code)
    volunteer = serving_volunteer()
    with pytest.raises(NotAllowed):  # not on the roster
        checkins.check_in_ticket(event, people.volunteer, code=a.code)
    with pytest.raises(NotAllowed):  # only staff keep the roster
        checkins.add_helper(event, people.volunteer, volunteer)
    checkins.add_helper(event, people.staff, volunteer)
    visit = checkins.check_in_ticket(event, people.volunteer, code=a.code)
    assert visit.checked_in_by == people.volunteer
    assert checkins.check_out(visit, people.volunteer).status == CheckInStatus.OUT
    assert list(checkins.visits(event, people.volunteer)) == [visit]
    assert list(checkins.visits(event, people.outsider_staff)) == []


def test_a_volunteer_of_another_street_is_not_put_on_the_roster(running, people, serving_volunteer):
    event, _ = running
    far = serving_volunteer(
        people.outsider_volunteer, region=people.tree.other_community, approver=people.outsider_staff
    )
    with pytest.raises(InvalidInput) as refused:
        checkins.add_helper(event, people.staff, far)
    assert refused.value.fields == {"volunteer_id": "other_street"}


def test_a_volunteer_serving_gets_pending_hours_in_the_ledger(make_event, people, serving_volunteer):
    event = make_event(capacity=None)
    volunteer = serving_volunteer()
    checkins.add_helper(event, people.staff, volunteer)
    with time_machine.travel(event.starts_at - dt.timedelta(minutes=30), tick=False):
        shift = checkins.start_serving(event, people.volunteer)
        with pytest.raises(checkins.AlreadyIn):
            checkins.start_serving(event, people.volunteer)
    with time_machine.travel(event.starts_at + dt.timedelta(minutes=60), tick=False):
        out = checkins.check_out(shift, people.volunteer)
    record = ServiceRecord.objects.get(pk=out.service_record_id)
    assert record.volunteer == volunteer and record.status == RecordStatus.PENDING
    assert record.hours == Decimal("1.50") and record.region == event.region
    assert checkins.figures(event)["helpers"] == 1 and checkins.figures(event)["visits"] == 0


def test_exit_at_close_checks_out_everyone_still_in_at_the_end(running, people, serving_volunteer):
    event, (a, b, _c) = running
    volunteer = serving_volunteer()
    checkins.add_helper(event, people.staff, volunteer)
    checkins.start_serving(event, people.volunteer)
    checkins.check_in_ticket(event, people.staff, code=a.code)
    left = checkins.check_in_ticket(event, people.staff, code=b.code)
    checkins.check_out(left, people.staff)
    assert checkins.exit_at_close(event.ends_at - dt.timedelta(minutes=1)) == 0
    with time_machine.travel(event.ends_at + dt.timedelta(hours=1), tick=False):
        assert checkins.exit_at_close() == 2
        assert checkins.exit_at_close() == 0
    assert not CheckIn.objects.filter(status=CheckInStatus.IN).exists()
    assert set(CheckIn.objects.exclude(pk=left.pk).values_list("checked_out_at", flat=True)) == {
        event.ends_at
    }
    record = ServiceRecord.objects.get(volunteer=volunteer)
    assert record.hours == Decimal("1.83")  # from 10 minutes after the start to the end


def test_scans_from_two_devices_make_one_check_in_and_one_duplicate(running, people):
    event, (a, _b, _c) = running
    first = checkins.record_scan(event, people.staff, code=a.code)
    second = checkins.record_scan(event, people.staff, token=services.ticket_token(a))
    assert first.created and not second.created
    assert second.scan.duplicate and second.scan.checkin == first.scan.checkin
    assert CheckIn.objects.count() == 1 and CheckInScan.objects.count() == 2


def test_a_person_s_check_ins_are_in_their_data_and_masked_on_erasure(running, people, residents):
    from weiguang.accounts.personal_data import SECTIONS

    event, (a, _b, _c) = running
    checkins.check_in_ticket(event, people.staff, code=a.code)
    section = SECTIONS["event_checkins"]
    rows = section.collect(residents[0].user, residents[0])
    assert [(r["title"], r["name"]) for r in rows] == [(event.title, a.name)]
    assert section.collect(residents[1].user, residents[1]) == []
    section.erase(residents[0].user, residents[0])
    assert CheckIn.objects.get().name == "刘**" and checkins.figures(event)["people"] == 1


def test_the_scanner_is_reached_from_the_staff_pages_and_says_when_no_event_runs(client, make_event, people):
    """Staff find the scanner and each event's desk from 举办活动; on a day without an event
    the scanner says so (not 403); a resident is still refused."""
    event = make_event()
    client.force_login(people.staff)
    manage = client.get("/events/manage/").content.decode()
    assert 'href="/events/scan/"' in manage and f'href="/events/{event.pk}/desk/"' in manage
    assert 'href="/events/scan/"' in client.get("/").content.decode()  # the navigation entry
    page = client.get("/events/scan/")  # the event is three days away: no desk today
    assert page.status_code == 200
    assert "今天没有需要签到的活动" in page.content.decode() and "data-scanner " not in page.content.decode()
    client.force_login(people.resident_user)
    assert client.get("/events/scan/").status_code == 403
    assert 'href="/events/scan/"' not in client.get("/").content.decode()

"""/api/v1/events/{id}/checkins and /helpers, and the offline kind "checkin" through
POST /api/v1/field/entries: the same rules as the services, as JSON."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine

from weiguang.core.models import ApiToken
from weiguang.events import services
from weiguang.events.models import CheckIn, CheckInScan

pytestmark = pytest.mark.django_db


def call(client, user, method, url, body=None):
    return getattr(client, method)(
        url,
        body if body is not None else {},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user)}",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )


@pytest.fixture
def running(make_event, residents):
    event = make_event(capacity=None)
    signups = [services.sign_up(event, r.user) for r in residents[:2]]
    with time_machine.travel(event.starts_at + dt.timedelta(minutes=10), tick=False):
        yield event, signups


def test_check_in_by_code_and_token_then_twice_is_a_409_that_says_when_and_who(client, running, people):
    event, (a, b) = running
    url = f"/api/v1/events/{event.pk}/checkins"
    first = call(client, people.staff, "post", url, {"code": a.code})
    assert first.status_code == 201, first.content
    assert first.json()["name"] == a.name and first.json()["checked_in_by"] == "赵书记"
    by_token = call(client, people.staff, "post", url, {"token": services.ticket_token(b)})
    assert by_token.status_code == 201 and by_token.json()["method"] == "qr"
    again = call(client, people.staff, "post", url, {"token": services.ticket_token(a)})
    assert again.status_code == 409 and again.json()["code"] == "already_checked_in"
    assert "已签到" in again.json()["message"] and "赵书记" in again.json()["message"]
    unknown = call(client, people.staff, "post", url, {"code": "12345"})
    assert unknown.status_code == 422 and "code" in unknown.json()["errors"]
    empty = call(client, people.staff, "post", url, {})
    assert empty.status_code == 422 and "code" in empty.json()["errors"]
    listed = call(client, people.staff, "get", url)
    assert listed.status_code == 200
    assert listed.json()["count"] == 2 and listed.json()["figures"]["people"] == 2
    assert CheckIn.objects.count() == 2


def test_walk_in_check_out_and_figures(client, running, people):
    event, (a, _b) = running
    base = f"/api/v1/events/{event.pk}/checkins"
    visitor = call(client, people.staff, "post", f"{base}/walk_in", {"name": "路过的张先生"})
    assert visitor.status_code == 201 and visitor.json()["method"] == "walk_in"
    nameless = call(client, people.staff, "post", f"{base}/walk_in", {"name": " "})
    assert nameless.status_code == 422
    resident = call(
        client, people.staff, "post", f"{base}/walk_in", {"resident_id": people.other_resident.pk}
    )
    assert resident.status_code == 201
    call(client, people.staff, "post", base, {"code": a.code})
    out = call(client, people.staff, "post", f"{base}/check_out", {"code": a.code})
    assert out.status_code == 200 and out.json()["status"] == "out"
    assert call(client, people.staff, "post", f"{base}/check_out", {"code": a.code}).status_code == 409
    assert call(client, people.staff, "post", base, {"code": a.code}).status_code == 201
    one = call(client, people.staff, "post", f"{base}/{visitor.json()['id']}/check_out")
    assert one.status_code == 200
    figures = call(client, people.staff, "get", f"{base}/figures").json()
    assert figures == {"people": 3, "visits": 4, "walk_ins": 2, "here": 2, "helpers": 0, "helpers_here": 0}
    closed = call(client, people.staff, "post", f"{base}/close")
    assert closed.json() == {"checked_out": 2}


def test_outsiders_get_404_and_volunteers_not_serving_are_refused(client, running, people, serving_volunteer):
    event, (a, _b) = running
    url = f"/api/v1/events/{event.pk}/checkins"
    for outsider in (people.outsider_staff, people.staff_b, people.volunteer, people.stranger):
        assert call(client, outsider, "post", url, {"code": a.code}).status_code == 404
        assert call(client, outsider, "get", url).status_code == 404
    volunteer = serving_volunteer()
    added = call(
        client, people.staff, "post", f"/api/v1/events/{event.pk}/helpers", {"volunteer_id": volunteer.pk}
    )
    assert added.status_code == 201
    refused = call(
        client, people.volunteer, "post", f"/api/v1/events/{event.pk}/helpers", {"volunteer_id": volunteer.pk}
    )
    assert refused.status_code == 403
    checked = call(client, people.volunteer, "post", url, {"code": a.code})
    assert checked.status_code == 201 and checked.json()["name"] == a.masked_name  # masked for volunteers
    shift = call(client, people.volunteer, "post", f"{url}/serve", {})
    assert shift.status_code == 201 and shift.json()["role"] == "helper"
    assert CheckIn.objects.count() == 2


def test_offline_scans_from_two_phones_sent_in_any_order_and_again_make_one_check_in(
    client, running, people, serving_volunteer
):
    event, (a, _b) = running
    volunteer = serving_volunteer()
    call(client, people.staff, "post", f"/api/v1/events/{event.pk}/helpers", {"volunteer_id": volunteer.pk})
    scanned = (event.starts_at + dt.timedelta(minutes=5)).isoformat()

    def scan(key, device, payload):
        return {
            "client_id": device,
            "key": key,
            "kind": "checkin",
            "payload": {"event_id": event.pk, "scanned_at": scanned, **payload},
        }

    phone_a = scan(str(uuid.uuid4()), "phone-a", {"token": services.ticket_token(a)})
    phone_b = scan(str(uuid.uuid4()), "phone-b", {"code": a.code})
    first = call(client, people.volunteer, "post", "/api/v1/field/entries", {"entries": [phone_b]})
    assert first.json()["results"][0]["status"] == "created", first.content
    second = call(client, people.staff, "post", "/api/v1/field/entries", {"entries": [phone_a]})
    assert second.json()["results"][0]["status"] == "duplicate"
    assert "已签到" in second.json()["results"][0]["message"]
    for _ in range(2):  # both phones send everything again
        again_b = call(client, people.volunteer, "post", "/api/v1/field/entries", {"entries": [phone_b]})
        again_a = call(client, people.staff, "post", "/api/v1/field/entries", {"entries": [phone_a]})
        assert again_b.json()["results"][0]["status"] == "received"
        assert again_a.json()["results"][0]["status"] == "duplicate"
    assert CheckIn.objects.count() == 1 and CheckInScan.objects.count() == 2
    assert CheckIn.objects.get().checked_in_at == event.starts_at + dt.timedelta(minutes=5)
    bad = call(
        client,
        people.volunteer,
        "post",
        "/api/v1/field/entries",
        {"entries": [scan(str(uuid.uuid4()), "phone-b", {"code": "000"})]},
    )
    assert bad.json()["results"][0]["status"] == "refused"
    outsider = call(
        client,
        people.outsider_staff,
        "post",
        "/api/v1/field/entries",
        {"entries": [scan(str(uuid.uuid4()), "x", {"code": a.code})]},
    )
    assert outsider.json()["results"][0]["status"] == "refused"
    assert CheckInScan.objects.count() == 2

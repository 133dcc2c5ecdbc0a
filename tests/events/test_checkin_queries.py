"""What one check-in costs the database (issue 12: 200 check-ins a second). Each way in is held
to its statements, listed by kind and table, so a query that creeps in shows here by name:
the bearer token, the event, the actor's roles (permission decided once for the request),
the sign-up's row locked, the visit inserted (the unique index refuses a second open one, so
nobody looks first), its audit entry. The second desk's 409 reads the visit that refused it.

Savepoints are left out of the lists: the test's own transaction turns the service's
transaction into one, and in production it is BEGIN ... COMMIT."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from weiguang.core.models import ApiToken
from weiguang.events import services
from weiguang.events.models import CheckIn, CheckInScan

pytestmark = pytest.mark.django_db

AUTH = ["SELECT core_apitoken", "SELECT events_event", "SELECT regions_membership"]
# SQLite has no FOR UPDATE: its transaction (IMMEDIATE) holds the write lock from the start
LOCK = "SELECT events_signup" + (" FOR UPDATE" if connection.features.has_select_for_update else "")
CHECK_IN = [LOCK, "INSERT events_checkin", "INSERT core_auditentry"]


def statements(ctx) -> list[str]:
    """Each statement as "VERB table" (FOR UPDATE noted), savepoints left out."""
    found = []
    for query in ctx.captured_queries:
        sql = query["sql"]
        verb = sql.split()[0].upper()
        if verb in ("SAVEPOINT", "RELEASE", "ROLLBACK"):
            continue
        table = re.search(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', sql)
        locked = " FOR UPDATE" if "FOR UPDATE" in sql else ""
        found.append(f"{verb} {table.group(1) if table else '?'}{locked}")
    return found


@pytest.fixture
def desk(client, make_event, residents, people):
    """An event running now, four tickets, and the staff's bearer token already used once (the
    token's last use is written at most once a minute, the audit's content type is cached)."""
    event = make_event(capacity=None)
    signups = [services.sign_up(event, r.user) for r in residents[:4]]
    headers = {
        "HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(people.staff)}",
        "content_type": "application/json",
    }
    with time_machine.travel(event.starts_at + dt.timedelta(minutes=10), tick=False):
        url = f"/api/v1/events/{event.pk}/checkins"
        assert client.post(url, {"code": signups[3].code}, **headers).status_code == 201

        def post(path, body):
            with CaptureQueriesContext(connection) as ctx:
                response = client.post(path, body, **headers)
            return response, statements(ctx)

        yield event, signups, post


def test_a_check_in_by_code_or_qr_is_six_statements(desk):
    event, (a, b, _c, _d), post = desk
    url = f"/api/v1/events/{event.pk}/checkins"
    response, by_code = post(url, {"code": a.code})
    assert response.status_code == 201
    assert by_code == AUTH + CHECK_IN
    response, by_qr = post(url, {"token": services.ticket_token(b)})
    assert response.status_code == 201 and response.json()["method"] == "qr"
    assert by_qr == AUTH + CHECK_IN


def test_the_second_desk_gets_its_409_from_the_refused_insert(desk):
    event, (a, _b, _c, _d), post = desk
    url = f"/api/v1/events/{event.pk}/checkins"
    assert post(url, {"code": a.code})[0].status_code == 201
    response, again = post(url, {"code": a.code})
    assert response.status_code == 409 and response.json()["code"] == "already_checked_in"
    assert again == AUTH + CHECK_IN[:2] + ["SELECT events_checkin"]
    assert CheckIn.objects.filter(event=event).count() == 2  # the warm-up's and a's


def test_an_offline_scan_is_the_check_in_plus_its_scan_and_its_key(desk):
    event, (_a, _b, c, _d), post = desk

    def entry(code):
        key = str(uuid.uuid4())
        return {"entries": [{"client_id": "phone", "key": key, "kind": "checkin",
                             "payload": {"event_id": event.pk, "code": code}}]}  # fmt: skip

    response, first = post("/api/v1/field/entries", entry(c.code))
    assert response.json()["results"][0]["status"] == "created"
    keyed = ["SELECT core_idempotencykey", "SELECT events_event", "SELECT regions_membership"]
    scan_and_key = ["INSERT events_checkinscan", "INSERT core_idempotencykey"]
    assert first == ["SELECT core_apitoken", *keyed, *CHECK_IN, *scan_and_key]
    response, duplicate = post("/api/v1/field/entries", entry(c.code))
    assert response.json()["results"][0]["status"] == "duplicate"
    assert duplicate == [
        "SELECT core_apitoken",
        *keyed,
        *CHECK_IN[:2],
        "SELECT events_checkin",
        *scan_and_key,
    ]
    assert CheckInScan.objects.filter(event=event, duplicate=True).count() == 1

"""One filter definition for the volunteer list (volunteers/filters.py) and one actions table per
machine (volunteers/actions.py): the staff page and the API give the same rows for the same
filter, and every transition people start is a page action and an API endpoint."""

from __future__ import annotations

import pytest

from weiguang.volunteers import services
from weiguang.volunteers.actions import RECORD_ACTIONS, VOLUNTEER_ACTIONS
from weiguang.volunteers.models import SERVICE_RECORD_TRANSITIONS, VOLUNTEER_TRANSITIONS, VolunteerStatus

from ..factories import UserFactory
from ..listing import api_ids, api_status, page_ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def volunteers(register, approved, people):
    pending = register(UserFactory(username="f_pending"))
    ok = approved(UserFactory(username="f_ok"))
    suspended = services.suspend_volunteer(approved(UserFactory(username="f_susp")), people.staff, "不来了")
    rejected = services.reject_volunteer(register(UserFactory(username="f_rej")), people.staff, "资料不全")
    return [pending, ok, suspended, rejected]


def _api_ids(client, user, **params) -> set[int]:
    return api_ids(client, user, "/api/v1/volunteers", **params)


def _page_ids(client, **params) -> set[int]:
    return page_ids(client, "/staff/volunteers/", "volunteer", **params)


@pytest.mark.parametrize("status", VolunteerStatus.values)
def test_staff_page_and_api_give_the_same_rows(client, people, volunteers, status):
    client.force_login(people.staff)
    on_page = _page_ids(client, status=status)
    assert on_page == _api_ids(client, people.staff, status=status)
    assert on_page == {v.pk for v in volunteers if v.status == status}


def test_the_page_shows_the_waiting_applications_unless_told_otherwise(client, people, volunteers):
    client.force_login(people.staff)
    waiting = _api_ids(client, people.staff, status="pending")
    assert _page_ids(client) == _page_ids(client, status="bogus") == waiting
    assert api_status(client, people.staff, "/api/v1/volunteers", status="bogus") == 422


def test_every_transition_people_start_has_one_action():
    for machine, table in [
        (VOLUNTEER_TRANSITIONS, VOLUNTEER_ACTIONS),
        (SERVICE_RECORD_TRANSITIONS, RECORD_ACTIONS),
    ]:
        assert set(table) == {name for name, t in machine.transitions.items() if t.permission}


def test_the_api_keeps_its_transition_operations(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path, summary, operation, body in [
        ("/api/v1/volunteers/{volunteer_id}/approve", "Approve (staff)", "approve", False),
        ("/api/v1/volunteers/{volunteer_id}/reject", "Do not approve (staff)", "reject", True),
        ("/api/v1/volunteers/{volunteer_id}/resubmit", "Apply again (the volunteer)", "resubmit", False),
        ("/api/v1/volunteers/{volunteer_id}/suspend", "Suspend (staff)", "suspend", True),
        ("/api/v1/volunteers/{volunteer_id}/reinstate", "Reinstate (staff)", "reinstate", False),
        ("/api/v1/service_records/{record_id}/verify", "Verify (organiser)", "verify", False),
        ("/api/v1/service_records/{record_id}/reject", "Reject (organiser)", "reject_record", True),
    ]:
        post = paths[path]["post"]
        assert (post["summary"], post["operationId"]) == (summary, f"weiguang_volunteers_api_{operation}")
        assert ("requestBody" in post) == body

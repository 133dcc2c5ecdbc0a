"""A service fair's intake session (what it collects) says what the fair says: a new title or
date of the fair is the session's too, in the demands desk's list and the fair's summary."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from weiguang.demands.models import IntakeSession
from weiguang.events import services as event_services
from weiguang.events.models import EventKind

from .conftest import make_fair

pytestmark = pytest.mark.django_db


def test_the_session_follows_the_fairs_title_and_date(people):
    fair = make_fair(people, hours_from_now=48)
    later = fair.starts_at + dt.timedelta(days=7)
    event_services.update_event(
        fair, people.staff,
        {"title": "园东党员服务市集（改期）", "starts_at": later, "ends_at": later + dt.timedelta(hours=3)},
    )  # fmt: skip
    session = IntakeSession.objects.get(pk=fair.intake_session_id)
    assert session.title == "园东党员服务市集（改期）"
    assert session.date == timezone.localtime(later).date()
    assert IntakeSession.objects.count() == 1  # the same session, not a second one


def test_the_session_follows_through_the_edit_page(people, client):
    fair = make_fair(people, hours_from_now=48)
    client.force_login(people.staff)
    when = timezone.localtime(fair.starts_at) + dt.timedelta(days=1)
    response = client.post(
        f"/events/{fair.pk}/edit/",
        {
            "region": people.tree.community_a.pk, "kind": EventKind.SERVICE_FAIR, "title": "七星里便民市集",
            "place_text": "七星里社区广场", "starts_at": when.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (when + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "max_party_size": 1,
            "organiser_kind": "community", "residents_only": "on",
        },
    )  # fmt: skip
    assert response.status_code == 302
    session = IntakeSession.objects.get(pk=fair.intake_session_id)
    assert (session.title, session.date) == ("七星里便民市集", when.date())


def test_an_event_turned_into_a_fair_gets_its_session(people):
    starts = timezone.now() + dt.timedelta(days=2)
    event = event_services.create_event(
        people.staff,
        {"region": people.tree.community_a, "kind": EventKind.PARTY_DAY, "title": "主题党日",
         "starts_at": starts, "ends_at": starts + dt.timedelta(hours=2)},
    )  # fmt: skip
    assert event.intake_session_id is None
    event = event_services.update_event(
        event, people.staff, {"kind": EventKind.SERVICE_FAIR, "title": "便民市集"}
    )
    assert event.intake_session.title == "便民市集"

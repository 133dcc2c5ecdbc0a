"""The events API as clients use it: staff create and publish, residents sign up, wait, take
an offer; a grid worker signs a resident up; anonymous visitors read events without names."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from weiguang.events.models import SignUp

from ..demands.test_api import auth, get, post

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/events"


def patch(client, url, user, data):
    return client.patch(url, data, content_type="application/json", **auth(user))


def _body(tree, **kw):
    starts = timezone.now() + dt.timedelta(days=2)
    return {
        "region": tree.community_a.pk, "kind": "micro_lecture", "title": "防诈骗微课堂",
        "address": "七星里社区活动室", "starts_at": starts.isoformat(),
        "ends_at": (starts + dt.timedelta(hours=1)).isoformat(), "capacity": 1, **kw,
    }  # fmt: skip


def test_create_publish_sign_up_wait_offer_accept(client, people, tree, residents):
    r = post(client, EVENTS, people.staff, _body(tree))
    assert r.status_code == 201, r.content
    event = r.json()
    assert (
        event["status"] == "draft" and event["places_left"] == 1 and event["actions"] == ["publish", "cancel"]
    )
    eid = event["id"]
    assert get(client, f"{EVENTS}/{eid}").status_code == 404  # a draft: not for the public
    assert post(client, f"{EVENTS}/{eid}/publish", people.staff_b).status_code == 404
    r = post(client, f"{EVENTS}/{eid}/publish", people.staff)
    assert r.status_code == 200 and r.json()["status"] == "published"

    first = post(client, f"{EVENTS}/{eid}/signups", residents[0].user, {"party_size": 1})
    assert first.status_code == 201, first.content
    mine = first.json()
    assert mine["status"] == "confirmed" and len(mine["code"]) == 6 and mine["ticket"]
    second = post(client, f"{EVENTS}/{eid}/signups", residents[1].user, {}).json()
    assert second["status"] == "waiting" and second["waiting_position"] == 1
    third = post(client, f"{EVENTS}/{eid}/signups", residents[2].user, {"wait": False})
    assert third.status_code == 409 and third.json()["code"] == "full"
    again = post(client, f"{EVENTS}/{eid}/signups", residents[0].user, {})
    assert again.status_code == 409 and again.json()["code"] == "already_signed_up"

    waiting = get(client, f"{EVENTS}/{eid}/waiting_list", people.staff).json()
    assert [(w["id"], w["name"]) for w in waiting] == [(second["id"], residents[1].name)]
    assert get(client, f"{EVENTS}/{eid}/waiting_list", residents[0].user).status_code == 403

    # someone else may not cancel my place; I may
    assert post(client, f"{EVENTS}/signups/{mine['id']}/cancel", residents[1].user).status_code == 404
    r = post(client, f"{EVENTS}/signups/{mine['id']}/cancel", residents[0].user)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    again = post(client, f"{EVENTS}/signups/{mine['id']}/cancel", residents[0].user)
    assert again.status_code == 409
    offered = get(client, f"{EVENTS}/signups/{second['id']}", residents[1].user).json()
    assert offered["status"] == "offered" and offered["actions"] == ["cancel", "accept"]
    assert offered["offer_expires_at"]
    r = post(client, f"{EVENTS}/signups/{second['id']}/accept", residents[1].user)
    assert r.status_code == 200 and r.json()["status"] == "confirmed"

    listed = get(client, EVENTS).json()  # anonymous
    assert [e["id"] for e in listed["items"]] == [eid] and listed["items"][0]["places_left"] == 0
    assert listed["items"][0]["my_signup"] is None
    mine_now = get(client, f"{EVENTS}/signups", residents[1].user).json()
    assert [s["id"] for s in mine_now] == [second["id"]]
    assert get(client, f"{EVENTS}/{eid}", residents[1].user).json()["my_signup"] == second["id"]
    staff_list = get(client, f"{EVENTS}/{eid}/signups", people.staff, status="confirmed").json()
    assert [s["name"] for s in staff_list["items"]] == [residents[1].name]


def test_on_behalf_and_outsiders(client, people, tree, make_event):
    event = make_event(capacity=5)
    r = post(
        client,
        f"{EVENTS}/{event.pk}/signups",
        people.grid_worker,
        {"resident_id": people.resident.pk, "party_size": 2},
    )
    assert r.status_code == 201 and r.json()["signed_up_for"] is True
    assert r.json()["name"] == people.resident.name and len(r.json()["code"]) == 6  # to tell her
    assert r.json()["ticket"] == ""  # the ticket is hers alone
    for actor in (people.outsider_grid_worker, people.outsider_staff, people.volunteer):
        r = post(client, f"{EVENTS}/{event.pk}/signups", actor, {"resident_id": people.other_resident.pk})
        assert r.status_code == 403, (actor, r.content)
    r = post(
        client, f"{EVENTS}/{event.pk}/signups", people.grid_worker, {"resident_id": people.other_resident.pk}
    )
    assert r.status_code == 403  # grid A2 is not the A1 worker's
    assert SignUp.objects.filter(event=event).count() == 1
    # the resident sees it among their sign-ups, with the code
    mine = get(client, f"{EVENTS}/signups", people.resident_user).json()
    assert mine[0]["code"] and mine[0]["party_size"] == 2


def test_bad_input_is_422_with_the_field(client, people, tree, make_event):
    for body, field in [
        (_body(tree, region=tree.grid_a1.pk), "region"),
        (_body(tree, capacity=0), "capacity"),
        (_body(tree, kind="party"), "kind"),
        (_body(tree, title=""), "title"),
        (_body(tree, ends_at=(timezone.now() - dt.timedelta(days=1)).isoformat()), "ends_at"),
        (_body(tree, groups=[999999]), "groups"),
    ]:
        r = post(client, EVENTS, people.staff, body)
        assert r.status_code == 422, (body, r.content)
        assert field in r.json()["errors"], (field, r.json())
    assert post(client, EVENTS, people.staff_b, _body(tree)).status_code == 403
    event = make_event(capacity=3, max_party_size=2)
    r = post(client, f"{EVENTS}/{event.pk}/signups", people.resident_user, {"party_size": 3})
    assert r.status_code == 422 and "party_size" in r.json()["errors"]
    r = patch(client, f"{EVENTS}/{event.pk}", people.staff, {"capacity": None, "title": "新的标题"})
    assert r.status_code == 200 and r.json()["capacity"] is None and r.json()["title"] == "新的标题"
    assert patch(client, f"{EVENTS}/{event.pk}", people.staff_b, {"title": "别人的"}).status_code == 403
    r = post(client, f"{EVENTS}/{event.pk}/cancel", people.staff, {})
    assert r.status_code == 422
    r = post(client, f"{EVENTS}/{event.pk}/cancel", people.staff, {"reason": "场地维修"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"


def test_anonymous_see_no_names(client, people, make_event, residents):
    event = make_event()
    s = post(client, f"{EVENTS}/{event.pk}/signups", residents[0].user, {}).json()
    assert get(client, f"{EVENTS}/{event.pk}/signups").status_code == 401
    assert get(client, f"{EVENTS}/signups/{s['id']}").status_code == 401
    assert get(client, f"{EVENTS}/signups/{s['id']}", residents[1].user).status_code == 404
    body = get(client, f"{EVENTS}/{event.pk}").content.decode()
    assert residents[0].name not in body

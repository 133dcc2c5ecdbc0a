"""The volunteer API as clients use it: register → approved → claim and fulfil a wish → hours
verified → points redeemed → certificate, verified by anyone holding its link."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from weiguang.volunteers.models import RewardItem, Volunteer

from ..demands.test_api import auth, get, post
from ..factories import UserFactory, make_id_number

pytestmark = pytest.mark.django_db


def test_from_registration_to_certificate(client, people, make_wish, skills, tree):
    user = UserFactory(username="api_vol", first_name="孔新")
    body = {
        "name": "孔新", "phone": "13812345678", "id_number": make_id_number(77, region="370203"),
        "home_region": tree.community_a.pk, "skills": [skills["家电维修"].pk],
        "availability": {"sat": ["am"], "sun": ["pm"]}, "party_member": True, "dual_reporting_unit": "市南区税务局",
    }  # fmt: skip
    r = post(client, "/api/v1/volunteers", user, body)
    assert r.status_code == 201, r.content
    me = r.json()
    assert me["status"] == "pending" and me["number"] is None and me["skills"] == ["家电维修"]
    assert me["phone"] == "138****5678" and body["id_number"][6:14] not in me["id_number"]
    vid = me["id"]
    assert get(client, f"/api/v1/volunteers/{vid}", people.outsider_staff).status_code == 404
    assert (
        post(client, f"/api/v1/volunteers/{vid}/approve", people.grid_worker).status_code == 404
    )  # not theirs to see
    listed = get(client, "/api/v1/volunteers", people.staff, status="pending").json()
    assert [v["id"] for v in listed["items"]] == [vid]
    r = post(client, f"/api/v1/volunteers/{vid}/approve", people.staff)
    assert r.status_code == 200 and r.json()["status"] == "approved" and r.json()["number"].startswith("WG")

    # claim and fulfil a wish, telling the hours
    wish = make_wish("published")
    assert post(client, f"/api/v1/wishes/{wish.pk}/claim", user).status_code == 200
    r = post(client, f"/api/v1/wishes/{wish.pk}/fulfil", user, {"note": "修好了电饭煲", "hours": "2"})
    assert r.status_code == 200, r.content
    pending = get(client, "/api/v1/service_records", people.staff).json()
    assert [(p["kind"], p["hours"], p["status"]) for p in pending] == [("wish", "2.00", "pending")]
    assert post(client, f"/api/v1/service_records/{pending[0]['id']}/verify", user).status_code in (403, 404)
    r = post(client, f"/api/v1/service_records/{pending[0]['id']}/verify", people.staff)
    assert r.status_code == 200 and r.json()["status"] == "verified"
    me = get(client, "/api/v1/volunteers/me", user).json()
    assert me["verified_hours"] == "2.00" and me["points_balance"] == 24  # 2 h × 10 × 1.2 (party member)

    # the love supermarket
    r = post(
        client,
        "/api/v1/points/items",
        people.street_admin,
        {"street": tree.street.pk, "name": "大米", "points": 20, "stock": 2},
    )
    assert r.status_code == 201
    item = r.json()["id"]
    assert [i["name"] for i in get(client, "/api/v1/points/items", user).json()] == ["大米"]
    r = post(client, "/api/v1/points/redeem", user, {"item_id": item})
    assert r.status_code == 201 and r.json()["balance"] == 4 and r.json()["item"]["stock"] == 1
    r = post(client, "/api/v1/points/redeem", user, {"item_id": item})
    assert r.status_code == 409 and r.json()["code"] == "not_enough_points"
    history = get(client, "/api/v1/points/me", user).json()
    assert [e["delta"] for e in history["entries"]] == [-20, 24]

    # the certificate, and its public check
    r = client.post("/api/v1/certificates", **auth(user))
    assert r.status_code == 201, r.content
    cert = r.json()
    assert cert["name"] == "孔新" and cert["hours"] == "2.00" and cert["volunteer_number"] == me["number"]
    token = cert["verify_url"].rstrip("/").rsplit("/", 1)[1]
    public = client.get(f"/api/v1/certificates/verify/{token}").json()
    assert public["number"] == cert["number"] and public["name"] == "孔*"
    assert client.get("/api/v1/certificates/verify/nonsense").status_code == 404


def test_bad_registrations_are_422_with_the_field(client, people, tree):
    user = UserFactory(username="bad_api")
    good = make_id_number(5)
    body = {"name": "赵六", "phone": "13800000000", "home_region": tree.community_a.pk,
            "id_number": good[:17] + ("0" if good[17] != "0" else "1")}  # fmt: skip
    r = post(client, "/api/v1/volunteers", user, body)
    assert r.status_code == 422 and "id_number" in r.json()["errors"]
    assert "check digit" in r.json()["message"]
    r = post(
        client, "/api/v1/volunteers", user, {**body, "id_number": good, "availability": {"someday": ["am"]}}
    )
    assert r.status_code == 422
    assert not Volunteer.objects.exists()
    assert post(client, "/api/v1/volunteers", None, {**body, "id_number": good}).status_code == 401


def test_teams_join_and_activities(client, people, approved, tree):
    leader = UserFactory(username="api_leader")
    r = post(
        client,
        "/api/v1/teams",
        people.staff,
        {"region": tree.community_a.pk, "name": "绿色环保队", "colour": "green", "leaders": [leader.pk]},
    )
    assert r.status_code == 201, r.content
    team = r.json()["id"]
    assert (
        post(
            client, "/api/v1/teams", people.volunteer, {"region": tree.community_a.pk, "name": "x"}
        ).status_code
        == 403
    )
    v = approved(UserFactory(username="api_member"))
    m = post(client, f"/api/v1/teams/{team}/join", v.user).json()
    assert m["status"] == "requested"
    assert post(client, f"/api/v1/teams/{team}/join", v.user).status_code == 409
    assert (
        post(
            client, f"/api/v1/teams/{team}/memberships/{m['id']}/decide", v.user, {"accept": True}
        ).status_code
        == 403
    )
    assert (
        post(client, f"/api/v1/teams/{team}/memberships/{m['id']}/decide", leader, {"accept": True}).json()[
            "status"
        ]
        == "member"
    )
    day = timezone.localdate() - dt.timedelta(days=2)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(14, 0)))
    activity = {"title": "垃圾分类宣传", "date": day.isoformat(),
                "attendance": [{"volunteer_id": v.pk, "check_in": start.isoformat(), "check_out": (start + dt.timedelta(hours=3)).isoformat()}]}  # fmt: skip
    r = post(client, f"/api/v1/teams/{team}/activities", leader, activity)
    assert r.status_code == 201, r.content
    (record,) = r.json()
    assert record["hours"] == "3.00" and record["status"] == "pending"
    bad = {**activity, "attendance": [{**activity["attendance"][0], "check_out": start.isoformat()}]}
    assert post(client, f"/api/v1/teams/{team}/activities", leader, bad).status_code == 422
    rank = get(client, "/api/v1/volunteers/rankings", people.staff, region=tree.street.pk)
    assert rank.status_code == 200 and rank.json() == []  # nothing verified yet
    post(client, f"/api/v1/service_records/{record['id']}/verify", leader)
    rank = get(client, "/api/v1/volunteers/rankings", people.staff, region=tree.street.pk).json()
    assert [(r["name"], r["value"]) for r in rank] == [(v.masked_name, "3.00")]
    assert RewardItem.objects.count() == 0

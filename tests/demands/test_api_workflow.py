"""The newer parts of the demand API: evaluation by tracking code, accepting a transfer,
desk sessions with their summary, deliberation meetings, turning a wish into a demand, the
figures per group and the deadline-colour filter."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from weiguang.core.models import AuditEntry
from weiguang.demands.models import Demand, DemandStatus
from weiguang.demands.services import intake, queries

from .test_api import DEMANDS, act, get, post

pytestmark = pytest.mark.django_db


# --- evaluation by tracking code --------------------------------------------------------------


def test_anyone_with_the_code_evaluates_once_the_reply_is_in(client, make_demand):
    d = make_demand("handled")
    url = f"{DEMANDS}/track/{d.tracking_code}/evaluate"
    r = post(client, url, None, {"evaluation": "satisfied"})
    assert r.status_code == 409 and r.json()["code"] == "state_conflict"  # no reply yet
    d = make_demand("replied", title="路灯不亮")
    tracked = client.get(f"{DEMANDS}/track/{d.tracking_code}").json()
    assert tracked["can_evaluate"] is True and tracked["public_reply"] == "楼道灯已修复"
    r = post(
        client, f"{DEMANDS}/track/{d.tracking_code.lower()}/evaluate", None, {"evaluation": "unsatisfied"}
    )
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "reopened" and r.json()["can_evaluate"] is False
    entry = AuditEntry.objects.filter(object_id=str(d.pk), action="reopen_by_code").get()
    assert entry.actor is None  # the system acted for whoever held the code
    assert set(r.json()) == set(tracked)  # still nothing private


def test_evaluating_by_a_wrong_code_is_404_and_a_bad_verdict_422(client, make_demand):
    d = make_demand("replied")
    assert (
        post(client, f"{DEMANDS}/track/ZZZZZZZZZZ/evaluate", None, {"evaluation": "satisfied"}).status_code
        == 404
    )
    assert (
        post(client, f"{DEMANDS}/track/{d.tracking_code}/evaluate", None, {"evaluation": "great"}).status_code
        == 422
    )
    assert Demand.objects.get(pk=d.pk).status == DemandStatus.REPLIED


# --- departments ------------------------------------------------------------------------------


def test_a_department_accepts_once_and_others_may_not(client, people, depts, make_demand):
    d = make_demand("transferred", via="transfer")
    assert act(client, d, "accept", depts.handler2).status_code == 403  # not transferred to civil
    assert act(client, d, "accept", people.staff).status_code == 403
    r = act(client, d, "accept", depts.handler)
    assert r.status_code == 200 and r.json()["status"] == "transferred"
    assert r.json()["transfers"][0]["accepted_at"] is not None
    again = act(client, d, "accept", depts.handler)
    assert again.status_code == 409 and again.json()["code"] == "already_accepted"


def test_the_street_summons_departments_to_report_in(client, people, depts, make_demand):
    d = make_demand()
    act(client, d, "escalate", people.staff, {"reason": "涉及多个部门"})
    r = act(
        client, d, "transfer", people.street_admin,
        {"departments": [{"department_id": depts.city.pk}, {"department_id": depts.civil.pk}]},
    )  # fmt: skip
    assert r.status_code == 200
    assert [t["summoned"] for t in r.json()["transfers"]] == [True, True]
    board = queries.escalation_board(people.street_admin)
    assert list(board) == [Demand.objects.get(pk=d.pk)]
    assert not queries.escalation_board(people.staff).exists()  # the board is the street's


# --- desk sessions ------------------------------------------------------------------------------


def test_a_desk_session_collects_demands_and_sums_them_up(client, people, depts):
    community = people.tree.community_a
    r = post(
        client,
        f"{DEMANDS}/sessions",
        people.staff,
        {"community": community.pk, "title": "书记面对面", "date": "2026-11-20"},
    )
    assert r.status_code == 201, r.content
    session = r.json()["id"]
    assert (
        post(
            client,
            f"{DEMANDS}/sessions",
            people.staff_b,
            {"community": community.pk, "title": "x", "date": "2026-11-20"},
        ).status_code
        == 403
    )
    ids = []
    for i in range(5):
        r = post(
            client,
            DEMANDS,
            people.staff,
            {"grid": people.tree.grid_a1.pk, "title": f"现场收集{i}", "session": session},
        )
        assert r.status_code == 201 and r.json()["session"] == session
        ids.append(r.json()["id"])
    for pk in ids[:3]:
        act(client, Demand(pk=pk), "resolve_on_spot", people.staff, {"result": "当场答复"})
    act(
        client,
        Demand(pk=ids[3]),
        "transfer",
        people.staff,
        {"departments": [{"department_id": depts.city.pk}]},
    )
    summary = get(client, f"{DEMANDS}/sessions/{session}", people.staff).json()
    assert (summary["total"], summary["resolved_on_spot"], summary["transferred"], summary["open"]) == (
        5,
        3,
        1,
        2,
    )
    listed = get(client, DEMANDS, people.staff, session=session).json()
    assert listed["count"] == 5
    assert get(client, f"{DEMANDS}/sessions/{session}", people.outsider_staff).status_code == 404
    # a session of another community cannot collect this grid's demands
    other = intake.open_session(
        people.staff_b, community=people.tree.community_b, title="海晏面对面", date=dt.date(2026, 11, 20)
    )
    r = post(
        client,
        DEMANDS,
        people.staff,
        {"grid": people.tree.grid_a1.pk, "title": "串了社区", "session": other.pk},
    )
    assert r.status_code in (403, 422)


# --- deliberation meetings ---------------------------------------------------------------------


def test_a_meeting_decides_referred_demands_and_creates_action_items(client, people, make_demand):
    a = make_demand(title="小区停车难")
    b = make_demand(title="夜间停车乱")
    held = (timezone.now() + dt.timedelta(days=3)).isoformat()
    r = post(
        client,
        f"{DEMANDS}/meetings",
        people.staff,
        {
            "region": people.tree.community_a.pk,
            "title": "停车问题议事会",
            "held_at": held,
            "attendees": "居民代表5人，物业，派出所",
        },
    )
    assert r.status_code == 201, r.content
    meeting = r.json()["id"]
    for d in (a, b):
        r = act(client, d, "refer", people.staff, {"meeting_id": meeting})
        assert (
            r.status_code == 200
            and r.json()["status"] == "deliberating"
            and r.json()["deliberation"] == meeting
        )
    r = post(
        client, f"{DEMANDS}/meetings/{meeting}/decide", people.staff,
        {"decision": "划定夜间临时停车位，物业负责施划", "actions": [{"title": "施划临时停车位", "assignee_id": people.grid_worker.pk}]},
    )  # fmt: skip
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "decided" and sorted(body["referred"]) == sorted([a.pk, b.pk])
    for d in (a, b):
        got = get(client, f"{DEMANDS}/{d.pk}", people.staff).json()
        assert got["status"] == "handled" and got["result"] == "划定夜间临时停车位，物业负责施划"
    (item,) = body["action_items"]
    work = get(client, f"{DEMANDS}/{item}", people.grid_worker).json()
    assert work["status"] == "assigned" and work["channel"] == "deliberation" and work["action_of"] == meeting
    again = post(client, f"{DEMANDS}/meetings/{meeting}/decide", people.staff, {"decision": "再议"})
    assert again.status_code == 409
    late = make_demand(title="又一件停车事")
    assert act(client, late, "refer", people.staff, {"meeting_id": meeting}).status_code == 409


def test_meetings_are_for_staff_of_their_region(client, people, make_demand):
    held = timezone.now().isoformat()
    body = {"region": people.tree.community_a.pk, "title": "议事会", "held_at": held}
    assert post(client, f"{DEMANDS}/meetings", people.grid_worker, body).status_code == 403
    assert post(client, f"{DEMANDS}/meetings", people.staff_b, body).status_code == 403
    meeting = post(client, f"{DEMANDS}/meetings", people.street_admin, body).json()["id"]
    assert get(client, f"{DEMANDS}/meetings/{meeting}", people.outsider_staff).status_code == 404
    assert [m["id"] for m in get(client, f"{DEMANDS}/meetings", people.staff).json()] == [meeting]
    d = make_demand()
    assert act(client, d, "refer", people.staff, {"meeting_id": 10**9}).status_code == 422


# --- a wish too big for a micro-wish --------------------------------------------------------------


def test_staff_turn_a_wish_into_a_demand_linked_both_ways(client, people, make_wish):
    wish = make_wish("published", title="想给楼道加装扶手")
    assert post(client, f"{DEMANDS}/from_wish/{wish.pk}", people.volunteer, {}).status_code == 403
    r = post(client, f"{DEMANDS}/from_wish/{wish.pk}", people.staff, {"note": "涉及整栋楼，转诉求办理"})
    assert r.status_code == 201, r.content
    demand = r.json()
    assert (
        demand["source_wish"] == wish.pk
        and demand["channel"] == "wish"
        and demand["title"] == "想给楼道加装扶手"
    )
    assert demand["resident"] == people.resident.masked_name
    seen = get(client, f"/api/v1/wishes/{wish.pk}", people.resident_user).json()
    assert seen["status"] == "converted" and seen["demand"] == demand["id"]
    # off the wall, and not converted twice
    wall = client.get("/api/v1/wishes", {"status": "published"}).json()
    assert wish.pk not in [w["id"] for w in wall["items"]]
    assert post(client, f"{DEMANDS}/from_wish/{wish.pk}", people.staff, {}).status_code == 409
    assert Demand.objects.filter(source_wish=wish).count() == 1


# --- figures and colours --------------------------------------------------------------------------


def test_stats_by_community_and_month(client, people, make_demand):
    make_demand("closed")
    make_demand("resolved_on_spot", title="当场解决的")
    today = timezone.localdate().isoformat()
    r = get(
        client,
        f"{DEMANDS}/stats",
        people.street_admin,
        region=people.tree.street.pk,
        **{"from": today, "to": today, "by": "community"},
    )
    assert r.status_code == 200, r.content
    (row,) = r.json()["breakdown"]
    assert (row["label"], row["total"], row["resolved"], row["satisfaction_rate"]) == (
        people.tree.community_a.name,
        2,
        2,
        1.0,
    )
    assert r.json()["total"] == 2
    plain = get(
        client,
        f"{DEMANDS}/stats",
        people.street_admin,
        region=people.tree.street.pk,
        **{"from": today, "to": today},
    )
    assert plain.json()["breakdown"] is None
    bad = get(
        client,
        f"{DEMANDS}/stats",
        people.street_admin,
        region=people.tree.street.pk,
        **{"from": today, "to": today, "by": "colour"},
    )
    assert bad.status_code == 422


def test_open_orders_by_deadline_colour(client, people, make_demand):
    start = timezone.now()
    with time_machine.travel(start - dt.timedelta(days=30)):
        late = make_demand("assigned", title="早就该办的")
    soon = make_demand("assigned", title="明天到期的")
    Demand.objects.filter(pk=soon.pk).update(handle_due=start + dt.timedelta(hours=5))
    fresh = make_demand(title="刚收到的")
    make_demand("closed", title="办完的")

    def listed(colour):
        r = get(client, DEMANDS, people.staff, colour=colour)
        assert r.status_code == 200
        return [(d["id"], d["colour"]) for d in r.json()["items"]]

    assert listed("red") == [(late.pk, "red")]
    assert listed("yellow") == [(soon.pk, "yellow")]
    assert listed("green") == [(fresh.pk, "green")]
    assert get(client, DEMANDS, people.staff, colour="purple").status_code == 422
    queue = queries.community_queue(people.staff, people.tree.community_a)
    assert [d.pk for d in queue] == [late.pk, soon.pk, fresh.pk]  # soonest deadline first


# --- photos and the building ------------------------------------------------------------------------


def picture(name: str = "p.jpg"):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (30, 20), (10, 120, 200)).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def test_photos_and_the_building_come_with_a_form(client, people, depts, make_demand):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .test_api import auth

    form = {
        "grid": people.tree.grid_a1.pk,
        "title": "楼道堆满杂物",
        "place": "7号楼2单元7楼",
        "photos": [picture()],
    }
    r = client.post(DEMANDS, form, **auth(people.grid_worker))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["place"] == "7号楼2单元7楼" and [p["stage"] for p in body["photos"]] == ["intake"]
    assert body["photos"][0]["url"].startswith("/media/demands/")
    # a visitor's anonymous submission works as a form too, but the answer hides the building
    r = client.post(DEMANDS, {"grid": people.tree.grid_a1.pk, "title": "路口积水", "place": "学校门口"})
    assert r.status_code == 201 and r.json()["place"] == "" and r.json()["photos"] == []
    # not a picture: refused, nothing created
    before = Demand.objects.count()
    bad = SimpleUploadedFile("x.jpg", b"not a picture", content_type="image/jpeg")
    r = client.post(DEMANDS, {**form, "photos": [bad]}, **auth(people.grid_worker))
    assert r.status_code == 422 and "photos" in r.json()["errors"]
    assert Demand.objects.count() == before
    # evidence when handling
    d = make_demand("transferred", via="transfer")
    r = client.post(
        f"{DEMANDS}/{d.pk}/handle",
        {"result": "已清理", "photos": [picture("after.jpg")]},
        **auth(depts.handler),
    )
    assert r.status_code == 200, r.content
    assert [p["stage"] for p in r.json()["photos"]] == ["result"]

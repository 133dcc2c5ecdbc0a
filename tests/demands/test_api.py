"""The demand API as a client sees it: intake (anonymous too), tracking, the life of a demand,
and who may see and do what (a department handler sees only what was transferred to it)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from weiguang.core.models import ApiToken

pytestmark = pytest.mark.django_db

DEMANDS = "/api/v1/demands"


def auth(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user)}", "HTTP_ACCEPT_LANGUAGE": "en"}


def post(client, url, user=None, data=None):
    headers = auth(user) if user is not None else {}
    return client.post(url, data if data is not None else {}, content_type="application/json", **headers)


def get(client, url, user=None, **params):
    headers = auth(user) if user is not None else {}
    return client.get(url, params, **headers)


def act(client, demand, action, user, data=None):
    return post(client, f"{DEMANDS}/{demand.pk}/{action}", user, data)


# --- intake and tracking -----------------------------------------------------------------


def test_an_anonymous_visitor_submits_and_follows_by_code(client, people):
    r = post(
        client,
        DEMANDS,
        None,
        {"grid": people.tree.grid_a1.pk, "title": "小区门口积水", "contact_phone": "13800000000"},
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["channel"] == "online" and body["status"] == "received"
    assert body["actions"] == []
    code = body["tracking_code"]
    tracked = client.get(f"{DEMANDS}/track/{code.lower()}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert set(tracked) == {
        "tracking_code", "status", "status_label", "public_reply", "received_at", "replied_at",
        "closed_at", "evaluation", "can_evaluate",
    }  # fmt: skip
    assert (tracked["tracking_code"], tracked["status"], tracked["status_label"]) == (
        code,
        "received",
        "Received",
    )
    assert tracked["public_reply"] == "" and tracked["can_evaluate"] is False


def test_tracking_shows_the_public_reply_and_nothing_private(client, make_demand):
    d = make_demand("replied")
    body = client.get(f"{DEMANDS}/track/{d.tracking_code}").json()
    assert body["status"] == "replied"
    assert body["public_reply"] == "楼道灯已修复"
    text = str(body)
    for private in ["王阿姨您好", "楼道灯坏了", "三号楼", "王秀英", "13912345678"]:
        assert private not in text


@pytest.mark.parametrize("code", ["NOSUCHCODE", "%00", "ab", "x" * 40])
def test_unknown_tracking_codes_are_404(client, db, code):
    r = client.get(f"{DEMANDS}/track/{code}")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_staff_record_with_a_channel_and_see_contact(client, people):
    r = post(
        client, DEMANDS, people.staff,
        {"grid": people.tree.grid_a1.pk, "title": "楼道灯坏了", "channel": "hotline", "urgent": True,
         "resident_id": people.resident.pk},
    )  # fmt: skip
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["channel"] == "hotline" and body["urgent"]
    assert body["resident"] != "王秀英" and body["contact"] == {
        "name": "王秀英",
        "phone": "13912345678",
        "unconfirmed": False,
    }
    assert {"resolve_on_spot", "assign", "transfer", "escalate"} <= set(body["actions"])


@pytest.mark.parametrize(
    "data, field",
    [
        ({"title": "楼道灯坏了"}, "grid"),
        ({"grid": 999999, "title": "楼道灯坏了"}, "grid"),
        ({"grid": "COMMUNITY", "title": "楼道灯坏了"}, "grid"),
        ({"grid": "GRID", "title": "x"}, "title"),
        ({"grid": "GRID", "title": "楼道灯坏了", "channel": "fax"}, "channel"),
        ({"grid": "GRID", "title": "楼道灯坏了", "category": 999}, "category"),
    ],
)
def test_bad_intake_is_422_with_the_field(client, people, data, field):
    data = dict(data)
    if data.get("grid") == "GRID":
        data["grid"] = people.tree.grid_a1.pk
    elif data.get("grid") == "COMMUNITY":
        data["grid"] = people.tree.community_a.pk
    r = post(client, DEMANDS, people.staff, data)
    assert r.status_code == 422, r.content
    assert field in r.json()["errors"]


# --- who sees what -----------------------------------------------------------------------


def test_listing_is_scoped(client, people, depts, make_demand):
    mine = make_demand("transferred", via="transfer", title="转给城管")
    other = make_demand("assigned", title="派给网格员")
    ids = lambda user: {d["id"] for d in get(client, DEMANDS, user).json()["items"]}  # noqa: E731
    assert ids(people.staff) == ids(people.street_admin) == {mine.pk, other.pk}
    assert ids(people.grid_worker) == {mine.pk, other.pk}
    assert ids(depts.handler) == {mine.pk}
    assert ids(depts.handler2) == ids(depts.outsider_handler) == set()
    assert ids(people.outsider_staff) == ids(people.staff_b) == ids(people.stranger) == set()
    assert ids(people.resident_user) == {mine.pk, other.pk}
    assert get(client, DEMANDS).status_code == 401
    assert {d["id"] for d in get(client, DEMANDS, people.staff, status="assigned").json()["items"]} == {
        other.pk
    }


def test_one_demand_is_not_found_to_those_who_may_not_see_it(client, people, depts, make_demand):
    d = make_demand("transferred", via="transfer")
    other = make_demand("assigned", title="派给网格员")
    assert get(client, f"{DEMANDS}/{d.pk}", depts.handler).status_code == 200
    for user in [
        depts.handler2,
        depts.outsider_handler,
        people.outsider_staff,
        people.stranger,
        people.volunteer,
    ]:
        r = get(client, f"{DEMANDS}/{d.pk}", user)
        assert r.status_code == 404, user
        assert get(client, f"{DEMANDS}/{d.pk}/history", user).status_code == 404
    assert get(client, f"{DEMANDS}/{other.pk}", depts.handler).status_code == 404
    assert get(client, f"{DEMANDS}/{d.pk}").status_code == 401
    assert get(client, f"{DEMANDS}/999999", people.staff).status_code == 404


def test_outsiders_may_not_act(client, people, depts, make_demand):
    d = make_demand("transferred", via="transfer")
    r = act(client, d, "handle", depts.handler2, {"result": "已处理"})
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = act(client, d, "return", people.outsider_staff, {"reason": "不归我们"})
    assert r.status_code == 403
    r = act(client, d, "assign", people.outsider_staff, {"assignee_id": people.outsider_grid_worker.pk})
    assert r.status_code == 403
    assert act(client, d, "handle", None, {"result": "已处理"}).status_code == 401


# --- the life of a demand -----------------------------------------------------------------


def test_transfer_return_review_handle_reply_evaluate(client, people, depts, make_demand):
    d = make_demand()
    r = act(
        client, d, "transfer", people.staff,
        {"departments": [{"department_id": depts.city.pk, "deadline": "2099-01-01"}, {"department_id": depts.civil.pk}]},
    )  # fmt: skip
    assert r.status_code == 200, r.content
    assert {t["department"]["name"] for t in r.json()["transfers"]} == {"城管科", "民政科"}
    r = act(client, d, "return", depts.handler, {"reason": "不属于本科室"})
    assert r.status_code == 200 and r.json()["status"] == "returned"
    assert act(client, d, "review_return", people.staff, {"approve": False}).status_code == 403
    r = act(client, d, "review_return", people.street_admin, {"approve": False, "note": "请处理"})
    assert r.json()["status"] == "transferred"
    r = act(
        client, d, "handle", depts.handler, {"result": "已修复", "is_genuine": True, "beyond_remit": False}
    )
    # each department reports its own result; the demand waits for the other one
    assert r.status_code == 200 and r.json()["status"] == "transferred"
    assert {t["department"]["name"]: t["status"] for t in r.json()["transfers"]} == {
        "城管科": "done", "民政科": "active",
    }  # fmt: skip
    r = act(client, d, "handle", depts.handler2, {"result": "已联系困难家庭", "is_genuine": False})
    assert r.status_code == 200 and r.json()["status"] == "handled"
    assert r.json()["result"] == "城管科：已修复\n民政科：已联系困难家庭"
    assert r.json()["is_genuine"] is True
    r = act(client, d, "reply", people.staff, {"reply": "已修好", "public_reply": "已修复"})
    assert r.json()["status"] == "replied"
    r = act(client, d, "evaluate", people.resident_user, {"evaluation": "unsatisfied"})
    assert r.json()["status"] == "reopened" and r.json()["warning_count"] == 1
    r = act(client, d, "handle", depts.handler, {"result": "重新修复"})
    assert r.json()["status"] == "reopened"  # the warning order waits for both departments again
    r = act(client, d, "handle", depts.handler2, {"result": "已再次上门"})
    assert r.json()["status"] == "handled"
    r = act(client, d, "reply", people.staff, {"reply": "已重新修好"})
    r = act(client, d, "evaluate", people.resident_user, {"evaluation": "basically_satisfied"})
    assert r.json()["status"] == "closed"
    history = get(client, f"{DEMANDS}/{d.pk}/history", people.resident_user).json()
    assert [e["action"] for e in history] == [
        "submit", "transfer", "return", "reject_return", "handle_part", "handle", "reply", "reopen",
        "handle_part", "handle", "reply", "evaluate",
    ]  # fmt: skip
    assert history[2]["note"] == "不属于本科室" and "from" in history[2]


def test_assign_resolve_escalate(client, people, make_demand):
    d = make_demand()
    r = act(client, d, "assign", people.staff, {"assignee_id": people.outsider_grid_worker.pk})
    assert r.status_code == 422 and "assignee_id" in r.json()["errors"]
    assert act(client, d, "assign", people.staff, {"assignee_id": 10**9}).status_code == 422
    r = act(client, d, "assign", people.staff, {"assignee_id": people.grid_worker.pk})
    assert r.status_code == 200 and r.json()["status"] == "assigned"
    r = act(client, d, "escalate", people.staff, {"reason": "跨部门"})
    assert r.json()["status"] == "escalated"
    r = act(client, d, "resolve_on_spot", people.street_admin, {"result": "当场解决"})
    assert r.status_code == 409 and r.json()["code"] == "state_conflict"
    fresh = make_demand(title="另一件事")
    r = act(client, fresh, "resolve_on_spot", people.staff, {"result": "当场解决"})
    assert r.status_code == 200 and r.json()["status"] == "resolved_on_spot"


def test_bad_bodies_are_422(client, people, make_demand, depts):
    d = make_demand("replied")
    assert act(client, d, "evaluate", people.resident_user, {"evaluation": "great"}).status_code == 422
    assert act(client, d, "transfer", people.staff, {"departments": []}).status_code == 422
    r = act(
        client,
        make_demand(title="别的"),
        "transfer",
        people.staff,
        {"departments": [{"department_id": 10**9}]},
    )
    assert r.status_code == 422 and "departments" in r.json()["errors"]


def test_the_resident_sees_the_reply_but_not_internal_fields_of_others(client, people, make_demand, depts):
    d = make_demand("replied")
    body = get(client, f"{DEMANDS}/{d.pk}", people.resident_user).json()
    assert body["reply"] == "王阿姨您好，灯已修好"
    assert "evaluate" in body["actions"] and "reply" not in body["actions"]


def test_a_department_is_offered_only_what_it_can_still_do(client, people, make_demand, depts):
    d = make_demand("transferred", via="transfer")
    actions = get(client, f"{DEMANDS}/{d.pk}", depts.handler).json()["actions"]
    assert "accept" in actions and "return" in actions
    assert act(client, d, "accept", depts.handler).status_code == 200
    actions = get(client, f"{DEMANDS}/{d.pk}", depts.handler).json()["actions"]
    assert "accept" not in actions and "return" in actions and "handle_part" in actions
    # another department of the street, not transferred to: nothing
    assert get(client, f"{DEMANDS}/{d.pk}", depts.handler2).status_code == 404


# --- stats ---------------------------------------------------------------------------------


def test_stats_for_staff_of_the_region(client, people, make_demand):
    make_demand("closed")
    make_demand(title="还没处理")
    today = timezone.localdate().isoformat()
    params = {"region": people.tree.street.pk, "from": today, "to": today}
    r = get(client, f"{DEMANDS}/stats", people.street_admin, **params)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["total"] == 2 and body["response_rate"] == 0.5 and body["satisfaction_rate"] == 1.0
    assert (
        get(client, f"{DEMANDS}/stats", people.staff, **params).status_code == 403
    )  # community staff: own community
    params_a = {**params, "region": people.tree.community_a.pk}
    assert get(client, f"{DEMANDS}/stats", people.staff, **params_a).json()["total"] == 2
    for user in [people.outsider_staff, people.grid_worker, people.resident_user]:
        assert get(client, f"{DEMANDS}/stats", user, **params).status_code == 403
    assert (
        get(client, f"{DEMANDS}/stats", people.street_admin, **{**params, "from": "2099-01-01"}).status_code
        == 422
    )
    assert (
        get(client, f"{DEMANDS}/stats", people.street_admin, **{**params, "from": "0001-01-01"}).status_code
        == 422
    )
    assert get(client, f"{DEMANDS}/stats", people.street_admin, region=1).status_code == 422


def test_no_demand_operation_answers_garbage_with_a_server_error(client, people, make_demand):
    """Like tests/test_openapi.py, with real demand ids and tracking codes filled in."""
    from ..test_openapi import GARBAGE_BODIES

    d = make_demand("transferred", via="transfer")
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    tried = 0
    for path, operations in paths.items():
        if not path.startswith(DEMANDS):
            continue
        for method in operations:
            for demand_id, code in [(d.pk, d.tracking_code), (0, "%00"), (2**70, "ZZZZ")]:
                url = path.replace("{demand_id}", str(demand_id)).replace("{code}", code)
                bodies = GARBAGE_BODIES if method == "post" else [(None, b"")]
                for content_type, body in bodies:
                    kwargs = {"content_type": content_type} if content_type else {}
                    for user in [people.street_admin, None]:
                        headers = auth(user) if user else {}
                        r = client.generic(method.upper(), url, body, **kwargs, **headers)
                        tried += 1
                        assert r.status_code < 500, (method, url, body, r.content[:300])
                        assert r["Content-Type"].startswith("application/json"), (method, url)
    assert tried > 300


def test_a_tracking_code_is_found_with_spaces_or_dashes_and_misses_are_rate_limited(
    client, settings, make_demand
):
    settings.WEIGUANG = {**settings.WEIGUANG, "DEMAND_LOOKUPS_PER_HOUR": 2}
    d = make_demand("replied")
    code = d.tracking_code
    assert client.get(f"{DEMANDS}/track/{code[:4]}-{code[4:8]}-{code[8:]}").json()["status"] == "replied"
    assert client.get(f"{DEMANDS}/track/{code[:4]}%20{code[4:8]}%20{code[8:]}").status_code == 200
    for _n in range(2):
        assert client.get(f"{DEMANDS}/track/000000000000").status_code == 404
    r = client.get(f"{DEMANDS}/track/000000000001")
    assert r.status_code == 429 and r.json()["code"] == "rate_limited"
    url = f"{DEMANDS}/track/{code[:4]}-{code[4:8]}-{code[8:]}/evaluate"
    assert post(client, url, None, {"evaluation": "satisfied"}).json()["status"] == "closed"

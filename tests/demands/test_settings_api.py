"""The street's demand settings through the API, as a client sees them: the holiday calendar
(/api/v1/demands/holidays), the category tree (/categories) and the departments with their
handlers (/departments) — round trips, refusals and who may do what."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.factories import UserFactory, grant
from weiguang.core.models import ApiToken
from weiguang.demands.models import Demand, DemandCategory, Holiday
from weiguang.demands.services import intake
from weiguang.regions.models import Membership, Role

pytestmark = pytest.mark.django_db

BASE = "/api/v1/demands"
TZ = ZoneInfo("Asia/Shanghai")


def auth(user) -> dict:
    if user is None:
        return {"HTTP_ACCEPT_LANGUAGE": "en"}
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user)}", "HTTP_ACCEPT_LANGUAGE": "en"}


def call(client, method: str, url: str, user=None, data=None, **params):
    if method == "get":
        return client.get(url, params, **auth(user))
    body = json.dumps(data if data is not None else {})
    return client.generic(method.upper(), url, body, content_type="application/json", **auth(user))


@pytest.fixture
def other_admin(tree):
    user = UserFactory(username="admin_x", first_name="外街管理员")
    grant(user, Role.STREET_ADMIN, tree.other_street)
    return user


# --- holidays ----------------------------------------------------------------------------


def test_the_calendar_round_trip(client, people):
    admin, street = people.street_admin, people.tree.street
    r = call(
        client,
        "post",
        f"{BASE}/holidays",
        admin,
        {"street": street.pk, "date": "2026-10-01", "until": "2026-10-07", "name": "国庆节"},
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert [h["date"] for h in body["items"]] == [
        "2026-10-01",
        "2026-10-02",
        "2026-10-05",
        "2026-10-06",
        "2026-10-07",
    ]
    assert body["items"][0]["weekday"] == "Thursday" and body["items"][0]["street"]["name"] == "八大湖街道"
    assert body["skipped"] == ["2026-10-03", "2026-10-04"]
    r = call(
        client,
        "post",
        f"{BASE}/holidays",
        admin,
        {"street": street.pk, "date": "2026-10-10", "is_workday": True, "name": "国庆调休"},
    )
    assert r.status_code == 201 and r.json()["items"][0]["is_workday"] is True

    listed = call(client, "get", f"{BASE}/holidays", admin, street=street.pk, year=2026).json()
    assert [(h["date"], h["is_workday"]) for h in listed][-2:] == [
        ("2026-10-07", False),
        ("2026-10-10", True),
    ]
    assert call(client, "get", f"{BASE}/holidays", admin, street=street.pk, year=2027).json() == []
    assert (
        len(call(client, "get", f"{BASE}/holidays", admin).json()) == 6
    )  # this year (2026), every street kept

    gone = listed[0]["id"]
    r = call(client, "delete", f"{BASE}/holidays/{gone}", admin)
    assert r.status_code == 200 and r.json()["removed"]["date"] == "2026-10-01"
    assert gone not in {
        h["id"] for h in call(client, "get", f"{BASE}/holidays", admin, street=street.pk).json()
    }


def test_the_api_says_how_many_deadlines_moved(client, people):
    with time_machine.travel(dt.datetime(2026, 9, 28, 10, 0, tzinfo=TZ), tick=False):
        d = intake.submit_demand(people.staff, grid=people.tree.grid_a1, title="楼道灯坏了")
        r = call(
            client,
            "post",
            f"{BASE}/holidays",
            people.street_admin,
            {"street": people.tree.street.pk, "date": "2026-10-01", "until": "2026-10-07", "name": "国庆节"},
        )
        assert r.json()["deadlines_moved"] == 1
        detail = call(client, "get", f"{BASE}/{d.pk}", people.staff).json()
    assert dt.datetime.fromisoformat(detail["handle_due"]) == dt.datetime(2026, 10, 12, 10, 0, tzinfo=TZ)


@pytest.mark.parametrize(
    "data, status, field, words",
    [
        ({"date": "2026-10-03", "name": "国庆节"}, 422, "date", "Saturday"),
        ({"date": "2026-10-08", "is_workday": True, "name": "调休"}, 422, "date", "Saturday or Sunday"),
        (
            {"date": "2026-10-07", "until": "2026-10-01", "name": "国庆节"},
            422,
            "until",
            "before the first day",
        ),
        ({"date": "2026-10-08", "name": ""}, 422, "name", "name"),
        ({"date": "2026-13-01", "name": "国庆节"}, 422, "date", "YYYY-MM-DD"),
        ({"date": "2026-10-09", "name": "国庆节"}, 409, "date", "already in the calendar"),
    ],
)
def test_meaningless_or_duplicate_days_are_refused_clearly(client, people, data, status, field, words):
    street = people.tree.street
    Holiday.objects.create(street=street, date=dt.date(2026, 10, 9), name="国庆节")
    r = call(client, "post", f"{BASE}/holidays", people.street_admin, {"street": street.pk, **data})
    assert r.status_code == status, r.content
    assert field in r.json()["errors"] and words in r.json()["message"]
    assert Holiday.objects.count() == 1


def test_who_may_keep_the_calendar(client, people, depts, other_admin):
    street = people.tree.street
    mine = Holiday.objects.create(street=street, date=dt.date(2026, 10, 9), name="国庆节")
    new = {"street": street.pk, "date": "2026-10-08", "name": "国庆节"}
    assert call(client, "post", f"{BASE}/holidays", None, new).status_code == 401
    for user in (people.staff, people.grid_worker, depts.handler, people.resident_user, other_admin):
        assert call(client, "post", f"{BASE}/holidays", user, new).status_code == 403, user
        assert call(client, "get", f"{BASE}/holidays", user, street=street.pk).status_code == 403, user
        assert call(client, "delete", f"{BASE}/holidays/{mine.pk}", user).status_code == 404, user
    assert list(Holiday.objects.all()) == [mine]


# --- categories --------------------------------------------------------------------------


def test_the_category_tree_round_trip(client, people, other_admin):
    admin = people.street_admin
    r = call(client, "post", f"{BASE}/categories", admin, {"name": "设施维修"})
    assert r.status_code == 201, r.content
    repair = r.json()
    assert repair["parent"] is None and repair["active"] is True and repair["children"] == []
    light = call(
        client, "post", f"{BASE}/categories", other_admin, {"name": "楼道照明", "parent": repair["id"]}
    ).json()
    road = call(
        client, "post", f"{BASE}/categories", admin, {"name": "道路破损", "parent": repair["id"]}
    ).json()
    assert light["parent"] == repair["id"]
    r = call(client, "post", f"{BASE}/categories", admin, {"name": "第三层", "parent": light["id"]})
    assert r.status_code == 422 and "parent" in r.json()["errors"]
    r = call(client, "post", f"{BASE}/categories", admin, {"name": "设施维修"})
    assert r.status_code == 409 and "already" in r.json()["message"]

    r = call(client, "patch", f"{BASE}/categories/{road['id']}", admin, {"name": "道路维修", "position": 0})
    assert r.status_code == 200 and r.json()["name"] == "道路维修"
    tree = call(client, "get", f"{BASE}/categories").json()  # anyone may read it
    assert [k["name"] for k in tree[0]["children"]] == ["道路维修", "楼道照明"]

    r = call(client, "patch", f"{BASE}/categories/{light['id']}", admin, {"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    assert [k["name"] for k in call(client, "get", f"{BASE}/categories").json()[0]["children"]] == [
        "道路维修"
    ]
    everything = call(client, "get", f"{BASE}/categories", admin, include_inactive="true").json()
    assert [k["active"] for k in everything[0]["children"]] == [True, False]
    hidden = call(client, "get", f"{BASE}/categories", people.staff, include_inactive="true").json()
    assert len(hidden[0]["children"]) == 1  # deactivated ones only for street admins

    for field in ("name", "active", "position"):  # a null is refused on its field, nothing changes
        r = call(client, "patch", f"{BASE}/categories/{light['id']}", admin, {"name": "楼道灯", field: None})
        assert r.status_code == 422 and set(r.json()["errors"]) == {field}
    assert DemandCategory.objects.get(pk=light["id"]).name == "楼道照明"
    assert call(client, "patch", f"{BASE}/categories/999999", admin, {"name": "无"}).status_code == 404


def test_only_the_keepers_of_the_tree_get_the_counts(client, people, make_demand):
    """Counting every demand per category is work for the settings page, not for every
    anonymous reader of the tree."""
    light = call(client, "post", f"{BASE}/categories", people.street_admin, {"name": "楼道照明"}).json()
    assert light["demands"] == 0
    make_demand(category=DemandCategory.objects.get(pk=light["id"]))
    tree = call(client, "get", f"{BASE}/categories", people.street_admin).json()
    assert [c["demands"] for c in tree] == [1]
    for user in (None, people.staff):
        assert [c["demands"] for c in call(client, "get", f"{BASE}/categories", user).json()] == [None]


def test_a_demand_keeps_its_deactivated_category_but_new_ones_cannot_use_it(client, people, make_demand):
    light = call(client, "post", f"{BASE}/categories", people.street_admin, {"name": "楼道照明"}).json()
    d = make_demand(category=DemandCategory.objects.get(pk=light["id"]))
    call(client, "patch", f"{BASE}/categories/{light['id']}", people.street_admin, {"active": False})
    assert call(client, "get", f"{BASE}/{d.pk}", people.staff).json()["category"]["name"] == "楼道照明"
    r = call(
        client,
        "post",
        BASE,
        people.staff,
        {"grid": people.tree.grid_a1.pk, "title": "又坏了", "category": light["id"]},
    )
    assert r.status_code == 422 and "category" in r.json()["errors"]


def test_only_street_admins_change_categories(client, people, depts):
    cat = DemandCategory.objects.create(name="设施维修")
    for user in (people.staff, people.grid_worker, depts.handler, people.resident_user):
        assert call(client, "post", f"{BASE}/categories", user, {"name": "新分类"}).status_code == 403
        assert (
            call(client, "patch", f"{BASE}/categories/{cat.pk}", user, {"active": False}).status_code == 403
        )
    assert call(client, "post", f"{BASE}/categories", None, {"name": "新分类"}).status_code == 401
    assert list(DemandCategory.objects.values_list("name", "active")) == [("设施维修", True)]


# --- departments -------------------------------------------------------------------------


def test_the_department_round_trip(client, people, depts):
    admin, street = people.street_admin, people.tree.street
    listed = call(client, "get", f"{BASE}/departments", admin).json()
    assert {(d["name"], tuple(h["username"] for h in d["handlers"])) for d in listed} == {
        ("城管科", ("dept_city",)),
        ("民政科", ("dept_civil",)),
    }
    r = call(client, "post", f"{BASE}/departments", admin, {"street": street.pk, "name": "平安办"})
    assert r.status_code == 201, r.content
    dep = r.json()
    assert dep["street"]["id"] == street.pk and dep["handlers"] == [] and dep["waiting"] == 0
    assert (
        call(
            client, "post", f"{BASE}/departments", admin, {"street": street.pk, "name": "平安办"}
        ).status_code
        == 409
    )

    r = call(client, "patch", f"{BASE}/departments/{dep['id']}", admin, {"name": "平安建设办公室"})
    assert r.status_code == 200 and r.json()["name"] == "平安建设办公室"

    r = call(client, "post", f"{BASE}/departments/{dep['id']}/handlers", admin, {"username": "nobody"})
    assert r.status_code == 422 and "nobody" in r.json()["errors"]["username"]
    r = call(client, "post", f"{BASE}/departments/{dep['id']}/handlers", admin, {"username": "stranger"})
    assert r.status_code == 200 and [h["username"] for h in r.json()["handlers"]] == ["stranger"]
    assert Membership.objects.filter(user=people.stranger, role=Role.DEPARTMENT, region=street).exists()
    r = call(client, "post", f"{BASE}/departments/{dep['id']}/handlers", admin, {"username": "stranger"})
    assert r.status_code == 409
    # the new handler now has a department inbox
    assert call(client, "get", "/api/v1/demands", people.stranger).status_code == 200

    r = call(client, "delete", f"{BASE}/departments/{dep['id']}/handlers/{people.stranger.pk}", admin)
    assert r.status_code == 200 and r.json()["handlers"] == []
    assert not Membership.objects.filter(user=people.stranger, role=Role.DEPARTMENT).exists()


def test_staff_read_their_streets_departments_to_transfer(client, people, depts, other_admin):
    names = {d["name"] for d in call(client, "get", f"{BASE}/departments", people.staff).json()}
    assert names == {"城管科", "民政科"}  # not the other street's 城管科
    assert call(client, "get", f"{BASE}/departments", people.resident_user).json() == []
    r = call(client, "get", f"{BASE}/departments", people.resident_user, street=people.tree.street.pk)
    assert r.status_code == 403
    other = call(client, "get", f"{BASE}/departments", other_admin).json()
    assert [(d["name"], d["street"]["name"]) for d in other] == [("城管科", "金门路街道")]


def test_who_may_change_departments(client, people, depts, other_admin):
    city, street = depts.city, people.tree.street
    # community staff see the departments (to transfer) but may not change them
    assert (
        call(client, "patch", f"{BASE}/departments/{city.pk}", people.staff, {"name": "改名"}).status_code
        == 403
    )
    r = call(client, "post", f"{BASE}/departments/{city.pk}/handlers", people.staff, {"username": "stranger"})
    assert r.status_code == 403
    for user in (people.staff, depts.handler, people.grid_worker, people.resident_user, other_admin):
        r = call(client, "post", f"{BASE}/departments", user, {"street": street.pk, "name": "新部门"})
        assert r.status_code == 403, user
    # a handler, a grid worker, a resident and another street's admin do not even learn it exists
    for user in (depts.handler, people.grid_worker, people.resident_user, other_admin):
        assert (
            call(client, "patch", f"{BASE}/departments/{city.pk}", user, {"name": "改名"}).status_code == 404
        )
        r = call(client, "delete", f"{BASE}/departments/{city.pk}/handlers/{depts.handler.pk}", user)
        assert r.status_code == 404
    city.refresh_from_db()
    assert city.name == "城管科" and list(city.handlers.all()) == [depts.handler]
    assert set(city.street.departments.values_list("name", flat=True)) == {"城管科", "民政科"}


def test_the_last_handler_with_waiting_demands_is_kept(client, people, depts, make_demand):
    make_demand("transferred", via="transfer")
    r = call(
        client,
        "delete",
        f"{BASE}/departments/{depts.city.pk}/handlers/{depts.handler.pk}",
        people.street_admin,
    )
    assert r.status_code == 409 and r.json()["code"] == "last_handler"
    assert call(client, "get", f"{BASE}/departments", people.street_admin).json()[0]["waiting"] == 1
    assert Demand.objects.filter(transfers__department=depts.city).count() == 1

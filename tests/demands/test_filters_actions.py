"""One filter definition for the demand lists (demands/filters.py) and one actions table for the
demand's steps (demands/actions.py): the region's list page and the API give the same rows for
the same filter, and every step people take is a page action and an API endpoint."""

from __future__ import annotations

import re

import pytest

from weiguang.core.models import ApiToken
from weiguang.demands.actions import DEMAND_ACTIONS
from weiguang.demands.models import DEMAND_TRANSITIONS

pytestmark = pytest.mark.django_db

ROW = re.compile(r'data-demand="(\d+)"')


@pytest.fixture
def demands(make_demand, people):
    return [
        make_demand("received", title="楼道灯坏了"),
        make_demand("assigned", title="路面塌陷"),
        make_demand("transferred", title="噪音扰民", via="transfer"),
        make_demand("resolved_on_spot", title="垃圾未清"),
        make_demand("received", title="路灯不亮", grid=people.tree.grid_b1, resident=None),
    ]


def _api(client, user, **params) -> set[int]:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user)}"}
    response = client.get("/api/v1/demands", {**params, "limit": 100}, **headers)
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def _page(client, **params) -> set[int]:
    response = client.get("/staff/demands/all/", params)
    assert response.status_code == 200
    return {int(pk) for pk in ROW.findall(response.content.decode())}


@pytest.mark.parametrize(
    "params",
    [{}, {"status": "received"}, {"status": "assigned"}, {"community": "a"}, {"community": "b"},
     {"colour": "green"}, {"colour": "red"}, {"status": "received", "community": "b"}],
)  # fmt: skip
def test_region_list_and_api_give_the_same_rows(client, people, tree, demands, params):
    if "community" in params:
        params = {
            **params,
            "community": (tree.community_a if params["community"] == "a" else tree.community_b).pk,
        }
    client.force_login(people.street_admin)
    on_page = _page(client, **params)
    assert on_page == _api(client, people.street_admin, **params)
    assert params or len(on_page) == len(demands)


def test_an_invalid_filter_is_dropped_on_the_page_and_refused_by_the_api(client, people, demands):
    client.force_login(people.street_admin)
    assert _page(client, status="bogus", colour="blue") == _page(client)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(people.street_admin)}"}
    assert client.get("/api/v1/demands", {"status": "bogus"}, **headers).status_code == 422


def test_every_step_people_take_has_one_action():
    by_people = {name for name, t in DEMAND_TRANSITIONS.transitions.items() if t.permission}
    covered = {name for action in DEMAND_ACTIONS.values() for name in action.transitions or (action.name,)}
    # converting a wish is the wish's transition; deciding is the meeting's (meetings pages)
    assert covered <= by_people
    assert by_people - covered == {"decide"}


def test_the_api_keeps_its_step_operations(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    summaries = {
        "resolve_on_spot": "Resolve on the spot (staff)",
        "assign": "Assign to staff or a grid worker (staff)",
        "transfer": "Transfer to departments (staff)",
        "handle": "Record the result (handler)",
        "reply": "Reply to the resident (staff)",
        "evaluate": "Evaluate (the resident, or staff)",
        "return": "Return to the street (department)",
        "review_return": "Approve or reject a return (street)",
        "escalate": "Escalate to the street",
        "accept": "Accept a transferred demand (department)",
        "refer": "Refer to a deliberation meeting (staff)",
    }
    for name, summary in summaries.items():
        post = paths[f"/api/v1/demands/{{demand_id}}/{name}"]["post"]
        assert post["summary"] == summary
        assert post["operationId"].endswith("_return_demand" if name == "return" else f"_{name}")
        assert ("requestBody" in post) == (name != "accept")

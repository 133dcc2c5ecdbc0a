"""One filter definition for the demand lists (demands/filters.py) and one actions table for the
demand's steps (demands/actions.py): the region's list page and the API give the same rows for
the same filter, and every step people take is a page action and an API endpoint."""

from __future__ import annotations

import pytest

from weiguang.demands.actions import DEMAND_ACTIONS
from weiguang.demands.models import DEMAND_TRANSITIONS

from ..listing import api_ids, api_status, page_ids

pytestmark = pytest.mark.django_db


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
    return api_ids(client, user, "/api/v1/demands", **params)


def _page(client, **params) -> set[int]:
    return page_ids(client, "/staff/demands/all/", "demand", **params)


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
    assert api_status(client, people.street_admin, "/api/v1/demands", status="bogus") == 422


def test_every_step_people_take_has_one_action():
    by_people = {name for name, t in DEMAND_TRANSITIONS.transitions.items() if t.permission}
    covered = {name for action in DEMAND_ACTIONS.values() for name in action.transitions or (action.name,)}
    # converting a wish is the wish's transition; deciding is the meeting's (meetings pages)
    assert covered <= by_people
    assert by_people - covered == {"decide"}


def test_the_api_keeps_its_step_operations(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for name, operation, summary in [
        ("resolve_on_spot", "resolve_on_spot", "Resolve on the spot (staff)"),
        ("assign", "assign", "Assign to staff or a grid worker (staff)"),
        ("transfer", "transfer", "Transfer to departments (staff)"),
        ("handle", "handle", "Record the result (handler)"),
        ("reply", "reply", "Reply to the resident (staff)"),
        ("evaluate", "evaluate", "Evaluate (the resident, or staff)"),
        ("return", "return_demand", "Return to the street (department)"),
        ("review_return", "review_return", "Approve or reject a return (street)"),
        ("escalate", "escalate", "Escalate to the street"),
        ("accept", "accept", "Accept a transferred demand (department)"),
        ("refer", "refer", "Refer to a deliberation meeting (staff)"),
    ]:
        post = paths[f"/api/v1/demands/{{demand_id}}/{name}"]["post"]
        assert post["summary"] == summary and post["operationId"].endswith(f"_{operation}")
        assert ("requestBody" in post) == (name != "accept")

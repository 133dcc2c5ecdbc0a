"""One filter definition per wish list (wishes/filters.py) and one actions table per machine
(wishes/actions.py): the page and the API give the same rows for the same filter, and every
transition people start is a page action and an API endpoint with the summary it always had."""

from __future__ import annotations

import re

import pytest

from weiguang.core.models import ApiToken
from weiguang.people.models import PopulationGroup
from weiguang.wishes.actions import WISH_ACTIONS
from weiguang.wishes.filters import WishFilter
from weiguang.wishes.models import WISH_TRANSITIONS, Wish, WishCategory, WishKind

pytestmark = pytest.mark.django_db

ROW = re.compile(r'data-wish="(\d+)"')


def api_ids(client, user, **params) -> set[int]:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user)}"} if user else {}
    response = client.get("/api/v1/wishes", {**params, "limit": 100}, **headers)
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def page_ids(client, url, **params) -> set[int]:
    response = client.get(url, params)
    assert response.status_code == 200
    return {int(pk) for pk in ROW.findall(response.content.decode())}


@pytest.fixture
def wishes(make_wish, people, tree):
    category = WishCategory.objects.filter(active=True).first()
    elderly, _ = PopulationGroup.objects.get_or_create(code="elderly_alone", defaults={"name": "独居老人"})
    people.other_resident.groups.add(elderly)
    return [
        make_wish("submitted", title="电水壶"),
        make_wish("published", title="书包", category=category),
        make_wish("claimed", title="理发", kind=WishKind.SERVICE),
        make_wish("published", title="轮椅", resident=people.other_resident),
        make_wish("fulfilled", title="台灯", kind=WishKind.SERVICE, resident=people.other_resident),
    ]


FILTERS = [
    {},
    {"status": "published"},
    {"status": "claimed"},
    {"kind": "service"},
    {"kind": "item", "status": "published"},
    {"group": "elderly_alone"},
    {"community": "community_a"},
    {"street": "street"},
    {"category": "category"},
]


def _resolve(params: dict, tree, wishes) -> dict:
    """Fill region and category ids into a filter written with names."""
    out = dict(params)
    if "community" in out:
        out["community"] = getattr(tree, out["community"]).pk
    if "street" in out:
        out["street"] = tree.street.pk
    if "category" in out:
        out["category"] = wishes[1].category_id
    return out


@pytest.mark.parametrize("params", FILTERS)
def test_staff_list_and_api_give_the_same_rows(client, people, tree, wishes, params):
    params = _resolve(params, tree, wishes)
    client.force_login(people.staff)
    on_page = page_ids(client, "/staff/wishes/all/", **params)
    in_api = api_ids(client, people.staff, scope="region", **params)
    assert on_page == in_api
    assert params or len(in_api) == len(wishes)
    expected = WishFilter.model_validate(params).apply(Wish.objects.filter(pk__in=[w.pk for w in wishes]))
    assert in_api == set(expected.values_list("pk", flat=True))


@pytest.mark.parametrize("params", [p for p in FILTERS if "street" not in p and "community" not in p])
def test_wall_and_api_give_the_same_rows(client, people, tree, wishes, params):
    params = _resolve(params, tree, wishes)
    on_wall = page_ids(client, f"/streets/{tree.street.pk}/wall/", **params)
    in_api = api_ids(client, None, scope="public", street=tree.street.pk, **params)
    assert on_wall == in_api
    assert params or len(in_api) == 4  # all but the submitted one


@pytest.mark.parametrize(
    "params", [{"status": "bogus"}, {"kind": "x"}, {"category": "0"}, {"community": "abc"}]
)
def test_an_invalid_filter_is_dropped_on_the_page_and_refused_by_the_api(client, people, wishes, params):
    client.force_login(people.staff)
    assert page_ids(client, "/staff/wishes/all/", **params) == page_ids(client, "/staff/wishes/all/")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(people.staff)}"}
    assert client.get("/api/v1/wishes", {"scope": "region", **params}, **headers).status_code == 422


def test_the_pager_keeps_the_filters(client, people, wishes):
    client.force_login(people.staff)
    response = client.get("/staff/wishes/all/", {"kind": "service", "q": "理", "bogus": "1"})
    assert response.context["query"] == "kind=service&q=%E7%90%86"


def test_every_transition_people_start_has_one_action():
    by_people = {name for name, t in WISH_TRANSITIONS.transitions.items() if t.permission}
    # convert is the demands app's (a wish becomes a demand, on the demand pages)
    assert set(WISH_ACTIONS) == by_people - {"convert"}


def test_the_api_keeps_its_transition_operations(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    summaries = {
        "publish": "Publish on the wall (staff)",
        "reject": "Reject with a reason (staff)",
        "claim": "Claim (volunteer or partner representative)",
        "release": "Release a claim (claimer or staff)",
        "fulfil": "Mark fulfilled, with a note and optional photos (the claimer)",
        "confirm": "Confirm and thank (the resident or staff)",
        "dispute": "Say it did not come true, with a reason (the resident or staff)",
        "reopen": "Send a disputed wish back to its claimer (staff)",
        "withdraw": "Withdraw (the resident or staff)",
    }
    for name, summary in summaries.items():
        operation = paths[f"/api/v1/wishes/{{wish_id}}/{name}"]["post"]
        assert operation["summary"] == summary
        assert operation["operationId"] == f"weiguang_wishes_api_{name}"
    required = {
        name
        for name in summaries
        if paths[f"/api/v1/wishes/{{wish_id}}/{name}"]["post"].get("requestBody", {}).get("required")
    }
    assert required == {"reject", "dispute", "fulfil"}

"""GET /api/v1/regions: the place tree, buildings included, for anyone, paged and filtered."""

from __future__ import annotations

import pytest

from weiguang.regions.models import Building

pytestmark = pytest.mark.django_db

URL = "/api/v1/regions"


@pytest.fixture
def buildings(tree):
    return [
        Building.objects.create(grid=tree.grid_a1, name="3号楼"),
        Building.objects.create(grid=tree.grid_a1, name="1号楼"),
        Building.objects.create(grid=tree.grid_b1, name="9号楼"),
    ]


def test_the_whole_tree_with_kinds_and_parents_for_anyone(client, tree, buildings):
    body = client.get(URL).json()

    assert body["count"] == 10 + 3 and body["limit"] == 100 and body["offset"] == 0
    items = body["items"]
    assert items[0] == {"id": tree.district.pk, "kind": "district", "name": "市南区", "parent_id": None}
    assert {
        "id": tree.grid_a1.pk,
        "kind": "grid",
        "name": "七星里第一网格",
        "parent_id": tree.community_a.pk,
    } in items
    assert items[-3:] == [
        {"id": buildings[1].pk, "kind": "building", "name": "1号楼", "parent_id": tree.grid_a1.pk},
        {"id": buildings[0].pk, "kind": "building", "name": "3号楼", "parent_id": tree.grid_a1.pk},
        {"id": buildings[2].pk, "kind": "building", "name": "9号楼", "parent_id": tree.grid_b1.pk},
    ]


def test_filter_by_parent_and_kind(client, tree, buildings):
    grids = client.get(URL, {"parent": tree.community_a.pk}).json()
    assert [i["name"] for i in grids["items"]] == ["七星里第一网格", "七星里第二网格"]
    in_grid = client.get(URL, {"parent": tree.grid_a1.pk}).json()
    assert [(i["kind"], i["name"]) for i in in_grid["items"]] == [
        ("building", "1号楼"),
        ("building", "3号楼"),
    ]
    communities = client.get(URL, {"kind": "community"}).json()
    assert {i["name"] for i in communities["items"]} == {"七星里社区", "海晏社区", "金华社区"}
    assert client.get(URL, {"kind": "building", "parent": tree.community_a.pk}).json()["count"] == 0
    assert client.get(URL, {"kind": "building"}).json()["count"] == 3


def test_pages_run_across_regions_into_buildings(client, tree, buildings):
    first = client.get(URL, {"limit": 9}).json()
    second = client.get(URL, {"limit": 9, "offset": 9}).json()

    assert len(first["items"]) == 9 and len(second["items"]) == 4 and second["count"] == 13
    assert [i["kind"] for i in second["items"]] == ["grid", "building", "building", "building"]
    ids = [(i["kind"], i["id"]) for i in first["items"] + second["items"]]
    assert len(set(ids)) == 13


@pytest.mark.parametrize(
    "params, field",
    [
        ({"parent": 999999}, "parent"),
        ({"kind": "planet"}, "kind"),
        ({"limit": 0}, "limit"),
        ({"parent": "x"}, "parent"),
    ],
)
def test_bad_filters_are_field_errors(client, tree, params, field):
    response = client.get(URL, params)

    assert response.status_code == 422
    assert field in response.json()["errors"]

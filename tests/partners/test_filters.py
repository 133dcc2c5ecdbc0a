"""One filter definition per partner list (partners/filters.py): the units page and the API give
the same units for the same filter; the resources API filters by unit and kind the same way with
and without `region`."""

from __future__ import annotations

import re

import pytest

from weiguang.partners import services
from weiguang.partners.models import Alliance, PartnerKind, ResourceKind

from ..factories import PartnerFactory
from .conftest import auth

pytestmark = pytest.mark.django_db

ROW = re.compile(r'data-unit="(\d+)"')


@pytest.fixture
def units(people, other_unit):
    alliance = Alliance.objects.create(name="民生联盟", street=people.tree.street)
    school = PartnerFactory(name="八大湖小学", kind=PartnerKind.SCHOOL, region=people.tree.street)
    school.alliances.add(alliance)
    return {"bank": people.partner, "property": other_unit, "school": school, "alliance": alliance}


def _api(client, user, url, **params) -> set[int]:
    response = client.get(url, {**params, "limit": 200}, **auth(user))
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"kind": PartnerKind.SCHOOL},
        {"kind": PartnerKind.PROPERTY},
        {"alliance": "alliance"},
        {"kind": "x"},
    ],
)
def test_units_page_and_api_give_the_same_units(client, people, units, params):
    if params.get("alliance"):
        params = {"alliance": units["alliance"].pk}
    client.force_login(people.street_admin)
    response = client.get("/partners/", params)
    assert response.status_code == 200
    on_page = {int(pk) for pk in ROW.findall(response.content.decode())}
    in_api = (
        _api(client, people.street_admin, "/api/v1/partners", **params) if params != {"kind": "x"} else None
    )
    if in_api is None:  # an invalid value: dropped by the page, refused by the API
        assert client.get("/api/v1/partners", params, **auth(people.street_admin)).status_code == 422
        in_api = _api(client, people.street_admin, "/api/v1/partners")
    assert on_page == in_api and on_page


@pytest.mark.parametrize("params", [{}, {"kind": ResourceKind.SERVICE}, {"unit": "bank"}])
def test_resources_filter_alike_with_and_without_region(client, people, units, params):
    if params.get("unit"):
        params = {"unit": units["bank"].pk}
    for unit, kind in [(units["bank"], ResourceKind.SERVICE), (units["property"], ResourceKind.VENUE)]:
        services.add_resource(unit, people.street_admin, kind=kind, title=f"{unit.name}{kind}")
    mine = _api(client, people.street_admin, "/api/v1/resources", **params)
    serving = _api(client, people.street_admin, "/api/v1/resources", region=people.tree.street.pk, **params)
    assert mine == serving and mine

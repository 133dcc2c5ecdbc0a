"""Partner fixtures: a second unit of the street with its own representative, and small API
helpers (bearer token per request, English messages)."""

from __future__ import annotations

import json

import pytest

from tests.demands.conftest import depts, make_demand  # noqa: F401
from weiguang.core.models import ApiToken
from weiguang.partners.models import PartnerKind
from weiguang.regions.models import Role

from ..factories import PartnerFactory, UserFactory, grant

SERVICES = ["义诊", "家电维修", "免费理发", "文化活动"]


@pytest.fixture
def other_unit(people):
    """Another unit of the street, with its own representative (people.other_rep)."""
    unit = PartnerFactory(name="海诚物业八大湖服务中心", kind=PartnerKind.PROPERTY, region=people.tree.street)
    people.other_rep = UserFactory(username="rep2", first_name="陈主管")
    grant(people.other_rep, Role.PARTNER_REP, people.tree.street)
    unit.representatives.add(people.other_rep)
    return unit


def auth(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user)}", "HTTP_ACCEPT_LANGUAGE": "en"}


def call(client, method, url, user=None, data=None, **params):
    headers = auth(user) if user is not None else {"HTTP_ACCEPT_LANGUAGE": "en"}
    if method == "get":
        return client.get(url, params, **headers)
    body = data if data is not None else {}
    return client.generic(method.upper(), url, json.dumps(body), "application/json", **headers)

"""Helpers for the tests that a list's page and its API give the same rows (one filter
definition per list): the ids a page shows and the ids an API list answers."""

from __future__ import annotations

import re

from weiguang.core.models import ApiToken


def api_ids(client, user, url: str, **params) -> set[int]:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user)}"} if user is not None else {}
    response = client.get(url, {**params, "limit": 100}, **headers)
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def api_status(client, user, url: str, **params) -> int:
    return client.get(url, params, HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user)}").status_code


def page_ids(client, url: str, attribute: str, **params) -> set[int]:
    """The ids in `data-<attribute>="<id>"` of the rows of the page."""
    response = client.get(url, params)
    assert response.status_code == 200
    return {int(pk) for pk in re.findall(rf'data-{attribute}="(\d+)"', response.content.decode())}

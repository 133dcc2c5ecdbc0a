"""Every answer the API gives to a mistake is its JSON error, {"message", "code"}, whatever
the status and wherever under /api/ the request went (issue 9, item 11): paths with a
newline (%0A) and unknown /api/... paths too, never Django's HTML page."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from weiguang.core.models import ApiToken

pytestmark = pytest.mark.django_db


def assert_json_error(response, status: int, code: str | None = None):
    assert response.status_code == status, (response.status_code, response.content[:200])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    assert {"message", "code"} <= set(body) and body["message"]
    if code:
        assert body["code"] == code


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/wishes/1%0A",
        "/api/v1/wishes/%0A",
        "/api/v1/%0A",
        "/api/v1/teams/1/memberships/%0A1/decide",
        "/api/v1/no-such-thing",
        "/api/v1/wishes/1/no-such-action",
        "/api/v2/wishes",
        "/api/",
        "/api/anything%0Aelse",
    ],
)
def test_unknown_and_newline_paths_are_a_json_404(client, path):
    assert_json_error(client.get(path), 404, "not_found")
    assert_json_error(client.post(path, {}, content_type="application/json"), 404, "not_found")


def test_a_tracking_code_with_a_newline_is_a_json_404(client):
    assert_json_error(client.get("/api/v1/demands/track/ABC%0A"), 404, "not_found")
    evaluate = client.post(
        "/api/v1/demands/track/ABC%0A/evaluate", {"evaluation": "satisfied"}, content_type="application/json"
    )
    assert_json_error(evaluate, 404, "not_found")


def test_pages_keep_their_html_404(client):
    response = client.get("/wishes/1%0A/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


@override_settings(ALLOWED_HOSTS=["testserver"])
def test_a_request_django_refuses_before_the_api_is_a_json_400(client):
    assert_json_error(client.get("/api/v1/wishes", HTTP_HOST="evil.example"), 400, "bad_request")


def test_a_crash_outside_the_api_handlers_is_a_json_500(rf):
    from weiguang.core.views import server_error

    response = server_error(rf.get("/api/v1/wishes"))
    assert_json_error(response, 500, "server_error")
    assert server_error(rf.get("/wishes/"))["Content-Type"].startswith("text/html")


def test_every_status_the_api_answers_is_json(client, people, make_wish):
    wish = make_wish("claimed")
    token = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(people.volunteer2)}"}
    as_json = {"content_type": "application/json"}
    assert_json_error(client.post("/api/v1/wishes", b"{", **as_json, **token), 400, "bad_request")
    assert_json_error(client.post("/api/v1/wishes", {}, **as_json), 401)
    assert_json_error(client.post(f"/api/v1/wishes/{wish.pk}/publish", {}, **as_json, **token), 403)
    assert_json_error(client.get("/api/v1/wishes/999999"), 404, "not_found")
    assert_json_error(client.delete("/api/v1/wishes"), 405, "method_not_allowed")
    assert_json_error(client.post(f"/api/v1/wishes/{wish.pk}/claim", {}, **as_json, **token), 409)
    assert_json_error(client.post("/api/v1/wishes", {"kind": "x"}, **as_json, **token), 422, "invalid")
    for _ in range(12):
        last = client.post("/api/v1/auth/token", {"username": "vol_a", "password": "wrong"}, **as_json)
    assert_json_error(last, 429)

"""API authentication: bearer tokens, the browser session with CSRF, and JSON errors."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from weiguang.core.models import ApiToken
from weiguang.regions.models import Role

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token"
ME = "/api/v1/me"
WISHES = "/api/v1/wishes"
PASSWORD = "pass-Weiguang-1"


def login(client, username, password=PASSWORD, **extra):
    return client.post(
        TOKEN, {"username": username, "password": password}, content_type="application/json", **extra
    )


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code, body
    assert body["message"].strip()
    return body


# --- tokens ------------------------------------------------------------------------------


def test_password_gives_a_token_that_authenticates(client, people):
    response = login(client, "resident_a")

    assert response.status_code == 201
    token = response.json()["token"]
    assert len(token) >= 32
    stored = ApiToken.objects.get(user=people.resident_user)
    assert stored.key_hash == ApiToken.hash(token) and token not in stored.key_hash  # only the hash is kept
    assert stored.last_used_at is None

    me = client.get(ME, **bearer(token))

    assert me.status_code == 200
    assert me.json()["username"] == "resident_a"
    assert {"role": Role.RESIDENT, "region_path": people.tree.grid_a1.path} in me.json()["roles"]
    stored.refresh_from_db()
    assert stored.last_used_at is not None


def test_a_bearer_token_can_post_without_csrf(people):
    client = Client(enforce_csrf_checks=True)
    token = login(client, "resident_a").json()["token"]

    response = client.post(
        WISHES, {"kind": "item", "title": "想要一个书包"}, content_type="application/json", **bearer(token)
    )

    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    "username, password",
    [("resident_a", "wrong-password"), ("nobody", PASSWORD), ("resident_a", " " + PASSWORD)],
)
def test_wrong_credentials_are_401_json(client, people, username, password):
    error(login(client, username, password), 401, "invalid_credentials")
    assert not ApiToken.objects.exists()


def test_an_inactive_user_gets_no_token(client, people):
    people.resident_user.is_active = False
    people.resident_user.save()
    error(login(client, "resident_a"), 401, "invalid_credentials")


def test_a_deactivated_users_token_stops_working(client, people):
    token = login(client, "resident_a").json()["token"]
    people.resident_user.is_active = False
    people.resident_user.save()
    error(client.get(ME, **bearer(token)), 401, "unauthenticated")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"username": "resident_a"}, "password"),
        ({"password": PASSWORD}, "username"),
        ({"username": "", "password": "x"}, "username"),
        ({"username": "resident_a\x00", "password": "x"}, "username"),
        ({"username": ["resident_a"], "password": "x"}, "username"),
    ],
)
def test_token_request_with_missing_fields_is_422(client, db, body, field):
    response = client.post(TOKEN, body, content_type="application/json")
    assert field in error(response, 422, "invalid")["errors"]


def test_repeated_wrong_passwords_lock_the_account_for_a_while(client, people):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        error(login(client, "resident_a", "guess"), 401, "invalid_credentials")

    locked = login(client, "resident_a")  # even the right password
    body = error(locked, 429, "too_many_attempts")
    assert body["message"] == "登录失败次数过多，请 15 分钟后再试。"
    assert 14 * 60 < int(locked["Retry-After"]) <= 15 * 60
    assert not ApiToken.objects.filter(user=people.resident_user).exists()
    # One person's failures do not lock out the others at her address (a community centre).
    assert login(client, "vol_a").status_code == 201


def test_a_successful_login_clears_earlier_failures(client, people):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "resident_a", "guess")
    assert login(client, "resident_a").status_code == 201
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "resident_a", "guess")
    assert login(client, "resident_a").status_code == 201


@pytest.mark.parametrize(
    "header, on_public_list",
    [
        ("Bearer not-a-real-token", 401),
        ("Bearer ", 401),
        ("bearer " + "x" * 200, 401),
        ("Token abc", 200),  # not bearer credentials at all: the request is simply anonymous
    ],
)
def test_a_bad_token_is_401_even_where_anonymous_is_allowed(client, people, header, on_public_list):
    response = client.get(WISHES, HTTP_AUTHORIZATION=header)
    if on_public_list == 401:
        error(response, 401, "unauthenticated")
    else:
        assert response.status_code == 200
    error(client.get(ME, HTTP_AUTHORIZATION=header), 401, "unauthenticated")


def test_revoking_a_token(client, people):
    token = login(client, "resident_a").json()["token"]
    other = login(client, "resident_a").json()["token"]

    response = client.delete(TOKEN, **bearer(token))

    assert response.status_code == 204
    error(client.get(ME, **bearer(token)), 401, "unauthenticated")
    assert client.get(ME, **bearer(other)).status_code == 200


def test_revoking_needs_a_token_request(client, people):
    client.force_login(people.resident_user)
    error(client.delete(TOKEN), 400, "no_token")


def test_no_credentials_is_401(client, db):
    error(client.get(ME), 401, "unauthenticated")


# --- the browser session -----------------------------------------------------------------


def test_session_login_works_for_reads(client, people):
    client.force_login(people.staff)
    response = client.get(ME)
    assert response.status_code == 200
    assert response.json()["username"] == "staff_a"


def test_session_writes_need_the_csrf_token(people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.resident_user)
    data = {"kind": "item", "title": "想要一个书包"}

    refused = client.post(WISHES, data, content_type="application/json")
    error(refused, 403, "csrf_failed")

    token = client.get("/api/v1/auth/csrf").json()["token"]
    accepted = client.post(WISHES, data, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201, accepted.content


def test_anonymous_write_is_401_not_a_csrf_error(db):
    client = Client(enforce_csrf_checks=True)
    error(
        client.post(WISHES, {"kind": "item", "title": "想要一个书包"}, content_type="application/json"),
        401,
        "unauthenticated",
    )


def test_a_form_posted_to_a_json_endpoint_is_400_not_500(people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.resident_user)
    token = client.get("/api/v1/auth/csrf").json()["token"]

    response = client.post(WISHES, {"kind": "item", "title": "想要一个书包", "csrfmiddlewaretoken": token})

    error(response, 400, "bad_request")


# --- errors speak the request's language --------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_errors_follow_the_request_language(client, db, language):
    response = login(client, "nobody", "x", HTTP_ACCEPT_LANGUAGE=language)
    error(response, 401, "invalid_credentials")
    assert response["Content-Language"] == language


def test_english_error_text(client, db):
    response = login(client, "nobody", "x", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["message"] == "Wrong username or password."


def test_a_user_without_roles_sees_no_roles(client, db):
    user = UserFactory(username="plain")
    client.force_login(user)
    assert client.get(ME).json()["roles"] == []


def test_a_server_bug_still_answers_json_and_is_reported(people, monkeypatch):
    from weiguang.wishes import services

    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(services, "submit_wish", broken)
    client = Client(raise_request_exception=False)
    token = login(client, "resident_a").json()["token"]

    response = client.post(
        WISHES, {"kind": "item", "title": "想要一个书包"}, content_type="application/json", **bearer(token)
    )

    error(response, 500, "server_error")
    assert "bug" not in response.json()["message"]
    with pytest.raises(RuntimeError):  # the default test client re-raises: bugs are not swallowed
        Client().post(
            WISHES,
            {"kind": "item", "title": "想要一个书包"},
            content_type="application/json",
            **bearer(token),
        )

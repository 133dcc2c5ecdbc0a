"""One login lockout for every way in: the login page, the Django admin and the API token.

Counted per user name at an address (one person's typos never lock out the community centre
she shares an address with) and per address (one machine trying many names is stopped)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.test import Client

from weiguang.core.models import ApiToken

from ..factories import UserFactory
from ..otp import authenticator_of, code_for

pytestmark = pytest.mark.django_db

PASSWORD = "pass-Weiguang-1"
TOKEN = "/api/v1/auth/token"
LOCKED = "登录失败次数过多，请 15 分钟后再试。"


def web_login(client, username, password=PASSWORD, url="/login/", **extra):
    return client.post(url, {"username": username, "password": password, "next": "/"}, **extra)


def api_login(client, username, password=PASSWORD, **extra):
    return client.post(
        TOKEN, {"username": username, "password": password}, content_type="application/json", **extra
    )


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def failures(**filters) -> int:
    return AccessAttempt.objects.filter(**filters).aggregate(n=Sum("failures_since_start"))["n"] or 0


# --- the login page ------------------------------------------------------------------------


def test_thirty_wrong_passwords_then_the_right_one_is_refused_on_the_login_page(client, people):
    for i in range(30):
        response = web_login(client, "resident_a", f"guess-{i}")
        assert not logged_in(client)
        if i < settings.AXES_FAILURE_LIMIT - 1:  # checked, wrong
            assert response.status_code == 200
            assert LOCKED not in response.content.decode()
        elif i == settings.AXES_FAILURE_LIMIT - 1:  # checked, wrong, and now the wait begins
            assert response.status_code == 200
            assert LOCKED in response.content.decode()
        else:  # refused without checking
            assert response.status_code == 429
            assert LOCKED in response.content.decode()

    response = web_login(client, "resident_a")

    assert response.status_code == 429
    assert not logged_in(client)
    page = response.content.decode()
    assert LOCKED in page
    assert 'name="username"' in page  # the page itself, with the form, not a bare error
    assert 14 * 60 < int(response["Retry-After"]) <= 15 * 60
    # the refused attempts were not counted: the lock lasts 15 minutes from the tenth failure
    assert failures(username="resident_a") == settings.AXES_FAILURE_LIMIT


def test_another_user_at_the_same_address_still_logs_in(client, people):
    for _ in range(settings.AXES_FAILURE_LIMIT + 5):
        web_login(client, "resident_a", "guess")

    neighbour = Client()  # same address (127.0.0.1): the community centre's other computer
    response = web_login(neighbour, "vol_a")

    assert response.status_code == 302 and logged_in(neighbour)
    assert api_login(Client(), "staff_a").status_code == 201


def test_the_same_user_from_another_address_still_logs_in(client, people):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        web_login(client, "resident_a", "guess")

    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    assert web_login(elsewhere, "resident_a").status_code == 302 and logged_in(elsewhere)


def test_the_wait_counts_down_and_the_lock_lifts(client, people):
    with time_machine.travel(dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        for _ in range(settings.AXES_FAILURE_LIMIT):
            web_login(client, "resident_a", "guess")
        clock.shift(dt.timedelta(minutes=6))
        response = web_login(client, "resident_a")
        assert response.status_code == 429
        assert "登录失败次数过多，请 9 分钟后再试。" in response.content.decode()
        assert int(response["Retry-After"]) == 9 * 60
        clock.shift(dt.timedelta(minutes=9, seconds=1))
        assert web_login(client, "resident_a").status_code == 302 and logged_in(client)


def test_the_user_name_is_counted_however_it_is_typed(client, people):
    for name in ["resident_a", "Resident_A", " RESIDENT_A "] * 4:
        web_login(client, name, "guess")
    assert web_login(client, "resident_a").status_code == 429


def test_english_visitors_read_the_wait_in_english(client, people):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        web_login(client, "resident_a", "guess")
    page = web_login(client, "resident_a").content.decode()
    assert "Too many failed logins. Please try again in 15 minutes." in page


# --- the admin -----------------------------------------------------------------------------


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def test_thirty_wrong_passwords_then_the_right_one_is_refused_on_the_admin(client, superuser):
    for i in range(30):
        web_login(client, "root", f"guess-{i}", url="/admin/login/")

    response = web_login(client, "root", url="/admin/login/")

    assert response.status_code == 429
    assert not logged_in(client)
    assert LOCKED in response.content.decode()
    assert client.get("/admin/").status_code == 302  # still sent to the login


def test_the_admin_still_logs_in_when_no_lock_applies(client, superuser):
    device = authenticator_of(superuser)
    assert web_login(client, "root", url="/admin/login/").status_code == 302
    # then the code of the admin's authenticator app (two-factor sign-in, accounts.security)
    assert client.get("/admin/").url.startswith("/security/2fa/verify/")
    client.post("/security/2fa/verify/", {"code": code_for(device)})
    assert client.get("/admin/").status_code == 200


# --- the API -------------------------------------------------------------------------------


def test_thirty_wrong_passwords_then_the_right_one_is_refused_by_the_api(client, people):
    for _ in range(30):
        assert api_login(client, "resident_a", "guess").status_code in (401, 429)

    response = api_login(client, "resident_a")

    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert (body["message"], body["code"]) == (LOCKED, "too_many_attempts")
    assert 14 * 60 < int(response["Retry-After"]) <= 15 * 60
    assert not ApiToken.objects.exists()


def test_one_lock_for_every_way_in(client, people, superuser):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        web_login(client, "resident_a", "guess")  # failures on the page ...
    assert api_login(client, "resident_a").status_code == 429  # ... lock the API too

    for _ in range(settings.AXES_FAILURE_LIMIT):
        api_login(client, "root", "guess")  # failures through the API ...
    assert web_login(client, "root", url="/admin/login/").status_code == 429  # ... lock the admin
    assert web_login(client, "root").status_code == 429  # ... and the page


# --- an address trying many user names -------------------------------------------------------


def test_an_address_spraying_many_user_names_is_throttled(client, people):
    for i in range(settings.LOGIN_FAILURES_PER_ADDRESS):
        assert api_login(client, f"guess{i}", "123456").status_code == 401

    refused = api_login(client, "vol_a")  # a real account, the right password, that address
    assert refused.status_code == 429 and refused.json()["code"] == "too_many_attempts"
    assert web_login(client, "staff_a").status_code == 429
    # other addresses are not affected
    assert api_login(Client(REMOTE_ADDR="198.51.100.7"), "vol_a").status_code == 201


def test_the_per_address_limit_is_far_above_the_per_user_limit():
    assert settings.LOGIN_FAILURES_PER_ADDRESS >= 5 * settings.AXES_FAILURE_LIMIT


# --- a success clears only the user's own failures at that address ---------------------------


def test_a_success_does_not_clear_another_users_failures(client, people):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        api_login(client, "resident_a", "guess")  # an attacker tries her password ...
    assert api_login(client, "vol_a").status_code == 201  # ... logs in with his own account ...
    assert web_login(client, "vol_a").status_code == 302

    assert api_login(client, "resident_a", "guess").status_code == 401  # ... and her count went on
    assert api_login(client, "resident_a").status_code == 429


def test_a_success_does_not_clear_the_address_counter(people):
    client = Client()
    for i in range(settings.LOGIN_FAILURES_PER_ADDRESS - 1):
        api_login(client, f"guess{i}", "123456")
    assert api_login(client, "vol_a").status_code == 201

    assert api_login(client, "guess-last", "123456").status_code == 401
    assert api_login(client, "staff_a").status_code == 429


def test_a_success_clears_the_users_own_failures(client, people):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        web_login(client, "resident_a", "guess")
    assert web_login(client, "resident_a").status_code == 302
    assert failures(username="resident_a") == 0


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["x" * 5000, "名字" * 300, "", "   ", "名字" * 75, "a\u200bb"])
def test_odd_user_names_are_counted_not_a_500(client, people, username):
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        assert web_login(client, username, "guess").status_code in (200, 429)
        assert api_login(client, username, "guess").status_code in (401, 422, 429)
    assert web_login(client, "resident_a").status_code == 302


def test_changing_the_browser_changes_nothing(client, people):
    for i in range(settings.AXES_FAILURE_LIMIT):
        web_login(client, "resident_a", "guess", HTTP_USER_AGENT=f"Mozilla/5.0 ({i})")
    assert web_login(client, "resident_a", HTTP_USER_AGENT="curl/8").status_code == 429

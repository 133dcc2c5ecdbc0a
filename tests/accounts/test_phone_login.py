"""Login by mobile number: with the password on the login page and the API token, and with an
SMS code, all behind the one lockout (a number counts as its account's user name)."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate
from django.test import RequestFactory

from weiguang.accounts.codes import issue_code

from .helpers import PASSWORD, last_code, phone_user

pytestmark = pytest.mark.django_db

PHONE = "13800138000"


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_login_page_takes_the_mobile_number_and_password(client):
    user = phone_user()
    response = client.post("/login/", {"username": "138 0013 8000", "password": PASSWORD, "next": "/"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_the_api_token_takes_the_mobile_number(client):
    phone_user()
    response = client.post(
        "/api/v1/auth/token", {"username": PHONE, "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 201


def test_wrong_passwords_by_number_and_by_name_count_against_one_person(client):
    phone_user()
    for i in range(settings.AXES_FAILURE_LIMIT // 2):
        client.post("/login/", {"username": PHONE, "password": f"guess-{i}"})
        client.post("/login/", {"username": "zhang", "password": f"guess-{i}"})
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"zhang"}
    response = client.post("/login/", {"username": PHONE, "password": PASSWORD})
    assert response.status_code == 429
    assert "登录失败次数过多，请 15 分钟后再试。" in response.content.decode()
    assert not logged_in(client)


def login_by_code(code, phone=PHONE):
    request = RequestFactory().post("/login/code/", REMOTE_ADDR="203.0.113.9")
    return request, authenticate(request, username=phone, sms_code=code)


def test_a_login_code_proves_the_account_once():
    user = phone_user()
    issue_code(PHONE, "login", address="203.0.113.9")
    code = last_code(PHONE)
    assert login_by_code(code)[1] == user
    request, found = login_by_code(code)
    assert found is None
    assert request.sms_code_error == "该验证码已使用，请重新获取。"


def test_a_sign_up_code_does_not_log_in():
    phone_user()
    issue_code(PHONE, "register", address="203.0.113.9")
    assert login_by_code(last_code(PHONE))[1] is None


def test_wrong_codes_are_counted_by_the_lockout():
    phone_user()
    for n in range(settings.AXES_FAILURE_LIMIT):
        request, found = login_by_code(f"{n:06d}x")
        assert found is None
    assert AccessAttempt.objects.get(username="zhang").failures_since_start == settings.AXES_FAILURE_LIMIT
    issue_code(PHONE, "login", address="203.0.113.9")
    request, found = login_by_code(last_code(PHONE))
    assert found is None and request.login_locked_out  # refused without looking at the code


def test_an_inactive_account_cannot_log_in_by_code():
    phone_user(is_active=False)
    issue_code(PHONE, "login", address="203.0.113.9")
    assert login_by_code(last_code(PHONE))[1] is None

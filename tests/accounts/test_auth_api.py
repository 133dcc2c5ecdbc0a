"""/api/v1/auth for a mini-program: a code, then sign-up or a token by code, and a password
reset; refusals in the API's error shape (422 field errors in the user's language, 409, 429
with Retry-After)."""

from __future__ import annotations

import pytest
from django.conf import settings

from weiguang.accounts.models import Account, SmsCode, SmsMessage
from weiguang.core.models import ApiToken

from .helpers import PASSWORD, last_code, phone_user

pytestmark = pytest.mark.django_db

PHONE = "13800138000"
NEW_PASSWORD = "Xin-mima-2026"


def post(client, path, body, **extra):
    return client.post(f"/api/v1/auth/{path}", body, content_type="application/json", **extra)


def me(client, token):
    return client.get("/api/v1/residents", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_register_with_a_code_returns_a_working_token(client):
    response = post(client, "sms_code", {"phone": PHONE, "purpose": "register"})
    assert response.status_code == 202
    assert response.json() == {"message": "验证码已发送到 138****8000，5 分钟内有效。", "expires_in": 300}
    response = post(
        client,
        "register",
        {"phone": PHONE, "code": last_code(PHONE), "password": NEW_PASSWORD, "name": "张桂芳"},
    )
    assert response.status_code == 201
    token = response.json()["token"]
    assert ApiToken.objects.get(key_hash=ApiToken.hash(token)).user.account.phone == PHONE
    assert me(client, token).status_code != 401


def test_register_refusals_name_the_field(client):
    post(client, "sms_code", {"phone": PHONE, "purpose": "register"})
    code = last_code(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    response = post(
        client, "register", {"phone": PHONE, "code": wrong, "password": NEW_PASSWORD, "name": "张"}
    )
    assert response.status_code == 422
    assert response.json() == {
        "message": "验证码错误，还可以再试 4 次。",
        "code": "invalid",
        "errors": {"code": "验证码错误，还可以再试 4 次。"},
    }
    response = post(client, "register", {"phone": PHONE, "code": code, "password": "12345678", "name": "张"})
    assert response.status_code == 422 and set(response.json()["errors"]) == {"password"}
    response = post(client, "register", {"phone": PHONE, "code": code, "password": NEW_PASSWORD})
    assert response.status_code == 422 and response.json()["errors"] == {"name": "此项必填。"}
    assert not Account.objects.exists()


def test_a_registered_number_is_a_conflict(client):
    phone_user()
    response = post(client, "sms_code", {"phone": PHONE, "purpose": "register"})
    assert response.status_code == 409
    assert response.json()["code"] == "phone_registered"
    assert not SmsCode.objects.filter(phone=PHONE).exists() and not SmsMessage.objects.exists()
    # the refusal counts towards the address's sending limit (a row without a number)
    assert SmsCode.objects.get().phone == ""


def test_a_bad_purpose_or_number_is_a_field_error(client):
    response = post(client, "sms_code", {"phone": PHONE, "purpose": "spam"})
    assert response.status_code == 422 and "purpose" in response.json()["errors"]
    response = post(client, "sms_code", {"phone": "12345", "purpose": "login"})
    assert response.json()["errors"] == {"phone": "请输入 11 位手机号码。"}


def test_the_sending_limit_is_a_429_with_retry_after(client):
    assert post(client, "sms_code", {"phone": PHONE, "purpose": "register"}).status_code == 202
    response = post(client, "sms_code", {"phone": PHONE, "purpose": "register"})
    assert response.status_code == 429
    assert 55 <= int(response["Retry-After"]) <= 60
    body = response.json()
    assert body["code"] == "too_many_codes"
    assert body["message"].startswith("发送到这个号码的验证码太多了，请等待")
    assert SmsMessage.objects.count() == 1


def test_a_token_by_code(client):
    user = phone_user()
    assert post(client, "sms_code", {"phone": PHONE, "purpose": "login"}).status_code == 202
    response = post(client, "token_by_code", {"phone": PHONE, "code": last_code(PHONE)})
    assert response.status_code == 201
    assert ApiToken.objects.get(key_hash=ApiToken.hash(response.json()["token"])).user == user
    response = post(client, "token_by_code", {"phone": PHONE, "code": last_code(PHONE)})
    assert response.status_code == 422
    assert response.json()["errors"] == {"code": "该验证码已使用，请重新获取。"}


def test_wrong_codes_reach_the_lockout(client):
    phone_user()
    post(client, "sms_code", {"phone": PHONE, "purpose": "login"})
    code = last_code(PHONE)
    for n in range(settings.AXES_FAILURE_LIMIT):
        guess = f"{n:06d}" if f"{n:06d}" != code else "999999"
        assert post(client, "token_by_code", {"phone": PHONE, "code": guess}).status_code == 422
    response = post(client, "token_by_code", {"phone": PHONE, "code": code})
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_attempts"
    assert int(response["Retry-After"]) > 0
    # and the password by the user name is refused as well
    response = post(client, "token", {"username": "zhang", "password": PASSWORD})
    assert response.status_code == 429


def test_password_reset(client):
    user = phone_user()
    assert post(client, "sms_code", {"phone": PHONE, "purpose": "reset"}).json()["message"] == (
        "如果 138****8000 已注册，验证码已发送到这个号码，5 分钟内有效。"
    )
    response = post(
        client, "password_reset", {"phone": PHONE, "code": last_code(PHONE), "password": NEW_PASSWORD}
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_password_reset_for_an_unknown_number_looks_the_same(client):
    response = post(client, "sms_code", {"phone": "13900139000", "purpose": "reset"})
    assert response.status_code == 202
    assert not SmsMessage.objects.exists()
    response = post(
        client, "password_reset", {"phone": "13900139000", "code": "123456", "password": NEW_PASSWORD}
    )
    assert response.json()["errors"] == {"code": "验证码错误，还可以再试 4 次。"}

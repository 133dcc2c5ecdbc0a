"""Sign-up, login by code and password reset as a person uses them: plain forms, two steps,
every refusal said in words on the page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from weiguang.accounts.models import Account, SmsCode, SmsMessage
from weiguang.core.models import AuditEntry

from .helpers import PASSWORD, last_code, phone_user

pytestmark = pytest.mark.django_db

PHONE = "13800138000"
NEW_PASSWORD = "Xin-mima-2026"


def send(client, url, phone=PHONE):
    return client.post(url, {"phone": phone, "action": "send_code"})


def signup(client, code, phone=PHONE, password=NEW_PASSWORD, name="张桂芳"):
    return client.post(
        "/signup/", {"phone": phone, "code": code, "password": password, "name": name, "action": "register"}
    )


def text(response) -> str:
    return response.content.decode()


def without_tokens(page: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"|nonce="[^"]*"', "", page)


def logged_in_as(client):
    pk = client.session.get("_auth_user_id")
    return get_user_model().objects.get(pk=pk) if pk else None


def test_sign_up_with_a_code_creates_the_account_and_logs_in(client):
    page = client.get("/signup/")
    assert "获取验证码" in text(page) and 'name="code"' not in text(page)
    response = send(client, "/signup/", "138 0013 8000")
    assert response.status_code == 200
    assert "验证码已发送到 138****8000，5 分钟内有效。" in text(response)
    assert 'name="code"' in text(response) and "重新发送验证码" in text(response)
    response = signup(client, last_code(PHONE))
    assert response.status_code == 302 and response["Location"] == "/my/residence/"
    user = logged_in_as(client)
    assert (user.username, user.first_name, user.account.phone) == (PHONE, "张桂芳", PHONE)
    assert user.check_password(NEW_PASSWORD)
    assert AuditEntry.objects.filter(action="register", actor=user).exists()


def test_after_sign_up_the_setting_decides_where_to_go(client, settings):
    settings.SIGNUP_NEXT_URL = "inbox"
    send(client, "/signup/")
    assert signup(client, last_code(PHONE))["Location"] == "/inbox/"


def test_a_wrong_code_keeps_everything_and_says_so(client):
    send(client, "/signup/")
    code = last_code(PHONE)
    response = signup(client, "000000" if code != "000000" else "111111")
    assert "验证码错误，还可以再试 4 次。" in text(response)
    assert logged_in_as(client) is None and not Account.objects.exists()
    assert 'value="张桂芳"' in text(response)


def test_a_weak_password_is_refused_and_the_code_still_works(client):
    send(client, "/signup/")
    response = signup(client, last_code(PHONE), password="12345678")
    assert "这个密码太常见了" in text(response) or "全部为数字" in text(response)
    assert not Account.objects.exists()
    assert signup(client, last_code(PHONE)).status_code == 302


def test_an_expired_code_is_refused(client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        send(client, "/signup/")
    with time_machine.travel(start + dt.timedelta(minutes=6), tick=False):
        response = signup(client, last_code(PHONE))
    assert "验证码已过期，请重新获取。" in text(response)


def test_a_registered_number_is_told_to_log_in_or_reset(client):
    phone_user()
    response = send(client, "/signup/")
    assert "这个号码已经注册过了。请直接登录；如果忘记了密码，可以重置密码。" in text(response)
    assert 'href="/login/"' in text(response) and 'href="/password/reset/"' in text(response)
    assert not SmsMessage.objects.exists()


def test_asking_again_within_a_minute_says_how_long_to_wait(client):
    send(client, "/signup/")
    response = send(client, "/signup/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) <= 60
    assert "发送到这个号码的验证码太多了，请等待" in text(response)
    assert SmsCode.objects.count() == 1


def test_a_number_that_is_not_a_mobile_number_is_refused(client):
    response = send(client, "/signup/", "12345")
    assert "请输入 11 位手机号码。" in text(response)
    assert not SmsCode.objects.exists()


def test_the_login_page_links_every_way_in(client):
    page = text(client.get("/login/"))
    for href in ('href="/login/code/"', 'href="/signup/"', 'href="/password/reset/"'):
        assert href in page


def test_login_by_code(client):
    user = phone_user()
    response = send(client, "/login/code/")
    assert "验证码已发送到 138****8000" in text(response)
    response = client.post("/login/code/", {"phone": PHONE, "code": last_code(PHONE), "next": "/inbox/"})
    assert response.status_code == 302 and response["Location"] == "/inbox/"
    assert logged_in_as(client) == user


def test_login_by_code_for_a_number_without_an_account(client):
    response = send(client, "/login/code/")
    assert "这个号码还没有注册，请先注册。" in text(response)


def test_wrong_login_codes_lock_like_wrong_passwords(client):
    phone_user()
    send(client, "/login/code/")
    code = last_code(PHONE)
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/code/", {"phone": PHONE, "code": f"{n:06d}" if f"{n:06d}" != code else "999999"})
    response = client.post("/login/code/", {"phone": PHONE, "code": code})
    assert response.status_code == 429
    assert "登录失败次数过多，请 15 分钟后再试。" in text(response)
    assert logged_in_as(client) is None
    # the password is refused too: one person, one counter
    response = client.post("/login/", {"username": "zhang", "password": PASSWORD})
    assert response.status_code == 429


def test_reset_the_password_by_code(client):
    user = phone_user()
    response = send(client, "/password/reset/")
    assert "如果 138****8000 已注册，验证码已发送到这个号码，5 分钟内有效。" in text(response)
    response = client.post(
        "/password/reset/",
        {"phone": PHONE, "code": last_code(PHONE), "password": NEW_PASSWORD, "action": "reset"},
    )
    assert response.status_code == 302 and response["Location"] == "/login/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.post("/login/", {"username": PHONE, "password": NEW_PASSWORD}).status_code == 302


def test_reset_answers_the_same_for_a_number_without_an_account(client):
    phone_user()
    known = without_tokens(text(send(client, "/password/reset/")))
    unknown = without_tokens(text(send(client, "/password/reset/", "13900139000")))
    assert known.replace("138****8000", "X").replace(PHONE, "X") == unknown.replace(
        "139****9000", "X"
    ).replace("13900139000", "X")
    assert not SmsMessage.objects.filter(phone="13900139000").exists()
    response = client.post(
        "/password/reset/",
        {"phone": "13900139000", "code": "123456", "password": NEW_PASSWORD, "action": "reset"},
    )
    assert "验证码错误，还可以再试 4 次。" in text(response)


def test_garbage_posts_get_errors_not_crashes(client):
    for url in ("/signup/", "/login/code/", "/password/reset/"):
        for data in (
            {},
            {"action": "send_code"},
            {"phone": "x" * 500, "code": "abc"},
            {"action": "register"},
        ):
            assert client.post(url, data).status_code in (200, 429)


def test_asking_whether_numbers_are_registered_counts_towards_the_address_limit(client, settings):
    """A refusal that tells whether a number is registered (sign-up: it is; login by code: it is
    not) costs a code request from that address, so nobody checks numbers without limit; the
    number's own limit is untouched (its owner goes on to log in at once)."""
    settings.SMS_CODE_LIMITS_PER_ADDRESS = ((3, 60),)
    phone_user()
    assert "这个号码已经注册过了" in text(send(client, "/signup/"))
    assert "这个号码还没有注册，请先注册。" in text(send(client, "/login/code/", "13900139000"))
    assert "验证码已发送到 138****8000" in text(send(client, "/login/code/"))
    for url, phone in (("/signup/", PHONE), ("/login/code/", "13900139001")):
        response = send(client, url, phone)
        assert response.status_code == 429
        assert "您所在的网络获取验证码太多了，请等待 60 秒后再试。" in text(response)
        assert "已经注册过了" not in text(response) and "还没有注册" not in text(response)
    assert SmsMessage.objects.count() == 1


def test_the_last_step_of_sign_up_says_nothing_about_a_number_without_its_code(client):
    phone_user()
    known = signup(client, "123456")
    unknown = signup(client, "123456", phone="13900139000")
    for response in (known, unknown):
        assert "请先获取验证码。" in text(response)
        assert "这个号码已经注册过了" not in text(response)


def test_login_by_code_answers_alike_for_a_number_without_an_account(client):
    phone_user()
    known = client.post("/login/code/", {"phone": PHONE, "code": "123456"})
    unknown = client.post("/login/code/", {"phone": "13900139000", "code": "123456"})
    assert "请先获取验证码。" in text(known)
    assert without_tokens(text(known)).replace(PHONE, "X") == without_tokens(text(unknown)).replace(
        "13900139000", "X"
    )

"""A new resident signs up on a 390 px phone: the number, 获取验证码, the code from the text
message (read from the stored SMS, as the console backend shows it to a developer), a name
and a password; then she logs out and in again with a code. Screenshots go to /tmp/shots-signup/."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from weiguang.accounts.models import Account

from ..accounts.helpers import last_code
from .pages import fits_the_phone, follow, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots-signup")
PHONE_NUMBER = "13912340000"


def test_a_resident_signs_up_with_a_code_and_logs_in_with_one(phone):
    page = phone()
    page.goto("/login/")
    assert fits_the_phone(page)
    shot(page, SHOTS, "0-login")
    follow(page, "[data-testid=signup]")
    assert page.locator("h1").inner_text() == "注册"
    page.fill("#id_phone", "139 1234 0000")
    assert fits_the_phone(page)
    shot(page, SHOTS, "1-number")
    follow(page, "[data-testid=send-code]")
    assert "验证码已发送到 139****0000，5 分钟内有效。" in page.inner_text("body")
    # too weak a password: said on the field, the code still good
    page.fill("#id_code", last_code(PHONE_NUMBER))
    page.fill("#id_name", "刘桂芳")
    page.fill("#id_password", "12345678")
    follow(page, "[data-testid=register]")
    assert "全部为数字" in page.inner_text("body") or "太常见" in page.inner_text("body")
    page.fill("#id_code", last_code(PHONE_NUMBER))
    page.fill("#id_password", "Guifang-2026")
    assert fits_the_phone(page)
    shot(page, SHOTS, "2-details")
    follow(page, "[data-testid=register]")
    assert "欢迎！您的账号已注册好。" in page.inner_text("body")
    account = Account.objects.get(phone=PHONE_NUMBER)
    assert account.user.first_name == "刘桂芳"

    # another day, another phone: in with a code
    other = phone()
    other.goto("/login/")
    follow(other, "[data-testid=login-by-code]")
    other.fill("#id_phone", PHONE_NUMBER)
    follow(other, "[data-testid=send-code]")
    # the sign-up code went out less than a minute ago: the page says how long to wait
    assert re.search(r"发送到这个号码的验证码太多了，请等待 \d+ 秒后再试。", other.inner_text("body"))
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61)):
        follow(other, "[data-testid=send-code]")
    other.fill("#id_code", last_code(PHONE_NUMBER))
    assert fits_the_phone(other)
    shot(other, SHOTS, "3-login-code")
    follow(other, "[data-testid=login]")
    assert other.url.endswith("/") and "/login" not in other.url  # home, logged in
    assert other.locator("form[action='/logout/']").count() == 1

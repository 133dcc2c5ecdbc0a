"""SMS verification codes: 6 random digits, stored hashed, valid 5 minutes, used once, dead
after 5 wrong tries; and the providers' sending limits per number and per client address,
each refusal saying how long to wait."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from weiguang.accounts import codes
from weiguang.accounts.codes import TooSoon, issue_code, use_code
from weiguang.accounts.models import SmsCode, SmsMessage
from weiguang.core.errors import InvalidInput

from .helpers import last_code

pytestmark = pytest.mark.django_db

PHONE = "13800138000"
ADDRESS = "203.0.113.9"


def issue(phone=PHONE, purpose="register", address=ADDRESS):
    return issue_code(phone, purpose, address=address)


def refusal(call) -> str:
    with pytest.raises(InvalidInput) as caught:
        call()
    return caught.value.fields["code"]


def test_a_code_is_six_digits_texted_and_stored_only_as_a_hash():
    row = issue()
    code = last_code(PHONE)
    assert len(code) == 6 and code.isdigit()
    message = SmsMessage.objects.get()
    assert message.phone == PHONE and message.purpose == "code:register"
    assert "5" in message.text and code in message.text
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert row.expires_at - row.created_at == dt.timedelta(minutes=5)
    assert row.client_address == ADDRESS


def test_codes_are_random():
    seen = set()
    for n in range(12):
        issue(phone=f"1380013{n:04d}", address=f"198.51.100.{n}")
        seen.add(last_code(f"1380013{n:04d}"))
    assert len(seen) >= 11


def test_the_right_code_is_used_once():
    issue()
    code = last_code(PHONE)
    assert use_code(PHONE, "register", code).used_at is not None
    assert refusal(lambda: use_code(PHONE, "register", code)) == "该验证码已使用，请重新获取。"


def test_a_code_is_only_good_for_its_purpose():
    issue(purpose="login")
    assert refusal(lambda: use_code(PHONE, "register", last_code(PHONE))) == "请先获取验证码。"


def test_a_wrong_code_says_how_many_tries_are_left_and_five_kill_it():
    issue()
    code = last_code(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        assert refusal(lambda: use_code(PHONE, "register", wrong)) == f"验证码错误，还可以再试 {left} 次。"
    assert refusal(lambda: use_code(PHONE, "register", wrong)) == "验证码错误，次数已用完，请重新获取验证码。"
    # the right code no longer works either
    assert refusal(lambda: use_code(PHONE, "register", code)) == "错误次数过多，请重新获取验证码。"
    assert SmsCode.objects.get().wrong_attempts == 5


def test_a_code_expires_after_five_minutes():
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        issue()
    code = last_code(PHONE)
    with time_machine.travel(start + dt.timedelta(minutes=4, seconds=59), tick=False):
        use_code(PHONE, "register", code)
    with time_machine.travel(start + dt.timedelta(minutes=10), tick=False):
        issue()
    code = last_code(PHONE)
    with time_machine.travel(start + dt.timedelta(minutes=15), tick=False):
        assert refusal(lambda: use_code(PHONE, "register", code)) == "验证码已过期，请重新获取。"


def test_a_new_code_replaces_the_old_one():
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        issue()
    old = last_code(PHONE)
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        issue()
        new = last_code(PHONE)
        if old != new:
            assert "验证码错误" in refusal(lambda: use_code(PHONE, "register", old))
        use_code(PHONE, "register", new)


# --- the sending limits ----------------------------------------------------------------------


def refused(**kwargs) -> TooSoon:
    with pytest.raises(TooSoon) as caught:
        issue(**kwargs)
    return caught.value


def test_one_code_a_minute_to_a_number_with_the_wait_in_seconds():
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        issue()
    with time_machine.travel(start + dt.timedelta(seconds=15), tick=False):
        error = refused(purpose="login", address="198.51.100.1")  # any purpose, any address
    assert error.retry_after == 45
    assert error.status == 429
    assert error.message == "发送到这个号码的验证码太多了，请等待 45 秒后再试。"
    assert error.fields == {"phone": error.message}
    with time_machine.travel(start + dt.timedelta(seconds=60), tick=False):
        issue()
    assert SmsCode.objects.count() == 2


@pytest.mark.parametrize(
    ("sent", "every", "asked_at", "wait", "said", "free_at"),
    [
        (5, dt.timedelta(minutes=2), dt.timedelta(minutes=10), 50 * 60, "请等待 50 分钟后再试",
         dt.timedelta(minutes=60, seconds=1)),
        (10, dt.timedelta(minutes=13), dt.timedelta(hours=3), 21 * 3600, "请等待 21 小时后再试",
         dt.timedelta(hours=24, seconds=1)),
    ],
    ids=["five codes an hour, the wait in minutes", "ten codes a day, the wait in hours"],
)  # fmt: skip
def test_the_codes_a_number_gets_an_hour_and_a_day(sent, every, asked_at, wait, said, free_at):
    start = timezone.now()
    for n in range(sent):
        with time_machine.travel(start + every * n, tick=False):
            issue()
    with time_machine.travel(start + asked_at, tick=False):
        error = refused()
    assert error.retry_after == wait
    assert said in error.message
    with time_machine.travel(start + free_at, tick=False):
        issue()


def test_an_address_asking_for_codes_for_many_numbers_is_stopped():
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for n in range(5):
            issue(phone=f"1390000000{n}")
        error = refused(phone="13900000009")
    assert error.retry_after == 60
    assert error.message == "您所在的网络获取验证码太多了，请等待 60 秒后再试。"
    with time_machine.travel(start, tick=False):
        issue(phone="13900000009", address="198.51.100.7")  # another address may


def test_the_limits_come_from_the_settings(settings):
    settings.SMS_CODE_LIMITS_PER_PHONE = ((2, 60),)
    issue()
    issue()
    assert refused().retry_after == 60


def test_a_refused_request_sends_nothing():
    issue()
    refused()
    assert SmsMessage.objects.count() == SmsCode.objects.count() == 1


def test_codes_hash_with_the_number_and_purpose():
    assert codes.code_hash(PHONE, "login", "123456") != codes.code_hash(PHONE, "register", "123456")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_cannot_both_pass_one_a_minute():
    from tests.wishes.test_concurrency import at_once

    outcomes = at_once([lambda n=n: issue(address=f"198.51.100.{n}") for n in range(4)])
    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused", "refused", "refused"]
    assert SmsCode.objects.count() == SmsMessage.objects.count() == 1


def test_the_daily_clean_up_forgets_codes_no_limit_counts_any_more():
    from weiguang.accounts import tasks
    from weiguang.accounts.models import CodeThrottle

    start = timezone.now()
    with time_machine.travel(start, tick=False):
        issue(phone="13900000001", address="198.51.100.1")
    with time_machine.travel(start + dt.timedelta(hours=23), tick=False):
        issue(phone="13900000002", address="198.51.100.2")
    with time_machine.travel(start + dt.timedelta(days=1, minutes=1), tick=False):
        assert tasks.clean_up.call()["codes"] == 1
        assert list(SmsCode.objects.values_list("phone", flat=True)) == ["13900000002"]
        assert set(CodeThrottle.objects.values_list("key", flat=True)) == {
            "phone:13900000002",
            "address:198.51.100.2",
        }
        issue(phone="13900000001", address="198.51.100.1")  # the forgotten one may ask again

"""A resident on a phone asks for text messages beside the inbox and sets her quiet hours on
消息提醒; the next urgent message reaches her number as a text (issue 13, outbound channels).
Screenshots go to /tmp/shots-messages/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from weiguang.accounts.models import Account, SmsMessage
from weiguang.core.notifications import notify
from weiguang.outbox.models import Preference

from .pages import fits_the_phone, follow, log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots-messages")


def test_a_resident_asks_for_texts_and_sets_quiet_hours(phone, people, settings):
    settings.SMS_BACKEND = "console"
    Account.objects.create(user=people.resident_user, phone="13912345678")
    page = phone()
    log_in(page, people.resident_user.username)
    follow(page, "[data-nav=inbox]")
    follow(page, "[data-testid=message_settings]")
    assert page.url.endswith("/my/messages/")
    main = page.inner_text("main")
    assert "所有消息都会进入站内消息" in main and "发到 139****5678。" in main
    assert fits_the_phone(page)

    page.check("input[name=sms]")
    page.fill("input[name=quiet_from]", "21:00")
    page.fill("input[name=quiet_until]", "07:30")
    shot(page, SHOTS, "1-choosing")
    follow(page, "main form button[type=submit]")
    assert "已保存" in page.inner_text("main")
    assert page.is_checked("input[name=sms]")
    assert page.input_value("input[name=quiet_from]") == "21:00"
    assert fits_the_phone(page)
    shot(page, SHOTS, "2-saved")
    preference = Preference.objects.get(user=people.resident_user)
    assert (preference.sms, preference.quiet_from, preference.quiet_until) == (
        True,
        dt.time(21),
        dt.time(7, 30),
    )

    notify([people.resident_user], "窗帘未拉开，网格员正在上门", urgent=True)
    assert SmsMessage.objects.get(phone="13912345678").text == "窗帘未拉开，网格员正在上门"

"""消息提醒: a person chooses text messages and e-mail beside the inbox, and their quiet hours,
on a small page of their account and through the API."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import UserFactory
from weiguang.accounts.models import Account
from weiguang.core.audit import history_of
from weiguang.outbox.models import Preference

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident():
    user = UserFactory(email="")
    Account.objects.create(user=user, phone="13800138000")
    return user


def test_the_page_shows_the_defaults_and_saves_the_choice(client, resident):
    client.force_login(resident)
    page = client.get("/my/messages/").content.decode()
    assert (
        "消息提醒" in page and "138****8000" in page and 'value="22:00"' in page and 'value="07:00"' in page
    )
    answer = client.post(
        "/my/messages/",
        {
            "sms": "on",
            "email": "on",
            "email_address": "wang@example.com",
            "quiet_from": "21:30",
            "quiet_until": "08:00",
        },
    )
    assert answer.status_code == 302 and answer["Location"] == "/my/messages/"
    preference = Preference.objects.get(user=resident)
    assert (preference.sms, preference.email, preference.quiet_from, preference.quiet_until) == (
        True, True, dt.time(21, 30), dt.time(8, 0),
    )  # fmt: skip
    resident.refresh_from_db()
    assert resident.email == "wang@example.com"
    [entry] = history_of(preference)
    assert entry.actor == resident and entry.data["quiet"] == "21:30-08:00"
    assert "已保存" in client.get("/my/messages/").content.decode()


def test_texts_need_a_number_and_mail_an_address(client):
    user = UserFactory(email="")
    client.force_login(user)
    answer = client.post(
        "/my/messages/", {"sms": "on", "email": "on", "quiet_from": "22:00", "quiet_until": "07:00"}
    )
    assert answer.status_code == 422
    page = answer.content.decode()
    assert "您的账号没有手机号，无法接收短信。" in page and "请填写接收邮件的电子邮箱。" in page
    assert not Preference.objects.exists()
    assert client.post("/my/messages/", {"quiet_from": "25:00", "quiet_until": "x"}).status_code == 422


def test_the_page_is_for_people_who_logged_in(client):
    assert client.get("/my/messages/")["Location"].startswith("/login/")


def test_the_api_reads_and_changes_the_same_settings(client, resident):
    client.force_login(resident)
    got = client.get("/api/v1/me/message_settings").json()
    assert got == {
        "inapp": True, "sms": False, "email": False, "phone": "138****8000", "email_address": "",
        "quiet_from": "22:00", "quiet_until": "07:00",
    }  # fmt: skip
    put = client.put(
        "/api/v1/me/message_settings",
        {"sms": True, "email": False, "quiet_from": "23:00", "quiet_until": "06:30"},
        content_type="application/json",
    )
    assert put.status_code == 200 and put.json()["sms"] is True and put.json()["quiet_until"] == "06:30"
    late = client.put(
        "/api/v1/me/message_settings", {"sms": True, "email": False, "quiet_from": "24:00"},
        content_type="application/json",
    )  # fmt: skip
    assert late.status_code == 422 and Preference.objects.get(user=resident).quiet_from == dt.time(23, 0)
    bad = client.put(
        "/api/v1/me/message_settings", {"sms": False, "email": True, "email_address": "not-mail"},
        content_type="application/json",
    )  # fmt: skip
    assert bad.status_code == 422
    other = UserFactory(email="")
    client.force_login(other)
    refused = client.put(
        "/api/v1/me/message_settings", {"sms": True, "email": False}, content_type="application/json"
    )
    assert refused.status_code == 422 and "sms" in str(refused.json())
    assert Preference.objects.get().user == resident

"""The outbox: messages are written with the change that causes them, one row per recipient
and channel, and delivered by the channel each person chose; a retry never makes a second row
or a second message; robots wait their turn; dead letters are replayed by staff."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import urllib.parse
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.utils import timezone

from tests.factories import UserFactory
from weiguang.accounts.models import Account, SmsMessage, SmsStatus
from weiguang.core.audit import history_of
from weiguang.core.models import Notification
from weiguang.core.notifications import notify
from weiguang.outbox import delivery, services, tasks
from weiguang.outbox.models import Channel, OutboxMessage, Preference, Robot, RobotKind, Status

from .standin import StandIn

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def stand_in():
    made = []

    def make(**kw):
        made.append(StandIn(**kw))
        return made[-1]

    yield make
    for server in made:
        server.close()


def person(phone=None, email="", sms=False, mail_too=False, **quiet):
    user = UserFactory(email=email)
    if phone:
        Account.objects.create(user=user, phone=phone)
    if sms or mail_too or quiet:
        Preference.objects.create(user=user, sms=sms, email=mail_too, **quiet)
    return user


def test_notify_writes_the_inbox_and_its_ledger_in_the_callers_transaction():
    alice, bob = person(), person()
    with pytest.raises(RuntimeError), transaction.atomic():
        notify([alice, bob], "心愿已认领")
        raise RuntimeError("the change is rolled back")
    assert not Notification.objects.exists() and not OutboxMessage.objects.exists()

    assert notify([alice, bob, None, alice], "心愿已认领", "张阿姨的心愿", "/wishes/1/") == 2
    rows = OutboxMessage.objects.order_by("recipient_id")
    assert [(r.recipient, r.channel, r.status) for r in rows] == [
        (alice, Channel.INAPP, Status.DELIVERED),
        (bob, Channel.INAPP, Status.DELIVERED),
    ]
    assert [r.notification.title for r in rows] == ["心愿已认领", "心愿已认领"]
    assert Notification.objects.filter(recipient=alice, url="/wishes/1/").count() == 1


def test_the_same_logical_message_again_adds_no_row_and_sends_nothing(django_capture_on_commit_callbacks):
    alice = person(phone="13800138000", sms=True)
    with django_capture_on_commit_callbacks(execute=True):
        notify([alice], "明早 9 点上门", key="visit:7", urgent=True)
    with django_capture_on_commit_callbacks(execute=True):
        notify([alice], "明早 9 点上门", key="visit:7", urgent=True)
    assert sorted(OutboxMessage.objects.values_list("channel", "status")) == [
        (Channel.INAPP, Status.DELIVERED),
        (Channel.SMS, Status.SENT),
    ]
    assert Notification.objects.count() == SmsMessage.objects.count() == 1
    first = services.send_sms("13900139000", "验证码 123456", purpose="code:login", key="k1")
    assert services.send_sms("13900139000", "验证码 123456", purpose="code:login", key="k1") == first


def test_each_person_gets_the_channels_they_chose(django_capture_on_commit_callbacks, settings):
    settings.SMS_BACKEND = "console"
    texted = person(phone="13800138001", sms=True)
    mailed = person(email="li@example.com", mail_too=True)
    inbox_only = person(phone="13800138002")
    no_phone = person(sms=True)  # wants texts, has no number: the inbox has it
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            [texted, mailed, inbox_only, no_phone],
            "活动改期",
            "周六的活动改到周日",
            "/events/3/",
            urgent=True,
        )
    channels = {(r.recipient_id, r.channel): r.status for r in OutboxMessage.objects.all()}
    assert channels == {
        (texted.pk, Channel.INAPP): Status.DELIVERED,
        (texted.pk, Channel.SMS): Status.SENT,
        (mailed.pk, Channel.INAPP): Status.DELIVERED,
        (mailed.pk, Channel.EMAIL): Status.SENT,
        (inbox_only.pk, Channel.INAPP): Status.DELIVERED,
        (no_phone.pk, Channel.INAPP): Status.DELIVERED,
    }
    sms = SmsMessage.objects.get()
    assert (sms.phone, sms.text, sms.status) == (
        "13800138001",
        "活动改期\n周六的活动改到周日",
        SmsStatus.SENT,
    )
    assert [m.subject for m in mail.outbox] == ["活动改期"] and mail.outbox[0].to == ["li@example.com"]
    assert "/events/3/" in mail.outbox[0].body


def test_a_text_that_is_not_urgent_waits_for_the_end_of_quiet_hours(django_capture_on_commit_callbacks):
    night = dt.datetime(2026, 12, 4, 23, 30, tzinfo=SHANGHAI)
    alice = person(phone="13800138003", sms=True)
    late = person(phone="13800138004", sms=True, quiet_from=dt.time(21, 0), quiet_until=dt.time(8, 30))
    with time_machine.travel(night, tick=False), django_capture_on_commit_callbacks(execute=True):
        notify([alice, late], "新的公告")
        notify([alice], "窗帘未拉开，请上门", urgent=True)
    texts = OutboxMessage.objects.filter(channel=Channel.SMS)
    waiting = {r.recipient_id: r.next_attempt_at for r in texts.filter(status=Status.QUEUED)}
    assert waiting == {
        alice.pk: dt.datetime(2026, 12, 5, 7, 0, tzinfo=SHANGHAI),
        late.pk: dt.datetime(2026, 12, 5, 8, 30, tzinfo=SHANGHAI),
    }
    assert texts.get(title="窗帘未拉开，请上门").status == Status.SENT  # urgent: at once
    with time_machine.travel(dt.datetime(2026, 12, 5, 7, 0, 1, tzinfo=SHANGHAI), tick=False):
        assert tasks.deliver_due.call() == 1
    with time_machine.travel(dt.datetime(2026, 12, 5, 8, 31, tzinfo=SHANGHAI), tick=False):
        assert tasks.deliver_due.call() == 1
    assert not texts.exclude(status=Status.SENT).exists()


@pytest.mark.parametrize("kind", [RobotKind.WECOM, RobotKind.DINGTALK, RobotKind.FEISHU])
def test_robots_get_their_own_json(kind, stand_in, settings, django_capture_on_commit_callbacks):
    settings.OUTBOX_SITE_URL = "https://wg.example.cn"
    server = stand_in()
    secret = "SEC-test" if kind != RobotKind.WECOM else ""
    robot = Robot.objects.create(
        name="七星里社区群", kind=kind, webhook_url=f"{server.url}/hook?key=abc", secret=secret
    )
    with django_capture_on_commit_callbacks(execute=True):
        row = services.post_to_robot(
            robot, "窗帘警报", "张阿姨 9:00 未拉开窗帘", "/care/alerts/1/", key="alert:1"
        )
    assert services.post_to_robot(robot, "窗帘警报", key="alert:1") is None  # the same alert: no second row
    row.refresh_from_db()
    assert row.status == Status.DELIVERED and row.attempts == 1
    [request] = server.requests
    text = "窗帘警报\n张阿姨 9:00 未拉开窗帘\nhttps://wg.example.cn/care/alerts/1/"
    body, query = request["body"], urllib.parse.parse_qs(urllib.parse.urlsplit(request["path"]).query)
    if kind == RobotKind.FEISHU:
        ts = body.pop("timestamp")
        expected = base64.b64encode(
            hmac.new(f"{ts}\n{secret}".encode(), b"", hashlib.sha256).digest()
        ).decode()
        assert body.pop("sign") == expected
        assert body == {"msg_type": "text", "content": {"text": text}}
    else:
        assert body == {"msgtype": "text", "text": {"content": text}}
    if kind == RobotKind.DINGTALK:
        ts = query["timestamp"][0]
        digest = hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
        assert query["sign"] == [base64.b64encode(digest).decode()]
    assert query["key"] == ["abc"]


def test_a_wecom_robot_takes_twenty_a_minute_and_the_rest_wait(stand_in, django_capture_on_commit_callbacks):
    server = stand_in()
    robot = Robot.objects.create(
        name="网格群", kind=RobotKind.WECOM, webhook_url=f"{server.url}/hook", per_minute=20
    )
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            for n in range(25):
                services.post_to_robot(robot, f"第 {n} 条")
        assert len(server.requests) == 20
        waiting = OutboxMessage.objects.filter(status=Status.QUEUED)
        assert waiting.count() == 5
        assert {(r.attempts, r.next_attempt_at) for r in waiting} == {(0, start + dt.timedelta(seconds=60))}
        assert tasks.deliver_due.call() == 0  # not due yet
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        assert tasks.deliver_due.call() == 5
    assert len(server.requests) == 25
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {Status.DELIVERED}


def test_a_robot_that_refuses_makes_a_dead_letter_that_staff_replay(
    stand_in, client, django_capture_on_commit_callbacks
):
    refusing = True
    server = stand_in(
        answer=lambda n, body: (
            (200, {"errcode": 93000, "errmsg": "invalid webhook url"}) if refusing else (200, {"errcode": 0})
        )
    )
    robot = Robot.objects.create(name="街道群", kind=RobotKind.WECOM, webhook_url=f"{server.url}/hook")
    with django_capture_on_commit_callbacks(execute=True):
        row = services.post_to_robot(robot, "周报")
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.DEAD, 1)
    assert "93000" in row.last_error
    assert tasks.deliver_due.call() == 0  # a dead letter stays put

    refusing = False  # the group's owner fixed the robot
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    listing = client.get("/admin/outbox/outboxmessage/?status__exact=dead")
    assert "周报" in listing.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            "/admin/outbox/outboxmessage/", {"action": "replay", "_selected_action": [row.pk]}, follow=True
        )
    assert "1 条消息已重新排队" in answer.content.decode()
    row.refresh_from_db()
    assert (row.status, row.attempts, row.dead_at) == (Status.DELIVERED, 1, None)
    [entry] = history_of(row)
    assert (entry.actor, entry.action, entry.from_state, entry.to_state) == (
        admin,
        "outbox.replay",
        "dead",
        "queued",
    )
    assert len(server.requests) == 2


def test_after_the_last_attempt_the_row_is_a_dead_letter(
    stand_in, settings, django_capture_on_commit_callbacks
):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    server = stand_in(answer=lambda n, body: (503, {}))
    robot = Robot.objects.create(
        name="群", kind=RobotKind.DINGTALK, webhook_url=f"{server.url}/robot/send?access_token=t"
    )
    start = timezone.now()
    with time_machine.travel(start, tick=False), django_capture_on_commit_callbacks(execute=True):
        row = services.post_to_robot(robot, "通知")
    waits = []
    for minutes in (1, 3, 10):
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            tasks.deliver_due.call()
            row.refresh_from_db()
            waits.append((row.status, row.attempts))
    assert waits == [(Status.FAILED, 2), (Status.DEAD, 3), (Status.DEAD, 3)]
    assert row.last_error.startswith("HTTP 503")
    assert len(server.requests) == 3


def test_backoff_doubles_up_to_an_hour(settings):
    assert [delivery.backoff(n).total_seconds() for n in (1, 2, 3, 8, 20)] == [30, 60, 120, 3600, 3600]


def test_the_outbox_job_runs_every_minute():
    from weiguang.core import scheduler

    job = next(j for j in scheduler.PERIODIC if j.task_path == "weiguang.outbox.tasks.deliver_due")
    assert job.every == dt.timedelta(minutes=1)


def test_erasing_a_numbers_text_messages_erases_their_deliveries():
    """accounts.personal_data erases a person's text messages by number (PIPL): the outbox keeps
    no copy of the number or the text."""
    services.send_sms("13912345678", "您的账号已开通", purpose="staff_link")
    assert OutboxMessage.objects.filter(address="13912345678").exists()
    SmsMessage.objects.filter(phone="13912345678").delete()
    assert not OutboxMessage.objects.filter(address="13912345678").exists()

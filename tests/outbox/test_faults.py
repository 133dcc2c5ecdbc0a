"""Faults the outbox must survive, against a real local HTTP server: a service that fails for a
while and then recovers, a sender killed mid-send (SIGKILL while the server holds the request)
and started again, and two senders claiming at once. Each time: 0 messages lost, 0 sent twice."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from weiguang.accounts.models import SmsMessage, SmsStatus
from weiguang.outbox import delivery, services
from weiguang.outbox.models import Channel, OutboxMessage, Robot, RobotKind, Status

from .standin import StandIn, ok

WEIGUANG = str(Path(sys.executable).with_name("weiguang"))


def flaky(failures: int, robot: bool = True):
    """The first `failures` requests fail in the ways services fail (5xx, 429, a robot's "too
    fast" code), then every request is accepted."""
    kinds = [(500, {}), (503, {}), (429, {}), (502, {})]
    if robot:
        kinds[-1] = (200, {"errcode": 45009, "errmsg": "api freq out of limit"})
    return lambda n, body: kinds[n % len(kinds)] if n <= failures else ok(n, body)


def drain(until: dt.datetime, start: dt.datetime, step=dt.timedelta(minutes=5)) -> None:
    moment = start
    while moment < until:
        moment += step
        with time_machine.travel(moment, tick=False):
            delivery.deliver_due()


@pytest.mark.django_db
def test_a_robot_and_a_gateway_that_fail_for_a_while_then_recover_get_everything_once(
    settings, django_capture_on_commit_callbacks
):
    robot_server = StandIn(answer=flaky(45), key=lambda body: body["text"]["content"])
    sms_server = StandIn(answer=flaky(25, robot=False), key=lambda body: body["id"])
    try:
        settings.SMS_BACKEND, settings.SMS_HTTP_URL = "http", f"{sms_server.url}/sms"
        robot = Robot.objects.create(
            name="群", kind=RobotKind.WECOM, webhook_url=f"{robot_server.url}/hook", per_minute=1000
        )
        start = timezone.now()
        with time_machine.travel(start, tick=False), django_capture_on_commit_callbacks(execute=True):
            for n in range(30):
                services.post_to_robot(robot, f"消息 {n}")
                services.send_sms(f"1380013{n:04d}", f"短信 {n}", purpose="test")
        assert OutboxMessage.objects.exclude(status__in=(Status.DELIVERED, Status.SENT)).exists()  # some wait
        drain(start + dt.timedelta(hours=3), start)
        assert Counter(OutboxMessage.objects.values_list("channel", "status")) == {
            (Channel.ROBOT, Status.DELIVERED): 30,
            (Channel.SMS, Status.SENT): 30,
        }
        assert set(SmsMessage.objects.values_list("status", flat=True)) == {SmsStatus.SENT}
        # 0 lost, 0 sent twice: the group saw each message once, the gateway accepted each once
        assert robot_server.accepted == Counter({f"消息 {n}": 1 for n in range(30)})
        assert sms_server.accepted == Counter({str(m.pk): 1 for m in SmsMessage.objects.all()})
        assert len(robot_server.requests) == 30 + 45 and len(sms_server.requests) == 30 + 25
    finally:
        robot_server.close()
        sms_server.close()


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}:{s.get('PASSWORD') or ''}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def sender(*args: str, **env: str) -> subprocess.Popen:
    environ = os.environ | {"DATABASE_URL": database_url(), "OUTBOX_LEASE_SECONDS": "2"} | env
    return subprocess.Popen(
        [WEIGUANG, "outbox_worker", *args], env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def gateway(n, body):
    return ok(n, body)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("channel", ["sms", "robot"])
def test_a_sender_killed_mid_send_and_started_again_loses_nothing_and_sends_nothing_twice(settings, channel):
    """The first request is held by the server; the sender is killed with SIGKILL while it waits
    for the answer. SMS keeps one message per id (docs/sms.md): the new sender sends it again
    under the same id and the gateway keeps one. A robot keeps no id: the message (which did
    reach the group) becomes a dead letter, never posted a second time."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }  # no in-process kick
    if channel == "sms":
        server = StandIn(key=lambda body: body["id"], hold_when=lambda n: n == 1)
        env = {"SMS_BACKEND": "http", "SMS_HTTP_URL": f"{server.url}/sms"}
    else:
        server = StandIn(key=lambda body: body["text"]["content"], hold_when=lambda n: n == 1)
        env = {}
    try:
        robot = Robot.objects.create(
            name="群", kind=RobotKind.WECOM, webhook_url=f"{server.url}/hook", per_minute=1000
        )
        for n in range(5):
            if channel == "sms":
                services.send_sms(f"1390013900{n}", f"短信 {n}", purpose="test")
            else:
                services.post_to_robot(robot, f"消息 {n}")
        first = OutboxMessage.objects.order_by("next_attempt_at", "id").first()

        doomed = sender("--once", "--batch", "1", **env)
        assert server.arrived.wait(60), doomed.communicate(timeout=5)
        first.refresh_from_db()
        assert first.status == Status.SENDING  # recorded before the call
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(10)
        server.release.set()  # the server answers a sender that is gone
        time.sleep(2.5)  # the dead sender's lease lapses

        again = sender("--once", **env)
        out, err = again.communicate(timeout=120)
        assert again.returncode == 0, err.decode()

        rows = OutboxMessage.objects.order_by("id")
        if channel == "sms":
            assert [r.status for r in rows] == [Status.SENT] * 5
            assert server.accepted == Counter({str(r.sms_id): 1 for r in rows}) + Counter(
                {str(first.sms_id): 1}
            )
            # the gateway got the first message twice under one id and keeps it once (the contract)
            delivered = {r["body"]["id"] for r in server.requests}
            assert delivered == {str(r.sms_id) for r in rows} and len(server.requests) == 6
        else:
            first.refresh_from_db()
            assert first.status == Status.DEAD and "may or may not have arrived" in first.last_error
            assert [r.status for r in rows if r.pk != first.pk] == [Status.DELIVERED] * 4
            assert server.accepted == Counter({f"消息 {n}": 1 for n in range(5)})  # each once, none lost
    finally:
        server.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_senders_claiming_at_once_send_each_message_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    server = StandIn(key=lambda body: body["text"]["content"])
    try:
        robot = Robot.objects.create(
            name="群", kind=RobotKind.WECOM, webhook_url=f"{server.url}/hook", per_minute=100000
        )
        for n in range(120):
            services.post_to_robot(robot, f"消息 {n}")
        claimed: list[list[int]] = [[], []]
        barrier = threading.Barrier(2)
        errors = []

        def work(i):
            try:
                barrier.wait(10)
                while True:
                    token, ids = delivery.claim(limit=10)
                    if not ids:
                        return
                    claimed[i] += ids
                    delivery.send_claimed(token, ids)
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not errors
        assert not set(claimed[0]) & set(claimed[1]) and len(claimed[0]) + len(claimed[1]) == 120
        assert server.accepted == Counter({f"消息 {n}": 1 for n in range(120)})
        assert len(server.requests) == 120
        assert set(OutboxMessage.objects.values_list("status", flat=True)) == {Status.DELIVERED}
    finally:
        server.close()

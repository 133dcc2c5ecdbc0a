"""The SMS adapter: every message is stored first, then delivered by a background job through
the configured backend. A provider that fails (5xx, no connection) leaves the message queued;
the retry job delivers it once the provider is back, exactly once, and nothing is lost."""

from __future__ import annotations

import datetime as dt
import json
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.utils import timezone

from weiguang.accounts import sms, tasks
from weiguang.accounts.models import SmsMessage, SmsStatus
from weiguang.accounts.sms import send_sms
from weiguang.core import scheduler

pytestmark = pytest.mark.django_db


class StandIn:
    """A local stand-in for the provider: records every request; answers with the statuses
    of `answers` in turn (then 200 with {"id": ...})."""

    def __init__(self, answers=()):
        self.requests: list[dict] = []
        self.answers = list(answers)
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                stand_in.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": json.loads(body)}
                )
                status = stand_in.answers.pop(0) if stand_in.answers else 200
                payload = (
                    json.dumps({"id": f"prov-{len(stand_in.requests)}"})
                    if status == 200
                    else json.dumps({"error": "busy"})
                ).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stand_in(settings):
    created = []

    def make(answers=()):
        server = StandIn(answers)
        created.append(server)
        settings.SMS_BACKEND = "http"
        settings.SMS_HTTP_URL = server.url
        settings.SMS_HTTP_TOKEN = "s3cret-token"
        settings.SMS_SIGN = "微光"
        settings.SMS_HTTP_TIMEOUT = 5
        return server

    yield make
    for server in created:
        server.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def queue(django_capture_on_commit_callbacks, phone="13800138000", text="您的验证码是 123456"):
    with django_capture_on_commit_callbacks(execute=True):  # the commit enqueues delivery
        return send_sms(phone, text, purpose="code:register")


def reload(message) -> SmsMessage:
    return SmsMessage.objects.get(pk=message.pk)


def test_a_message_is_posted_to_the_provider_as_the_contract_says(
    stand_in, django_capture_on_commit_callbacks
):
    server = stand_in()
    message = queue(django_capture_on_commit_callbacks)
    assert len(server.requests) == 1
    request = server.requests[0]
    assert request["path"] == "/sms/send"
    assert request["headers"]["Authorization"] == "Bearer s3cret-token"
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert request["body"] == {
        "id": str(message.pk),
        "phone": "13800138000",
        "text": "您的验证码是 123456",
        "sign": "微光",
    }
    message = reload(message)
    assert message.status == SmsStatus.SENT
    assert message.attempts == 1
    assert message.provider_id == "prov-1"
    assert message.sent_at is not None


def test_a_provider_that_fails_then_recovers_gets_the_message_once(
    stand_in, django_capture_on_commit_callbacks
):
    server = stand_in(answers=[500, 503])
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        message = queue(django_capture_on_commit_callbacks)
        message = reload(message)
        assert message.status == SmsStatus.QUEUED  # not lost, not failed
        assert message.attempts == 1
        assert "HTTP 500" in message.last_error
        assert message.next_attempt_at == start + dt.timedelta(seconds=30)
        assert tasks.retry_sms.call() == 0  # not due yet: nothing is posted
        assert len(server.requests) == 1
    with time_machine.travel(start + dt.timedelta(seconds=31), tick=False):
        assert tasks.retry_sms.call() == 0  # 503: still queued, the wait doubles
        message = reload(message)
        assert (message.status, message.attempts) == (SmsStatus.QUEUED, 2)
        assert message.next_attempt_at == start + dt.timedelta(seconds=31 + 60)
    with time_machine.travel(start + dt.timedelta(seconds=92), tick=False):
        assert tasks.retry_sms.call() == 1
        assert tasks.retry_sms.call() == 0  # delivered once, never again
    assert len(server.requests) == 3
    assert {r["body"]["id"] for r in server.requests} == {str(message.pk)}  # the provider can dedupe
    message = reload(message)
    assert (message.status, message.attempts, message.provider_id) == (SmsStatus.SENT, 3, "prov-3")


def test_a_provider_that_cannot_be_reached_keeps_the_message_queued(
    stand_in, settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = f"http://127.0.0.1:{free_port()}/sms"  # connection refused
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        message = queue(django_capture_on_commit_callbacks)
    message = reload(message)
    assert message.status == SmsStatus.QUEUED
    assert "refused" in message.last_error.lower() or "Errno" in message.last_error
    server = stand_in()  # the provider is back
    with time_machine.travel(start + dt.timedelta(minutes=1), tick=False):
        assert tasks.retry_sms.call() == 1
    assert [r["body"]["text"] for r in server.requests] == ["您的验证码是 123456"]
    assert reload(message).status == SmsStatus.SENT


def test_a_message_the_provider_refuses_is_failed_with_the_reason(
    stand_in, django_capture_on_commit_callbacks
):
    server = stand_in(answers=[400])
    message = reload(queue(django_capture_on_commit_callbacks))
    assert message.status == SmsStatus.FAILED
    assert message.last_error.startswith("HTTP 400")
    assert tasks.retry_sms.call() == 0
    assert len(server.requests) == 1


def test_after_the_last_attempt_a_message_is_failed_not_deleted(
    stand_in, settings, django_capture_on_commit_callbacks
):
    settings.SMS_MAX_ATTEMPTS = 2
    stand_in(answers=[500, 500, 500])
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        message = queue(django_capture_on_commit_callbacks)
    with time_machine.travel(start + dt.timedelta(minutes=5), tick=False):
        tasks.retry_sms.call()
    message = reload(message)
    assert (message.status, message.attempts) == (SmsStatus.FAILED, 2)
    assert "HTTP 500" in message.last_error


def test_a_message_whose_delivery_never_ran_is_sent_by_the_retry_job(stand_in):
    server = stand_in()
    message = send_sms("13800138000", "hello", purpose="test")  # no commit: never enqueued
    assert reload(message).status == SmsStatus.QUEUED
    assert tasks.retry_sms.call() == 1
    assert len(server.requests) == 1
    assert not sms.deliver(message.pk)  # already sent: a late duplicate job sends nothing
    assert len(server.requests) == 1


def test_the_console_backend_logs_the_whole_number_and_text(
    settings, caplog, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "console"
    with caplog.at_level(logging.INFO, logger="weiguang.sms"):
        message = queue(django_capture_on_commit_callbacks, text="您的微光验证码是 654321")
    assert "SMS to 13800138000: 您的微光验证码是 654321" in caplog.text
    assert reload(message).status == SmsStatus.SENT


def test_the_retry_job_runs_every_minute():
    job = next(j for j in scheduler.PERIODIC if j.task_path == "weiguang.accounts.tasks.retry_sms")
    assert job.every == dt.timedelta(minutes=1)


def test_the_admin_never_shows_a_verification_code(client, django_user_model):
    """Whoever may read the text messages in the admin must not be able to use someone's live
    code (log in as them, set their password); other messages are shown as sent."""
    from weiguang.accounts.codes import issue_code

    from .helpers import last_code

    issue_code("13800138000", "login", address="203.0.113.9")
    code = last_code("13800138000")
    other = send_sms("13800138001", "您的账号已开通，请设置密码。", purpose="staff_link")
    admin = django_user_model.objects.create_superuser("root", password="Pass-word-2026")
    client.force_login(admin)
    coded = SmsMessage.objects.get(phone="13800138000")
    page = client.get(f"/admin/accounts/smsmessage/{coded.pk}/change/").content.decode()
    assert code not in page and "******" in page
    page = client.get(f"/admin/accounts/smsmessage/{other.pk}/change/").content.decode()
    assert "您的账号已开通，请设置密码。" in page

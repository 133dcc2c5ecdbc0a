"""Sessions: staff sessions end after the idle time (residents keep theirs), a user sees where
they are logged in and ends the other sessions, and a new password ends them too."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.utils import timezone

from weiguang.accounts import security
from weiguang.accounts.models import UserSession

pytestmark = pytest.mark.django_db

PASSWORD = "pass-Weiguang-1"
PHONE = "Mozilla/5.0 (Linux; Android 14; HUAWEI) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"
DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0"


def logged_in(client, user, agent=PHONE, address="203.0.113.5") -> Client:
    client = client or Client()
    client.defaults.update(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
    response = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def is_logged_in(client) -> bool:
    return SESSION_KEY in client.session


def later(minutes: float):
    return time_machine.travel(timezone.now() + dt.timedelta(minutes=minutes), tick=False)


def test_a_staff_session_ends_after_the_idle_time(client, people):
    logged_in(client, people.staff)
    with later(29):
        assert client.get("/staff/wishes/").status_code == 200
    with later(29 + 29):  # 29 minutes after the last request: still in
        assert client.get("/staff/wishes/").status_code == 200
    with later(29 + 29 + 31):
        response = client.get("/staff/wishes/")
        assert response.status_code == 302 and response.url == "/login/?next=/staff/wishes/"
        assert not is_logged_in(client)
        page = client.get(response.url).content.decode()
        assert "您已 30 分钟没有操作，为安全起见已自动退出，请重新登录。" in page


def test_the_idle_time_is_a_setting(client, people, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 5
    logged_in(client, people.staff)
    with later(6):
        assert client.get("/").status_code == 302
    assert not is_logged_in(client)


def test_a_residents_session_does_not_time_out(client, people):
    logged_in(client, people.resident_user)
    with later(8 * 60):
        assert client.get("/my/wishes/").status_code == 200
        assert is_logged_in(client)


def test_an_htmx_request_after_the_idle_time_sends_the_whole_page_to_log_in(client, people):
    logged_in(client, people.staff)
    with later(31):
        response = client.get(
            "/staff/wishes/",
            headers={
                "HX-Request": "true",
                "HX-Current-URL": "http://testserver/staff/wishes/?status=submitted",
            },
        )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/login/?next=/staff/wishes/%3Fstatus%3Dsubmitted"


def test_an_idle_api_session_is_no_login(client, people):
    logged_in(client, people.staff)
    with later(31):
        assert client.get("/api/v1/me").status_code == 401


def test_the_security_page_lists_the_sessions_and_ends_the_others(client, people):
    phone = logged_in(client, people.staff)
    desk = logged_in(Client(), people.staff, agent=DESKTOP, address="198.51.100.7")
    other_user = logged_in(Client(), people.volunteer)
    page = phone.get("/security/").content.decode()
    assert page.count('data-testid="session"') == 2
    assert "Chrome · Android" in page and "Edge · Windows" in page
    assert "203.0.113.5" in page and "198.51.100.7" in page
    assert "工作人员账号 30 分钟无操作后自动退出登录。" in page

    response = phone.post("/security/sessions/end-others/", follow=True)
    assert "已退出其他 1 处登录。" in response.content.decode()
    assert is_logged_in(phone) and phone.get("/staff/wishes/").status_code == 200
    assert desk.get("/staff/wishes/").status_code == 302 and not is_logged_in(desk)
    assert is_logged_in(other_user) and other_user.get("/").status_code == 200
    assert phone.get("/security/").content.decode().count('data-testid="session"') == 1
    assert "您没有在其他设备上登录。" in phone.get("/security/").content.decode()


def test_end_sessions_ends_every_session_of_a_user(client, people):
    """The service staff accounts call when they deactivate someone."""
    first = logged_in(client, people.grid_worker)
    second = logged_in(Client(), people.grid_worker)
    assert security.end_sessions(people.grid_worker) == 2
    assert first.get("/").status_code == 200 and not is_logged_in(first)
    assert not is_logged_in(second)
    assert not UserSession.objects.filter(user=people.grid_worker).exists()


def test_a_new_password_ends_the_other_sessions(client, people):
    elsewhere = logged_in(Client(), people.volunteer)
    people.volunteer.set_password("another-Secret-9")
    people.volunteer.save()
    elsewhere.get("/")
    assert not is_logged_in(elsewhere)


def test_a_session_is_touched_at_most_once_a_minute(client, people):
    logged_in(client, people.resident_user)
    row = UserSession.objects.get(user=people.resident_user)
    with later(0.5):
        client.get("/")
    assert UserSession.objects.get(pk=row.pk).last_seen == row.last_seen
    with later(2):
        client.get("/")
        assert UserSession.objects.get(pk=row.pk).last_seen == timezone.now()


def test_logging_out_forgets_the_session(client, people):
    logged_in(client, people.resident_user)
    assert UserSession.objects.filter(user=people.resident_user).count() == 1
    client.post("/logout/")
    assert not UserSession.objects.filter(user=people.resident_user).exists()


@pytest.mark.parametrize(
    ("agent", "shown"),
    [
        (PHONE, "Chrome · Android"),
        (DESKTOP, "Edge · Windows"),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.47",
            "WeChat · iPhone",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15",
            "Safari · Mac",
        ),
        ("", "未知浏览器"),
    ],
)
def test_a_browser_is_named_as_people_know_it(agent, shown):
    assert security.describe_agent(agent) == shown


def test_the_daily_clean_up_forgets_the_rows_of_ended_sessions(client, people):
    from django.contrib.sessions.models import Session

    from weiguang.accounts import tasks

    client.force_login(people.staff)
    other = Client()
    other.force_login(people.volunteer)
    assert UserSession.objects.count() == 2
    Session.objects.filter(session_key=other.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )  # the volunteer's browser never came back
    assert tasks.clean_up.call()["sessions"] == 1
    assert list(UserSession.objects.values_list("user", flat=True)) == [people.staff.pk]
    assert not Session.objects.filter(session_key=other.session.session_key).exists()
    assert client.get("/security/").status_code == 200

"""Two-factor sign-in: street admins must set it up at their first login and enter a code after
every password; other staff may; wrong codes are throttled and counted in the login lockout;
recovery codes work once; the admin site and the API token ask for it too."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from weiguang.core.models import AuditEntry

from ..otp import authenticator_of, code_for, code_for_secret

pytestmark = [pytest.mark.django_db, pytest.mark.real_otp]

PASSWORD = "pass-Weiguang-1"
SETUP = "/security/2fa/setup/"
VERIFY = "/security/2fa/verify/"
TOKEN = "/api/v1/auth/token"


def log_in(client, user, next_url="/"):
    response = client.post("/login/", {"username": user.username, "password": PASSWORD, "next": next_url})
    assert response.status_code == 302 and client.session.get(SESSION_KEY) == str(user.pk)
    return response


def set_up(client, *, code=None):
    page = client.get(SETUP).content.decode()
    secret = re.search(r'data-testid="otp-secret"[^>]*>([A-Z2-7 ]+)<', page).group(1)
    return client.post(SETUP, {"code": code or code_for_secret(secret)}), secret


def codes_on(page: str) -> list[str]:
    return re.findall(r'data-testid="recovery-code">([a-z2-7-]+)<', page)


def log_in_with_authenticator(client, user):
    """Give the user an authenticator, log in and pass the second step with its code."""
    device = authenticator_of(user)
    log_in(client, user)
    client.post(VERIFY, {"code": code_for(device)})
    return device


def new_recovery_codes(client) -> list[str]:
    return codes_on(client.get(client.post("/security/2fa/recovery-codes/").url).content.decode())


def test_a_street_admin_sets_up_an_authenticator_before_any_other_page(client, people):
    response = log_in(client, people.street_admin, next_url="/staff/wishes/")
    assert client.get(response.url).url.startswith(SETUP)
    for path in ("/", "/staff/wishes/", "/security/", "/inbox/"):
        response = client.get(path)
        assert response.status_code == 302 and response.url.startswith(SETUP), path
    assert client.get("/api/v1/me").status_code == 401  # the API sees no login yet either
    page = client.get(SETUP)
    assert page.status_code == 200
    text = page.content.decode()
    assert "<svg" in text and "<script" not in text.split("<main", 1)[-1].split("</main>")[0]
    assert "街道管理员登录需要密码和手机上的验证码" in text

    wrong, secret = set_up(client, code="000000")
    assert wrong.status_code == 200 and "验证码不正确" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=people.street_admin, confirmed=True).exists()

    with time_machine.travel(timezone.now() + dt.timedelta(seconds=3), tick=False):  # past the throttle
        done, again = set_up(client)
    assert again == secret  # the same secret while the set-up is not finished
    assert done.status_code == 302 and done.url == "/security/2fa/recovery-codes/"
    shown = client.get(done.url)
    codes = codes_on(shown.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get(done.url).status_code == 302  # shown once
    assert client.get("/staff/wishes/").status_code == 200
    assert AuditEntry.objects.filter(
        action="two_factor_enabled", object_id=str(people.street_admin.pk)
    ).exists()


def test_after_the_password_comes_the_code(client, people):
    device = authenticator_of(people.street_admin)
    response = log_in(client, people.street_admin, next_url="/staff/wishes/")
    response = client.get(response.url)
    assert response.url.startswith(VERIFY)
    assert client.get("/staff/wishes/").url.startswith(VERIFY)
    page = client.get(response.url)
    assert "请打开手机上的身份验证器" in page.content.decode()

    wrong = client.post(VERIFY, {"code": "123456", "next": "/staff/wishes/"})
    assert wrong.status_code == 200 and "验证码不正确" in wrong.content.decode()
    # wrong codes are counted in the login lockout of that user name at that address
    assert AccessAttempt.objects.get(username="street_admin").failures_since_start == 1

    right = client.post(VERIFY, {"code": code_for(device), "next": "/staff/wishes/"})
    assert right.status_code == 200 and "请稍等" in right.content.decode()  # throttled: 1 s after a wrong one
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=3), tick=False):
        key = client.session.session_key
        right = client.post(VERIFY, {"code": code_for(device), "next": "/staff/wishes/"})
        assert right.status_code == 302 and right.url == "/staff/wishes/"
        assert client.session.session_key != key  # a new session key once verified
        assert client.get("/staff/wishes/").status_code == 200
    assert not AccessAttempt.objects.filter(username="street_admin").exists()


def test_wrong_codes_lock_the_login_like_wrong_passwords(client, people, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # leave the device's own throttle out of this test
    device = authenticator_of(people.staff)
    log_in(client, people.staff)
    for _ in range(3):
        assert "验证码不正确" in client.post(VERIFY, {"code": "999999"}).content.decode()
    locked = client.post(VERIFY, {"code": code_for(device)})
    assert "登录失败次数过多" in locked.content.decode()
    assert client.get("/").url.startswith(VERIFY)


def test_a_recovery_code_works_once(client, people):
    log_in_with_authenticator(client, people.street_admin)
    codes = new_recovery_codes(client)
    client.post("/logout/")

    other = Client()
    log_in(other, people.street_admin)
    assert other.post(VERIFY, {"code": codes[0].upper()}).status_code == 302  # case and dash do not matter
    assert other.get("/").status_code == 200
    assert StaticToken.objects.filter(device__user=people.street_admin).count() == 9
    other.post("/logout/")

    again = Client()
    log_in(again, people.street_admin)
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=3), tick=False):
        response = again.post(VERIFY, {"code": codes[0]})
    assert response.status_code == 200 and "验证码不正确" in response.content.decode()
    assert again.get("/").url.startswith(VERIFY)


def test_new_recovery_codes_replace_the_old(client, people):
    log_in_with_authenticator(client, people.street_admin)
    first = new_recovery_codes(client)
    second = new_recovery_codes(client)
    assert len(second) == 10 and not set(first) & set(second)
    stored = set(StaticToken.objects.filter(device__user=people.street_admin).values_list("token", flat=True))
    assert stored == {c.replace("-", "") for c in second}


def test_two_factor_is_optional_for_community_staff(client, people):
    log_in(client, people.staff)
    assert client.get("/").status_code == 200
    page = client.get("/security/").content.decode()
    assert 'data-testid="setup-link"' in page
    done, _secret = set_up(client)
    assert done.status_code == 302
    client.post("/logout/")
    log_in(client, people.staff)
    assert client.get("/").url.startswith(VERIFY)  # once set up, asked every time


def test_residents_and_volunteers_have_no_second_step(client, people):
    for user in (people.resident_user, people.volunteer, people.grid_worker):
        c = Client()
        log_in(c, user)
        assert c.get("/").status_code == 200
        assert c.get(SETUP).url == "/security/"
    assert not TOTPDevice.objects.exists()


def test_removing_the_authenticator_needs_a_code(client, people):
    device = log_in_with_authenticator(client, people.staff)
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=40), tick=False):
        refused = client.post("/security/2fa/remove/", {"remove-code": "000000"}, follow=True)
        assert "验证码不正确" in refused.content.decode()
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=80), tick=False):
        client.post("/security/2fa/remove/", {"remove-code": code_for(device)})
        assert not TOTPDevice.objects.filter(user=people.staff).exists()
        assert client.get("/").status_code == 200  # community staff: off is allowed


def test_a_street_admin_who_removes_it_sets_up_a_new_one(client, people):
    device = log_in_with_authenticator(client, people.street_admin)
    client.post("/security/2fa/remove/", {"remove-code": code_for(device)})
    assert client.get("/").url.startswith(SETUP)


def test_the_admin_site_asks_everyone_for_the_second_factor(client, people):
    people.staff.is_staff = True
    people.staff.save()
    log_in(client, people.staff)
    assert client.get("/").status_code == 200  # community staff: optional on the site
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith(SETUP)
    set_up(client)
    assert client.get("/admin/").status_code == 200

    root = people.street_admin
    root.is_superuser = root.is_staff = True
    root.save()
    device = authenticator_of(root)
    admin = Client()
    response = admin.post(
        "/admin/login/", {"username": root.username, "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302
    assert admin.get("/admin/").url.startswith(VERIFY)
    admin.post(VERIFY, {"code": code_for(device), "next": "/admin/"})
    assert admin.get("/admin/").status_code == 200


def test_the_admin_site_itself_refuses_an_unverified_session(rf, people):
    from django.contrib import admin

    people.street_admin.is_staff = True
    request = rf.get("/admin/")
    request.user = people.street_admin
    people.street_admin.is_verified = lambda: False
    assert not admin.site.has_permission(request)
    people.street_admin.is_verified = lambda: True
    assert admin.site.has_permission(request)


def api_token(client, user, **extra):
    return client.post(
        TOKEN, {"username": user.username, "password": PASSWORD, **extra}, content_type="application/json"
    )


def test_a_street_admins_api_token_needs_the_code(client, people):
    refused = api_token(client, people.street_admin)
    assert refused.status_code == 403 and refused.json()["code"] == "otp_setup_required"
    device = authenticator_of(people.street_admin)
    missing = api_token(client, people.street_admin)
    assert missing.status_code == 422 and missing.json()["code"] == "otp_required"
    assert "otp" in missing.json()["errors"]
    wrong = api_token(client, people.street_admin, otp="000000")
    assert wrong.status_code == 401 and wrong.json()["code"] == "invalid_otp"
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=3), tick=False):
        issued = api_token(client, people.street_admin, otp=code_for(device))
    assert issued.status_code == 201
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {issued.json()['token']}"})
    assert me.status_code == 200 and me.json()["username"] == "street_admin"


def test_other_users_get_a_token_with_the_password_alone(client, people):
    assert api_token(client, people.staff).status_code == 201
    assert api_token(client, people.volunteer).status_code == 201
    authenticator_of(people.staff)  # but once staff set it up, the token asks for it
    assert api_token(client, people.staff).json()["code"] == "otp_required"


def test_a_token_by_sms_code_needs_the_second_factor_too(client, people, tree):
    from weiguang.accounts.models import Account

    from .helpers import last_code

    phone = "13800138011"
    Account.objects.create(user=people.street_admin, phone=phone)

    def by_code(**extra):
        client.post(
            "/api/v1/auth/sms_code", {"phone": phone, "purpose": "login"}, content_type="application/json"
        )
        body = {"phone": phone, "code": last_code(phone), **extra}
        return client.post("/api/v1/auth/token_by_code", body, content_type="application/json")

    assert by_code().json()["code"] == "otp_setup_required"
    device = authenticator_of(people.street_admin)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2), tick=False):
        assert by_code().json()["code"] == "otp_required"
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=4), tick=False):
        assert by_code(otp=code_for(device)).status_code == 201

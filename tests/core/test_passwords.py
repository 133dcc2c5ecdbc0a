"""Password rules wherever a password is chosen: not like the user name, not digits only, at
least 8 characters; said in Chinese."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

from weiguang.site.demo import DEMO_PASSWORD

from ..factories import UserFactory

User = get_user_model()


def problems(password: str, user=None) -> list[str]:
    with translation.override("zh-hans"):
        try:
            validate_password(password, user)
        except ValidationError as e:
            return e.messages
    return []


@pytest.mark.parametrize(
    "password, problem",
    [
        ("zhangsan", "密码与用户名太相似。"),
        ("Zhangsan2026", "密码与用户名太相似。"),
        ("zhangsan!", "密码与用户名太相似。"),
        ("13912345678", "密码只包含数字。"),  # a phone number
        ("19500101", "密码只包含数字。"),  # a birthday
        ("ab3$xyz", "密码太短，至少需要 8 个字符。"),
        ("password123", "这个密码太常见了。"),
    ],
)
def test_weak_passwords_are_refused_in_chinese(password, problem):
    user = User(username="zhangsan", first_name="张三")
    assert problem in problems(password, user)


@pytest.mark.parametrize("password", [DEMO_PASSWORD, "pass-Weiguang-1", "海边的小屋2026"])
def test_good_passwords_pass(password):
    assert problems(password, User(username="zhangsan", first_name="张三")) == []


def test_the_rules_are_configured():
    names = {v["NAME"].rsplit(".", 1)[1]: v.get("OPTIONS", {}) for v in settings.AUTH_PASSWORD_VALIDATORS}
    assert {
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    } <= set(names)
    assert names["MinimumLengthValidator"].get("min_length", 8) >= 8


# --- where passwords are chosen: the admin ----------------------------------------------------


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    "password, problem",
    [("lizhuren", "密码与用户名太相似。"), ("20261202", "密码只包含数字。"), ("a1b2c3", "密码太短")],
)
def test_the_admin_refuses_a_weak_password_for_a_new_account(admin_client, password, problem):
    response = admin_client.post(
        "/admin/auth/user/add/",
        {"username": "lizhuren", "password1": password, "password2": password, "usable_password": "true"},
    )
    assert response.status_code == 200
    assert problem in response.content.decode()
    assert not User.objects.filter(username="lizhuren").exists()


def test_the_admin_accepts_a_good_password(admin_client):
    response = admin_client.post(
        "/admin/auth/user/add/",
        {
            "username": "lizhuren",
            "password1": "海边的小屋2026",
            "password2": "海边的小屋2026",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="lizhuren").check_password("海边的小屋2026")


def test_the_admin_refuses_a_weak_password_change(admin_client):
    user = UserFactory(username="wangxiuying")
    response = admin_client.post(
        f"/admin/auth/user/{user.pk}/password/",
        {"password1": "wangxiuying1", "password2": "wangxiuying1", "usable_password": "true"},
    )
    assert response.status_code == 200
    assert "密码与用户名太相似。" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password("pass-Weiguang-1")


# --- where passwords are chosen: createsuperuser ---------------------------------------------


class _TTY:
    def isatty(self):
        return True


@pytest.mark.django_db
def test_createsuperuser_refuses_a_weak_password_in_chinese(monkeypatch):
    from io import StringIO

    from django.contrib.auth.management.commands import createsuperuser
    from django.core.management import call_command

    answers = iter(["lizhuren", "", "N"])  # user name, e-mail, "bypass the rules?" no
    passwords = iter(["lizhuren1", "lizhuren1", "海边的小屋2026", "海边的小屋2026"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    monkeypatch.setattr(createsuperuser.getpass, "getpass", lambda prompt="": next(passwords))
    err = StringIO()
    with translation.override("zh-hans"):
        call_command("createsuperuser", interactive=True, stdin=_TTY(), stdout=StringIO(), stderr=err)

    assert "密码与用户名太相似。" in err.getvalue()
    assert User.objects.get(username="lizhuren").check_password("海边的小屋2026")

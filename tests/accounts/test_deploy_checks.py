"""`weiguang check --deploy` warns when text messages could not reach anyone."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from weiguang.accounts.checks import sms_reaches_people


def ids(**settings) -> list[str]:
    with override_settings(**settings):
        return [w.id for w in sms_reaches_people(None)]


def test_the_console_backend_is_flagged_for_a_deployment():
    assert ids(SMS_BACKEND="console") == ["weiguang.W101"]


def test_the_http_backend_without_a_url_is_flagged():
    assert ids(SMS_BACKEND="http", SMS_HTTP_URL="") == ["weiguang.W102"]


def test_the_http_backend_with_a_url_passes():
    assert ids(SMS_BACKEND="http", SMS_HTTP_URL="https://sms.example.org/send") == []


def test_the_deploy_check_command_fails_on_it():
    with override_settings(SMS_BACKEND="console"), pytest.raises(SystemCheckError, match="weiguang.W101"):
        call_command("check", "--deploy", "--fail-level", "WARNING", tags=["security"])

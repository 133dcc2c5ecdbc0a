"""Deploy checks (`weiguang check --deploy`): a live street whose codes never arrive is locked out."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def sms_reaches_people(app_configs, **kwargs) -> list[Warning]:
    if settings.SMS_BACKEND == "console":
        return [
            Warning(
                "SMS_BACKEND is 'console': verification codes and staff links are only written to "
                "the server's log, and nobody can sign up or reset a password.",
                hint="Set SMS_BACKEND=http and SMS_HTTP_URL (docs/sms.md).",
                id="weiguang.W101",
            )
        ]
    if settings.SMS_BACKEND == "http" and not settings.SMS_HTTP_URL:
        return [
            Warning(
                "SMS_HTTP_URL is not set: text messages stay queued and are never delivered.",
                hint="Set SMS_HTTP_URL (and SMS_HTTP_TOKEN) to the provider or gateway (docs/sms.md).",
                id="weiguang.W102",
            )
        ]
    return []

"""GET/PUT /api/v1/me/message_settings: how I want to be told (docs/outbox.md)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from ninja import Router, Schema
from pydantic import Field, field_validator

from weiguang.core.api import ERROR_RESPONSES, InSchema, Text, require_user
from weiguang.core.privacy import mask_phone

from . import services

router = Router(tags=["me"])
# Times of day go out and come in as "HH:MM", as the rooms' hours do (JSON Schema's "time" format
# wants an offset, which a time of day on the site's clock does not have).
HH_MM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


def _time(text: str) -> dt.time:
    return dt.time(int(text[:2]), int(text[3:5]))


class MessageSettingsOut(Schema):
    inapp: bool = Field(True, description="The inbox: always")
    sms: bool = Field(description="Also by text message, to the account's mobile number")
    email: bool = Field(description="Also by e-mail")
    phone: str | None = Field(description="The number texts go to, masked (138****5678); null: none")
    email_address: str
    quiet_from: str = Field(
        pattern=HH_MM, description="HH:MM: texts that are not urgent wait from this time ..."
    )
    quiet_until: str = Field(
        pattern=HH_MM, description="HH:MM: ... until this time (site time, Asia/Shanghai)"
    )


class MessageSettingsIn(InSchema):
    sms: bool
    email: bool
    email_address: Text | None = Field(None, max_length=254, description="Change the address mail goes to")
    quiet_from: str = Field("22:00", pattern=HH_MM, description="HH:MM, 00:00 to 23:59")
    quiet_until: str = Field("07:00", pattern=HH_MM, description="HH:MM, 00:00 to 23:59")

    @field_validator("email_address")
    @classmethod
    def _an_address(cls, value):
        if value:
            try:
                validate_email(value)
            except ValidationError:
                raise ValueError("Enter a valid e-mail address.") from None
        return value


def settings_out(user) -> dict:
    preference = services.preference_of(user)
    phone = services.phone_of(user)
    return {
        "inapp": True, "sms": preference.sms, "email": preference.email,
        "phone": mask_phone(phone) if phone else None, "email_address": user.email or "",
        "quiet_from": preference.quiet_from.strftime("%H:%M"),
        "quiet_until": preference.quiet_until.strftime("%H:%M"),
    }  # fmt: skip


@router.get(
    "/message_settings",
    response={200: MessageSettingsOut, **ERROR_RESPONSES},
    summary="How I want to be told",
)
def get_settings(request):
    return settings_out(require_user(request))


@router.put(
    "/message_settings",
    response={200: MessageSettingsOut, **ERROR_RESPONSES},
    summary="Choose how I want to be told",
)
def put_settings(request, data: MessageSettingsIn):
    """Text messages need a mobile number on the account (422 `sms` otherwise); e-mail an address."""
    user = require_user(request)
    services.set_preferences(
        user, sms=data.sms, email=data.email, quiet_from=_time(data.quiet_from),
        quiet_until=_time(data.quiet_until),
        email_address=str(data.email_address) if data.email_address else None,
    )  # fmt: skip
    return settings_out(user)

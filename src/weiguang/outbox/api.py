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


class MessageSettingsOut(Schema):
    inapp: bool = Field(True, description="The inbox: always")
    sms: bool = Field(description="Also by text message, to the account's mobile number")
    email: bool = Field(description="Also by e-mail")
    phone: str | None = Field(description="The number texts go to, masked (138****5678); null: none")
    email_address: str
    quiet_from: dt.time = Field(description="Texts that are not urgent wait from this time ...")
    quiet_until: dt.time = Field(description="... until this time (site time, Asia/Shanghai)")


class MessageSettingsIn(InSchema):
    sms: bool
    email: bool
    email_address: Text | None = Field(None, max_length=254, description="Change the address mail goes to")
    quiet_from: dt.time = dt.time(22, 0)
    quiet_until: dt.time = dt.time(7, 0)

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
        "quiet_from": preference.quiet_from, "quiet_until": preference.quiet_until,
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
        user, sms=data.sms, email=data.email, quiet_from=data.quiet_from, quiet_until=data.quiet_until,
        email_address=str(data.email_address) if data.email_address else None,
    )  # fmt: skip
    return settings_out(user)

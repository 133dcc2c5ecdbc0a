"""/api/v1/auth: sign-up, login by SMS code and password reset (beside core's POST /auth/token).

A mini-program asks for a code (`sms_code`), then registers (`register`) or logs in
(`token_by_code`) and gets the same bearer token POST /auth/token gives; `password_reset`
sets a new password with a code. Refusals are the API's errors: 422 naming the field (a wrong
or expired code says which), 409 for a number already registered, 429 with Retry-After when a
sending limit or the login lockout says wait."""

from __future__ import annotations

from typing import Literal

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from weiguang.core import lockout
from weiguang.core.api import OTP, ErrorOut, InSchema, Text, TokenOut, invalid, run_token_checks
from weiguang.core.errors import TooManyAttempts
from weiguang.core.models import ApiToken
from weiguang.core.privacy import mask_phone
from weiguang.core.ratelimit import client_address

from .. import registration
from ..codes import CODE_TTL
from ..models import clean_phone

router = Router(tags=["auth"])

Phone = Field(min_length=1, max_length=20, description="An 11-digit mainland mobile number")
Code = Field(min_length=1, max_length=6, description="The 6 digits of the text message")


class SmsCodeIn(InSchema):
    phone: Text = Phone
    purpose: Literal["register", "login", "reset"]


class SmsCodeOut(Schema):
    message: str = Field(description="What was done, for people")
    expires_in: int = Field(description="Seconds the code is valid")


class SignupIn(InSchema):
    phone: Text = Phone
    code: Text = Code
    password: Text = Field(min_length=1, max_length=128)
    name: Text = Field(min_length=1, max_length=registration.NAME_MAX)


class CodeLoginIn(InSchema):
    phone: Text = Phone
    code: Text = Code
    otp: Text | None = OTP


class PasswordResetIn(InSchema):
    phone: Text = Phone
    code: Text = Code
    password: Text = Field(min_length=1, max_length=128)


class PasswordResetOut(Schema):
    message: str


ERRORS = {400: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}


@router.post("/sms_code", auth=None, response={202: SmsCodeOut, **ERRORS}, summary="Send a verification code")
def sms_code(request, data: SmsCodeIn):
    """Texts a 6-digit code, valid 5 minutes, for `register`, `login` or `reset`. Sign-up refuses
    a number that has an account (409 `phone_registered`), login one without (422); a reset
    answers the same either way. Limits (429 `too_many_codes`, Retry-After in seconds): one a
    minute, five an hour, ten a day per number, and a limit per client address."""
    phone = registration.request_code(data.phone, data.purpose, address=client_address(request))
    if data.purpose == "reset":
        text = _(
            "If %(phone)s has an account, a verification code was sent to it. It is valid for 5 minutes."
        )
    else:
        text = _("A verification code was sent to %(phone)s. It is valid for 5 minutes.")
    return Status(
        202, {"message": text % {"phone": mask_phone(phone)}, "expires_in": int(CODE_TTL.total_seconds())}
    )


def _token(request, user) -> Status:
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return Status(201, {"token": ApiToken.issue(user)})


@router.post("/register", auth=None, response={201: TokenOut, **ERRORS}, summary="Sign up with a code")
def register(request, data: SignupIn):
    """Creates the account (user name: the number) and returns a bearer token, as
    POST /auth/token does. The password must pass the site's password rules (422 on `password`)."""
    user = registration.register(data.phone, data.code, data.password, data.name)
    return _token(request, user)


@router.post(
    "/token_by_code",
    auth=None,
    response={201: TokenOut, 401: ErrorOut, 403: ErrorOut, **ERRORS},
    summary="Exchange a mobile number and a login code for an API token",
)
def token_by_code(request, data: CodeLoginIn):
    """A code asked for with purpose `login`. Wrong codes count in the same login lockout as
    wrong passwords (429 with Retry-After once it is reached). Two-factor sign-in as for
    POST /auth/token: `otp` from a user who has it, 403 `otp_setup_required` for a street admin
    who has not set it up."""
    phone = clean_phone(data.phone)
    if phone is None:
        raise invalid("phone", _("Enter an 11-digit mainland mobile number."))
    user = authenticate(request, username=phone, sms_code=data.code)
    if user is None:
        if lockout.is_refused(request):
            raise TooManyAttempts(lockout.message(request, phone))
        raise invalid("code", getattr(request, "sms_code_error", None) or _("The code is wrong."))
    run_token_checks(request, user, data)
    return _token(request, user)


@router.post(
    "/password_reset",
    auth=None,
    response={200: PasswordResetOut, **ERRORS},
    summary="Set a new password with a code",
)
def password_reset(request, data: PasswordResetIn):
    """A code asked for with purpose `reset`, and the new password (the site's password rules)."""
    registration.reset_password(data.phone, data.code, data.password)
    return {"message": _("Your password was changed. Please log in with the new one.")}

"""Two-factor sign-in in tests: the code an authenticator app would show, and a test client's
session verified the way django-otp's docs show for tests (the device's id in the session)."""

from __future__ import annotations

import time

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from weiguang.regions.models import Membership, Role


def code_for(device: TOTPDevice) -> str:
    """The code the user's app shows now; one step on when this step's code was already used
    (django-otp refuses a code twice, and accepts the next step's)."""
    device.refresh_from_db()
    now_t = int((time.time() - device.t0) // device.step)
    drift = max(0, device.last_t + 1 - now_t)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):0{device.digits}d}"


def code_for_secret(secret: str) -> str:
    """The code for a secret read from the set-up page ("ABCD EFGH ...", base32)."""
    from base64 import b32decode

    text = secret.replace(" ", "").upper()
    key = b32decode(text + "=" * (-len(text) % 8))
    return f"{totp(key):06d}"


def needs_second_factor(user) -> bool:
    """Would the site ask this user for a code (a street admin, a superuser, a Django admin user,
    or anyone who set it up)? Read from the database, not from the user's cached roles."""
    return bool(
        user.is_superuser
        or user.is_staff
        or Membership.objects.filter(user=user, role=Role.STREET_ADMIN).exists()
        or TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    )


def authenticator_of(user) -> TOTPDevice:
    """The user's authenticator; one set up (as at their first login) when they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def verify_session(client, user) -> None:
    """Mark the client's logged-in session as having passed the second factor."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator_of(user).persistent_id
    session.save()

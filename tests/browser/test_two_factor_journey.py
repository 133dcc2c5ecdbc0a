"""A street admin's first login on a 390 px phone: the password, then the set-up of an
authenticator app from the secret the page shows, the recovery codes, the home page; the next
login asks for the app's code."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..otp import code_for
from .pages import PASSWORD, enter_code, fits_the_phone, set_up_authenticator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def password(page) -> None:
    page.goto("/login/")
    page.fill("#id_username", "street_admin")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("form[action='/login/'] button[type=submit]")


def test_a_street_admin_sets_up_two_factor_sign_in_at_the_first_login(phone, people):
    page = phone()
    password(page)
    page.wait_for_selector("[data-testid=otp-setup]")
    assert "/security/2fa/setup/" in page.url
    assert page.locator("[data-testid=otp-qr] svg").is_visible()
    assert fits_the_phone(page)

    page.goto("/staff/wishes/")  # no other page before the set-up
    assert "/security/2fa/setup/" in page.url

    set_up_authenticator(page)
    assert page.locator("[data-testid=recovery-code]").count() == 10
    assert fits_the_phone(page)
    # one code a line: in two columns the second's numbers ("10.") ran into the first's codes
    lefts = {
        round(box["x"])
        for box in (c.bounding_box() for c in page.locator("[data-testid=recovery-code]").all())
    }
    assert len(lefts) == 1
    with page.expect_navigation():
        page.click("text=我已保存好")
    assert urlparse(page.url).path == "/"
    assert page.locator("[data-tile]").count() > 0  # the home page's tiles

    with page.expect_navigation():
        page.click("form[action='/logout/'] button")
    password(page)
    page.wait_for_selector("[data-testid=otp-verify]")
    assert fits_the_phone(page)
    enter_code(page, code_for(TOTPDevice.objects.get(user=people.street_admin)))
    assert urlparse(page.url).path == "/"
    assert page.locator("[data-tile]").count() > 0

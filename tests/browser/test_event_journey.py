"""A resident signs up for an event on a 390 px phone in the default (Chinese) interface:
the home page's tile → the events → the event → sign up for two → my sign-ups shows the
6-digit code big and the ticket's QR code."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from weiguang.events import services
from weiguang.events.models import SignUp, SignUpStatus

from .pages import fits_the_phone, follow, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_signs_up_and_sees_the_code(phone, people, tree):
    starts = timezone.now() + dt.timedelta(days=3)
    event = services.create_event(
        people.staff,
        {
            "region": tree.community_a, "kind": "party_day", "title": "七一主题党日", "place_text": "七星里党群服务中心",
            "starts_at": starts, "ends_at": starts + dt.timedelta(hours=2), "capacity": 10, "max_party_size": 2,
        },
    )  # fmt: skip
    services.publish_event(event, people.staff)

    page = phone()
    log_in(page, "resident_a")
    follow(page, "[data-tile=events]")
    assert "七一主题党日" in page.inner_text("[data-testid=events]")
    assert fits_the_phone(page)
    follow(page, "[data-testid=event] a")
    assert "剩余 10 个名额" in page.inner_text("[data-testid=places]")
    assert fits_the_phone(page)
    page.fill("#id_party_size", "2")
    follow(page, "[data-action=sign-up]")

    signup = SignUp.objects.get(event=event, user=people.resident_user)
    assert signup.status == SignUpStatus.CONFIRMED and signup.party_size == 2
    assert "报名成功" in page.content()
    ticket = page.locator("[data-testid=ticket]")
    assert page.inner_text("[data-testid=ticket-code]") == signup.code
    size = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('[data-testid=ticket-code]')).fontSize)"
    )
    assert size >= 32  # big enough to read out at the door
    qr = ticket.locator("img.ticket-qr")
    qr.wait_for()
    assert page.evaluate("document.querySelector('img.ticket-qr').naturalWidth") > 0  # the QR picture loaded
    assert fits_the_phone(page)

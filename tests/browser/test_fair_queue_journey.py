"""At a service fair, on 390 px phones: a resident opens the fair, picks the appliance-repair
stall, takes a number and sees "1 ahead of you"; the stall's volunteer calls the next numbers at
the counter; the stall's screen, left open, shows the number called without being reloaded, and
so does the resident's page ("your turn"); the community's staff read the summary's counts."""

from __future__ import annotations

import re

import pytest

from tests.events.fairs.conftest import make_fair, young
from weiguang.events.fairs import services

from .pages import fits_the_phone, follow, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_takes_a_number_and_the_stall_calls_it(phone, people):
    def new_phone():
        page = phone()
        page.set_default_timeout(30_000)  # four phones on one live server
        return page

    fair = make_fair(people)
    stall = services.add_stall(fair, people.staff, {
        "provider_kind": "partner", "partner": people.partner, "service": "家电维修", "spot": "A3",
        "workers": [people.volunteer],
    })  # fmt: skip
    first = young("刘小明", people.tree.grid_a1, username="first_in_line")
    services.take_number(stall, first.user)  # A001
    young("陈小红", people.tree.grid_a1, username="chen")

    resident = new_phone()
    log_in(resident, "chen")
    resident.goto(f"/fairs/{fair.pk}/")
    assert "1 人排队" in resident.inner_text("[data-testid=stalls]")
    follow(resident, f"a[href='/stalls/{stall.pk}/']")
    follow(resident, "[data-action=take]")
    assert resident.inner_text("[data-testid=label]") == "A002"
    assert resident.inner_text("[data-testid=ahead]") == "前面还有 1 人"
    assert "预计等候约 5 分钟" in resident.inner_text("[data-testid=wait]")
    assert fits_the_phone(resident)

    screen = new_phone()
    screen.goto(f"/stalls/{stall.pk}/display/")
    assert screen.inner_text("[data-testid=next]").startswith("A001")
    assert "刘小明" not in screen.content() and "陈小红" not in screen.content()
    assert fits_the_phone(screen)

    volunteer = new_phone()
    log_in(volunteer, "vol_a")
    volunteer.goto(f"/stalls/{stall.pk}/counter/")
    follow(volunteer, "[data-action=call-next]")
    assert "正在叫号：A001。" in volunteer.inner_text(".messages")
    # the screen and the resident's page follow by themselves (htmx polling, no reload)
    screen.locator("[data-testid=calling]", has_text="A001").wait_for()
    resident.locator("[data-testid=ahead]", has_text="前面还有 0 人").wait_for()
    follow(volunteer, "[data-action=call-next]")
    assert "A002" in volunteer.inner_text("[data-testid=now-calling]")
    assert fits_the_phone(volunteer)
    screen.locator("[data-testid=calling]", has_text="A002").wait_for()
    assert re.search(r"A002\s*陈\S*", screen.inner_text("#board")) and "陈小红" not in screen.inner_text(
        "#board"
    )
    resident.wait_for_selector("[data-testid=called]", timeout=15_000)
    assert resident.inner_text("[data-testid=label]") == "A002"

    staff = new_phone()
    log_in(staff, "staff_a")
    staff.goto(f"/fairs/{fair.pk}/")
    follow(staff, "[data-testid=summary-link]")
    figures = staff.inner_text("[data-testid=figures]")
    assert re.search(r"摊位\s*1", figures) and re.search(r"服务人次\s*1", figures)  # A001 served
    assert re.search(r"服务居民数\s*1", figures)
    assert fits_the_phone(staff)

"""Where I live, clicked through on a 390 px phone in Chinese: a newcomer signs up with the
code of the text message and, sent on to where they live, picks community → grid → building
from the lists (each filled by htmx from the one above), types the door and sends it; a wish
waits; community staff confirm it from their queue, linking the record with the same phone;
the person then posts a wish."""

from __future__ import annotations

import pytest

from weiguang.accounts.models import Account, ResidenceRequest, ResidenceStatus
from weiguang.regions.models import Building
from weiguang.wishes.models import Wish

from ..accounts.helpers import last_code
from ..factories import ResidentFactory
from .pages import fits_the_phone, follow, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_NUMBER = "13700001111"


def test_a_newcomer_says_where_they_live_staff_confirm_they_post_a_wish(phone, people, tree):
    record = ResidentFactory(
        name="刘晓梅", grid=tree.grid_a2, phone=PHONE_NUMBER, building="海港花园12栋", door="1-101"
    )
    Building.objects.get_or_create(grid=tree.grid_a1, name="3号楼")

    # --- the newcomer signs up with a code and is asked where they live ------------------------
    person = phone()
    person.goto("/signup/")
    person.fill("#id_phone", PHONE_NUMBER)
    follow(person, "[data-testid=send-code]")
    person.fill("#id_code", last_code(PHONE_NUMBER))  # as the text message reads
    person.fill("#id_name", "刘晓梅")
    person.fill("#id_password", "Xiaomei-2026")
    follow(person, "[data-testid=register]")
    assert person.url.endswith("/my/residence/")  # sign-up leads to where I live
    user = Account.objects.get(phone=PHONE_NUMBER).user
    assert fits_the_phone(person)
    person.select_option("#id_community", str(tree.community_a.pk))
    person.wait_for_selector(
        f"#id_grid option[value='{tree.grid_a1.pk}']", state="attached"
    )  # htmx filled the grids
    person.select_option("#id_grid", str(tree.grid_a1.pk))
    person.wait_for_selector("#id_building option:has-text('3号楼')", state="attached")
    # another grid's building (a name the factories' N号楼 never give grid A1's residents)
    assert person.locator("#id_building option:has-text('海港花园12栋')").count() == 0
    person.select_option("#id_building", label="3号楼")
    # choosing the building redraws the form (htmx): wait for it, or the door typed meanwhile is lost
    person.wait_for_selector("#id_building option[selected]:has-text('3号楼')", state="attached")
    person.fill("#id_door", "2单元301室")
    assert fits_the_phone(person)
    with person.expect_navigation():
        person.click("button[name=send]")
    assert person.get_attribute("[data-testid=residence-status]", "data-status") == "pending"
    assert "七星里第一网格 3号楼 2单元301室" in person.inner_text("[data-testid=residence-status]")

    # a wish waits for the confirmation; the page says why and where to look
    person.goto("/wishes/new/")
    assert "还没有核实您的住址" in person.inner_text("[data-testid=wish-refusal]")
    assert fits_the_phone(person)

    # --- community staff confirm it, linking the record with the same phone ----------------------
    staff = phone()
    log_in(staff, "staff_a")
    follow(staff, "[data-nav=residence_queue]")
    req = ResidenceRequest.objects.get(user=user)
    row = staff.locator(f"[data-request='{req.pk}']")
    assert PHONE_NUMBER in row.inner_text() and "刘晓梅" in row.inner_text()
    assert fits_the_phone(staff)
    row.locator(f"input[value='{record.pk}']").check()
    with staff.expect_navigation():
        row.locator(f"form[action='/residence/{req.pk}/confirm/'] button").click()
    assert staff.locator(f"[data-request='{req.pk}']").count() == 0
    req.refresh_from_db()
    record.refresh_from_db()
    assert req.status == ResidenceStatus.CONFIRMED and record.user == user

    # --- the person hears it and posts a wish -----------------------------------------------------
    person.goto("/inbox/")
    assert "社区已核实您的住址" in person.content()
    person.goto("/")
    follow(person, "[data-nav=new]")
    person.click("[data-kind=item]")
    person.fill("#id_title", "想要一个电饭煲")
    person.fill("#id_description", "家里的坏了")
    person.click("#wish-form button[type=submit]:not([name])")
    person.wait_for_selector("[data-testid=status]")
    wish = Wish.objects.get(title="想要一个电饭煲")
    assert wish.resident == record

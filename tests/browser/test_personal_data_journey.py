"""At 390 px: a resident opens "my data", sees their wish, downloads the Excel file and asks
for a correction of their door; the community's staff open the request from the home tile and
carry it out; the resident sees the corrected door."""

from __future__ import annotations

import pytest

from .pages import fits_the_phone, follow, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_asks_for_a_correction_and_staff_carry_it_out(phone, people, make_wish):
    make_wish("submitted", title="想要一个电饭煲")
    page = phone()
    log_in(page, "resident_a")
    page.goto("/my/data/")
    assert "想要一个电饭煲" in page.inner_text("[data-section=wishes]")
    assert fits_the_phone(page)
    with page.expect_download() as download:
        page.click("a[href='/my/data/export.xlsx']")
    assert download.value.suggested_filename.endswith(".xlsx")
    form = page.locator("[data-testid=correction-form]")
    form.locator("#id_phone").fill("abc")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    # the page is long: the refusal is shown where the form is, not at the top
    in_view = "e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }"
    assert form.locator(".has-error").evaluate(in_view)
    form.locator("#id_phone").fill("")
    form.locator("#id_door").fill("5单元602")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.locator("[data-testid=pending-correction]").is_visible()
    assert page.locator(".msg-success").evaluate(in_view)  # "sent to the staff", at the top

    staff = phone()
    log_in(staff, "staff_a")
    follow(staff, "a[data-tile=data_requests]")
    follow(staff, "[data-testid=data-requests] a")
    assert "5单元602" in staff.inner_text("[data-testid=change]")
    assert fits_the_phone(staff)
    with staff.expect_navigation():
        staff.click("button[value=carry_out]")

    page.goto("/my/data/")
    assert "5单元602" in page.inner_text("[data-section=resident]")

"""A grid worker records a wish for a resident the search does not find: they add the resident on
the spot, on a 390 px phone, and go on; the desk does the same in the middle of a demand, which
stays as typed. Screenshots of the form (phone and desktop, Chinese and English) go to
/tmp/shots-onspot/ for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest

from weiguang.demands.models import Demand
from weiguang.people.models import PopulationGroup, Resident
from weiguang.wishes.models import Wish, WishStatus

from .conftest import PHONE
from .pages import (
    add_the_resident,
    fill_the_resident,
    fits_the_phone,
    follow,
    log_in,
    record_the_wish,
    search_a_resident_not_there,
    shot,
    status_of,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots-onspot")
DESKTOP = {"width": 1280, "height": 900}


def test_a_grid_worker_adds_the_resident_on_the_spot_and_records_the_wish(phone, people, tree):
    worker = phone()
    log_in(worker, "grid_a1")
    follow(worker, "[data-nav=grid]")
    search_a_resident_not_there(worker, "刘桂芳")  # the live search offers to add her
    form = worker.locator("#add-resident[open]")
    # Their one grid is chosen for them; no other grid is offered.
    assert worker.locator("#id_nr-grid option:checked").inner_text().endswith("七星里第一网格")
    assert "七星里第二网格" not in worker.locator("#id_nr-grid").inner_text()
    assert "同意" in form.inner_text()  # the consent text is shown beside its box
    # Forgetting the consent: a clear error, no one added, what was typed stays.
    worker.fill("#id_nr-phone", "137 0000 1111")
    add_the_resident(worker)
    assert "请先征得居民同意" in worker.locator("#add-resident").inner_text()
    assert worker.input_value("#id_nr-phone") == "137 0000 1111"
    assert not Resident.objects.filter(name="刘桂芳").exists()
    fill_the_resident(worker)
    assert fits_the_phone(worker)
    add_the_resident(worker)

    resident = Resident.objects.get(name="刘桂芳")
    assert resident.phone == "13700001111" and resident.grid == tree.grid_a1 and resident.consent
    assert resident.groups.count() == 1
    assert "刘桂芳" in worker.locator("[data-testid=chosen-resident]").inner_text()  # step 2, her chosen
    record_the_wish(worker, "需要一台助行器")
    assert status_of(worker) == WishStatus.SUBMITTED
    wish = Wish.objects.get(title="需要一台助行器")
    assert wish.resident == resident and wish.created_by == people.grid_worker
    assert fits_the_phone(worker)


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_screenshots_of_the_form(browser, live_server, people, tree, lang, size):
    viewport = PHONE if size == "phone" else DESKTOP
    context = browser.new_context(viewport=viewport, base_url=live_server.url, device_scale_factor=1)
    context.add_cookies([{"name": "wg_lang", "value": lang, "url": live_server.url}])
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, "grid_a1")
    page.goto("/grid/wishes/new/?q=刘桂芳")
    page.wait_for_selector("#add-resident[open]")
    fill_the_resident(page)
    page.uncheck("#id_nr-consent")
    add_the_resident(page)  # to see the errors too
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    shot(page, SHOTS, f"wish-add-resident-{size}-{lang}")
    context.close()


def test_the_desk_adds_the_resident_and_keeps_the_demand_as_typed(phone, people, tree):
    assert PopulationGroup.objects.exists()
    staff = phone()
    log_in(staff, "staff_a")
    staff.goto("/desk/demands/new/")
    staff.fill("#id_title", "楼道灯坏了")  # typed before looking for the resident
    staff.fill("#id_description", "三楼的灯不亮")
    staff.fill("#desk-q", "刘桂芳")
    staff.wait_for_selector("#add-resident[open]")
    assert staff.input_value("#id_nr-name") == "刘桂芳"
    staff.select_option("#id_nr-grid", str(tree.grid_a1.pk))
    fill_the_resident(staff)
    assert fits_the_phone(staff)
    shot(staff, SHOTS, "desk-adding-phone-zh-hans")
    staff.click("[data-testid=add-resident-submit]")  # htmx: swapped in place
    staff.wait_for_selector("#chosen-resident input[name=resident]", state="attached")
    resident = Resident.objects.get(name="刘桂芳")
    assert "刘桂芳" in staff.locator("#chosen-resident").inner_text()
    assert staff.locator("#add-resident").count() == 0
    assert staff.input_value("#id_title") == "楼道灯坏了"  # nothing typed was lost
    assert staff.input_value("#id_description") == "三楼的灯不亮"
    assert fits_the_phone(staff)
    shot(staff, SHOTS, "desk-after-adding-phone-zh-hans")
    staff.focus("#id_title")
    with staff.expect_navigation():
        staff.keyboard.press("Enter")  # Enter saves the demand, not the "add the resident" button
    staff.wait_for_selector("[data-testid=saved]")
    demand = Demand.objects.get(title="楼道灯坏了")
    assert demand.resident == resident and demand.description == "三楼的灯不亮"

"""A demand from the desk to a satisfied resident, clicked through by each person on a 390 px
phone: the desk records it on the rapid-entry form → staff transfer it to a department → the
department accepts and handles it → staff reply → the resident is unsatisfied (a warning
order) → the department handles it again → staff reply → the resident is satisfied: closed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import UserFactory
from weiguang.demands.models import Demand, DemandStatus, Department, Transfer

from .pages import fits_the_phone, follow, log_in, status_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


TITLE = "七楼楼道堆满垃圾"


def handle(page, result: str) -> None:
    page.fill("[data-action=handle] textarea[name=handle-result]", result)
    page.click("[data-action=handle] label[for=id_handle-is_genuine_1]")  # yes, it is true
    page.click("[data-action=handle] button[type=submit]")


def reply(page, text: str, public: str) -> None:
    page.fill("[data-action=reply] textarea[name=reply-reply]", text)
    page.fill("[data-action=reply] textarea[name=reply-public_reply]", public)
    page.click("[data-action=reply] button[type=submit]")
    page.wait_for_selector("[data-testid=status][data-status=replied]")


def test_demand_from_the_desk_to_a_satisfied_resident(phone, people, tree):
    handler = UserFactory(username="dept_city", first_name="城管张")
    city = Department.objects.create(name="城管科", street=tree.street)
    city.handlers.add(handler)
    resident_name = people.resident.name

    # --- the desk records it: the resident looked up, Enter saves ----------------------------
    desk = phone()
    log_in(desk, "staff_a")
    follow(desk, "[data-nav=desk]")
    assert fits_the_phone(desk)
    assert desk.evaluate("document.activeElement.id") == "desk-q"  # autofocus: find the resident
    desk.select_option("#id_channel", "hotline")
    desk.fill("#desk-q", "王秀")
    desk.click(f"[data-resident='{people.resident.pk}']")
    desk.wait_for_selector(
        f"#chosen-resident input[name=resident][value='{people.resident.pk}']", state="attached"
    )
    expect(desk.locator("#id_title")).to_be_focused()  # on to the demand
    desk.keyboard.type(TITLE)
    desk.keyboard.press("Enter")
    desk.wait_for_selector("[data-testid=saved]")
    demand = Demand.objects.get(title=TITLE)
    assert demand.resident == people.resident and demand.channel == "hotline"
    assert demand.grid == people.resident.grid
    # the same form, empty, keeps the channel for the next one
    assert desk.input_value("#id_title") == "" and desk.input_value("#id_channel") == "hotline"
    assert fits_the_phone(desk)

    # --- staff transfer it to the department ------------------------------------------------
    desk.click("[data-testid=saved] a")
    desk.wait_for_selector("[data-action=transfer]")
    assert resident_name in desk.inner_text("[data-testid=contact]")
    desk.check(f"#id_transfer-dep_{city.pk}")
    desk.click("[data-action=transfer] button[type=submit]")
    desk.wait_for_selector("[data-testid=status][data-status=transferred]")
    assert fits_the_phone(desk)

    # --- the department accepts (签收) from its inbox and handles it ----------------------------
    dept = phone()
    log_in(dept, "dept_city")
    follow(dept, "[data-nav=dept]")
    row = dept.locator(f"[data-demand='{demand.pk}']")
    assert TITLE in row.inner_text() and row.locator("[data-colour]").count() == 1
    assert fits_the_phone(dept)
    row.locator("[data-action=accept] button").click()
    dept.wait_for_selector(f"[data-demand='{demand.pk}'] [data-action=accept]", state="detached")
    assert Transfer.objects.get(demand=demand).accepted_at is not None
    dept.click(f"[data-demand='{demand.pk}'] a.notice-title")
    handle(dept, "已清理楼道堆物")
    dept.wait_for_selector("[data-testid=status][data-status=handled]")
    assert fits_the_phone(dept)

    # --- staff reply ----------------------------------------------------------------------------
    desk.reload()
    reply(desk, "王阿姨您好，楼道已清理干净", "楼道堆物已清理")

    # --- the resident is not satisfied: a warning order ------------------------------------------
    resident = phone()
    log_in(resident, "resident_a")
    follow(resident, "[data-nav=my_demands]")
    assert fits_the_phone(resident)
    resident.click(f"[data-demand='{demand.pk}'] a.notice-title")
    assert "王阿姨您好，楼道已清理干净" in resident.inner_text("[data-testid=reply]")
    assert fits_the_phone(resident)
    resident.click("[data-action=evaluate] label[for=id_evaluate-evaluation_2]")  # unsatisfied
    resident.fill("[data-action=evaluate] textarea", "还有一些纸箱没清走")
    resident.click("[data-action=evaluate] button[type=submit]")
    resident.wait_for_selector("[data-testid=status][data-status=reopened]")
    demand.refresh_from_db()
    assert demand.status == DemandStatus.REOPENED and demand.warning_count == 1

    # --- the department handles it again, staff reply again ---------------------------------------
    dept.goto("/dept/demands/")
    dept.click(f"[data-demand='{demand.pk}'] a.notice-title")
    handle(dept, "纸箱已全部清走")
    dept.wait_for_selector("[data-testid=status][data-status=handled]")
    desk.reload()
    reply(desk, "王阿姨，纸箱也清走了", "楼道已全部清理")

    # --- the resident is satisfied: closed --------------------------------------------------------
    resident.reload()
    resident.click("[data-action=evaluate] label[for=id_evaluate-evaluation_0]")  # satisfied
    resident.click("[data-action=evaluate] button[type=submit]")
    resident.wait_for_selector("[data-testid=status][data-status=closed]")
    demand.refresh_from_db()
    assert demand.status == DemandStatus.CLOSED and demand.evaluation == "satisfied"

    # whoever holds the tracking code (the slip from the desk) sees what was reported and the
    # reply, but not who reported it
    visitor = phone()
    visitor.goto(f"/demands/track/{demand.tracking_code}/")
    assert status_of(visitor) == DemandStatus.CLOSED
    assert TITLE in visitor.inner_text("[data-testid=reported]")
    assert "王阿姨，纸箱也清走了" in visitor.inner_text("[data-testid=reply]")
    page = visitor.content()
    assert resident_name not in page and people.resident.phone not in page
    assert fits_the_phone(visitor)

"""A service fair run from the browser, on a 390 px phone: the community's staff member opens the
fair from 举办活动, sets up the haircut stall of a partner unit, records at its counter a wish and
a demand handled on the spot for 王秀英, opens a food-bank round for low-income households and
hands a parcel out against a household's code (a second try is refused with the time of the
first); the fair's summary shows the wish, the demand and the parcel. The same pages fit the
phone in large text and in English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.events.fairs.conftest import make_fair, young
from weiguang.events.models import SignUp, SignUpStatus
from weiguang.people.models import PopulationGroup

from .conftest import PHONE
from .pages import fits_the_phone, follow, log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots-fairpages")


def _fair_with_a_household(people):
    fair = make_fair(people)
    head = young("刘建国", people.tree.grid_a1, username="liu_jianguo", building="3号楼", door="101室")
    head.groups.add(PopulationGroup.objects.get(code="low_income"))
    SignUp.objects.create(event=fair, resident=head, user=head.user, name=head.name,
                          status=SignUpStatus.CONFIRMED, code="246810")  # fmt: skip
    return fair


def test_staff_set_up_a_stall_record_a_wish_and_hand_out_a_parcel(phone, people):
    fair = _fair_with_a_household(people)
    page = phone()
    page.set_default_timeout(30_000)  # pages that save and redirect, on a shared machine
    log_in(page, "staff_a")
    page.goto("/events/manage/")
    follow(page, "[data-action=fair-setup]")
    assert page.inner_text("h1") == "布置摊位"
    assert fits_the_phone(page)

    # set up the stall: a partner unit's free haircuts at B2, bookable every 20 minutes
    page.check("input[name=provider_kind][value=partner]")
    page.select_option("#id_partner", label="青岛银行八大湖支行")
    page.fill("#id_service", "义务理发")
    page.fill("#id_spot", "B2")
    page.fill("#id_slot_minutes", "20")
    follow(page, "[data-action=save-stall]")
    assert "1 号摊位“义务理发”已设好。" in page.inner_text(".messages")
    assert "青岛银行八大湖支行" in page.inner_text("[data-testid=setup-stalls]")
    assert fits_the_phone(page)

    # at its counter: find 王秀英, record her wish and a demand handled on the spot
    follow(page, "[data-action=counter]")
    page.fill("#find-q", "王秀")
    follow(page, "[data-action=find]")
    follow(page, f"[data-resident='{people.resident.pk}']")
    assert "王秀英" in page.inner_text("[data-testid=chosen-resident]")
    page.fill("[data-testid=wish-form] #id_title", "一个电饭煲")
    follow(page, "[data-action=record-wish]")
    assert "已为王秀英登记心愿“一个电饭煲”。" in page.inner_text(".messages")
    assert fits_the_phone(page)
    page.click("#record-demand summary")
    page.fill("[data-testid=demand-form] #id_title", "楼道灯坏了")
    page.check("[data-testid=demand-form] #id_resolved")
    page.fill("[data-testid=demand-form] #id_result", "现场登记报修")
    follow(page, "[data-action=record-demand]")
    assert "楼道灯坏了" in page.inner_text("[data-testid=saved-demand]")
    assert fits_the_phone(page)

    # the food bank: a round for low-income households, a parcel by the household's code
    page.goto(f"/fairs/{fair.pk}/setup/")
    follow(page, "[data-testid=food-link]")
    page.check("label:has-text('低收入家庭') input")
    page.fill("#id_parcels", "100")
    follow(page, "[data-action=open-round]")
    assert page.inner_text("[data-count=eligible]") == "1"
    assert "刘**" in page.inner_text("[data-testid=households]")
    page.fill("#id_code", "246810")
    follow(page, "[data-action=hand-out]")
    assert "已发给刘**家一份（共发出 1 份）。" in page.inner_text(".messages")
    page.fill("#id_code", "246810")
    follow(page, "[data-action=hand-out]")
    assert re.search(r"该户已于 \d\d:\d\d 领取过。", page.inner_text(".messages"))
    assert page.inner_text("[data-count=handed-out]") == "1"
    assert fits_the_phone(page)
    shot(page, SHOTS, "fair-food-round-390")

    # the fair's summary counts them
    page.goto(f"/fairs/{fair.pk}/")
    follow(page, "[data-testid=summary-link]")
    figures = page.inner_text("[data-testid=figures]")
    assert re.search(r"收集心愿\s*1", figures), figures
    assert re.search(r"发放食物包\s*1", figures), figures
    assert re.search(r"收集诉求\s*1", figures) and re.search(r"现场办理\s*1", figures), figures
    assert fits_the_phone(page)


@pytest.mark.parametrize(("lang", "large"), [("zh-hans", True), ("en", False), ("en", True)])
def test_the_fair_staff_pages_fit_the_phone_in_large_text_and_english(
    browser, live_server, people, lang, large
):
    from weiguang.events.fairs import services

    fair = _fair_with_a_household(people)
    stall = services.add_stall(fair, people.staff, {
        "provider_kind": "department", "department_name": "司法所", "service": "法律咨询", "spot": "C1",
        "slot_minutes": 15,
    })  # fmt: skip
    r = services.open_food_round(
        people.staff, region=None, event=fair, title="爱心食物银行", date=fair.starts_at.date(),
        groups=[PopulationGroup.objects.get(code="low_income")], parcels=100,
    )  # fmt: skip
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, device_scale_factor=1)
    context.add_cookies([{"name": "wg_lang", "value": lang, "url": live_server.url}])
    if large:
        context.add_cookies([{"name": "wg_large", "value": "1", "url": live_server.url}])
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        log_in(page, "staff_a")
        for name, url in [
            ("setup", f"/fairs/{fair.pk}/setup/"),
            ("edit", f"/stalls/{stall.pk}/edit/"),
            ("counter", f"/stalls/{stall.pk}/counter/?resident={people.resident.pk}"),
            ("food", f"/fairs/{fair.pk}/food/"),
            ("round", f"/food/{r.pk}/"),
        ]:
            page.goto(url)
            assert fits_the_phone(page), name
            shot(page, SHOTS, f"fair-{name}-{lang}-{'large' if large else 'normal'}")
        assert page.inner_text("h1") == "爱心食物银行"
    finally:
        context.close()

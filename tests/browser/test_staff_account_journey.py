"""The street admin gives a new grid worker an account on a phone: the grid worker reads the
link in the SMS, sets a password, logs in with the mobile number, and records a wish for a
resident she adds on the spot (issue 11, "Staff"). Screenshots go to /tmp/shots-staff/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from weiguang.accounts.models import SmsMessage
from weiguang.people.models import Resident
from weiguang.regions.models import Membership, Role
from weiguang.wishes.models import Wish, WishStatus

from .pages import (
    add_a_resident_on_the_spot,
    fits_the_phone,
    follow,
    log_in,
    record_the_wish,
    shot,
    status_of,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Wangge-light-2026"
SHOTS = Path("/tmp/shots-staff")


def test_the_street_admin_creates_a_grid_worker_who_records_a_wish_for_a_resident_added_on_the_spot(
    phone, people, tree
):
    admin = phone()
    log_in(admin, people.street_admin.username)
    follow(admin, "[data-nav=staff_accounts]")
    assert admin.url.endswith("/staff/accounts/")
    assert "谁在哪里担任什么角色" in admin.inner_text("main")
    assert fits_the_phone(admin)

    # --- a new account: name, mobile number, role, grid ---------------------------------------
    follow(admin, "[data-testid=new-account]")
    form = "[data-testid=new-account-form]"
    admin.fill(f"{form} input[name=name]", "刘小燕")
    admin.fill(f"{form} input[name=phone]", "13700001234")
    admin.select_option(f"{form} select[name=role]", Role.GRID_WORKER)
    admin.select_option(f"{form} select[name=region]", str(tree.grid_a2.pk))
    assert fits_the_phone(admin)
    follow(admin, f"{form} button[type=submit]")
    main = admin.inner_text("main")
    assert "刘小燕的账号已开通" in main and "已启用，尚未设置密码" in main
    assert "网格员 · 七星里第二网格" in main
    assert fits_the_phone(admin)
    shot(admin, SHOTS, "1-account-opened")
    user = Membership.objects.get(role=Role.GRID_WORKER, region=tree.grid_a2).user

    # --- the list finds her by her number -------------------------------------------------------
    admin.goto("/staff/accounts/?q=1234")
    assert admin.inner_text("[data-testid=staff-accounts]").count("刘小燕") == 1

    # --- the SMS link: she sets a password, then logs in with her number ------------------------
    text = SmsMessage.objects.get(phone="13700001234", purpose="staff_link").text
    link = re.search(r"http\S+/account/set-password/\S+/", text).group(0)
    worker = phone()
    worker.goto(link)
    assert "刘小燕，欢迎使用微光" in worker.inner_text("main")
    assert fits_the_phone(worker)
    shot(worker, SHOTS, "2-set-password")
    worker.fill("input[name=password]", PASSWORD)
    worker.fill("input[name=password2]", PASSWORD)
    follow(worker, "[data-testid=set-password-form] button[type=submit]")
    assert worker.url.endswith("/login/")
    assert "密码已设置" in worker.inner_text("main")
    log_in(worker, "13700001234", PASSWORD)
    assert worker.locator("[data-nav=grid]").count() == 1  # 代居民登记: a grid worker's page

    # --- her first wish: for a resident the search does not find, added on the spot ------------
    follow(worker, "[data-nav=grid]")
    add_a_resident_on_the_spot(worker, "赵淑兰", grid="七星里第二网格")  # her one grid
    record_the_wish(worker, "想要一副老花镜")
    assert status_of(worker) == WishStatus.SUBMITTED
    assert fits_the_phone(worker)
    shot(worker, SHOTS, "3-wish-recorded")
    resident = Resident.objects.get(name="赵淑兰")
    wish = Wish.objects.get(title="想要一副老花镜")
    assert resident.grid == tree.grid_a2 and wish.resident == resident and wish.created_by == user

    # --- the wish is in her area's list, for that resident; and in the street's review queue ---
    follow(worker, "[data-nav=region]")
    row = worker.locator("[data-testid=region-wishes] li", has_text="想要一副老花镜")
    assert "赵淑兰" in row.inner_text() and "七星里第二网格" in row.inner_text()
    assert fits_the_phone(worker)
    shot(worker, SHOTS, "4-area-wishes")
    follow(admin, "[data-nav=queue]")
    assert "赵淑兰" in admin.locator("main li", has_text="想要一副老花镜").inner_text()

    # --- the link is spent ------------------------------------------------------------------------
    again = phone()
    again.goto(link)
    assert again.locator("[data-testid=link-dead]").count() == 1
    user.refresh_from_db()
    assert user.has_usable_password()

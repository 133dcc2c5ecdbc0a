"""The street admin gives a new grid worker an account on a phone: the grid worker reads the
link in the SMS, sets a password, and logs in with the mobile number (issue 11, "Staff")."""

from __future__ import annotations

import re

import pytest

from weiguang.accounts.models import SmsMessage
from weiguang.regions.models import Membership, Role

from .pages import fits_the_phone, follow, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Wangge-light-2026"


def test_the_street_admin_creates_a_grid_worker_who_sets_a_password_and_logs_in(phone, people, tree):
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
    with admin.expect_navigation():
        admin.click(f"{form} button[type=submit]")
    main = admin.inner_text("main")
    assert "刘小燕的账号已开通" in main and "已启用，尚未设置密码" in main
    assert "网格员 · 七星里第二网格" in main
    assert fits_the_phone(admin)
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
    worker.fill("input[name=password]", PASSWORD)
    worker.fill("input[name=password2]", PASSWORD)
    with worker.expect_navigation():
        worker.click("[data-testid=set-password-form] button[type=submit]")
    assert worker.url.endswith("/login/")
    assert "密码已设置" in worker.inner_text("main")
    worker.fill("#id_username", "13700001234")
    worker.fill("#id_password", PASSWORD)
    worker.click("form[action='/login/'] button[type=submit]")
    worker.wait_for_selector("form[action='/logout/']")
    assert worker.locator("[data-nav=grid]").count() == 1  # 代居民登记: a grid worker's page

    # --- the link is spent ------------------------------------------------------------------------
    again = phone()
    again.goto(link)
    assert again.locator("[data-testid=link-dead]").count() == 1
    user.refresh_from_db()
    assert user.has_usable_password()

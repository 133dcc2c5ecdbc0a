"""The street admin keeps the demand settings on a phone: a holiday added to the calendar moves
an open demand's deadline, a new category shows up at the desk, and a new handler of a
department finds the department's inbox."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import UserFactory
from weiguang.demands.models import Demand, Holiday
from weiguang.demands.services import intake

from .pages import fits_the_phone, follow, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_street_admin_keeps_calendar_categories_and_departments(phone, people, tree):
    demand = intake.submit_demand(
        people.staff, grid=tree.grid_a1, title="路灯不亮", description="三号楼前", resident=people.resident
    )
    before = demand.handle_due
    # a weekday strictly between the intake and the handling deadline (5 working days on)
    day = timezone.localdate(demand.created_at) + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    assert day < timezone.localdate(before)

    admin = phone()
    log_in(admin, people.street_admin.username)
    follow(admin, "[data-tile=demand_settings]")
    assert admin.url.endswith("/street/demands/holidays/")

    # --- a holiday on a weekday: the open demand's deadline moves a working day later ----------
    admin.fill("[data-testid=holiday-form] input[name=date]", day.isoformat())
    admin.fill("[data-testid=holiday-form] input[name=name]", "临时调整")
    admin.click("[data-testid=holiday-form] button[type=submit]")
    admin.wait_for_selector(f"[data-testid=holidays] [data-date='{day.isoformat()}']")
    assert "已按新日历重新计算 1 件在办诉求的时限" in admin.inner_text("main")
    assert fits_the_phone(admin)
    assert Holiday.objects.filter(street=tree.street, date=day, is_workday=False).exists()
    demand.refresh_from_db()
    assert demand.handle_due > before

    # --- a weekend day is refused as a holiday, and nothing is written ------------------------
    saturday = day + dt.timedelta(days=(5 - day.weekday()) % 7)
    admin.fill("[data-testid=holiday-form] input[name=date]", saturday.isoformat())
    admin.fill("[data-testid=holiday-form] input[name=name]", "周末")
    admin.click("[data-testid=holiday-form] button[type=submit]")
    admin.wait_for_selector("[data-testid=holiday-form] [role=alert], [data-testid=holiday-form] .errorlist")
    assert not Holiday.objects.filter(street=tree.street, date=saturday).exists()

    # --- a new category, then the desk offers it -----------------------------------------------
    admin.goto("/street/demands/categories/")
    admin.fill("[data-testid=category-form] input[name=top-name]", "邻里纠纷")
    admin.click("[data-testid=category-form] button[type=submit]")
    admin.wait_for_selector("[data-testid=categories] >> text=邻里纠纷")
    desk = phone()
    log_in(desk, people.staff.username)
    desk.goto("/desk/demands/new/")
    assert "邻里纠纷" in desk.inner_text("select[name=category]")

    # --- a department gets a new handler, who finds its inbox ----------------------------------
    handler = UserFactory(username="new_handler", first_name="新办理人")
    admin.goto("/street/demands/departments/")
    admin.fill("[data-testid=department-form] input[name=new-name]", "城管科")
    admin.click("[data-testid=department-form] button[type=submit]")
    admin.wait_for_selector("[data-testid=departments] >> text=城管科")
    admin.fill("[data-action=add-handler] input[type=text]", "new_handler")
    admin.click("[data-action=add-handler] button[type=submit]")
    admin.wait_for_selector("[data-testid=handlers] >> text=新办理人")
    assert fits_the_phone(admin)
    staff = desk
    staff.goto(f"/demands/{demand.pk}/")
    staff.check("[data-action=transfer] input[type=checkbox]")
    staff.click("[data-action=transfer] button[type=submit]")
    staff.wait_for_selector("[data-testid=status][data-status=transferred]")
    inbox = phone()
    log_in(inbox, handler.username)
    inbox.goto("/dept/demands/")
    assert "路灯不亮" in inbox.inner_text("main")
    assert Demand.objects.get(pk=demand.pk).transfers.get().department.name == "城管科"

"""The street's demand settings pages (/street/demands/holidays|categories|departments/): who
may open them, what a street admin sees, and what each form does or refuses."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.factories import UserFactory, grant
from tests.pages import html
from weiguang.demands.models import Demand, DemandCategory, Department, Holiday
from weiguang.demands.services import intake
from weiguang.regions.models import Membership, Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HOLIDAYS = "/street/demands/holidays/"
CATEGORIES = "/street/demands/categories/"
DEPARTMENTS = "/street/demands/departments/"
PAGES = [HOLIDAYS, CATEGORIES, DEPARTMENTS]
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def admin(client, people):
    client.force_login(people.street_admin)
    return client


@pytest.fixture
def other_admin(tree):
    user = UserFactory(username="admin_x", first_name="外街管理员")
    grant(user, Role.STREET_ADMIN, tree.other_street)
    return user


def text(response) -> str:
    """The page as a person reads it: no tags, one space between words."""
    return " ".join(re.sub(r"<[^>]+>", " ", html(response)).split())


def listing(response, testid: str) -> str:
    """The text of the list marked data-testid=`testid` (and what follows it)."""
    page = html(response)
    return " ".join(re.sub(r"<[^>]+>", " ", page[page.index(f'data-testid="{testid}"') :]).split())


# --- who may open them --------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, db, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize("url", PAGES)
def test_only_street_admins_open_the_settings(client, people, depts, url):
    for user in (people.staff, people.grid_worker, depts.handler, people.resident_user, people.volunteer):
        client.force_login(user)
        assert client.get(url).status_code == 403, (user, url)
    client.force_login(people.street_admin)
    page = client.get(url)
    assert page.status_code == 200
    assert "Demand settings" in text(page)
    assert all(tab in text(page) for tab in ("Holidays", "Categories", "Departments"))


def test_the_home_page_has_a_settings_tile_for_street_admins_only(client, people):
    client.force_login(people.street_admin)
    assert f'href="{HOLIDAYS}" data-tile="demand_settings"' in html(client.get("/"))
    client.force_login(people.staff)
    assert 'data-tile="demand_settings"' not in html(client.get("/"))


def test_a_superuser_switches_between_streets(client, people):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    Department.objects.create(street=people.tree.other_street, name="金门城管科")
    client.force_login(root)
    page = client.get(DEPARTMENTS)
    assert 'data-testid="street-switch"' in html(page) and "金门路街道" in text(page)
    page = client.get(DEPARTMENTS, {"street": people.tree.other_street.pk})
    assert "Departments of 金门路街道" in text(page) and "金门城管科" in text(page)


# --- the holiday calendar ----------------------------------------------------------------


def test_the_calendar_page_shows_a_years_exceptions_and_the_note_on_deadlines(admin, people):
    street = people.tree.street
    Holiday.objects.create(street=street, date=dt.date(2026, 10, 8), name="国庆节")
    Holiday.objects.create(street=street, date=dt.date(2026, 10, 10), is_workday=True, name="国庆调休")
    Holiday.objects.create(street=street, date=dt.date(2027, 1, 1), name="元旦")
    page = admin.get(HOLIDAYS, {"year": 2026})
    words = text(page)
    assert "10-08 Thursday 国庆节 Day off" in words and "10-10 Saturday 国庆调休 Make-up working day" in words
    assert "元旦" not in words and "1 day off · 1 make-up working day" in words
    assert "get their deadlines recomputed at once" in words
    assert f'<a class="btn secondary" href="?street={street.pk}&amp;year=2027" rel="next">' in html(page)
    assert "元旦" in text(admin.get(HOLIDAYS, {"year": 2027}))


def test_adding_a_range_from_the_page(admin, people):
    street = people.tree.street
    response = admin.post(
        HOLIDAYS,
        {
            "street": street.pk,
            "date": "2026-10-01",
            "until": "2026-10-07",
            "kind": "holiday",
            "name": "国庆节",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"{HOLIDAYS}?street={street.pk}&year=2026"
    words = text(response)
    assert "Added to the calendar: 10-01, 10-02, 10-05, 10-06, 10-07, 国庆节 (holiday)." in words
    assert "Left out 10-03, 10-04: Saturdays and Sundays are off anyway." in words
    assert Holiday.objects.filter(street=street).count() == 5


def test_a_holiday_on_a_weekend_is_refused_on_the_page(admin, people):
    response = admin.post(
        HOLIDAYS, {"street": people.tree.street.pk, "date": "2026-10-03", "kind": "holiday", "name": "国庆节"}
    )
    assert response.status_code == 422
    assert "2026-10-03 is a Saturday, a day off anyway" in text(response)
    assert 'value="国庆节"' in html(response)  # what was typed stays
    assert not Holiday.objects.exists()


def test_a_make_up_day_on_a_weekday_and_a_duplicate_are_refused(admin, people):
    street = people.tree.street
    response = admin.post(
        HOLIDAYS, {"street": street.pk, "date": "2026-10-09", "kind": "workday", "name": "调休"}
    )
    assert response.status_code == 422 and "only makes sense on a Saturday or Sunday" in text(response)
    Holiday.objects.create(street=street, date=dt.date(2026, 10, 9), name="国庆节")
    response = admin.post(
        HOLIDAYS, {"street": street.pk, "date": "2026-10-09", "kind": "holiday", "name": "国庆"}
    )
    assert response.status_code == 409
    assert "2026-10-09 is already in the calendar (国庆节)" in text(response)
    response = admin.post(HOLIDAYS, {"street": street.pk, "date": "", "kind": "holiday", "name": ""})
    assert response.status_code == 422 and "Give the date." in text(response)
    assert Holiday.objects.count() == 1


def test_removing_a_day_and_the_deadlines_it_moves(admin, people):
    street = people.tree.street
    with time_machine.travel(dt.datetime(2026, 9, 28, 10, 0, tzinfo=TZ), tick=False):
        d = intake.submit_demand(people.staff, grid=people.tree.grid_a1, title="楼道灯坏了")
        response = admin.post(
            HOLIDAYS,
            {"street": street.pk, "date": "2026-10-01", "kind": "holiday", "name": "国庆节"},
            follow=True,
        )
        assert "The deadlines of 1 open demand were recomputed on the new calendar." in text(response)
        assert Demand.objects.get(pk=d.pk).handle_due == dt.datetime(2026, 10, 6, 10, 0, tzinfo=TZ)
        holiday = Holiday.objects.get()
        response = admin.post(f"{HOLIDAYS}{holiday.pk}/remove/", follow=True)
    assert "Removed from the calendar: 2026-10-01 国庆节." in text(response)
    assert f'data-holiday="{holiday.pk}"' not in html(response)
    assert Demand.objects.get(pk=d.pk).handle_due == dt.datetime(2026, 10, 5, 10, 0, tzinfo=TZ)


def test_another_streets_admin_cannot_remove_a_day(client, people, other_admin):
    holiday = Holiday.objects.create(street=people.tree.street, date=dt.date(2026, 10, 9), name="国庆节")
    client.force_login(other_admin)
    assert client.post(f"{HOLIDAYS}{holiday.pk}/remove/").status_code == 404
    page = client.get(HOLIDAYS, {"street": people.tree.street.pk, "year": 2026})
    assert "八大湖街道" not in text(page) and "国庆节" not in text(page)  # shows their own street instead
    assert Holiday.objects.filter(pk=holiday.pk).exists()


# --- the category tree -------------------------------------------------------------------


def test_building_the_tree_from_the_page(admin):
    response = admin.post(CATEGORIES, {"top-name": "设施维修"}, follow=True)
    assert "Category “设施维修” added." in text(response)
    repair = DemandCategory.objects.get(name="设施维修")
    response = admin.post(CATEGORIES, {"parent": repair.pk, f"sub{repair.pk}-name": "楼道照明"}, follow=True)
    light = DemandCategory.objects.get(name="楼道照明")
    assert light.parent == repair
    assert "shared by every street of this deployment" in text(response)
    tree = listing(response, "categories")
    assert tree.index("设施维修") < tree.index("楼道照明")

    response = admin.post(CATEGORIES, {"top-name": "设施维修"})
    assert response.status_code == 409 and "There is already a top-level category “设施维修”." in text(
        response
    )
    response = admin.post(CATEGORIES, {"top-name": ""})
    assert response.status_code == 422 and "Give a name." in text(response)
    assert DemandCategory.objects.count() == 2


def test_rename_reorder_deactivate_and_reactivate(admin, people, make_demand):
    a = DemandCategory.objects.create(name="市容环境", ordering=0)
    b = DemandCategory.objects.create(name="设施维修", ordering=1)
    light = DemandCategory.objects.create(name="楼道照明", parent=b, ordering=0)
    make_demand(category=light)

    response = admin.post(f"{CATEGORIES}{b.pk}/up/", follow=True)
    tree = listing(response, "categories")
    assert tree.index("设施维修") < tree.index("市容环境")
    response = admin.post(f"{CATEGORIES}{a.pk}/rename/", {f"c{a.pk}-name": "环境卫生"}, follow=True)
    assert "Renamed to “环境卫生”." in text(response)
    response = admin.post(f"{CATEGORIES}{light.pk}/rename/", {f"c{light.pk}-name": "楼道照明" * 8})
    assert response.status_code == 422 and "At most 30 characters." in text(response)

    response = admin.post(f"{CATEGORIES}{b.pk}/deactivate/", follow=True)
    assert "“设施维修” is deactivated: it no longer appears on intake forms." in text(response)
    assert html(response).count('data-state="inactive"') == 2  # with its subcategory
    assert "1 demand" in text(response)  # the demand keeps it
    desk = admin.get("/desk/demands/new/")
    assert "设施维修" not in html(desk) and "环境卫生" in html(desk)

    response = admin.post(f"{CATEGORIES}{light.pk}/activate/")
    assert response.status_code == 409 and "Reactivate “设施维修” first" in text(response)
    admin.post(f"{CATEGORIES}{b.pk}/activate/")
    response = admin.post(f"{CATEGORIES}{light.pk}/activate/", follow=True)
    assert "“楼道照明” is active again." in text(response)
    assert 'data-state="inactive"' not in html(response)
    assert admin.post(f"{CATEGORIES}{light.pk}/delete/").status_code == 404  # there is no deleting


def test_staff_cannot_change_categories(client, people):
    cat = DemandCategory.objects.create(name="设施维修")
    client.force_login(people.staff)
    assert client.post(CATEGORIES, {"top-name": "新分类"}).status_code == 403
    assert client.post(f"{CATEGORIES}{cat.pk}/deactivate/").status_code == 403
    assert list(DemandCategory.objects.values_list("name", "active")) == [("设施维修", True)]


# --- departments -------------------------------------------------------------------------


def test_departments_page_lists_handlers_and_waiting_demands(admin, people, depts, make_demand):
    make_demand("transferred", via="transfer")
    words = text(admin.get(DEPARTMENTS))
    assert "Departments of 八大湖街道" in words
    assert "城管科 1 demand in the inbox" in words and "城管张 dept_city" in words
    assert "民政李 dept_civil" in words and "外街刘" not in words  # not the other street's


def test_adding_renaming_and_staffing_a_department(admin, people, depts):
    street = people.tree.street
    response = admin.post(DEPARTMENTS, {"street": street.pk, "new-name": "平安办"}, follow=True)
    assert "Department “平安办” added. Now add its handlers." in text(response)
    dep = Department.objects.get(name="平安办")
    assert "No handler yet" in text(response)

    response = admin.post(DEPARTMENTS, {"street": street.pk, "new-name": "城管科"})
    assert response.status_code == 409 and "already has a department called “城管科”" in text(response)

    response = admin.post(
        f"{DEPARTMENTS}{dep.pk}/rename/", {f"d{dep.pk}-name": "平安建设办公室"}, follow=True
    )
    assert "Renamed to “平安建设办公室”." in text(response)

    response = admin.post(f"{DEPARTMENTS}{dep.pk}/handlers/", {f"h{dep.pk}-username": "nobody"})
    assert response.status_code == 422
    assert (
        "No account has the username “nobody”. Without an account yet, create one for them: “New account for a handler”."
        in text(response)
    )
    # the page shown with the error still says where the admin is
    assert f'<a href="{DEPARTMENTS}" aria-current="page">' in response.content.decode()

    response = admin.post(
        f"{DEPARTMENTS}{dep.pk}/handlers/", {f"h{dep.pk}-username": "stranger"}, follow=True
    )
    assert "卫路人 now handles demands for 平安建设办公室." in text(response)
    assert Membership.objects.filter(user=people.stranger, role=Role.DEPARTMENT, region=street).exists()
    response = admin.post(f"{DEPARTMENTS}{dep.pk}/handlers/", {f"h{dep.pk}-username": "stranger"})
    assert response.status_code == 409 and "卫路人 already handles demands for 平安建设办公室." in text(
        response
    )

    response = admin.post(f"{DEPARTMENTS}{dep.pk}/handlers/{people.stranger.pk}/remove/", follow=True)
    assert "卫路人 no longer handles demands for 平安建设办公室." in text(response)
    assert not dep.handlers.exists()


def test_the_new_handler_finds_the_department_inbox(client, admin, people, depts):
    admin.post(f"{DEPARTMENTS}{depts.city.pk}/handlers/", {f"h{depts.city.pk}-username": "stranger"})
    client.force_login(people.stranger)
    assert client.get("/dept/demands/").status_code == 200
    assert 'data-tile="dept_inbox"' in html(client.get("/"))


def test_the_last_handler_with_waiting_demands_is_kept_on_the_page(admin, depts, make_demand):
    make_demand("transferred", via="transfer")
    response = admin.post(f"{DEPARTMENTS}{depts.city.pk}/handlers/{depts.handler.pk}/remove/")
    assert response.status_code == 409
    assert "城管张 is the only handler of 城管科 and 1 demand is waiting in its inbox." in text(response)
    assert depts.city.handlers.filter(pk=depts.handler.pk).exists()


def test_another_streets_admin_cannot_touch_our_departments(client, people, depts, other_admin):
    client.force_login(other_admin)
    city = depts.city
    assert client.post(f"{DEPARTMENTS}{city.pk}/rename/", {f"d{city.pk}-name": "改名"}).status_code == 404
    assert (
        client.post(f"{DEPARTMENTS}{city.pk}/handlers/", {f"h{city.pk}-username": "stranger"}).status_code
        == 404
    )
    assert client.post(f"{DEPARTMENTS}{city.pk}/handlers/{depts.handler.pk}/remove/").status_code == 404
    # posting our street's id adds to their own street, never to ours
    client.post(DEPARTMENTS, {"street": people.tree.street.pk, "new-name": "新部门"})
    assert not Department.objects.filter(street=people.tree.street, name="新部门").exists()
    city.refresh_from_db()
    assert city.name == "城管科" and list(city.handlers.all()) == [depts.handler]

"""Seeing a resident's full record or contact is audited (PIPL), and the region's staff can see
who looked and when: on the record page (/staff/residents/<id>/) and through the API."""

from __future__ import annotations

import pytest
from django.utils import timezone

from weiguang.core.audit import history_of
from weiguang.core.models import ApiToken
from weiguang.demands.services import intake

pytestmark = pytest.mark.django_db


def views_of(resident):
    return list(history_of(resident).filter(action="view_record").order_by("id"))


def api_get(client, url, user):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user)}"} if user is not None else {}
    return client.get(url, **headers)


def test_every_page_and_answer_that_shows_the_contact_is_logged(client, people, make_wish):
    wish = make_wish("claimed")  # 王秀英's wish, claimed by 周志愿 (people.volunteer)
    demand = intake.submit_demand(
        people.staff, grid=people.tree.grid_a1, title="楼道灯坏了", resident=people.resident
    )
    assert views_of(people.resident) == []

    client.force_login(people.staff)
    page = client.get(f"/wishes/{wish.pk}/").content.decode()
    assert "13912345678" in page  # the contact is shown ...
    client.force_login(people.volunteer)
    assert "13912345678" in client.get(f"/wishes/{wish.pk}/").content.decode()
    client.force_login(people.staff)
    assert "13912345678" in client.get(f"/demands/{demand.pk}/").content.decode()
    client.logout()
    assert api_get(client, f"/api/v1/wishes/{wish.pk}", people.staff).json()["contact"]
    assert api_get(client, f"/api/v1/demands/{demand.pk}", people.staff).json()["contact"]

    logged = [(e.actor, e.data["via"], e.data["ref"], e.data["channel"]) for e in views_of(people.resident)]
    assert logged == [  # ... and every showing is in the log
        (people.staff, "wish", wish.pk, "page"),
        (people.volunteer, "wish", wish.pk, "page"),
        (people.staff, "demand", demand.pk, "page"),
        (people.staff, "wish", wish.pk, "api"),
        (people.staff, "demand", demand.pk, "api"),
    ]


def test_no_entry_when_nothing_private_is_shown_or_the_resident_looks_at_their_own(client, people, make_wish):
    wish = make_wish("published")
    client.force_login(people.resident_user)
    assert client.get(f"/wishes/{wish.pk}/").status_code == 200
    client.force_login(people.volunteer)  # on the wall, not yet claimed: no contact
    page = client.get(f"/wishes/{wish.pk}/").content.decode()
    assert "13912345678" not in page
    client.logout()
    assert client.get(f"/wishes/{wish.pk}/").status_code == 200
    assert views_of(people.resident) == []


def test_staff_see_who_looked_and_when_on_the_record_page(client, people, make_wish):
    wish = make_wish("claimed")
    client.force_login(people.volunteer)
    client.get(f"/wishes/{wish.pk}/")
    client.force_login(people.staff)
    wish_page = client.get(f"/wishes/{wish.pk}/").content.decode()
    assert f'href="/staff/residents/{people.resident.pk}/"' in wish_page  # the link to the record

    record = client.get(f"/staff/residents/{people.resident.pk}/")
    assert record.status_code == 200
    page = record.content.decode()
    assert "王秀英" in page and "13912345678" in page
    log = page[page.index('data-testid="view-log"') :]
    assert "周志愿 (vol_a)" in log and "赵书记 (staff_a)" in log
    first = views_of(people.resident)[0]
    assert timezone.localtime(first.created_at).strftime("%Y-%m-%d %H:%M") in log
    # opening the record is itself logged
    assert (views_of(people.resident)[-1].actor, views_of(people.resident)[-1].data["via"]) == (
        people.staff,
        "record",
    )
    residents = client.get("/staff/residents/", {"q": "王"}).content.decode()
    assert f'href="/staff/residents/{people.resident.pk}/"' in residents
    assert 'data-nav="residents"' in residents  # a navigation entry for staff


@pytest.mark.parametrize(
    "role", ["staff_b", "outsider_staff", "grid_worker", "volunteer", "resident_user", "stranger"]
)
def test_others_cannot_open_the_record_or_its_log(client, people, role):
    user = getattr(people, role)
    client.force_login(user)
    page = client.get(f"/staff/residents/{people.resident.pk}/")
    assert page.status_code == 404
    listing = client.get("/staff/residents/")
    if role in ("staff_b", "outsider_staff"):  # staff elsewhere: the list holds only their own
        assert listing.status_code == 200 and "王" not in listing.content.decode().split("data-testid")[-1]
    else:
        assert listing.status_code == 403
        assert 'data-nav="residents"' not in client.get("/").content.decode()
    r = api_get(client, f"/api/v1/residents/{people.resident.pk}/views", user)
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert history_of(people.resident).filter(action="view_record").count() == 0


def test_the_api_lists_who_looked(client, people, make_wish):
    wish = make_wish("claimed")
    client.force_login(people.volunteer)
    client.get(f"/wishes/{wish.pk}/")
    client.logout()
    r = api_get(client, f"/api/v1/residents/{people.resident.pk}/views", people.street_admin)
    assert r.status_code == 200
    rows = r.json()
    assert [(row["viewer"]["username"], row["via"], row["ref"], row["channel"]) for row in rows] == [
        ("vol_a", "wish", wish.pk, "page")
    ]
    assert rows[0]["viewer"]["name"] and rows[0]["at"]
    assert api_get(client, f"/api/v1/residents/{people.resident.pk}/views", None).status_code == 401
    assert api_get(client, "/api/v1/residents/99999999/views", people.staff).status_code == 404


def test_the_admin_change_page_is_logged_too(client, people):
    from tests.factories import UserFactory

    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    page = client.get(f"/admin/people/resident/{people.resident.pk}/change/").content.decode()
    assert "13912345678" in page
    assert [(e.actor, e.data["via"]) for e in views_of(people.resident)] == [(root, "admin")]
    rows = api_get(client, f"/api/v1/residents/{people.resident.pk}/views", people.staff).json()
    assert [(row["viewer"]["username"], row["via"]) for row in rows] == [("root", "admin")]
    client.force_login(people.staff)
    record = client.get(f"/staff/residents/{people.resident.pk}/").content.decode()
    assert "站点管理" in record[record.index('data-testid="view-log"') :]


def test_the_record_lists_groups_with_the_pages_own_separator(client, people, settings):
    """In English the groups read 'Elderly living alone, Disabled', not joined with 、."""
    from weiguang.people.models import PopulationGroup

    groups = [
        PopulationGroup.objects.create(code="t-alone", name="独居老人", name_en="Living alone", ordering=1),
        PopulationGroup.objects.create(code="t-disabled", name="残疾人", name_en="Disabled", ordering=2),
    ]
    people.resident.groups.set(groups)
    client.force_login(people.staff)
    url = f"/staff/residents/{people.resident.pk}/"
    assert "独居老人、残疾人" in client.get(url).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(url).content.decode()
    assert (
        "Living alone, Disabled" in page
        and "、" not in page.split('data-testid="record"')[1].split("</dl>")[0]
    )

"""New staff accounts (issue 11, "Staff"): the street admin creates an account, an SMS takes
the person a one-time link to set a password, which dies once used, when a new one is sent, or
when it expires; department handlers and partner representatives come with their department or
unit; the refusals."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from weiguang.accounts import staff
from weiguang.accounts.models import Account, SmsMessage
from weiguang.core.audit import history_of
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.core.models import ApiToken
from weiguang.regions.models import Membership, Role

from ..demands.conftest import Depts
from ..pages import html

pytestmark = pytest.mark.django_db

BASE = "https://weiguang.example/"
PASSWORD = "Xingxing-2026-light"


def link_in(message: SmsMessage) -> str:
    return re.search(r"/account/set-password/[^/\s]+/[^/\s]+/", message.text).group(0)


def create(actor, people, **kw):
    """A new account; a department handler's or representative's (`target`) has no region."""
    values = {
        "name": "刘网格",
        "phone": "13700001111",
        "role": Role.GRID_WORKER,
        "region": None if "target" in kw else people.tree.grid_a2,
    }
    values.update(kw)
    return staff.create_staff_account(actor, base_url=BASE, **values)


def test_the_street_admin_creates_a_grid_worker_who_gets_a_link_by_sms(people):
    user = create(people.street_admin, people)
    assert user.first_name == "刘网格" and not user.has_usable_password() and user.is_active
    assert Account.objects.get(user=user).phone == "13700001111"
    assert list(Membership.objects.filter(user=user).values_list("role", "region")) == [
        (Role.GRID_WORKER, people.tree.grid_a2.pk)
    ]
    message = SmsMessage.objects.get(phone="13700001111")
    assert message.purpose == "staff_link"
    assert "刘网格" in message.text and "七星里第二网格网格员" in message.text
    assert BASE.rstrip("/") + link_in(message) in message.text
    actions = list(history_of(user).order_by("id").values_list("action", "actor"))
    assert actions == [("staff.create", people.street_admin.pk), ("staff.send_link", people.street_admin.pk)]


def test_the_link_sets_a_password_once_and_then_logs_in_by_phone(client, people):
    create(people.street_admin, people)
    link = link_in(SmsMessage.objects.get())
    assert client.get(link).status_code == 200
    response = client.post(link, {"password": "123", "password2": "123"})
    assert response.status_code == 422  # the password validators
    response = client.post(link, {"password": PASSWORD, "password2": PASSWORD + "x"})
    assert response.status_code == 422
    response = client.post(link, {"password": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get(link).status_code == 410  # single use
    assert client.post(link, {"password": PASSWORD, "password2": PASSWORD}).status_code == 410
    response = client.post("/login/", {"username": "13700001111", "password": PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_a_link_dies_when_a_new_one_is_sent_or_when_it_expires(client, people, settings):
    user = create(people.street_admin, people)
    first = link_in(SmsMessage.objects.get())
    staff.send_link(people.street_admin, user, base_url=BASE)
    second = link_in(SmsMessage.objects.order_by("-id").first())
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200
    settings.PASSWORD_RESET_TIMEOUT = 60
    later = dt.datetime.now() + dt.timedelta(minutes=5)  # naive local time, as the token generator's
    staff.link_tokens._now = lambda: later
    try:
        assert client.get(second).status_code == 410
    finally:
        del staff.link_tokens._now
    assert [a for a in history_of(user).values_list("action", flat=True)].count("staff.send_link") == 2


def test_bad_links_are_dead_not_errors(client, people):
    for link in ("/account/set-password/x/y/", "/account/set-password/MTIz/abc-def/",
                 "/account/set-password/OTk5OTk5OTk5OTk5OTk5OTk5OTk5/a-b/"):  # fmt: skip
        assert client.get(link).status_code == 410


def test_a_deactivated_account_has_no_working_link(client, people):
    user = create(people.street_admin, people)
    link = link_in(SmsMessage.objects.get())
    staff.deactivate(people.street_admin, user)
    assert client.get(link).status_code == 410


def test_the_link_is_not_sent_again_once_a_password_is_set(people):
    user = create(people.street_admin, people)
    staff.set_password_from_link(*link_in(SmsMessage.objects.get()).split("/")[3:5], PASSWORD)
    user.refresh_from_db()
    with pytest.raises(Conflict) as err:
        staff.send_link(people.street_admin, user, base_url=BASE)
    assert err.value.code == "password_set"
    with pytest.raises(NotAllowed):  # the other street's staff
        staff.send_link(people.outsider_staff, user, base_url=BASE)


@pytest.mark.parametrize(
    "actor, kw",
    [
        ("staff", {"role": Role.STREET_ADMIN, "region": "street"}),  # community staff: a street admin
        ("staff", {"role": Role.COMMUNITY_STAFF, "region": "community_a"}),
        ("staff", {"role": Role.GRID_WORKER, "region": "grid_b1"}),  # another community
        ("street_admin", {"role": Role.GRID_WORKER, "region": "other_grid"}),  # another street
        ("outsider_staff", {"role": Role.GRID_WORKER, "region": "grid_a1"}),
        ("grid_worker", {"role": Role.GRID_WORKER, "region": "grid_a1"}),
    ],
)
def test_refused_creations_create_nothing(people, actor, kw):
    kw["region"] = getattr(people.tree, kw["region"])
    with pytest.raises(NotAllowed):
        create(getattr(people, actor), people, **kw)
    assert not Account.objects.filter(phone="13700001111").exists()
    assert not SmsMessage.objects.exists()


def test_community_staff_create_grid_workers_of_their_community(people):
    user = create(people.staff, people, region=people.tree.grid_a1)
    assert Membership.objects.get(user=user).region == people.tree.grid_a1


def test_a_duplicate_phone_or_bad_input_is_refused(people):
    create(people.street_admin, people)
    with pytest.raises(Conflict) as err:
        create(people.street_admin, people, name="别人")
    assert err.value.code == "phone_registered" and "phone" in err.value.fields
    with pytest.raises(InvalidInput) as err:
        create(people.street_admin, people, phone="12345")
    assert "phone" in err.value.fields
    with pytest.raises(InvalidInput) as err:
        create(people.street_admin, people, phone="13700002222", name="  ")
    assert "name" in err.value.fields
    assert SmsMessage.objects.count() == 1


def test_a_department_handler_comes_with_the_department(client, people):
    depts = Depts(people.tree)
    user = create(
        people.street_admin, people, phone="13700003333", role=Role.DEPARTMENT, target=depts.city.pk
    )
    assert user in depts.city.handlers.all()
    assert Membership.objects.filter(user=user, role=Role.DEPARTMENT, region=people.tree.street).exists()
    with pytest.raises(InvalidInput) as err:  # no department chosen
        create(people.street_admin, people, phone="13700004444", role=Role.DEPARTMENT, region=None)
    assert "target" in err.value.fields
    # the department page offers the new account, the account page sends back to the department
    client.force_login(people.street_admin)
    body = html(client.get(f"/street/demands/departments/?street={people.tree.street.pk}"))
    assert f"/staff/accounts/new/?role=department&amp;target=department:{depts.city.pk}" in body
    body = html(client.get(f"/staff/accounts/{user.pk}/"))
    assert f"/street/demands/departments/?street={people.tree.street.pk}" in body
    # ... and removes them from it, through the department's service (its audit entry too)
    m = Membership.objects.get(user=user, role=Role.DEPARTMENT)
    assert f'name="target" value="{depts.city.pk}"' in body  # 从城管科移除
    response = client.post(f"/staff/accounts/{user.pk}/roles/{m.pk}/remove/", {"target": depts.city.pk})
    assert response.status_code == 302
    assert user not in depts.city.handlers.all()
    assert not Membership.objects.filter(pk=m.pk).exists()
    assert history_of(depts.city).filter(action="department.remove_handler").exists()
    assert history_of(user).filter(action="staff.remove_role").exists()


def test_a_partner_representative_comes_with_the_unit(client, people):
    # the unit's page offers the new account to the street admin (not to community staff)
    client.force_login(people.street_admin)
    new_account = f"/staff/accounts/new/?role=partner_rep&amp;target=partner_rep:{people.partner.pk}"
    assert new_account in html(client.get(f"/partners/{people.partner.pk}/"))
    client.force_login(people.staff)
    assert new_account not in html(client.get(f"/partners/{people.partner.pk}/"))
    user = create(
        people.street_admin, people, phone="13700005555", role=Role.PARTNER_REP, target=people.partner.pk
    )
    assert user in people.partner.representatives.all()
    client.force_login(people.street_admin)
    page = client.get(f"/partners/{people.partner.pk}/")
    assert user.first_name in html(page).split('data-testid="representatives"')[1].split("</dd>")[0]
    with pytest.raises(NotAllowed):  # community staff do not name representatives here
        create(people.staff, people, phone="13700006666", role=Role.PARTNER_REP, target=people.partner.pk)
    m = Membership.objects.get(user=user, role=Role.PARTNER_REP)
    with pytest.raises(NotAllowed):  # nor remove them
        staff.remove_role(people.staff, m)
    with pytest.raises(InvalidInput):  # a unit they do not represent
        staff.remove_role(people.street_admin, m, target=people.partner.pk + 1000)
    staff.remove_role(people.street_admin, m)  # from every unit that makes them one: the one
    assert user not in people.partner.representatives.all()
    assert not Membership.objects.filter(pk=m.pk).exists()


@pytest.mark.usefixtures("english")
def test_the_create_page(client, people):
    client.force_login(people.street_admin)
    assert client.get("/staff/accounts/new/").status_code == 200
    response = client.post(
        "/staff/accounts/new/",
        {"name": "刘网格", "phone": "13700001111", "role": "grid_worker", "region": people.tree.grid_a2.pk},
    )
    user = Account.objects.get(phone="13700001111").user
    assert response.status_code == 302 and response["Location"] == f"/staff/accounts/{user.pk}/"
    body = html(client.get(response["Location"]))
    assert "Active, no password set yet" in body and "Send the link again" in body
    response = client.post(f"/staff/accounts/{user.pk}/send-link/", follow=True)
    assert "A new link to set a password is on its way" in html(response)
    response = client.post(
        "/staff/accounts/new/",
        {"name": "刘网格", "phone": "13700001111", "role": "grid_worker", "region": people.tree.grid_a2.pk},
    )
    assert response.status_code == 409 and "This number already has an account" in html(response)
    response = client.post("/staff/accounts/new/", {"name": "x", "phone": "1", "role": "x"})
    assert response.status_code == 422
    client.force_login(people.grid_worker)
    assert client.get("/staff/accounts/new/").status_code == 403


def test_the_api_creates_and_sends_the_link_again(client, people):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(people.street_admin)}"}
    body = {
        "name": "刘网格",
        "phone": "13700001111",
        "role": "grid_worker",
        "region_id": people.tree.grid_a2.pk,
    }
    response = client.post(
        "/api/v1/staff/accounts", json.dumps(body), content_type="application/json", **headers
    )
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["phone"] == "13700001111" and made["password_set"] is False
    assert made["roles"][0]["region"]["name"] == "七星里第二网格"
    response = client.post(
        "/api/v1/staff/accounts", json.dumps(body), content_type="application/json", **headers
    )
    assert response.status_code == 409 and response.json()["code"] == "phone_registered"
    body.update(phone="13700002222", role="department", region_id=None)
    response = client.post(
        "/api/v1/staff/accounts", json.dumps(body), content_type="application/json", **headers
    )
    assert response.status_code == 422 and "target_id" in response.json()["errors"]
    response = client.post(f"/api/v1/staff/accounts/{made['id']}/send_link", **headers)
    assert response.status_code == 200
    assert SmsMessage.objects.filter(phone="13700001111").count() == 2

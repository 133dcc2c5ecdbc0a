"""Volunteer registration as a new volunteer meets it: the form is filled in with what the
account already knows, and a wrong ID number is said next to its field on the first submit,
together with every other problem."""

from __future__ import annotations

import re

import pytest

from weiguang.regions.models import Role
from weiguang.volunteers.models import Volunteer

from ..factories import UserFactory, grant, make_id_number

pytestmark = pytest.mark.django_db


def field_block(html: str, name: str) -> str:
    """The <div class="field"> holding the input named `name`, with its errors."""
    blocks = re.findall(
        r'<div class="field[^"]*">.*?</div>\s*(?=<div class="field|<fieldset|<button)', html, re.S
    )
    return next(b for b in blocks if f'name="{name}"' in b)


def test_the_form_is_filled_in_from_the_residents_record(client, people, tree):
    client.force_login(people.resident_user)
    html = client.get("/volunteers/register/").content.decode()
    assert 'value="王秀英"' in field_block(html, "name")
    assert 'value="13912345678"' in field_block(html, "phone")
    community = field_block(html, "home_region")
    assert re.search(rf'<option value="{tree.community_a.pk}" selected>', community), community


def test_the_form_is_filled_in_from_the_account_and_its_role(client, tree):
    user = UserFactory(username="13800001234", first_name="小军", last_name="刘")
    grant(user, Role.GRID_WORKER, tree.grid_b1)
    client.force_login(user)
    html = client.get("/volunteers/register/").content.decode()
    assert 'value="刘小军"' in field_block(html, "name")
    assert 'value="13800001234"' in field_block(html, "phone")
    assert f'<option value="{tree.community_b.pk}" selected>' in field_block(html, "home_region")


@pytest.mark.parametrize(
    "id_number, message",
    [
        ("370203", "17 位数字"),
        ("37020319501307001X", "出生日期"),
        ("wrong check digit", "校验位"),
    ],
)
def test_a_wrong_id_number_is_said_next_to_it_on_the_first_submit(client, tree, id_number, message):
    good = make_id_number(5, region="370203")
    if id_number == "wrong check digit":
        id_number = good[:17] + ("0" if good[17] != "0" else "1")
    user = UserFactory(username="newvol", first_name="唐新")
    client.force_login(user)
    # the community is left unchosen too: both problems show at once
    r = client.post("/volunteers/register/", {"name": "唐新", "phone": "13912340000", "id_number": id_number})
    assert r.status_code == 422
    html = r.content.decode()
    assert message in field_block(html, "id_number")
    assert "has-error" in field_block(html, "home_region")
    assert not Volunteer.objects.exists()
    # corrected, it goes through; a lower-case x is taken as X
    r = client.post(
        "/volunteers/register/",
        {
            "name": "唐新",
            "phone": "13912340000",
            "id_number": good.lower(),
            "home_region": tree.community_a.pk,
        },
    )
    assert r.status_code == 302
    assert Volunteer.objects.get(user=user).id_number == good.upper()

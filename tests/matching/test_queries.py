"""The invitation lists answer in as many queries for 8 invitations as for 1, also when they go
to partner units (tests/test_query_counts.py measures the volunteers' case): a unit's
representatives are read once per list, not once per row."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from weiguang.matching.models import Invitation

from ..factories import PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db


def count(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        r = client.get(url)
    assert r.status_code == 200, (url, r.status_code)
    if url.startswith("/api/"):
        return len(queries), json.dumps(r.json(), ensure_ascii=False)
    return len(queries), r.content.decode()


def unit_invitations(people, tree, wishes) -> list[Invitation]:
    """One invitation per wish, each to a unit of its own, asked through its representative."""
    made = []
    for wish in wishes:
        unit = PartnerFactory(region=tree.street)
        rep = UserFactory()
        unit.representatives.add(rep)
        made.append(Invitation.objects.create(wish=wish, invitee=rep, partner=unit, created_by=people.staff))
    return made


@pytest.mark.parametrize("url", ["/api/v1/invitations?wish_id={wish}", "/staff/wishes/{wish}/candidates/"])
def test_staff_list_a_wishs_unit_invitations_in_constant_queries(client, people, tree, make_wish, url):
    wish = make_wish("published", title="想请人修一下门锁")
    client.force_login(people.staff)
    invited = unit_invitations(people, tree, [wish])
    few, body = count(client, url.format(wish=wish.pk))
    assert invited[0].partner.name in body
    invited += unit_invitations(people, tree, [wish] * 7)
    many, body = count(client, url.format(wish=wish.pk))
    assert all(inv.partner.name in body for inv in invited)
    assert many == few, f"{few} queries for 1 invitation, {many} for 8"


@pytest.mark.parametrize("url", ["/api/v1/invitations", "/my/invitations/"])
def test_a_representative_lists_the_units_invitations_in_constant_queries(
    client, people, tree, make_wish, url
):
    """Asked through a colleague: the unit's other representative sees them too."""
    wishes = [make_wish("published", title=f"第{i}个心愿：想请人修门锁") for i in range(8)]
    unit = PartnerFactory(region=tree.street)
    asked, colleague = UserFactory(), UserFactory()
    unit.representatives.add(asked, colleague)
    client.force_login(colleague)

    def invite(wish):
        return Invitation.objects.create(wish=wish, invitee=asked, partner=unit, created_by=people.staff)

    invite(wishes[0])
    few, body = count(client, url)
    assert wishes[0].title in body
    for wish in wishes[1:]:
        invite(wish)
    many, body = count(client, url)
    assert all(w.title in body for w in wishes)
    assert many == few, f"{few} queries for 1 invitation, {many} for 8"

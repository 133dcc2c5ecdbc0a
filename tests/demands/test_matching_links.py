"""The matching registers its links on a wish's and a demand's page (core/navigation.py
object links): staff of the place see them, the resident who asked does not."""

from __future__ import annotations

import pytest

from ..pages import html

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_staff_see_the_candidates_links_and_the_resident_does_not(client, people, make_wish, make_demand):
    wish = make_wish("published")
    demand = make_demand("received")
    pages = {f"/wishes/{wish.pk}/": (f'href="/staff/wishes/{wish.pk}/candidates/"', "Recommended claimers"),
             f"/demands/{demand.pk}/": (f'href="/staff/demands/{demand.pk}/candidates/"', "Who could help")}  # fmt: skip
    client.force_login(people.staff)
    for url, (link, label) in pages.items():
        page = html(client.get(url))
        assert link in page and label in page, url
    client.force_login(people.resident_user)
    for url, (link, label) in pages.items():
        response = client.get(url)
        assert response.status_code == 200 and link not in html(response) and label not in html(response), url

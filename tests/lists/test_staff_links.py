"""No dead end for community staff on the partner pages: every link on the three lists, the
units page, a unit's page and "who delivered what" opens (no 4xx, no 5xx). The resource list
linked its units to pages that were 404s, "who delivered what" was a 403 and the units page
said there were no units while the resource list showed them."""

from __future__ import annotations

import random
import re
from html import unescape
from urllib.parse import urljoin, urlsplit

import pytest

from weiguang.lists.demo import seed_partner_demo
from weiguang.partners import services as partner_services
from weiguang.partners.models import PartnerKind, PartnerUnit
from weiguang.wishes import services as wish_services

from ..core.test_seed_demo import demo_street, seeded  # noqa: F401  (the demo, seeded once)
from ..factories import PartnerFactory

pytestmark = pytest.mark.django_db

HREF = re.compile(r'href="([^"]+)"')
# Pages whose own links are followed too; other pages are only opened.
CRAWLED = ("/partners/", "/lists/", "/projects/")
SKIP = ("/logout/", "/static/", "/media/", "/i18n/")


def links(html: str, base: str) -> set[str]:
    found = set()
    for href in HREF.findall(html):
        href = unescape(href)
        if href.startswith(("#", "tel:", "mailto:", "javascript:")):
            continue
        url = urljoin(base, href)
        parts = urlsplit(url)
        if parts.netloc or parts.path.startswith(SKIP):
            continue
        found.add(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def crawl(client, start: list[str], limit: int = 400) -> dict[str, int]:
    """GET the start pages and every link on them, following the links of partner and list
    pages; the status of every URL opened."""
    seen: dict[str, int] = {}
    todo = list(start)
    while todo and len(seen) < limit:
        url = todo.pop(0)
        if url in seen:
            continue
        r = client.get(url)
        seen[url] = r.status_code
        if r.status_code == 200 and "text/html" in r.get("Content-Type", "") and url.startswith(CRAWLED):
            todo += sorted(links(r.content.decode(), url) - set(seen))
    return seen


@pytest.fixture
def partner_world(people, tree, make_wish, make_demand):
    PartnerFactory(name="八大湖社区卫生服务中心", kind=PartnerKind.HOSPITAL, region=tree.street)
    PartnerFactory(name="惠民超市八大湖店", kind=PartnerKind.MERCHANT, region=tree.street)
    make_wish("published", title="电饭煲坏了想修一修")
    make_demand("received", title="希望定期义诊")
    seed_partner_demo(
        tree.street, [tree.community_a, tree.community_b], people.street_admin, random.Random(7)
    )
    wish = make_wish("published", title="想要一台电风扇")
    wish_services.claim_wish(wish, people.partner_rep, partner=people.partner)
    return tree


def test_every_link_on_the_partner_pages_opens_for_community_staff(client, people, partner_world):
    tree = partner_world
    client.force_login(people.staff)
    resources = client.get("/lists/?tab=resources")
    assert resources.status_code == 200
    unit_links = {
        u for u in links(resources.content.decode(), "/lists/") if re.fullmatch(r"/partners/\d+/", u)
    }
    assert unit_links, "the resource list links its units"

    # the units page lists the units whose resources the list shows
    units_page = client.get("/partners/").content.decode()
    listed = {u for u in links(units_page, "/partners/") if re.fullmatch(r"/partners/\d+/", u)}
    assert unit_links <= listed
    assert "No partner units here yet" not in units_page and "还没有共建单位" not in units_page

    start = [
        "/partners/", "/partners/deliveries/", "/lists/", "/lists/?tab=resources", "/lists/?tab=projects",
        f"/partners/deliveries/?region={tree.community_a.pk}",
    ]  # fmt: skip
    statuses = crawl(client, start)
    assert unit_links <= set(statuses)
    broken = {url: status for url, status in statuses.items() if status >= 400}
    assert broken == {}

    # "who delivered what" for a community: the units serving it and its wishes
    page = client.get("/partners/deliveries/").content.decode()
    assert tree.community_a.name in page and people.partner.name in page


def test_staff_of_a_served_community_look_at_a_unit_but_do_not_edit_it(client, people, partner_world):
    unit = people.partner
    client.force_login(people.staff)
    page = client.get(f"/partners/{unit.pk}/").content.decode()
    assert unit.name in page and "想要一台电风扇" in page  # a claim on a wish of their community
    assert f"/partners/{unit.pk}/resources/" not in page and f"/partners/{unit.pk}/profile/" not in page
    assert client.post(f"/partners/{unit.pk}/profile/", {"contact_name": "某人"}).status_code == 404
    # a unit serving only another community stays closed to them
    only_b = PartnerUnit.objects.create(
        name="只服务B社区的单位", kind=PartnerKind.MERCHANT, region=partner_world.street
    )
    only_b.communities.add(partner_world.community_b)
    assert not partner_services.can_view_unit(people.staff, only_b)
    assert client.get(f"/partners/{only_b.pk}/").status_code == 404
    assert only_b not in partner_services.units_for(people.staff)
    assert only_b in partner_services.units_for(people.staff_b)


@pytest.mark.usefixtures("seeded")
class TestOnTheDemoStreet:
    """As the issue found it: the demo street's community staff ("staff") and street admin."""

    @pytest.mark.parametrize("username", ["staff", "admin"])
    def test_every_link_on_the_partner_pages_opens(self, client, username):
        from django.contrib.auth import get_user_model

        client.force_login(get_user_model().objects.get(username=username))
        resources = client.get("/lists/?tab=resources").content.decode()
        unit_links = {u for u in links(resources, "/lists/") if re.fullmatch(r"/partners/\d+/", u)}
        assert len(unit_links) >= 3
        listed = {u for u in links(client.get("/partners/").content.decode(), "/partners/")}
        assert unit_links <= listed
        start = [
            "/partners/",
            "/partners/deliveries/",
            "/lists/",
            "/lists/?tab=resources",
            "/lists/?tab=projects",
        ]
        statuses = crawl(client, start)
        assert unit_links <= set(statuses)
        assert {url: status for url, status in statuses.items() if status >= 400} == {}

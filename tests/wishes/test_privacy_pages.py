"""Public pages never show a resident's full name, phone, ID number or door number (PIPL).

Rendered as a person would meet them: anonymous, and logged in as volunteers who have no
claim on the wish; on the fixture street and on the whole seeded demo street."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.test import Client

from tests.factories import ResidentFactory
from weiguang.people.models import Resident
from weiguang.regions.models import Region, RegionKind
from weiguang.wishes import services
from weiguang.wishes.models import PUBLIC_STATUSES, Wish

pytestmark = pytest.mark.django_db


def secrets_of(residents) -> dict[str, str]:
    """Every value that must never appear on a public page, with what it is."""
    found = {}
    for r in residents:
        found[r.name] = f"name of resident {r.pk}"
        if r.phone:
            found[r.phone] = f"phone of resident {r.pk}"
        if r.id_number:
            found[r.id_number] = f"ID number of resident {r.pk}"
        if r.door:
            found[r.door] = f"door of resident {r.pk}"
    return found


def leaks(page: str, secrets: dict[str, str]) -> list[str]:
    return [f"{what}: {value}" for value, what in secrets.items() if value in page]


def public_pages(client: Client, wishes, regions) -> dict[str, str]:
    client.cookies["wg_lang"] = "en"
    pages = {}
    for region in regions:
        kind = "streets" if region.kind == RegionKind.STREET else "communities"
        url = f"/{kind}/{region.pk}/wall/"
        pages[url] = client.get(url).content.decode()
        pages[url + " (htmx)"] = client.get(
            url, {"kind": "item"}, headers={"HX-Request": "true"}
        ).content.decode()
        match = re.search(r"Page \d+ of (\d+)", pages[url])
        page_count = int(match.group(1)) if match else 1
        for n in range(2, page_count + 1):
            pages[f"{url}?page={n}"] = client.get(url, {"page": n}).content.decode()
    for wish in wishes:
        response = client.get(f"/wishes/{wish.pk}/")
        assert response.status_code == 200, wish.pk
        pages[f"/wishes/{wish.pk}/"] = response.content.decode()
    return pages


@pytest.fixture
def street_with_wishes(tree, people, make_wish):
    """Wishes of several residents in every public state, plus private ones."""
    neighbours = [
        ResidentFactory(name="欧阳秀兰", grid=tree.grid_a2, phone="13600001111", door="3单元502室"),
        ResidentFactory(name="李建国", gender="M", grid=tree.grid_a1, phone="13700002222", door="1单元101室"),
        ResidentFactory(
            name="张小明",
            gender="M",
            birth_date=None,
            grid=tree.grid_a1,
            phone="13800003333",
            door="2单元203室",
        ),
        ResidentFactory(name="赵海燕", grid=tree.grid_b1, phone="13900004444", door="4单元404室"),
    ]
    wishes = [
        make_wish("published", title="想要一个电水壶", resident=neighbours[2]),
        make_wish("claimed", title="想请人修门锁", kind="service", resident=neighbours[0]),
        make_wish("fulfilled", title="想要一个书包", resident=neighbours[1]),
        make_wish("confirmed", title="想剪个头发", kind="service"),
        make_wish("submitted", title="想要一台收音机", resident=neighbours[1]),
    ]
    b_wish, _ = services.submit_wish(
        people.street_admin, kind="item", title="想要一台风扇", resident=neighbours[3]
    )
    wishes.append(services.publish_wish(b_wish, people.street_admin))
    return [people.resident, people.other_resident, *neighbours], wishes


@pytest.mark.parametrize("viewer", [None, "volunteer2", "outsider_volunteer", "stranger"])
def test_fixture_street_pages_hide_residents(client, tree, people, street_with_wishes, viewer):
    residents, wishes = street_with_wishes
    if viewer:
        client.force_login(getattr(people, viewer))
    public = [w for w in wishes if w.status in PUBLIC_STATUSES]
    pages = public_pages(client, public, [tree.street, tree.community_a, tree.community_b])
    secrets = secrets_of(residents)
    # the claimer's own name is not shown on public pages either
    secrets[people.volunteer.first_name] = "name of the claimer"
    assert all("想" in page for page in pages.values())  # the pages did render wishes
    problems = {url: leaks(page, secrets) for url, page in pages.items()}
    assert {url: p for url, p in problems.items() if p} == {}
    # and the masked form is what people see
    assert "王阿姨" in pages[f"/communities/{tree.community_a.pk}/wall/"]


def test_seeded_demo_street_pages_hide_every_resident(client):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    residents = list(Resident.objects.all())
    wishes = list(Wish.objects.filter(status__in=PUBLIC_STATUSES))
    assert len(residents) >= 200 and len(wishes) >= 20
    regions = list(Region.objects.filter(kind__in=[RegionKind.STREET, RegionKind.COMMUNITY]))
    secrets = secrets_of(residents)
    volunteer_pages = Client()
    from django.contrib.auth import get_user_model

    claimers = set(Wish.objects.filter(claims__isnull=False).values_list("claims__claimer", flat=True))
    volunteer = (
        get_user_model().objects.filter(memberships__role="volunteer").exclude(pk__in=claimers).first()
    )
    assert volunteer is not None
    volunteer_pages.force_login(volunteer)
    for viewer in (client, volunteer_pages):
        pages = public_pages(viewer, wishes, regions)
        problems = {url: leaks(page, secrets) for url, page in pages.items()}
        assert {url: p for url, p in problems.items() if p} == {}

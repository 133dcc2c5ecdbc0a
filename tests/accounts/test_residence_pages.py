"""The pages: where I live (works without JavaScript; htmx fills the next list), the staff's
queue, confirm and reject from it, refusals, and the wish and demand pages of an unconfirmed
person."""

from __future__ import annotations

import pytest

from weiguang.accounts import residence
from weiguang.accounts.models import ResidenceRequest, ResidenceStatus
from weiguang.demands.services import intake
from weiguang.people.models import Resident

from ..factories import ResidentFactory
from .conftest import PHONE

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def test_choosing_step_by_step_without_javascript(client, tree, buildings, newcomer):
    client.force_login(newcomer)
    page = client.get("/my/residence/", **ZH).content.decode()
    assert "七星里社区" in page and 'data-level="community"' in page and "七星里第一网格" not in page

    page = client.post("/my/residence/", {"community": tree.community_a.pk, "next": "1"}).content.decode()
    assert "七星里第一网格" in page and "海晏第一网格" not in page and 'data-level="grid"' in page

    page = client.post(
        "/my/residence/", {"community": tree.community_a.pk, "grid": tree.grid_a1.pk, "next": "1"}
    ).content.decode()
    assert "3号楼" in page and "5号楼" in page and "7号楼" not in page and 'name="door"' in page

    response = client.post(
        "/my/residence/",
        {"community": tree.community_a.pk, "grid": tree.grid_a1.pk, "building": buildings["a1"].pk,
         "door": "2-301", "send": "1"},
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == "/my/residence/"
    req = ResidenceRequest.objects.get(user=newcomer)
    assert (req.grid, req.building, req.door, req.status) == (
        tree.grid_a1,
        buildings["a1"],
        "2-301",
        "pending",
    )
    page = client.get("/my/residence/", **ZH).content.decode()
    assert 'data-status="pending"' in page and "3号楼 2-301" in page


def test_htmx_gets_the_form_with_the_next_list(client, tree, buildings, newcomer):
    client.force_login(newcomer)
    response = client.get(
        "/my/residence/", {"community": tree.community_a.pk, "grid": tree.grid_a1.pk}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="place-form"') and "3号楼" in body and "<html" not in body


def test_garbage_and_a_building_of_another_grid_are_clear_errors(client, tree, buildings, newcomer):
    client.force_login(newcomer)
    response = client.post(
        "/my/residence/",
        {"community": tree.community_a.pk, "grid": tree.grid_a1.pk, "building": buildings["a2"].pk,
         "door": "2-301", "send": "1"},
    )  # fmt: skip
    assert response.status_code == 422
    response = client.post("/my/residence/", {"community": "x", "grid": "'; drop", "send": "1"})
    assert response.status_code == 422
    assert not ResidenceRequest.objects.exists()


def test_staff_confirm_from_the_queue_with_the_match(client, people, tree, buildings, newcomer):
    match = ResidentFactory(name="刘晓梅", grid=tree.grid_a2, phone=PHONE)
    req = residence.request_residence(newcomer, grid=tree.grid_a1, building=buildings["a1"], door="2-301")
    client.force_login(people.staff)
    page = client.get("/staff/residence/", **ZH).content.decode()
    assert f'data-request="{req.pk}"' in page and PHONE in page and "刘晓梅" in page
    assert f'value="{match.pk}"' in page
    assert 'data-nav="residence_queue"' in page

    response = client.post(f"/residence/{req.pk}/confirm/", {f"r{req.pk}-resident": str(match.pk)})

    assert response.status_code == 302 and response["Location"] == "/staff/residence/"
    match.refresh_from_db()
    assert match.user == newcomer
    page = client.get("/staff/residence/", **ZH).content.decode()
    assert f'data-request="{req.pk}"' not in page


def test_staff_reject_with_a_reason(client, people, tree, buildings, newcomer):
    req = residence.request_residence(newcomer, grid=tree.grid_a1, building=buildings["a1"], door="2-301")
    client.force_login(people.staff)
    assert client.post(f"/residence/{req.pk}/reject/", {f"r{req.pk}-reason": ""}).status_code == 422

    client.post(f"/residence/{req.pk}/reject/", {f"r{req.pk}-reason": "门牌不对"})

    req.refresh_from_db()
    assert req.status == ResidenceStatus.REJECTED
    client.force_login(newcomer)
    page = client.get("/my/residence/", **ZH).content.decode()
    assert 'data-status="rejected"' in page and "门牌不对" in page and 'name="community"' in page


@pytest.mark.parametrize("who", ["staff_b", "grid_worker"])
def test_staff_of_another_community_are_refused(client, people, tree, buildings, newcomer, who):
    req = residence.request_residence(newcomer, grid=tree.grid_a1, building=buildings["a1"], door="2-301")
    client.force_login(getattr(people, who))

    response = client.post(f"/residence/{req.pk}/confirm/", {f"r{req.pk}-resident": "new"}, **ZH)

    assert response.status_code == 403
    req.refresh_from_db()
    assert req.status == ResidenceStatus.PENDING and not Resident.objects.filter(user=newcomer).exists()
    if who == "staff_b":
        assert "只有申请人所填社区的工作人员" in response.content.decode()
        assert f'data-request="{req.pk}"' not in client.get("/staff/residence/").content.decode()
    else:
        assert client.get("/staff/residence/").status_code == 403


def test_the_phone_is_masked_to_staff_who_may_not_decide(people, tree, buildings, newcomer):
    req = residence.request_residence(newcomer, grid=tree.grid_a1, building=buildings["a1"], door="2-301")
    assert residence.shown_phone(req, people.staff) == PHONE
    assert residence.shown_phone(req, people.staff_b) == "137****1111"
    assert residence.shown_phone(req, newcomer) == "137****1111"


def test_the_person_withdraws_from_their_page(client, tree, buildings, newcomer):
    req = residence.request_residence(newcomer, grid=tree.grid_a1, building=buildings["a1"], door="2-301")
    client.force_login(newcomer)

    response = client.post(f"/residence/{req.pk}/withdraw/")

    assert response["Location"] == "/my/residence/"
    req.refresh_from_db()
    assert req.status == ResidenceStatus.WITHDRAWN


def test_an_unconfirmed_person_sees_why_a_wish_waits(client, tree, buildings, newcomer):
    client.force_login(newcomer)
    page = client.get("/wishes/new/")
    assert page.status_code == 403 and "请先填写您的住址" in page.content.decode()
    assert 'href="/my/residence/"' in page.content.decode()

    residence.request_residence(newcomer, grid=tree.grid_a1, building=buildings["a1"], door="2-301")
    page = client.get("/wishes/new/").content.decode()
    assert "还没有核实您的住址" in page and 'href="/demands/new/"' in page
    form = client.get("/demands/new/").content.decode()
    assert 'data-testid="unconfirmed"' in form and PHONE in form
    # a form sent back with an error still says how staff will see the demand
    refused = client.post("/demands/new/", {"grid": tree.grid_a1.pk, "title": "", "contact_phone": PHONE})
    assert refused.status_code == 422 and 'data-testid="unconfirmed"' in refused.content.decode()
    assert f'<option value="{tree.grid_a1.pk}" selected' in form


def test_staff_see_an_unconfirmed_authors_demand_marked(client, people, tree, buildings, newcomer):
    residence.request_residence(newcomer, grid=tree.grid_a1, building=buildings["a1"], door="2-301")
    demand = intake.submit_demand(newcomer, grid=tree.grid_a1, title="楼道灯坏了", contact_phone=PHONE)
    client.force_login(people.staff)

    page = client.get(f"/demands/{demand.pk}/", **ZH).content.decode()

    assert 'data-testid="unconfirmed"' in page and "未核实身份" in page
    assert 'data-testid="residence-queue-link"' in page
    # the grid worker sees the mark, not a link to a queue they may not open (403)
    client.force_login(people.grid_worker)
    page = client.get(f"/demands/{demand.pk}/", **ZH).content.decode()
    assert 'data-testid="unconfirmed"' in page
    assert 'data-testid="residence-queue-link"' not in page
    assert client.get("/staff/residence/").status_code == 403


def test_the_home_page_shows_the_tiles(client, people, tree, buildings, newcomer):
    client.force_login(newcomer)
    assert 'data-tile="residence"' in client.get("/").content.decode()
    residence.request_residence(newcomer, grid=tree.grid_a1, building=buildings["a1"], door="2-301")
    client.force_login(people.staff)
    page = client.get("/", **ZH).content.decode()
    assert 'data-tile="residence_queue"' in page
    client.force_login(people.staff_b)
    assert 'data-tile="residence_queue"' not in client.get("/").content.decode()

"""The API: GET/PATCH /me (profile, where I live), and the staff's residence requests."""

from __future__ import annotations

import pytest

from weiguang.accounts import residence
from weiguang.accounts.models import ResidenceRequest, ResidenceStatus
from weiguang.core.audit import history_of
from weiguang.people.models import Resident

from ..demands.test_api import auth, get, post
from ..factories import ResidentFactory
from .conftest import PHONE

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"
REQUESTS = "/api/v1/residence_requests"


def patch(client, url, user, data):
    return client.patch(url, data, content_type="application/json", **auth(user))


def test_me_says_who_i_am_and_where_i_live(client, tree, buildings, newcomer):
    body = get(client, ME, newcomer).json()
    assert body["username"] == "newcomer" and body["name"] == "刘晓梅" and body["roles"] == []
    assert body["phone"] == "137****1111" and body["residence"] is None
    assert (body["confirmed"], body["unconfirmed"], body["may_post_wish"]) == (False, False, False)

    residence_in = {"grid_id": tree.grid_a1.pk, "building_id": buildings["a1"].pk, "door": "2-301"}
    r = patch(client, ME, newcomer, {"name": "刘晓梅梅", "residence": residence_in})

    assert r.status_code == 200, r.content
    body = r.json()
    assert body["name"] == "刘晓梅梅" and body["unconfirmed"] is True
    place = body["residence"]
    assert place["status"] == "pending" and place["door"] == "2-301"
    assert place["grid"] == {"id": tree.grid_a1.pk, "name": "七星里第一网格"}
    assert place["community"]["id"] == tree.community_a.pk and place["building"]["name"] == "3号楼"


@pytest.mark.parametrize(
    ("grid", "building", "door", "field"),
    [
        ("grid_a1", "b1", "1", "residence.building_id"),
        ("community_a", "a1", "1", "residence.grid_id"),
        ("grid_a1", "a1", " ", "residence.door"),
    ],
)
def test_me_patch_refuses_what_is_not_in_the_tree(
    client, tree, buildings, newcomer, grid, building, door, field
):
    place = {"grid_id": getattr(tree, grid).pk, "building_id": buildings[building].pk, "door": door}
    r = patch(client, ME, newcomer, {"residence": place})
    assert r.status_code == 422 and field in r.json()["errors"]
    assert not ResidenceRequest.objects.exists()


def test_me_patch_refuses_an_empty_name_and_a_stranger(client, newcomer):
    r = patch(client, ME, newcomer, {"name": ""})
    assert r.status_code == 422
    assert not ResidenceRequest.objects.exists()
    assert client.patch(ME, {}, content_type="application/json").status_code == 401


def test_a_confirmed_resident_cannot_send_one(client, people, tree, buildings):
    body = {"residence": {"grid_id": tree.grid_a1.pk, "building_id": buildings["a1"].pk, "door": "1"}}
    r = patch(client, ME, people.resident_user, body)
    assert r.status_code == 409 and r.json()["code"] == "already_confirmed"
    me = get(client, ME, people.resident_user).json()
    assert me["confirmed"] is True and me["may_post_wish"] is True


def test_a_confirmed_resident_renamed_by_patch_has_the_record_renamed_too(client, people):
    """PATCH /me renames as the "my data" page and POST /me/data/name do: the account and the
    resident record together, audited (it renamed the account only, so the two disagreed)."""
    r = patch(client, ME, people.resident_user, {"name": "王秀英英"})
    assert r.status_code == 200 and r.json()["name"] == "王秀英英"
    people.resident.refresh_from_db()
    assert people.resident.name == "王秀英英"
    assert history_of(people.resident).filter(actor=people.resident_user).exists()


def test_staff_list_and_confirm_with_the_match(client, people, tree, buildings, newcomer):
    match = ResidentFactory(name="刘晓梅", grid=tree.grid_a2, phone=PHONE, building="7号楼", door="1-101")
    ResidentFactory(name="刘晓梅", grid=tree.grid_b1, phone=PHONE)
    req = residence.request_residence(newcomer, grid=tree.grid_a1, building=buildings["a1"], door="2-301")

    listed = get(client, REQUESTS, people.staff).json()
    assert listed["count"] == 1
    item = listed["items"][0]
    assert item["id"] == req.pk and item["person"] == {"id": newcomer.pk, "name": "刘晓梅", "phone": PHONE}
    assert [m["id"] for m in item["matches"]] == [match.pk]
    assert get(client, REQUESTS, people.staff_b).json()["count"] == 0
    assert get(client, REQUESTS, people.grid_worker).json()["count"] == 0

    r = post(client, f"{REQUESTS}/{req.pk}/confirm", people.staff, {"resident_id": match.pk})

    assert r.status_code == 200, r.content
    assert r.json()["status"] == "confirmed"
    match.refresh_from_db()
    assert match.user == newcomer
    assert get(client, ME, newcomer).json()["may_post_wish"] is True
    again = post(client, f"{REQUESTS}/{req.pk}/confirm", people.staff, {"resident_id": match.pk})
    assert again.status_code == 409


def test_staff_confirm_creating_a_record_and_reject(client, people, tree, buildings, newcomer, db):
    req = residence.request_residence(newcomer, grid=tree.grid_a1, building=buildings["a1"], door="2-301")
    r = post(client, f"{REQUESTS}/{req.pk}/confirm", people.street_admin)
    assert r.status_code == 200 and Resident.objects.get(user=newcomer).door == "2-301"

    from weiguang.accounts.models import Account

    from ..factories import UserFactory

    other = UserFactory(username="other")
    Account.objects.create(user=other, phone="13700003333")
    req2 = residence.request_residence(other, grid=tree.grid_a1, building=buildings["a1"], door="9")
    assert post(client, f"{REQUESTS}/{req2.pk}/reject", people.staff, {}).status_code == 422
    r = post(client, f"{REQUESTS}/{req2.pk}/reject", people.staff, {"reason": "门牌不对"})
    assert r.status_code == 200 and r.json()["status"] == "rejected" and r.json()["reason"] == "门牌不对"


@pytest.mark.parametrize("who", ["staff_b", "outsider_staff", "grid_worker"])
def test_others_are_refused_with_a_reason(client, people, tree, buildings, newcomer, who):
    req = residence.request_residence(newcomer, grid=tree.grid_a1, building=buildings["a1"], door="2-301")

    r = post(client, f"{REQUESTS}/{req.pk}/confirm", getattr(people, who))

    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert "社区" in r.json()["message"] or "community" in r.json()["message"]
    req.refresh_from_db()
    assert req.status == ResidenceStatus.PENDING


def test_staff_read_an_unconfirmed_persons_demand_marked_in_the_api(
    client, people, tree, buildings, newcomer
):
    """The API says 未核实身份 as the page does, until staff confirm where the person lives."""
    from weiguang.demands.services import intake

    req = residence.request_residence(newcomer, grid=tree.grid_a1, building=buildings["a1"], door="2-301")
    demand = intake.submit_demand(newcomer, grid=tree.grid_a1, title="楼道灯坏了", contact_phone=PHONE)
    body = get(client, f"/api/v1/demands/{demand.pk}", people.staff).json()
    assert body["contact"] == {"name": "", "phone": PHONE, "unconfirmed": True}
    assert get(client, f"/api/v1/demands/{demand.pk}", people.staff_b).status_code == 404

    residence.confirm_residence(req, people.staff)
    body = get(client, f"/api/v1/demands/{demand.pk}", people.staff).json()
    assert body["contact"]["unconfirmed"] is False and body["resident"] is not None


def test_the_person_withdraws_by_the_api(client, people, tree, buildings, newcomer):
    req = residence.request_residence(newcomer, grid=tree.grid_a1, building=buildings["a1"], door="2-301")
    assert post(client, f"{REQUESTS}/{req.pk}/withdraw", people.staff).status_code == 403

    r = post(client, f"{REQUESTS}/{req.pk}/withdraw", newcomer)

    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert post(client, f"{REQUESTS}/999999/withdraw", newcomer).status_code == 404

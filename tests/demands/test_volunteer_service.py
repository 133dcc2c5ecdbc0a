"""Volunteers' work on a demand: those handling it record who helped and for how long; the
hours wait for the community's verification like every other record."""

from __future__ import annotations

from decimal import Decimal

import pytest

from weiguang.core.errors import InvalidInput, NotAllowed
from weiguang.volunteers import services as vol
from weiguang.volunteers.models import RecordKind, RecordStatus, ServiceRecord

from ..factories import UserFactory, make_id_number
from .test_api import get, post

pytestmark = pytest.mark.django_db

RECORDS = "/api/v1/service_records"


@pytest.fixture
def helper(people):
    user = UserFactory(username="helper_vol", first_name="周师傅")
    v = vol.register_volunteer(
        user, name="周师傅", phone="13800001111", id_number=make_id_number(901, region="370203"),
        home_region=people.tree.community_a,
    )  # fmt: skip
    return vol.approve_volunteer(v, people.staff)


def test_the_handler_records_work_that_counts_once_verified(make_demand, people, depts, helper):
    demand = make_demand("transferred", via="transfer")
    record = vol.record_demand_service(demand, helper, depts.handler, hours="2.5", content="清理楼道杂物")
    assert (record.kind, record.status, record.hours) == (
        RecordKind.DEMAND,
        RecordStatus.PENDING,
        Decimal("2.5"),
    )
    assert record.demand == demand and record.region == people.tree.community_a
    helper.refresh_from_db()
    assert helper.verified_hours == 0  # not before verification
    vol.verify_record(record, people.staff)
    helper.refresh_from_db()
    assert helper.verified_hours == Decimal("2.5")
    assert list(vol.demand_records(demand)) == [record]


def test_refusals(make_demand, people, depts, helper, register_pending):
    demand = make_demand("assigned")
    with pytest.raises(NotAllowed):  # a department the demand was not transferred to
        vol.record_demand_service(demand, helper, depts.handler2, hours=1, content="帮忙")
    with pytest.raises(NotAllowed):
        vol.record_demand_service(demand, helper, people.resident_user, hours=1, content="帮忙")
    with pytest.raises(InvalidInput) as err:
        vol.record_demand_service(demand, register_pending, people.grid_worker, hours=1, content="帮忙")
    assert err.value.fields == {"volunteer": "not_approved"}
    with pytest.raises(InvalidInput):
        vol.record_demand_service(demand, helper, people.grid_worker, hours=0, content="帮忙")
    with pytest.raises(InvalidInput):
        vol.record_demand_service(demand, helper, people.grid_worker, hours=1, content=" ")
    with pytest.raises(InvalidInput) as err:
        vol.volunteer_by_number("WG0000")
    assert err.value.fields == {"volunteer": "not_found"}
    assert not ServiceRecord.objects.filter(kind=RecordKind.DEMAND).exists()


@pytest.fixture
def register_pending(people):
    user = UserFactory(username="pending_vol", first_name="未审核")
    return vol.register_volunteer(
        user, name="未审核", phone="13800002222", id_number=make_id_number(902, region="370203"),
        home_region=people.tree.community_a,
    )  # fmt: skip


def test_api_by_number_or_id(client, make_demand, people, helper):
    demand = make_demand("assigned")
    body = {
        "demand_id": demand.pk,
        "volunteer_number": helper.number.lower(),
        "hours": "1.5",
        "content": "陪同就医",
    }
    r = post(client, RECORDS, people.grid_worker, body)
    assert r.status_code == 201, r.content
    assert r.json()["kind"] == "demand" and r.json()["status"] == "pending" and r.json()["hours"] == "1.50"
    r = post(client, RECORDS, people.staff, {**body, "volunteer_number": None, "volunteer_id": helper.pk})
    assert r.status_code == 201
    # who may not, and bad input
    assert post(client, RECORDS, people.outsider_staff, body).status_code == 404
    assert post(client, RECORDS, people.resident_user, body).status_code == 403
    r = post(client, RECORDS, people.staff, {**body, "volunteer_number": "WG1"})
    assert r.status_code == 422 and list(r.json()["errors"]) == ["volunteer"]
    r = post(client, RECORDS, people.staff, {**body, "volunteer_number": None})
    assert r.status_code == 422 and list(r.json()["errors"]) == ["volunteer_id"]
    assert ServiceRecord.objects.filter(demand=demand).count() == 2
    assert get(client, RECORDS, people.staff).json()[0]["kind"] == "demand"


def test_page_from_the_demand(client, make_demand, people, helper):
    demand = make_demand("assigned")
    client.force_login(people.grid_worker)
    page = client.get(f"/demands/{demand.pk}/").content.decode()
    url = f"/staff/demands/{demand.pk}/volunteer-service/"
    assert url in page
    r = client.post(url, {"volunteer_number": "WG404", "hours": "2", "content": "修理水管"})
    assert r.status_code == 422 and "没有这个编号的志愿者" in r.content.decode()
    r = client.post(
        url, {"volunteer_number": helper.number, "hours": "2", "content": "修理水管"}, follow=True
    )
    text = r.content.decode()
    assert "周**" in text  # the message names the volunteer, masked
    assert "修理水管" in text and "待审核" in text
    # a resident does not see the link and cannot open the page
    client.force_login(people.resident_user)
    assert url not in client.get(f"/demands/{demand.pk}/").content.decode()
    assert client.get(url).status_code == 404


def test_who_could_help_leads_to_recording_their_work(client, make_demand, people, helper):
    demand = make_demand("assigned")
    client.force_login(people.staff)
    url = f"/staff/demands/{demand.pk}/candidates/"
    assert url in client.get(f"/demands/{demand.pk}/").content.decode()
    page = client.get(url).content.decode()
    assert f'data-candidate="volunteer-{helper.pk}"' in page
    record_url = f"/staff/demands/{demand.pk}/volunteer-service/?number={helper.number}"
    assert record_url in page
    form = client.get(record_url).content.decode()
    assert f'value="{helper.number}"' in form  # the number is filled in
    # the grid worker handles it but does not rank claimers; a resident sees neither
    client.force_login(people.grid_worker)
    assert url not in client.get(f"/demands/{demand.pk}/").content.decode()
    assert client.get(url).status_code == 404
    client.force_login(people.resident_user)
    assert client.get(url).status_code == 404


def test_the_hours_are_shown_in_hours_not_h(client, make_demand, people, helper):
    demand = make_demand("assigned")
    vol.record_demand_service(demand, helper, people.grid_worker, hours="2.5", content="清理楼道杂物")
    client.force_login(people.grid_worker)
    page = client.get(f"/staff/demands/{demand.pk}/volunteer-service/").content.decode()
    assert "2.5 小时" in page and "2.50 h" not in page
    client.cookies["wg_lang"] = "en"
    assert "2.5 hours" in client.get(f"/staff/demands/{demand.pk}/volunteer-service/").content.decode()

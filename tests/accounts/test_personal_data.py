"""Personal information rights (PIPL): a person sees everything Weiguang holds about them and
downloads it (JSON, Excel; GET /api/v1/me/data), corrects their name, withdraws consent, asks
staff to correct their record or to delete their data; staff of their grid carry it out or
refuse; each step is audited."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from weiguang.accounts import personal_data as pd
from weiguang.accounts.models import Account, DataRightsRequest, SmsMessage
from weiguang.accounts.residence import request_residence
from weiguang.accounts.sms import send_sms
from weiguang.core.errors import Conflict, InvalidInput, NotAllowed
from weiguang.core.models import AuditEntry, Notification
from weiguang.people.models import PopulationGroup
from weiguang.regions.models import Building
from weiguang.volunteers import services as volunteer_services
from weiguang.wishes import services as wish_services

from ..demands.conftest import depts, make_demand  # noqa: F401 (fixtures)
from ..factories import ResidentFactory
from ..volunteers.conftest import approved, register  # noqa: F401 (fixtures)
from .helpers import PASSWORD, phone_user

pytestmark = pytest.mark.django_db


def section(data: list[dict], key: str) -> list[dict]:
    return next(s for s in data if s["key"] == key)["rows"]


@pytest.fixture
def busy(people, make_wish, make_demand, approved):  # noqa: F811
    """王秀英 (people.resident_user) with two wishes, a demand, and verified volunteer hours;
    陈桂兰 (another resident) with a wish of her own."""
    people.resident.id_number = "370202195003070013"
    people.resident.birth_date = None
    people.resident.door = "2单元301"
    people.resident.save()
    make_wish("submitted", title="想要一个电饭煲")
    make_wish("published", title="想请人理发")
    make_wish("submitted", title="陈阿姨的收音机", resident=people.other_resident)
    demand = make_demand("assigned", title="楼道灯坏了")
    vol = approved(people.resident_user, name="王秀英", phone="13912345678")
    record = volunteer_services.record_demand_service(
        demand, vol, people.grid_worker, hours=Decimal("2.5"), content="清理楼道"
    )
    volunteer_services.verify_record(record, people.staff)
    return people


def test_every_section_holds_the_persons_rows_and_nobody_elses(busy):
    data = pd.personal_data(busy.resident_user)
    (account,) = section(data, "account")
    assert account["username"] == "resident_a"
    (resident,) = section(data, "resident")
    assert resident["name"] == "王秀英" and resident["phone"] == "13912345678"
    assert resident["door"] == "2单元301"
    assert resident["id_number"] == "3702**********0013"  # masked, as everywhere
    assert {w["title"] for w in section(data, "wishes")} == {"想要一个电饭煲", "想请人理发"}
    assert [d["title"] for d in section(data, "demands")] == ["楼道灯坏了"]
    (volunteer,) = section(data, "volunteer")
    assert volunteer["verified_hours"] == "2.50"
    assert [r["content"] for r in section(data, "service_records")] == ["清理楼道"]
    assert section(data, "points")  # points for the verified hours
    assert "陈阿姨的收音机" not in json.dumps(data, ensure_ascii=False)
    assert "陈桂兰" not in json.dumps(data, ensure_ascii=False)


def test_the_query_count_does_not_grow_with_the_wishes(people, make_wish):
    make_wish("submitted", title="第一个心愿")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            pd.personal_data(people.resident_user)
        return len(queries)

    few = count()
    for i in range(6):
        make_wish("submitted", title=f"心愿{i}")
    assert count() == few
    assert len(section(pd.personal_data(people.resident_user), "wishes")) == 7


def test_the_page_shows_the_data_and_the_downloads_hold_it(client, busy):
    client.force_login(busy.resident_user)
    page = client.get("/my/data/").content.decode()
    assert "想要一个电饭煲" in page and "楼道灯坏了" in page and "清理楼道" in page
    assert "370202195003070013" not in page and "3702**********0013" in page

    response = client.get("/my/data/export.json")
    assert response["Content-Disposition"].startswith("attachment")
    doc = json.loads(response.content)
    assert {w["title"] for w in section(doc["sections"], "wishes")} == {"想要一个电饭煲", "想请人理发"}
    assert client.get("/api/v1/me/data").json()["sections"] == doc["sections"]
    assert section(doc["sections"], "sessions")  # where they are logged in: this browser

    response = client.get("/my/data/export.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == len(doc["sections"])
    label = next(s["label"] for s in doc["sections"] if s["key"] == "wishes")
    wishes = [[c.value for c in row] for row in book[label].iter_rows()]
    assert len(wishes) == 3  # a header and two wishes
    assert {"想要一个电饭煲", "想请人理发"} <= {v for row in wishes for v in row}
    cells = [c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert "陈阿姨的收音机" not in cells


def test_the_excel_export_keeps_typed_text_as_text_never_a_formula(client, people, make_wish):
    make_wish("submitted", title='=HYPERLINK("http://x")', description="-1 个月")
    client.force_login(people.resident_user)
    book = load_workbook(io.BytesIO(client.get("/my/data/export.xlsx").content))
    label = next(s["label"] for s in pd.personal_data(people.resident_user) if s["key"] == "wishes")
    cells = {c.value: c for row in book[label].iter_rows(min_row=2) for c in row if c.value}
    title = cells['=HYPERLINK("http://x")']  # the text as typed, no apostrophe added
    assert title.data_type == "s" and title.quotePrefix
    assert cells["-1 个月"].data_type == "s"


def test_my_data_needs_a_login(client):
    assert client.get("/my/data/").status_code == 302
    assert client.get("/api/v1/me/data").status_code == 401


def test_the_person_corrects_their_name_and_it_is_audited(client, people):
    client.force_login(people.resident_user)
    response = client.post("/my/data/", {"step": "name", "name": "王秀英华"}, follow=True)
    assert response.status_code == 200
    people.resident.refresh_from_db()
    people.resident_user.refresh_from_db()
    assert people.resident.name == "王秀英华" and people.resident_user.first_name == "王秀英华"
    assert AuditEntry.objects.filter(action="update", object_id=str(people.resident.pk)).exists()
    bad = client.post("/my/data/", {"step": "name", "name": ""})
    assert bad.status_code == 200 and "has-error" in bad.content.decode()


def test_withdrawn_consent_stops_recording_on_their_behalf(client, people):
    client.force_login(people.resident_user)
    client.post("/my/data/", {"step": "consent", "consent": "withdraw"})
    people.resident.refresh_from_db()
    assert people.resident.consent is False
    assert AuditEntry.objects.filter(action="withdraw_consent", object_id=str(people.resident.pk)).exists()
    with pytest.raises(InvalidInput) as refused:
        wish_services.submit_wish(people.grid_worker, kind="item", title="代录心愿", resident=people.resident)
    assert refused.value.fields == {"resident_id": "no_consent"}
    client.force_login(people.staff)
    assert "未同意或已撤回" in client.get(
        f"/staff/residents/{people.resident.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode("utf-8")
    pd.give_consent(people.resident_user)
    people.resident.refresh_from_db()
    assert people.resident.consent is True


def test_a_correction_is_asked_then_carried_out_by_the_grids_staff(client, people):
    group = PopulationGroup.objects.first()
    client.force_login(people.resident_user)
    client.post(
        "/my/data/",
        {
            "step": "correction",
            "phone": "13700001111",
            "door": "3单元502",
            "groups": [group.code],
            "reason": "搬家了",
        },
    )
    req = DataRightsRequest.objects.get()
    assert req.kind == "correction" and req.status == "submitted" and req.grid == people.tree.grid_a1
    assert req.change == {"phone": "13700001111", "door": "3单元502", "groups": [group.code]}
    assert Notification.objects.filter(recipient=people.staff).exists()  # staff of grid A1 are told
    with pytest.raises(Conflict):
        pd.request_correction(people.resident_user, {"door": "4单元"})  # one at a time

    client.force_login(people.staff_b)  # another community: not even seen
    assert client.get(f"/staff/data-requests/{req.pk}/").status_code == 404
    assert (
        client.post(
            f"/api/v1/data_requests/{req.pk}/carry_out", {}, content_type="application/json"
        ).status_code
        == 404
    )
    assert client.get("/api/v1/data_requests").json()["count"] == 0

    client.force_login(people.staff)
    listing = client.get("/staff/data-requests/").content.decode()
    assert f'data-request="{req.pk}"' in listing
    assert client.get(f"/staff/data-requests/{req.pk}/").status_code == 200
    client.post(f"/staff/data-requests/{req.pk}/", {"step": "carry_out", "answer": "已更新"})
    req.refresh_from_db()
    people.resident.refresh_from_db()
    assert req.status == "done" and req.handled_by == people.staff
    assert people.resident.phone == "13700001111" and people.resident.door == "3单元502"
    assert list(people.resident.groups.all()) == [group]
    assert AuditEntry.objects.filter(action="carry_out", object_id=str(req.pk)).exists()
    assert Notification.objects.filter(recipient=people.resident_user, url="/my/data/").exists()
    assert f'data-request="{req.pk}"' not in client.get("/staff/data-requests/").content.decode()
    assert f'data-request="{req.pk}"' in client.get("/staff/data-requests/?status=done").content.decode()
    assert client.get("/api/v1/data_requests?status=done").json()["items"][0]["id"] == req.pk


def test_a_refusal_needs_a_reason_and_the_person_is_told(client, people):
    req = pd.request_correction(people.resident_user, {"building": "15号楼"})
    client.force_login(people.staff)
    bad = client.post(
        f"/api/v1/data_requests/{req.pk}/refuse", {"answer": ""}, content_type="application/json"
    )
    assert bad.status_code == 422
    ok = client.post(
        f"/api/v1/data_requests/{req.pk}/refuse",
        {"answer": "请带户口本来社区"},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["status"] == "refused"
    people.resident.refresh_from_db()
    assert people.resident.building != "15号楼"
    assert Notification.objects.filter(recipient=people.resident_user, body="").filter(
        title__contains="请带户口本来社区"
    )
    again = client.post(f"/api/v1/data_requests/{req.pk}/carry_out", {}, content_type="application/json")
    assert again.status_code == 409


def test_a_deletion_closes_the_account_erases_the_person_and_keeps_the_history(client, busy):
    people = busy
    resident = people.resident
    Account.objects.create(user=people.resident_user, phone="13912345678")
    send_sms("13912345678", "您的验证码是 123456", purpose="login")
    assert (
        section(pd.personal_data(people.resident_user), "text_messages")[0]["text"] == "您的验证码是 123456"
    )
    people.resident_user.set_password(PASSWORD)
    people.resident_user.save()
    wish = resident.wishes.first()
    client.force_login(people.resident_user)
    client.post("/my/data/", {"step": "deletion", "reason": "不再使用", "understood": "on"})
    req = DataRightsRequest.objects.get(kind="deletion")
    assert req.status == "submitted"

    client.force_login(people.outsider_staff)
    assert client.post(f"/staff/data-requests/{req.pk}/", {"step": "carry_out"}).status_code == 404
    client.force_login(people.staff)
    client.post(f"/staff/data-requests/{req.pk}/", {"step": "carry_out"})
    req.refresh_from_db()
    assert req.status == "done"

    user = type(people.resident_user).objects.get(pk=people.resident_user.pk)
    assert not user.is_active and not user.has_usable_password()
    assert user.username.startswith("closed-") and user.first_name == ""
    assert Account.objects.get(user=user).phone is None
    assert not SmsMessage.objects.filter(phone="13912345678").exists()
    resident.refresh_from_db()
    assert resident.name == "王**" and resident.phone == "" and resident.id_number == ""
    assert resident.door == "" and resident.user is None and not resident.consent
    # the history stays, with the masked name
    assert resident.wishes.count() == 2 and resident.demands.count() == 1
    demand = resident.demands.get()
    assert demand.contact_phone == "" and "秀英" not in demand.contact_name
    volunteer = user.volunteer
    assert (
        volunteer.verified_hours == Decimal("2.50") and volunteer.phone == "" and "秀英" not in volunteer.name
    )

    client.force_login(people.staff)
    assert "王秀英" not in client.get(f"/wishes/{wish.pk}/").content.decode()
    assert "王秀英" not in json.dumps(client.get(f"/api/v1/wishes/{wish.pk}").json(), ensure_ascii=False)
    client.logout()
    for name in ("resident_a", "13912345678", user.username):  # old user name, phone, new token
        refused = client.post("/login/", {"username": name, "password": PASSWORD, "next": "/"})
        assert refused.status_code == 200 and "_auth_user_id" not in client.session
    assert client.post("/api/v1/auth/token", {"username": user.username, "password": PASSWORD},
                       content_type="application/json").status_code == 401  # fmt: skip
    assert AuditEntry.objects.filter(action="close_account", object_id=str(user.pk)).exists()
    assert AuditEntry.objects.filter(action="erase", object_id=str(resident.pk)).exists()


def test_a_deletion_masks_the_phone_in_what_was_written_and_blanks_earlier_requests(
    client,
    people,
    make_wish,
    make_demand,  # noqa: F811
):
    Account.objects.create(user=people.resident_user, phone="13912345678")
    wish = make_wish("submitted", title="想要一个电饭煲", description="到了请打 139-1234-5678 找我")
    demand = make_demand("received", title="楼道灯坏了", description="联系 +86 139 1234 5678，下午在家")
    other = make_wish("submitted", title="收音机", resident=people.other_resident,
                      description="电话 13912345678")  # fmt: skip
    corrected = pd.request_correction(
        people.resident_user, {"phone": "13900001111", "door": "5单元502"}, "搬了"
    )
    pd.carry_out(corrected, people.staff)
    pd.carry_out(pd.request_deletion(people.resident_user, "不再使用"), people.staff)

    wish.refresh_from_db()
    demand.refresh_from_db()
    assert wish.description == "到了请打 139****5678 找我"  # the account's number
    assert demand.description == "联系 139****5678，下午在家"
    other.refresh_from_db()
    assert other.description == "电话 13912345678"  # another person's wish is not theirs to erase
    corrected.refresh_from_db()
    assert corrected.change == {} and corrected.reason == ""  # the old door and phone went too
    client.force_login(people.staff)
    listed = client.get("/staff/data-requests/?status=done").content.decode()
    assert "5单元502" not in listed and "13900001111" not in listed
    assert "5单元502" not in client.get(f"/staff/data-requests/{corrected.pk}/").content.decode()


def test_the_session_of_a_closed_account_ends(client, people):
    client.force_login(people.resident_user)
    req = pd.request_deletion(people.resident_user)
    pd.carry_out(req, people.staff)
    assert client.get("/my/data/").status_code == 302  # back to the login page


def test_without_a_resident_record_a_deletion_is_carried_out_at_once(client, people):
    user = phone_user("lonely", "13600001234")
    building, _ = Building.objects.get_or_create(
        grid=people.tree.grid_a1, name="7号楼"
    )  # the factories may have made it
    asked = request_residence(user, grid=people.tree.grid_a1, building=building, door="3单元301")
    (shown,) = section(pd.personal_data(user), "residence")
    assert shown["building"] == "7号楼" and shown["door"] == "3单元301"
    client.force_login(user)
    response = client.post("/my/data/", {"step": "deletion", "understood": "on"})
    assert response.status_code == 302
    req = DataRightsRequest.objects.get(user=user)
    assert req.status == "done" and req.grid is None
    user.refresh_from_db()
    assert not user.is_active and Account.objects.get(user=user).phone is None
    asked.refresh_from_db()
    assert asked.status == "withdrawn" and asked.door == ""  # no staff are left waiting for it
    assert client.get("/my/data/").status_code == 302
    with pytest.raises(Conflict):
        pd.request_correction(phone_user("alone", "13600004321"), {"door": "1"})


def test_an_unconfirmed_persons_demands_are_in_their_data_and_erased_with_it(client, people):
    """Sent before staff confirmed where they live: no record points to them, but they hold the
    person's phone; a staff member's desk entry without a resident is not the staff's data."""
    from weiguang.demands.services import intake

    user = phone_user("waiting", "13600005678")
    building, _ = Building.objects.get_or_create(
        grid=people.tree.grid_a1, name="7号楼"
    )  # the factories may have made it
    request_residence(user, grid=people.tree.grid_a1, building=building, door="3单元301")
    sent = intake.submit_demand(
        user, grid=people.tree.grid_a1, title="楼道灯坏了", contact_phone="13600005678", public_limits=False
    )
    desk = intake.submit_demand(
        people.staff, grid=people.tree.grid_a1, title="路灯坏了", contact_phone="13600009999"
    )

    (shown,) = section(pd.personal_data(user), "demands")
    assert shown["tracking_code"] == sent.tracking_code and shown["contact_phone"] == "13600005678"
    assert section(pd.personal_data(people.staff), "demands") == []

    client.force_login(user)
    assert client.post("/my/data/", {"step": "deletion", "understood": "on"}).status_code == 302
    sent.refresh_from_db()
    desk.refresh_from_db()
    assert sent.contact_phone == "" and sent.title == "楼道灯坏了"  # the street keeps the demand
    assert desk.contact_phone == "13600009999"


def test_the_deletion_form_asks_to_confirm(client, people):
    client.force_login(people.resident_user)
    response = client.post("/my/data/", {"step": "deletion"})
    assert response.status_code == 200 and "has-error" in response.content.decode()
    assert not DataRightsRequest.objects.exists()


def test_only_staff_of_the_grid_act_and_see_the_list(client, people):
    req = pd.request_correction(people.resident_user, {"door": "9"})
    with pytest.raises(NotAllowed):
        pd.carry_out(req, people.grid_worker)
    client.force_login(people.grid_worker)
    assert client.get("/staff/data-requests/").status_code == 403
    client.force_login(people.resident_user)
    assert client.get("/staff/data-requests/").status_code == 403
    assert client.get("/api/v1/data_requests").json()["count"] == 0
    client.force_login(people.street_admin)
    assert (
        client.get("/api/v1/data_requests").json()["items"][0]["person"]["masked_name"]
        == people.resident.masked_name
    )


def test_the_staff_tile_counts_what_waits(client, people):
    pd.request_correction(people.resident_user, {"door": "9"})
    ResidentFactory(name="赵大妈", grid=people.tree.grid_b1)
    client.force_login(people.staff)
    home = client.get("/").content.decode()
    assert 'data-tile="data_requests"' in home
    client.force_login(people.staff_b)
    assert 'data-tile="data_requests"' not in client.get("/").content.decode()


def test_garbage_is_refused_plainly():
    with pytest.raises(InvalidInput):
        pd.clean_change({"name": "x"})
    with pytest.raises(InvalidInput):
        pd.clean_change({"phone": "abc"})
    with pytest.raises(InvalidInput):
        pd.clean_change({"groups": ["no-such-group"]})


def test_the_api_takes_the_persons_own_steps(client, people):
    client.force_login(people.resident_user)

    def post(path: str, body):
        return client.post(f"/api/v1/me/data/{path}", body, content_type="application/json")

    assert post("name", {"name": "王秀英华"}).json() == {"name": "王秀英华"}
    asked = post("corrections", {"change": {"door": "5单元602"}, "reason": "门牌错了"})
    assert asked.status_code == 201 and asked.json()["status"] == "submitted"
    assert asked.json()["change"] == {"door": "5单元602"}
    assert post("corrections", {"change": {"door": "6"}}).status_code == 409  # one at a time
    assert post("corrections", {"change": {"phone": "abc"}}).status_code == 422
    assert post("consent", {"consent": False}).json() == {"consent": False}
    people.resident.refresh_from_db()
    assert people.resident.name == "王秀英华" and not people.resident.consent
    deletion = post("deletion", {"reason": "不用了"})
    assert deletion.status_code == 201 and deletion.json()["status"] == "submitted"
    client.force_login(phone_user("lonely", "13600001234"))
    assert post("consent", {"consent": False}).status_code == 409  # no resident record
    assert post("deletion", {}).json()["status"] == "done"

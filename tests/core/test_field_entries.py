"""POST /api/v1/field/entries: what a grid worker recorded offline (a wish, a demand, a visit
note) arrives once, however often, and from however many tabs, it is sent; a refused entry
says why, in Chinese, on its field."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from tests.wishes.test_concurrency import at_once
from weiguang.core.models import ApiToken, IdempotencyKey
from weiguang.core.offline import KINDS
from weiguang.demands.models import Demand, DemandChannel
from weiguang.people.models import VisitNote
from weiguang.wishes.models import Channel, Wish

URL = "/api/v1/field/entries"
DEVICE = "phone-1"


def send(client, user, entries, lang="zh-hans"):
    return client.post(
        URL,
        {"entries": entries},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user)}",
        HTTP_ACCEPT_LANGUAGE=lang,
    )


def entry(kind, payload, key=None):
    return {"client_id": DEVICE, "key": key or str(uuid.uuid4()), "kind": kind, "payload": payload}


def door_to_door(resident):
    """What a grid worker records at one door: two wishes, a demand and a visit note."""
    today = timezone.localdate().isoformat()
    return [
        entry("wish", {"resident_id": resident.pk, "kind": "item", "title": "需要一台助行器"}),
        entry("wish", {"resident_id": resident.pk, "kind": "service", "title": "每周读报一次"}),
        entry("demand", {"resident_id": resident.pk, "title": "楼道灯坏了", "place": "3号楼2单元"}),
        entry(
            "visit",
            {"resident_id": resident.pk, "visited_on": today, "note": "身体好，独居", "follow_up": True},
        ),
    ]


@pytest.mark.django_db
def test_the_kinds_are_registered_by_their_apps():
    assert {"wish", "demand", "visit"} <= set(KINDS)


@pytest.mark.django_db
def test_a_batch_sent_twice_is_recorded_once(client, people):
    batch = door_to_door(people.resident)
    first = send(client, people.grid_worker, batch)
    assert first.status_code == 200, first.content
    results = first.json()["results"]
    assert [r["status"] for r in results] == ["created"] * 4
    assert [r["key"] for r in results] == [e["key"] for e in batch]

    wishes = Wish.objects.filter(resident=people.resident).order_by("id")
    assert [w.title for w in wishes] == ["需要一台助行器", "每周读报一次"]
    assert all(w.created_by == people.grid_worker and w.channel == Channel.GRID for w in wishes)
    demand = Demand.objects.get(title="楼道灯坏了")
    assert demand.resident == people.resident and demand.channel == DemandChannel.VISIT
    visit = VisitNote.objects.get(resident=people.resident)
    assert visit.follow_up and visit.note == "身体好，独居" and visit.grid == people.tree.grid_a1
    assert results[0]["number"] == f"#{wishes[0].pk}" and results[0]["url"] == f"/wishes/{wishes[0].pk}/"
    assert results[2]["number"] == demand.tracking_code and results[2]["url"] == f"/demands/{demand.pk}/"

    # The answer was lost (the signal went again): the device sends the same batch.
    again = send(client, people.grid_worker, batch).json()["results"]
    assert [r["status"] for r in again] == ["received"] * 4
    assert [r["number"] for r in again] == [r["number"] for r in results]
    assert Wish.objects.filter(resident=people.resident).count() == 2
    assert Demand.objects.filter(title="楼道灯坏了").count() == 1
    assert VisitNote.objects.count() == 1


@pytest.mark.django_db
def test_a_refused_entry_says_why_in_chinese_and_the_others_go_through(client, people):
    batch = [
        entry("wish", {"resident_id": people.resident.pk, "kind": "item", "title": "要"}),  # too short
        entry("visit", {"resident_id": people.resident.pk, "note": "  "}),  # no date, no note
        entry("demand", {"resident_id": people.resident.pk, "title": "下水道堵了"}),
    ]
    results = send(client, people.grid_worker, batch).json()["results"]
    assert [r["status"] for r in results] == ["refused", "refused", "created"]
    assert results[0]["errors"] == {"title": "标题需要 2 到 60 个字。"}
    assert set(results[1]["errors"]) == {"visited_on"}
    assert results[1]["errors"]["visited_on"] == "此项必填。"
    assert not Wish.objects.exists() and not VisitNote.objects.exists()

    # Corrected on the phone and sent again with the same key: now it is recorded.
    batch[0]["payload"]["title"] = "要一副老花镜"
    batch[1]["payload"].update(visited_on=timezone.localdate().isoformat(), note="不在家，留了便条")
    results = send(client, people.grid_worker, batch).json()["results"]
    assert [r["status"] for r in results] == ["created", "created", "received"]
    assert Wish.objects.get().title == "要一副老花镜"
    assert VisitNote.objects.get().note == "不在家，留了便条"


@pytest.mark.django_db
def test_a_visit_note_dated_in_the_future_is_refused(client, people):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    batch = [entry("visit", {"resident_id": people.resident.pk, "visited_on": tomorrow, "note": "好"})]
    (result,) = send(client, people.grid_worker, batch).json()["results"]
    assert result["status"] == "refused" and result["errors"] == {"visited_on": "走访日期不能晚于今天。"}


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["outsider_grid_worker", "outsider_staff", "volunteer", "resident_user"])
def test_a_resident_outside_ones_places_is_refused(client, people, who):
    user = getattr(people, who)
    results = send(client, user, door_to_door(people.resident)).json()["results"]
    assert {r["status"] for r in results} == {"refused"}, results
    assert not Wish.objects.exists() and not Demand.objects.exists() and not VisitNote.objects.exists()
    assert all(r["message"] for r in results)


@pytest.mark.django_db
def test_a_grid_worker_may_not_record_for_the_next_grid(client, people):
    # 陈桂兰 lives in grid A2; the grid worker serves A1 only.
    results = send(client, people.grid_worker, door_to_door(people.other_resident)).json()["results"]
    assert {r["status"] for r in results} == {"refused"}
    assert results[0]["message"] == "您只能为自己负责范围内的居民办理。"
    assert not Wish.objects.exists() and not VisitNote.objects.exists()


@pytest.mark.django_db
def test_a_similar_wish_is_a_conflict_the_worker_may_override(client, people):
    send(
        client,
        people.grid_worker,
        [entry("wish", {"resident_id": people.resident.pk, "kind": "item", "title": "需要一台助行器"})],
    )
    twin = entry("wish", {"resident_id": people.resident.pk, "kind": "item", "title": "需要一台助行器"})
    (result,) = send(client, people.grid_worker, [twin]).json()["results"]
    assert result["status"] == "conflict" and result["duplicate_of"] == str(Wish.objects.get().pk)
    twin["payload"]["confirm_duplicate"] = True
    (result,) = send(client, people.grid_worker, [twin]).json()["results"]
    assert result["status"] == "created" and Wish.objects.count() == 2


@pytest.mark.django_db
def test_unknown_kinds_and_strangers(client, people):
    (result,) = send(client, people.grid_worker, [entry("parcel", {})]).json()["results"]
    assert result["status"] == "refused" and "kind" in result["errors"]
    anonymous = Client().post(URL, {"entries": []}, content_type="application/json")
    assert anonymous.status_code == 401
    bad = send(client, people.grid_worker, [{"client_id": DEVICE, "key": "", "kind": "wish", "payload": {}}])
    assert bad.status_code == 422 and bad.json()["code"] == "invalid"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_tabs_sending_the_same_batch_at_once_record_each_entry_once(people):
    batch = door_to_door(people.resident)
    token = ApiToken.issue(people.grid_worker)

    def post():
        response = Client().post(
            URL, {"entries": batch}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        assert response.status_code == 200, response.content
        return response.json()["results"]

    outcomes = at_once([post, post, post])
    answers = [o[1] for o in outcomes]
    for i in range(4):
        statuses = sorted(a[i]["status"] for a in answers)
        assert statuses == ["created", "received", "received"], (i, answers)
        assert len({a[i]["number"] for a in answers}) == 1
    assert Wish.objects.count() == 2 and Demand.objects.count() == 1 and VisitNote.objects.count() == 1
    assert IdempotencyKey.objects.filter(scope__startswith="field.").count() == 4


def _crashing(kind, how):
    """The kind's handler, broken: it records its object, then fails (a bug after the write, or
    a query the database refuses)."""
    real = KINDS[kind].handle

    def handle(entry):
        outcome = real(entry)
        if how == "python":
            raise RuntimeError("boom in the handler")
        with connection.cursor() as cursor:
            cursor.execute("SELECT no_such_column FROM no_such_table")
        return outcome

    return dataclasses.replace(KINDS[kind], handle=handle)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["python", "database"])
def test_an_entry_whose_handler_crashes_fails_alone_and_is_sent_again_later(
    client, people, monkeypatch, caplog, how
):
    resident = people.resident
    batch = [
        entry("wish", {"resident_id": resident.pk, "kind": "item", "title": "需要一台助行器"}),
        entry("demand", {"resident_id": resident.pk, "title": "楼道灯坏了", "place": "3号楼2单元"}),
        entry(
            "visit",
            {"resident_id": resident.pk, "visited_on": timezone.localdate().isoformat(), "note": "独居"},
        ),
    ]
    real = KINDS["demand"]
    monkeypatch.setitem(KINDS, "demand", _crashing("demand", how))
    with caplog.at_level(logging.ERROR, logger="weiguang.offline"):
        response = send(client, people.grid_worker, batch)
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["created", "failed", "created"]
    assert results[1]["key"] == batch[1]["key"] and results[1]["code"] == "server_error"
    assert results[1]["message"] == "未能记录：服务器出错。此条仍保存在手机上，稍后会再次发送。"
    # what the broken handler wrote is rolled back with its entry; the others are kept
    assert not Demand.objects.exists()
    assert Wish.objects.count() == 1 and VisitNote.objects.count() == 1
    assert set(IdempotencyKey.objects.values_list("scope", flat=True)) == {"field.wish", "field.visit"}
    # the operators see which entry failed, and why
    (record,) = [r for r in caplog.records if r.name == "weiguang.offline"]
    assert batch[1]["key"] in record.getMessage() and "demand" in record.getMessage()
    assert record.exc_info is not None

    # The phone kept the failed entry and sends the batch again once the bug is fixed: the
    # failed one is recorded now, the others are answered from what they made the first time.
    monkeypatch.setitem(KINDS, "demand", real)
    again = send(client, people.grid_worker, batch).json()["results"]
    assert [r["status"] for r in again] == ["received", "created", "received"]
    assert [again[0]["number"], again[2]["number"]] == [results[0]["number"], results[2]["number"]]
    assert Wish.objects.count() == 1 and Demand.objects.count() == 1 and VisitNote.objects.count() == 1
    assert IdempotencyKey.objects.filter(scope__startswith="field.").count() == 3

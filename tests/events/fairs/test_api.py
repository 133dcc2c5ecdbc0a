"""The fair's API as clients use it: stalls, a number taken on the phone and its position,
call next / skip / recall, slots and booking, the food-bank hand-out, the fair's summary."""

from __future__ import annotations

import pytest
from django.utils import timezone

from weiguang.events.fairs import services
from weiguang.people.models import PopulationGroup

from ...demands.test_api import get, post
from .conftest import young

pytestmark = pytest.mark.django_db


def test_a_resident_takes_a_number_and_the_stall_calls_it(client, stall, people, young_residents):
    a, b, *_ = young_residents
    listed = get(client, "/api/v1/stalls", event=stall.event_id).json()  # anyone sees the stalls
    assert [(s["number"], s["provider"], s["service"]) for s in listed] == [
        (1, "青岛银行八大湖支行", "家电维修")
    ]
    r = post(client, f"/api/v1/stalls/{stall.pk}/tickets", a.user)
    assert r.status_code == 201, r.content
    first = r.json()
    assert first["label"] == "A001" and first["ahead"] == 0 and first["name"] == "刘**"
    second = post(client, f"/api/v1/stalls/{stall.pk}/tickets", b.user).json()
    assert second["ahead"] == 1 and second["wait_minutes"] == 5  # the default five minutes each
    elder = post(client, f"/api/v1/stalls/{stall.pk}/tickets", people.resident_user).json()
    assert elder["label"] == "P001" and elder["ahead"] == 0
    assert get(client, f"/api/v1/queue/tickets/{second['id']}", b.user).json()["ahead"] == 2
    assert get(client, f"/api/v1/queue/tickets/{second['id']}", a.user).status_code == 404  # not theirs
    again = post(client, f"/api/v1/stalls/{stall.pk}/tickets", a.user)
    assert again.status_code == 409 and "A001" in again.json()["message"]
    # the stall's volunteer calls; an outsider may not
    assert post(client, f"/api/v1/stalls/{stall.pk}/call_next", people.volunteer2).status_code == 403
    called = post(client, f"/api/v1/stalls/{stall.pk}/call_next", people.volunteer).json()
    assert called["label"] == "P001" and called["status"] == "called"
    queue = get(client, f"/api/v1/stalls/{stall.pk}/queue", people.volunteer).json()
    assert [q["label"] for q in queue] == ["P001", "A001", "A002"]
    assert not {q["name"] for q in queue} & {"王秀英", "刘小明", "陈小红"}  # masked, never the full name
    skipped = post(client, f"/api/v1/queue/tickets/{called['id']}/skip", people.volunteer).json()
    assert skipped["status"] == "skipped"
    assert (
        post(client, f"/api/v1/queue/tickets/{called['id']}/recall", people.volunteer).json()["status"]
        == "called"
    )
    assert (
        post(client, f"/api/v1/queue/tickets/{called['id']}/serve", people.volunteer).json()["status"]
        == "served"
    )
    mine = get(client, "/api/v1/queue/tickets/mine", b.user).json()
    assert [t["label"] for t in mine] == ["A002"] and mine[0]["ahead"] == 1
    assert (
        post(client, f"/api/v1/queue/tickets/{second['id']}/cancel", b.user).json()["status"] == "cancelled"
    )
    stall_now = get(client, f"/api/v1/stalls/{stall.pk}").json()
    assert stall_now["waiting"] == 1 and stall_now["now_calling"] == []


def test_bad_input_is_a_clear_error(client, stall, people):
    r = post(
        client,
        f"/api/v1/stalls/{stall.pk}/bookings",
        people.resident_user,
        {"starts_at": "2020-01-01T08:00:00+08:00"},
    )
    assert r.status_code == 422 and r.json()["errors"] == {"starts_at": "There is no such slot."}
    r = post(client, f"/api/v1/stalls/{stall.pk}/tickets", people.volunteer, {"name": ""})
    assert r.status_code == 201  # a worker with no name given takes a number for themselves
    assert get(client, "/api/v1/stalls/999999").status_code == 404
    r = post(
        client,
        "/api/v1/stalls",
        people.staff,
        {"event": stall.event_id, "provider_kind": "department", "service": "咨询"},
    )
    assert r.status_code == 422 and "department_name" in r.json()["errors"]
    assert post(client, f"/api/v1/stalls/{stall.pk}/tickets", None).status_code == 401


def test_slots_and_booking(client, stall, people, young_residents):
    slots = get(client, f"/api/v1/stalls/{stall.pk}/slots").json()
    assert len(slots) == 16 and slots[0]["free"] == 2  # four hours of 15 minutes, 2 per slot
    at = next(s["starts_at"] for s in slots if s["starts_at"] > timezone.now().isoformat())
    for r in young_residents[:2]:
        assert (
            post(client, f"/api/v1/stalls/{stall.pk}/bookings", r.user, {"starts_at": at}).status_code == 201
        )
    full = post(client, f"/api/v1/stalls/{stall.pk}/bookings", young_residents[2].user, {"starts_at": at})
    assert full.status_code == 409 and full.json()["code"] == "full"


def test_food_bank_round_and_hand_out(client, fair, stall, people):
    low = PopulationGroup.objects.get(code="low_income")
    r = post(client, "/api/v1/food_rounds", people.staff, {"event": fair.pk, "stall": stall.pk, "title": "食物银行",
                                                            "date": str(timezone.localdate()), "groups": [low.pk], "parcels": 100})  # fmt: skip
    assert r.status_code == 201, r.content
    round_id = r.json()["id"]
    head = young("低保户", people.tree.grid_a1, username="lowinc", building="1号楼", door="101室")
    head.groups.add(low)
    assert get(client, f"/api/v1/food_rounds/{round_id}", people.staff).json()["eligible_households"] == 1
    ok = post(client, f"/api/v1/food_rounds/{round_id}/hand_out", people.staff, {"resident_id": head.pk})
    assert ok.status_code == 201 and ok.json()["household_member"] == "低**"
    twice = post(client, f"/api/v1/food_rounds/{round_id}/hand_out", people.staff, {"resident_id": head.pk})
    assert twice.status_code == 409 and twice.json()["code"] == "already_handed_out"
    bad = post(client, f"/api/v1/food_rounds/{round_id}/hand_out", people.volunteer, {"code": "12ab"})
    assert bad.status_code == 422 and bad.json()["errors"] == {
        "code": "No sign-up of this fair has this code."
    }
    assert (
        post(
            client, f"/api/v1/food_rounds/{round_id}/hand_out", people.outsider_staff, {"code": "1"}
        ).status_code
        == 404
    )


def test_the_fair_summary(client, yuandong, people):
    fair, stalls = yuandong
    services.record_walk_in(stalls[0], people.staff, name="路人")
    body = get(client, f"/api/v1/stalls/fairs/{fair.pk}/summary", people.staff).json()
    assert (body["stalls"], body["units"], body["collected"], body["on_spot"], body["transferred"]) == (
        18,
        16,
        39,
        27,
        12,
    )
    assert body["on_spot_share"] == 69.2 and body["person_visits"] == 1
    assert get(client, f"/api/v1/stalls/fairs/{fair.pk}/summary", people.outsider_staff).status_code == 404
    assert get(client, f"/api/v1/stalls/fairs/{fair.pk}/summary", people.volunteer).status_code == 404

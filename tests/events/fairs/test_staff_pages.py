"""The fair's staff pages: setting up stalls (add, edit, remove, with the services' refusals on
the form), recording at a stall's counter (whom it served, a wish, a demand in the fair's intake
session) and the food bank (open a round, its households, one parcel per household); the fair's
summary counts what was recorded; who may open which."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from tests.factories import ResidentFactory
from weiguang.core.models import AuditEntry
from weiguang.demands.models import Demand, DemandChannel, DemandStatus
from weiguang.events.fairs import services
from weiguang.events.fairs.summary import fair_summary
from weiguang.events.models import FoodParcel, SignUp, SignUpStatus, Stall, StallVisit, StallWish
from weiguang.people.models import PopulationGroup
from weiguang.wishes.models import Channel

from .conftest import young

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _stall_post(people, **over):
    data = {
        "provider_kind": "partner", "partner": people.partner.pk, "service": "义务理发", "spot": "B2",
        "opens_at": "09:00", "closes_at": "11:30", "slot_minutes": "20", "per_slot": "2", "number": "",
    }  # fmt: skip
    data.update(over)
    return data


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_staff_set_up_edit_and_remove_stalls(client, fair, people):
    client.force_login(people.staff)
    page = _text(client.get(f"/fairs/{fair.pk}/"))
    assert f'href="/fairs/{fair.pk}/setup/"' in page and f'href="/fairs/{fair.pk}/food/"' in page
    assert f'href="/fairs/{fair.pk}/setup/"' in _text(client.get(f"/events/{fair.pk}/"))
    assert f'href="/fairs/{fair.pk}/setup/"' in _text(client.get("/events/manage/"))
    r = client.post(f"/fairs/{fair.pk}/setup/", _stall_post(people))
    assert r.status_code == 302 and r["Location"] == f"/fairs/{fair.pk}/setup/"
    stall = Stall.objects.get(event=fair)
    assert (stall.number, stall.service, stall.spot, stall.slot_minutes, stall.per_slot) == (
        1,
        "义务理发",
        "B2",
        20,
        2,
    )
    assert timezone.localtime(stall.opens_at).strftime("%H:%M") == "09:00"
    assert timezone.localtime(stall.opens_at).date() == timezone.localtime(fair.starts_at).date()
    page = _text(client.get(r["Location"]))
    assert (
        "Stall 1 “义务理发” is set up." in page
        and "青岛银行八大湖支行" in page
        and "slots of 20 minutes" in page
    )

    # the service's refusals, on the form's fields; nothing is added
    r = client.post(f"/fairs/{fair.pk}/setup/", _stall_post(people, provider_kind="department", partner=""))
    assert r.status_code == 422 and "Name the department." in _text(r)
    r = client.post(f"/fairs/{fair.pk}/setup/", _stall_post(people, closes_at="08:00"))
    assert r.status_code == 422 and "A stall closes after it opens." in _text(r)
    r = client.post(f"/fairs/{fair.pk}/setup/", _stall_post(people, number="1"))
    assert r.status_code == 422 and "Stall 1 exists already." in _text(r)
    r = client.post(f"/fairs/{fair.pk}/setup/", _stall_post(people, provider_kind="team", partner=""))
    assert r.status_code == 422 and "Choose the volunteer team." in _text(r)
    assert Stall.objects.filter(event=fair).count() == 1

    r = client.post(
        f"/fairs/{fair.pk}/setup/",
        _stall_post(people, provider_kind="department", partner="", department_name="司法所", service="法律咨询",
                    slot_minutes="", number="5"),
    )  # fmt: skip
    assert r.status_code == 302
    law = Stall.objects.get(event=fair, number=5)
    assert law.provider == "司法所" and law.slot_minutes is None

    # edit: the form comes filled in; a change is saved
    page = _text(client.get(f"/stalls/{stall.pk}/edit/"))
    assert 'value="义务理发"' in page and 'value="09:00"' in page
    r = client.post(
        f"/stalls/{stall.pk}/edit/", _stall_post(people, service="义务理发和修脚", spot="B3", number="1")
    )
    assert r.status_code == 302
    stall.refresh_from_db()
    assert (stall.service, stall.spot) == ("义务理发和修脚", "B3")
    r = client.post(f"/stalls/{stall.pk}/edit/", _stall_post(people, number="5"))
    assert r.status_code == 422 and "Stall 5 exists already." in _text(r)

    # a stall that served someone stays; an unused one goes
    services.record_walk_in(stall, people.staff, name="李大爷")
    r = client.post(f"/stalls/{stall.pk}/remove/", follow=True)
    assert "Stall 1 has numbers, bookings or people served; it stays on the fair." in _text(r)
    r = client.post(f"/stalls/{law.pk}/remove/", follow=True)
    assert "Stall 5 is removed." in _text(r)
    assert list(Stall.objects.filter(event=fair)) == [stall]


def test_staff_choose_who_serves_at_a_stall_on_its_edit_page(client, stall, people):
    client.force_login(people.staff)
    page = _text(client.get(f"/stalls/{stall.pk}/edit/"))
    assert "Serving at the stall" in page and "吴志愿" in page and "褚志愿" not in page  # the street's only
    assert re.search(rf'value="{people.volunteer.pk}"[^>]*checked', page)

    # someone of another street is refused on the field; nothing changes
    post = _stall_post(people, service="家电维修", spot="A3", slot_minutes="15", number="1")
    r = client.post(f"/stalls/{stall.pk}/edit/", {**post, "workers": [people.outsider_volunteer.pk]})
    assert r.status_code == 422
    assert "Only staff, grid workers, volunteers and partner representatives of this street serve" in _text(r)
    assert list(stall.workers.all()) == [people.volunteer]

    r = client.post(
        f"/stalls/{stall.pk}/edit/", {**post, "workers": [people.volunteer2.pk, people.partner_rep.pk]}
    )
    assert r.status_code == 302
    assert set(stall.workers.all()) == {people.volunteer2, people.partner_rep}
    entry = AuditEntry.objects.filter(action="edit", object_id=str(stall.pk)).latest("id")
    assert entry.actor == people.staff and entry.data["workers_before"] == [people.volunteer.pk]
    assert entry.data["workers"] == sorted([people.volunteer2.pk, people.partner_rep.pk])

    client.force_login(people.volunteer2)  # added: the stall's counter opens for them
    assert client.get(f"/stalls/{stall.pk}/counter/").status_code == 200
    client.force_login(people.volunteer)  # no longer on it
    assert client.get(f"/stalls/{stall.pk}/counter/").status_code == 404


def test_who_may_set_up_stalls(client, fair, stall, people):
    for outsider in (people.volunteer, people.outsider_staff, people.resident_user, people.staff_b):
        client.force_login(outsider)
        assert client.get(f"/fairs/{fair.pk}/setup/").status_code == 404
        assert client.post(f"/fairs/{fair.pk}/setup/", _stall_post(people)).status_code == 404
        assert client.get(f"/stalls/{stall.pk}/edit/").status_code == 404
        assert client.post(f"/stalls/{stall.pk}/remove/").status_code == 404
        assert client.get(f"/fairs/{fair.pk}/food/").status_code == 404
    client.force_login(people.volunteer)  # serving at the stall, not setting it up
    assert f"/fairs/{fair.pk}/setup/" not in _text(client.get(f"/stalls/{stall.pk}/counter/"))
    assert Stall.objects.filter(event=fair).count() == 1


def test_the_counter_records_a_wish_and_demands_that_the_summary_counts(client, fair, stall, people):
    client.force_login(people.staff)
    page = _text(client.get(f"/stalls/{stall.pk}/counter/?q=王秀"))
    assert f'href="/stalls/{stall.pk}/counter/?resident={people.resident.pk}#record"' in page
    page = _text(client.get(f"/stalls/{stall.pk}/counter/?resident={people.resident.pk}"))
    assert 'data-testid="chosen-resident"' in page and 'data-testid="wish-form"' in page

    # a wish for the resident found
    r = client.post(
        f"/stalls/{stall.pk}/counter/wish/",
        {"resident": people.resident.pk, "kind": "item", "title": "一个电饭煲", "idempotency_key": "w1"},
    )
    assert r.status_code == 302 and r["Location"].endswith(f"?resident={people.resident.pk}#record")
    link = StallWish.objects.select_related("wish").get(stall=stall)
    assert link.wish.channel == Channel.STALL and link.wish.resident == people.resident
    r = client.post(  # the same tap again: one wish
        f"/stalls/{stall.pk}/counter/wish/",
        {"resident": people.resident.pk, "kind": "item", "title": "一个电饭煲", "idempotency_key": "w1"},
    )
    assert StallWish.objects.filter(stall=stall).count() == 1
    r = client.post(
        f"/stalls/{stall.pk}/counter/wish/", {"kind": "item", "title": "一台电风扇", "idempotency_key": "w2"}
    )
    assert r.status_code == 422 and "Find the resident the wish is for first." in _text(r)

    # a demand for the resident, handled on the spot
    r = client.post(
        f"/stalls/{stall.pk}/counter/demand/",
        {"resident": people.resident.pk, "title": "楼道灯坏了", "resolved": "on", "result": "现场登记报修",
         "idempotency_key": "d1"},
    )  # fmt: skip
    assert r.status_code == 302
    first = Demand.objects.get(title="楼道灯坏了")
    assert first.session_id == fair.intake_session_id and first.channel == DemandChannel.STALL
    assert first.status == DemandStatus.RESOLVED_ON_SPOT and first.resident == people.resident
    page = _text(client.get(r["Location"]))
    assert "Saved “楼道灯坏了”" in page and f'href="/demands/{first.pk}/"' in page
    # an anonymous visitor's demand: the grid is asked
    r = client.post(f"/stalls/{stall.pk}/counter/demand/", {"title": "路灯不亮", "idempotency_key": "d2"})
    assert r.status_code == 422 and "Choose the grid, or find the resident." in _text(r)
    r = client.post(
        f"/stalls/{stall.pk}/counter/demand/",
        {
            "title": "路灯不亮",
            "grid": people.tree.grid_a1.pk,
            "contact_name": "过路人",
            "idempotency_key": "d3",
        },
    )
    assert r.status_code == 302
    r = client.post(
        f"/stalls/{stall.pk}/counter/demand/",
        {"title": "x", "resolved": "on", "grid": people.tree.grid_a1.pk, "idempotency_key": "d4"},
    )
    assert r.status_code == 422 and "Describe how it was resolved." in _text(r)

    # whom the stall served: the resident found, and someone by name
    r = client.post(f"/stalls/{stall.pk}/counter/walk_in/", {"resident": people.resident.pk}, follow=True)
    assert f"Recorded: {people.resident.masked_name} served." in _text(r)
    client.post(f"/stalls/{stall.pk}/counter/walk_in/", {"name": "李大爷"})
    assert StallVisit.objects.filter(stall=stall).count() == 2

    s = fair_summary(fair)
    assert (s.wishes, s.collected, s.on_spot, s.transferred, s.person_visits, s.distinct_residents) == (
        1, 2, 1, 0, 2, 1,
    )  # fmt: skip
    page = _text(client.get(f"/fairs/{fair.pk}/summary/"))
    assert "2 collected, 1 handled on the spot, 0 transferred" in page


def test_the_stalls_volunteer_records_whom_it_served_but_not_demands(client, stall, people):
    client.force_login(people.volunteer)
    page = _text(client.get(f"/stalls/{stall.pk}/counter/"))
    assert 'data-testid="demand-form"' not in page and 'data-testid="wish-form"' not in page
    r = client.post(
        f"/stalls/{stall.pk}/counter/demand/",
        {"title": "路灯不亮", "grid": people.tree.grid_a1.pk, "idempotency_key": "v1"},
    )
    assert r.status_code == 422 and not Demand.objects.exists()
    r = client.post(f"/stalls/{stall.pk}/counter/walk_in/", {"name": "李大爷"}, follow=True)
    assert "Recorded." in _text(r) and StallVisit.objects.filter(stall=stall).count() == 1
    client.force_login(people.volunteer2)  # not serving at this stall
    assert client.post(f"/stalls/{stall.pk}/counter/wish/", {}).status_code == 404
    assert client.post(f"/stalls/{stall.pk}/counter/demand/", {}).status_code == 404


def _household(people, door, group="low_income"):
    r = young(f"户主{door}", people.tree.grid_a1, username=f"hh{door}", building="3号楼", door=door)
    if group:
        r.groups.add(PopulationGroup.objects.get(code=group))
    return r


def test_the_food_bank_opens_a_round_and_hands_out_one_parcel_per_household(client, fair, stall, people):
    heads = [_household(people, f"{i}01室") for i in (1, 2)]
    ResidentFactory(name="户主配偶", grid=people.tree.grid_a1, building="3号楼", door="101室")
    _household(people, "909室", group=None)
    SignUp.objects.create(event=fair, resident=heads[0], user=heads[0].user, name=heads[0].name,
                          status=SignUpStatus.CONFIRMED, code="123456")  # fmt: skip
    client.force_login(people.staff)
    r = client.post(f"/fairs/{fair.pk}/food/", {"title": "爱心食物银行", "parcels": "100"})
    assert r.status_code == 422 and "Choose who the parcels are for." in _text(r)
    low = PopulationGroup.objects.get(code="low_income")
    r = client.post(
        f"/fairs/{fair.pk}/food/",
        {"title": "爱心食物银行", "parcels": "100", "groups": [low.pk], "stall": stall.pk},
    )
    round_ = fair.food_rounds.get()
    assert r.status_code == 302 and r["Location"] == f"/food/{round_.pk}/"
    assert round_.parcels == 100 and round_.date == timezone.localtime(fair.starts_at).date()
    page = _text(client.get(r["Location"]))
    assert re.search(r'data-count="eligible">2<', page) and re.search(r'data-count="handed-out">0<', page)
    assert heads[0].masked_name in page and "户主909室" not in page and heads[0].name not in page

    r = client.post(f"/food/{round_.pk}/hand-out/", {"code": "123456"}, follow=True)
    assert f"Parcel handed to the household of {heads[0].masked_name} (1 handed out)." in _text(r)
    r = client.post(f"/food/{round_.pk}/hand-out/", {"code": "123456"}, follow=True)
    page = _text(r)
    assert re.search(r"This household already had its parcel at \d\d:\d\d\.", page)
    assert re.search(r'data-count="handed-out">1<', page) and "Handed out" in page
    r = client.post(f"/food/{round_.pk}/hand-out/", {"code": "999999"}, follow=True)
    assert "No sign-up of this fair has this code." in _text(r)
    r = client.post(f"/food/{round_.pk}/hand-out/", {"resident": heads[1].pk}, follow=True)
    assert "(2 handed out)" in _text(r)
    assert FoodParcel.objects.filter(round=round_).count() == 2
    assert fair_summary(fair).parcels == 2
    page = _text(client.get(f"/fairs/{fair.pk}/food/"))
    assert "2 of 100 handed out" in page

    # the stall's volunteer hands out by code; others may not open the round
    client.force_login(people.volunteer)
    assert client.get(f"/food/{round_.pk}/").status_code == 200
    client.force_login(people.outsider_staff)
    assert client.get(f"/food/{round_.pk}/").status_code == 404
    assert client.post(f"/food/{round_.pk}/hand-out/", {"code": "123456"}).status_code == 404


def test_the_food_banks_households_come_by_building_number(client, fair, people):
    low = PopulationGroup.objects.get(code="low_income")
    for building in ("12号楼", "2号楼", "10号楼", "1号楼"):
        young(f"户主{building}", people.tree.grid_a1, username=f"hh{building[:-2]}", building=building,
              door="101室").groups.add(low)  # fmt: skip
    round_ = services.open_food_round(
        people.staff, region=fair.region, title="爱心食物银行", event=fair,
        date=timezone.localtime(fair.starts_at).date(), groups=[low],
    )  # fmt: skip
    client.force_login(people.staff)
    page = _text(client.get(f"/food/{round_.pk}/"))
    shown = re.findall(r"· (\d+号楼)</span>", page)
    assert shown == ["1号楼", "2号楼", "10号楼", "12号楼"]

"""Stations on the street's holiday calendar, and an "out of order" that does not last forever."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from weiguang.core import scheduler
from weiguang.core.errors import InvalidInput
from weiguang.core.models import AuditEntry
from weiguang.demands.models import Holiday
from weiguang.places.models import AmenityState, StationAmenity
from weiguang.places.stations import queries, services
from weiguang.places.stations.filters import StationFilter

from .conftest import SHANGHAI, WEEKDAYS_9_TO_6
from .test_stations_pages import login

WEDNESDAY_NOON = dt.datetime(2026, 12, 9, 12, 0, tzinfo=SHANGHAI)
SATURDAY_10 = dt.datetime(2026, 12, 12, 10, 0, tzinfo=SHANGHAI)


def cards(now):
    return {c.station.name: c for c in queries.public_stations(StationFilter(), now=now)}


def test_a_station_closed_on_a_public_holiday_is_not_open_now(make_station, tree):
    make_station(name="工作日驿站", open_24h=False, hours=WEEKDAYS_9_TO_6)
    make_station(name="节假日照常", open_24h=False, hours=WEEKDAYS_9_TO_6, open_on_holidays=True)
    make_station(name="全天驿站")
    assert cards(WEDNESDAY_NOON)["工作日驿站"].open_now
    Holiday.objects.create(street=tree.street, date=WEDNESDAY_NOON.date(), is_workday=False, name="元旦")
    now = cards(WEDNESDAY_NOON)
    closed = now["工作日驿站"]
    assert not closed.open_now and closed.holiday
    assert closed.next_opening == WEDNESDAY_NOON.replace(day=10, hour=9)  # Thursday 09:00
    assert now["节假日照常"].open_now and now["全天驿站"].open_now
    # open stations first
    order = [c.station.name for c in queries.public_stations(StationFilter(), now=WEDNESDAY_NOON)]
    assert order[-1] == "工作日驿站"


def test_a_long_holiday_is_skipped_when_saying_when_it_opens_next(make_station, tree):
    make_station(name="工作日驿站", open_24h=False, hours=WEEKDAYS_9_TO_6)
    first = WEDNESDAY_NOON.date()
    for i in range(8):  # a week of Spring Festival, from a Wednesday to the next Wednesday
        Holiday.objects.create(street=tree.street, date=first + dt.timedelta(days=i), is_workday=False)
    card = cards(WEDNESDAY_NOON)["工作日驿站"]
    assert not card.open_now
    assert card.next_opening == WEDNESDAY_NOON.replace(day=17, hour=9)


def test_a_make_up_saturday_follows_the_working_day_hours(make_station, tree):
    make_station(name="工作日驿站", open_24h=False, hours=WEEKDAYS_9_TO_6)
    make_station(name="周末驿站", open_24h=False, hours={"sat": "14:00-16:00"})
    assert not cards(SATURDAY_10)["工作日驿站"].open_now
    Holiday.objects.create(street=tree.street, date=SATURDAY_10.date(), is_workday=True, name="调休上班")
    now = cards(SATURDAY_10)
    assert now["工作日驿站"].open_now and now["工作日驿站"].make_up_day
    assert now["工作日驿站"].closes_at == SATURDAY_10.replace(hour=18)
    # the weekend station has working-day hours on that day too: the street works as on a weekday
    assert not now["周末驿站"].open_now


def test_another_streets_holiday_changes_nothing(make_station, tree):
    make_station(name="工作日驿站", open_24h=False, hours=WEEKDAYS_9_TO_6)
    Holiday.objects.create(street=tree.other_street, date=WEDNESDAY_NOON.date(), is_workday=False)
    assert cards(WEDNESDAY_NOON)["工作日驿站"].open_now


def test_the_public_pages_say_closed_for_the_holiday_and_list_the_coming_ones(client, make_station, tree):
    station = make_station(name="工作日驿站", open_24h=False, hours=WEEKDAYS_9_TO_6)
    Holiday.objects.create(street=tree.street, date=WEDNESDAY_NOON.date(), is_workday=False, name="元旦")
    Holiday.objects.create(street=tree.street, date=SATURDAY_10.date(), is_workday=True, name="调休上班")
    with time_machine.travel(WEDNESDAY_NOON, tick=False):
        page = client.get("/stations/").content.decode()
        assert 'data-open="0"' in page and "休息中" in page and 'data-testid="holiday">节假日' in page
        detail = client.get(f"/stations/{station.pk}/").content.decode()
        assert "元旦" in detail and "闭站（节假日）" in detail
        assert "调休上班" in detail and "调休上班日，按工作日时间" in detail
        body = client.get("/api/v1/stations").json()["items"][0]
        assert body["open_now"] is False and body["holiday_today"] is True


def test_out_of_order_lasts_today_unless_staff_give_a_last_day(make_station, people):
    station = make_station()
    row = services.amenity_of(station, "microwave")
    with time_machine.travel(WEDNESDAY_NOON, tick=False):
        row = services.set_amenity(row, people.staff, "out_of_order", "微波炉今天坏了")
        assert row.out_until == WEDNESDAY_NOON.date()
        assert cards(WEDNESDAY_NOON)[station.name].amenities[2].state == AmenityState.OUT_OF_ORDER
        with pytest.raises(InvalidInput):
            services.set_amenity(row, people.staff, "out_of_order", until=dt.date(2026, 12, 8))
        with pytest.raises(InvalidInput):
            services.set_amenity(row, people.staff, "out_of_order", until=dt.date(2027, 6, 1))
    thursday = WEDNESDAY_NOON + dt.timedelta(days=1)
    # the next day it shows as available, even before the job has run
    shown = {a.amenity: a.state for a in cards(thursday)[station.name].amenities}
    assert shown["microwave"] == AmenityState.AVAILABLE
    with time_machine.travel(thursday, tick=False):
        names = [c.station.name for c in queries.public_stations(StationFilter(amenity=["microwave"]))]
        assert station.name in names
        assert services.reset_expired_amenities() == 1
        assert services.reset_expired_amenities() == 0  # twice: nothing more
    fresh = StationAmenity.objects.get(pk=row.pk)
    assert fresh.state == AmenityState.AVAILABLE and fresh.note == "" and fresh.out_until is None
    entry = AuditEntry.objects.filter(action="reset").latest("id")
    assert entry.actor is None and entry.from_state == "out_of_order" and entry.to_state == "available"


def test_a_last_day_keeps_it_broken_until_then_and_riders_see_until_when(client, make_station, people):
    station = make_station()
    row = services.amenity_of(station, "microwave")
    with time_machine.travel(WEDNESDAY_NOON, tick=False):
        services.set_amenity(row, people.staff, "out_of_order", "等配件", until=dt.date(2026, 12, 11))
        page = client.get("/stations/").content.decode()
        assert "故障至 12-11" in page and "等配件" in page
    with time_machine.travel(WEDNESDAY_NOON + dt.timedelta(days=2), tick=False):
        assert services.reset_expired_amenities() == 0  # Friday: its last day
        assert StationAmenity.objects.get(pk=row.pk).state == AmenityState.OUT_OF_ORDER
        assert "今日故障" in client.get("/stations/").content.decode()
    with time_machine.travel(WEDNESDAY_NOON + dt.timedelta(days=3), tick=False):
        assert services.reset_expired_amenities() == 1
    assert StationAmenity.objects.get(pk=row.pk).state == AmenityState.AVAILABLE


def test_staff_set_the_last_day_on_the_page(client, make_station, people):
    station = make_station()
    url = f"/staff/stations/{station.pk}/amenities/microwave/"
    with time_machine.travel(WEDNESDAY_NOON, tick=False):
        r = login(client, people.staff).post(
            url, {"state": "out_of_order", "note": "坏了", "until": "2026-12-11"}, HTTP_HX_REQUEST="true"
        )
        assert r.status_code == 200 and "故障至 2026-12-11，次日自动恢复可用。" in r.content.decode()
        r = client.post(url, {"state": "out_of_order", "until": "2026-12-01"}, HTTP_HX_REQUEST="true")
        assert r.status_code == 422 and "截止日不能早于今天" in r.content.decode()
        r = client.post(url, {"state": "out_of_order", "until": "not a date"}, HTTP_HX_REQUEST="true")
        assert r.status_code == 422
    assert StationAmenity.objects.get(station=station, amenity="microwave").out_until == dt.date(2026, 12, 11)


def test_the_reset_job_is_registered_and_runs(db):
    from weiguang.places.stations import tasks

    registered = [j.task_path for j in scheduler.PERIODIC]
    assert "weiguang.places.stations.tasks.reset_expired_amenities" in registered
    assert tasks.reset_expired_amenities.call() == 0

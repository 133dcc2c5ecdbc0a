"""A delivery rider on a 390 px phone, not logged in, looks for water on a Saturday noon: opens
the stations page from the home tile, lets the browser share where they stand, ticks 饮用水 and
sees the nearest station that is OPEN and has water first; the nearer office-building station,
closed at weekends, comes after the open ones with the time it opens, and the station without
water is gone. The sort is the server's (haversine from the shared lat/lng); no map provider."""

from __future__ import annotations

import pytest
import time_machine

from tests.places.conftest import SAT_NOON, WEEKDAYS_9_TO_6, make_station  # noqa: F401 (a fixture)

from .conftest import PHONE
from .pages import fits_the_phone, follow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RIDER = {"latitude": 36.0736, "longitude": 120.3904}  # at 八大湖公园's east gate


def test_a_rider_finds_the_nearest_open_station_with_water(browser, live_server, make_station):  # noqa: F811
    make_station(name="软件园楼宇驿站", kind="building", latitude="36.0737", longitude="120.3906",
                 open_24h=False, hours=WEEKDAYS_9_TO_6)  # fmt: skip  # 20 m, closed on Saturdays
    make_station(name="社区驿站只充电", kind="community", latitude="36.0740", longitude="120.3905",
                 amenities={"charging": "available"})  # fmt: skip  # 45 m, no water
    make_station(name="八大湖暖新驿站", latitude="36.0755", longitude="120.3915")  # some 230 m
    make_station(name="金湖路暖新驿站", latitude="36.0800", longitude="120.4000")  # some 1.1 km

    context = browser.new_context(
        viewport=PHONE,
        base_url=live_server.url,
        locale="zh-CN",
        geolocation=RIDER,
        permissions=["geolocation"],
    )
    context.set_default_timeout(10_000)
    try:
        with time_machine.travel(SAT_NOON):
            rider = context.new_page()
            rider.goto("/")
            follow(rider, "[data-tile=stations]")
            assert rider.locator("h1").inner_text() == "身边的驿站"

            with rider.expect_navigation(url="**lat=*"):
                rider.get_by_role("button", name="离我最近（使用我的位置）").click()
            assert "已按离您的距离排序" in rider.inner_text("[data-locate-status]")

            with rider.expect_navigation(url="**amenity=water*"):
                rider.get_by_label("饮用水").check()
            assert rider.get_by_label("饮用水").is_checked()
            cards = rider.locator("[data-testid=stations] > li")
            names = [cards.nth(i).locator("h2").inner_text() for i in range(cards.count())]
            assert names == ["八大湖暖新驿站", "金湖路暖新驿站", "软件园楼宇驿站"]
            first = cards.nth(0)
            assert first.get_attribute("data-open") == "1"
            assert (
                "开放中" in first.inner_text()
                and first.locator("[data-testid=distance]").inner_text() == "230 m"
            )
            closed = cards.nth(2)
            assert closed.get_attribute("data-open") == "0" and "周一 09:00 开放" in closed.inner_text()
            assert fits_the_phone(rider)

            # the nearest open one's page keeps the distance
            follow(rider, "[data-testid=stations] > li:first-child h2 a")
            assert rider.locator("h1").inner_text() == "八大湖暖新驿站" and "230 m" in rider.inner_text(
                "main"
            )
            assert fits_the_phone(rider)
    finally:
        context.close()

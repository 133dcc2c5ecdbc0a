"""A group books a function room every Tuesday on a 390 px phone, in the default (Chinese)
interface: the week of the room → the booking form → "every week, 4 weeks" → the preview shows
the one Tuesday another group already holds, before anything is saved → the group saves the
three free Tuesdays, and my bookings lists them with the skipped date named."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from weiguang.places.models import Booking, BookingStatus, Room, ServiceCentre
from weiguang.places.rooms import services

from .pages import fits_the_phone, follow, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_group_books_every_tuesday_and_skips_the_week_already_taken(phone, people, tree):
    centre = ServiceCentre.objects.create(name="八大湖党群服务中心", region=tree.street, floors=3)
    room = Room.objects.create(centre=centre, name="书画室", floor=2, capacity=20)
    today = timezone.localdate()
    first = today + dt.timedelta(days=(1 - today.weekday()) % 7 or 7)  # the next Tuesday
    taken = first + dt.timedelta(weeks=1)
    services.request_booking(
        room, people.volunteer, start=services.local(taken, dt.time(15)), end=services.local(taken, dt.time(17)),
        data=services.BookingInput(purpose="合唱排练", group_name="红色合唱团", attendees=8),
    )  # fmt: skip

    page = phone()
    log_in(page, "resident_a")
    follow(page, "[data-tile=rooms]")
    follow(page, f"a[href='/rooms/{room.pk}/']")
    assert fits_the_phone(page)
    follow(page, "[data-testid=book]")
    page.fill("#id_date", first.isoformat())
    page.fill("#id_start_time", "14:00")
    page.fill("#id_end_time", "16:00")
    page.fill("#id_purpose", "国画练习")
    page.fill("#id_group_name", "银龄书画社")
    page.fill("#id_attendees", "12")
    page.check("#id_weekly")
    page.fill("#id_count", "4")
    page.click("[data-testid=preview]")
    page.wait_for_selector("#preview .occurrences")
    conflict = page.locator(f"#preview li.conflict[data-date='{taken.isoformat()}']")
    assert "红色合唱团" in conflict.inner_text() and "已被" in conflict.inner_text()
    assert page.locator("#preview li.free input[name=dates]:checked").count() == 3
    assert "将被跳过" in page.inner_text("[data-testid=conflicts]")
    assert fits_the_phone(page)
    assert not Booking.objects.filter(group_name="银龄书画社").exists()  # nothing saved before the choice

    with page.expect_navigation():
        page.click("[data-testid=save]")
    assert page.url.endswith("/bookings/mine/")
    assert "已保存3个预约" in page.content() and "已跳过" in page.content()
    assert page.locator("[data-testid=upcoming] [data-testid=booking]").count() == 3
    assert fits_the_phone(page)
    saved = Booking.objects.filter(group_name="银龄书画社").order_by("start")
    assert [timezone.localtime(b.start).date() for b in saved] == [
        first,
        first + dt.timedelta(weeks=2),
        first + dt.timedelta(weeks=3),
    ]
    assert {b.status for b in saved} == {BookingStatus.REQUESTED} and len({b.series_id for b in saved}) == 1

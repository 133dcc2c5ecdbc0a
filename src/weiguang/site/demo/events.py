"""The demo street's events, made through the services: an upcoming theme party day in the
first community whose places are all taken, with sign-ups (the demo resident's among them,
others made by the grid worker and staff for residents) and a waiting list where one offer is
open; a micro-lecture held last week, with its summary; and a course with places left."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from weiguang.core.errors import ServiceError
from weiguang.core.privacy import age_on
from weiguang.events import checkins, services
from weiguang.events.models import Event, EventKind, OrganiserKind, SignUp
from weiguang.places.rooms import services as room_services


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _soon() -> dt.datetime:
    """The next full hour after the coming hour: the party day's desk (open two hours before)
    has early arrivals, and sign-ups and offers are still open."""
    now = timezone.localtime()
    return now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=2)


def seed_events(
    *, community, staff, grid_worker, resident_user, residents, today: dt.date, room=None, approver=None
) -> None:
    """`residents`: residents of `community` (with consent), the demo resident not among them;
    `room`: the street centre's room the smartphone course is held in (its booking approved by
    `approver`, the centre's staff)."""
    grid_ones = [r for r in residents if r.grid_id == grid_worker.memberships.first().region_id]
    others = [r for r in residents if r not in grid_ones]
    soon = _soon()

    party_day = services.create_event(
        staff,
        {
            "region": community, "kind": EventKind.PARTY_DAY, "title": "“学习二十届四中全会精神”主题党日",
            "description": "重温入党誓词，集体学习，并为辖区独居老人打扫楼道。欢迎党员和居民群众参加。",
            "place_text": f"{community.name}党群服务中心二楼会议室", "organiser_kind": OrganiserKind.COMMUNITY,
            "organiser_name": f"{community.name}党委", "starts_at": soon,
            "ends_at": soon + dt.timedelta(hours=2), "capacity": 6, "max_party_size": 2,
        },
    )  # fmt: skip
    party_day = services.publish_event(party_day, staff)
    services.sign_up(party_day, resident_user, party_size=2)  # 王秀英 and her husband
    gave_back = services.sign_up(party_day, grid_worker, resident=grid_ones[0].pk)
    services.sign_up(party_day, grid_worker, resident=grid_ones[1].pk)
    services.sign_up(party_day, staff, resident=others[0].pk)
    services.sign_up(party_day, staff, resident=others[1].pk)  # the sixth place: full
    for resident in (others[2], grid_ones[2], others[3]):  # the waiting list
        services.sign_up(party_day, staff, resident=resident.pk)
    services.cancel_signup(gave_back, staff)  # she phoned: a place is free, the first waiting has an offer
    # the early arrivals at the desk: 王秀英 with her husband, and a neighbour the grid worker
    # signed up (each checked in by the code on the ticket)
    early = (
        SignUp.objects.filter(event=party_day, status="confirmed").exclude(signed_up_by=staff).order_by("id")
    )
    for signup in early[:2]:
        checkins.check_in_ticket(party_day, staff, code=signup.code)

    lecture = services.create_event(
        staff,
        {
            "region": community, "kind": EventKind.MICRO_LECTURE, "title": "防范电信诈骗微课堂",
            "description": "派出所民警讲解常见骗局，教大家安装国家反诈中心App。",
            "place_text": f"{community.name}居民活动室", "organiser_kind": OrganiserKind.DEPARTMENT,
            "organiser_name": "八大湖派出所", "starts_at": _at(today + dt.timedelta(days=1), 14, 30),
            "ends_at": _at(today + dt.timedelta(days=1), 15, 30), "capacity": 30,
        },
    )  # fmt: skip
    lecture = services.publish_event(lecture, staff)
    for resident in others[4:12]:
        services.sign_up(lecture, staff, resident=resident.pk)
    services.close_event(lecture, staff)
    held = _at(today - dt.timedelta(days=7), 14, 30)
    Event.objects.filter(pk=lecture.pk).update(  # it took place last week
        starts_at=held, ends_at=held + dt.timedelta(hours=1), created_at=held - dt.timedelta(days=10),
        published_at=held - dt.timedelta(days=9),
        summary="8 位居民参加，民警讲解了冒充客服、刷单返利等骗局，现场帮 6 位老人安装了反诈App。",
    )  # fmt: skip
    SignUp.objects.filter(event=lecture).update(
        created_at=held - dt.timedelta(days=5), confirmed_at=held - dt.timedelta(days=5)
    )

    course = _course(community, staff, room, today)
    if course.room_booking is not None and course.room_booking.status == "requested" and approver is not None:
        room_services.approve_booking(course.room_booking, approver)
    course = services.publish_event(course, staff)
    older = [r for r in others[12:] if (age_on(r.birth_date) or 0) >= 55]
    for resident in older[:3]:
        services.sign_up(course, staff, resident=resident.pk)


def _course(community, staff, room, today: dt.date):
    """The smartphone course, in the street centre's room when there is one: on the first
    working day from ten days on that the room is free (a holiday of the street moves it on)."""
    fields = {
        "region": community, "kind": EventKind.COURSE, "title": "智能手机使用课（第三期）",
        "description": "教老年朋友用手机挂号、视频通话、防止误点广告。每期四次课。",
        "organiser_kind": OrganiserKind.PARTNER, "organiser_name": "青岛银行八大湖支行", "capacity": 20,
        "min_age": 55, "place_text": "" if room else f"{community.name}党群服务中心一楼", "room": room,
    }  # fmt: skip
    day = today + dt.timedelta(days=10)
    for _ in range(14):
        if day.weekday() < 5 or room is None:
            try:
                return services.create_event(
                    staff, {**fields, "starts_at": _at(day, 9, 30), "ends_at": _at(day, 11)}
                )
            except ServiceError:  # the room is closed or taken that day
                pass
        day += dt.timedelta(days=1)
    return services.create_event(
        staff, {**fields, "room": None, "place_text": f"{community.name}党群服务中心一楼",
                "starts_at": _at(day, 9, 30), "ends_at": _at(day, 11)},
    )  # fmt: skip

"""The demo street's events, made through the services: an upcoming theme party day in the
first community whose places are all taken, with sign-ups (the demo resident's among them,
others made by the grid worker and staff for residents) and a waiting list where one offer is
open; a micro-lecture held last week, with its summary; and a course with places left."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from weiguang.core.privacy import age_on
from weiguang.events import services
from weiguang.events.models import Event, EventKind, OrganiserKind, SignUp


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def seed_events(*, community, staff, grid_worker, resident_user, residents, today: dt.date) -> None:
    """`residents`: residents of `community` (with consent), the demo resident not among them."""
    grid_ones = [r for r in residents if r.grid_id == grid_worker.memberships.first().region_id]
    others = [r for r in residents if r not in grid_ones]

    party_day = services.create_event(
        staff,
        {
            "region": community, "kind": EventKind.PARTY_DAY, "title": "“学习二十届四中全会精神”主题党日",
            "description": "重温入党誓词，集体学习，并为辖区独居老人打扫楼道。欢迎党员和居民群众参加。",
            "place_text": f"{community.name}党群服务中心二楼会议室", "organiser_kind": OrganiserKind.COMMUNITY,
            "organiser_name": f"{community.name}党委", "starts_at": _at(today + dt.timedelta(days=6), 9),
            "ends_at": _at(today + dt.timedelta(days=6), 11), "capacity": 6, "max_party_size": 2,
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

    course = services.create_event(
        staff,
        {
            "region": community, "kind": EventKind.COURSE, "title": "智能手机使用课（第三期）",
            "description": "教老年朋友用手机挂号、视频通话、防止误点广告。每期四次课。",
            "place_text": f"{community.name}党群服务中心一楼", "organiser_kind": OrganiserKind.PARTNER,
            "organiser_name": "青岛银行八大湖支行", "starts_at": _at(today + dt.timedelta(days=10), 9, 30),
            "ends_at": _at(today + dt.timedelta(days=10), 11), "capacity": 20, "min_age": 55,
        },
    )  # fmt: skip
    course = services.publish_event(course, staff)
    older = [r for r in others[12:] if (age_on(r.birth_date) or 0) >= 55]
    for resident in older[:3]:
        services.sign_up(course, staff, resident=resident.pk)

"""The demo street's service centre: three floors, a handful of its 17 function rooms, this
week's bookings (approved, waiting for approval, one checked in) and a weekly course of the
seniors' university. Called by site.demo after the volunteers and partners exist; every
booking goes through the services, dated as if made a few days before this week."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from weiguang.core.errors import ServiceError
from weiguang.volunteers.models import Team

from ..models import Equipment, Room, ServiceCentre
from . import services

WORKDAYS = {d: ["08:30", "17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
EVERY_DAY = {d: ["08:30", "20:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}

E = Equipment
ROOMS = [  # name, floor, capacity, equipment, hours, needs approval, description
    ("阅览室", 1, 40, [E.BOOKS, E.TABLES, E.CHAIRS], EVERY_DAY, False, "图书两千余册，读书会、作业辅导"),
    (
        "多功能厅",
        1,
        120,
        [E.PROJECTOR, E.SCREEN, E.SOUND, E.STAGE, E.CHAIRS],
        WORKDAYS,
        True,
        "讲座、演出、议事会",
    ),
    ("老年大学教室", 2, 40, [E.PROJECTOR, E.WHITEBOARD, E.TABLES, E.CHAIRS], WORKDAYS, True, "老年大学课程"),
    ("书画室", 2, 20, [E.PAINTING, E.TABLES], {**WORKDAYS, "sat": ["09:00", "12:00"]}, True, "书法、国画"),
    ("钢琴室", 3, 10, [E.PIANO, E.CHAIRS], WORKDAYS, True, "合唱团、声乐班"),
    ("舞蹈排练室", 3, 30, [E.SOUND], WORKDAYS, True, "整面镜墙，木地板"),
    ("会议室", 3, 16, [E.PROJECTOR, E.TABLES, E.CHAIRS], WORKDAYS, False, "小型会议、志愿者培训"),
]


def _at(day: dt.date, hm: str) -> dt.datetime:
    return services.local(day, dt.time.fromisoformat(hm))


def seed_rooms_demo(*, street, admin, volunteer, partner_rep, resident) -> ServiceCentre:
    centre = ServiceCentre.objects.create(
        name="八大湖街道党群服务中心", region=street, address="延安三路 12 号", floors=3
    )
    rooms = {}
    for name, floor, capacity, equipment, hours, approval, description in ROOMS:
        rooms[name] = Room.objects.create(
            centre=centre, name=name, floor=floor, capacity=capacity, equipment=list(equipment), hours=hours,
            needs_approval=approval, description=description,
        )  # fmt: skip
    today = timezone.localdate()
    monday = services.monday_of(today)
    before = _at(monday - dt.timedelta(days=3), "10:00")  # when the bookings were made

    # The seniors' university's calligraphy class: every Tuesday afternoon for a term, booked
    # by the centre's staff (the street's holidays are skipped).
    term = services.Rule(weekday=1, start_time=dt.time(14), end_time=dt.time(16), first_date=monday, count=16)
    class_ = services.BookingInput(purpose="书法课（第二学期）", group_name="老年大学书法班", attendees=24)
    series = services.book_series(rooms["老年大学教室"], admin, term, class_, direct=True, now=before)
    for booking in series.bookings:
        if booking.end <= timezone.now():
            services.check_in(booking, admin, now=booking.start)

    team = Team.objects.filter(leaders=volunteer).first()
    plans = [  # room, weekday, from, to, who, group, purpose, people, decided
        ("多功能厅", 2, "09:00", "11:00", partner_rep, "青岛银行八大湖支行", "防范电信诈骗讲座", 80, True),
        (
            "钢琴室",
            3,
            "15:00",
            "17:00",
            volunteer,
            team.name if team else "红色合唱团",
            "合唱排练",
            10,
            False,
        ),
        (
            "会议室",
            0,
            "14:00",
            "15:30",
            volunteer,
            team.name if team else "志愿服务队",
            "新志愿者培训",
            12,
            True,
        ),
        ("书画室", 4, "09:30", "11:30", resident, "银龄书画社", "国画练习", 12, False),
        ("舞蹈排练室", 4, "14:00", "16:00", resident, "七星里广场舞队", "排练新舞", 20, False),
        ("阅览室", 5, "09:00", "11:00", admin, "四点半课堂", "作业辅导", 25, True),
        ("多功能厅", 7, "14:00", "16:00", admin, "八大湖街道", "居民议事会", 60, True),
    ]
    for room, weekday, start, end, who, group, purpose, people, decided in plans:
        day = monday + dt.timedelta(days=weekday)
        if not decided and day <= today:  # a request still waiting is for the days ahead
            day += dt.timedelta(days=7)
        try:
            booking = services.request_booking(
                rooms[room], who, start=_at(day, start), end=_at(day, end), now=before,
                data=services.BookingInput(
                    purpose=purpose, group_name=group, attendees=people, team=team if who == volunteer else None,
                ),
            )  # fmt: skip
            if decided and booking.status == "requested":
                booking = services.approve_booking(booking, admin)
            if booking.status == "approved" and booking.end <= timezone.now():
                services.check_in(booking, admin, now=booking.start)
        except ServiceError:  # a holiday of the street this week: that booking is not made
            continue
    return centre

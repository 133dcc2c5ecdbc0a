"""The demo street's stations (驿站), near 八大湖 in Qingdao's 市南区: a 暖新驿站 for delivery
riders and drivers (its microwave broken today), a 楼宇驿站 in an office building and a
community station that hands out the love supermarket's items, with one redemption waiting
there and one handed over. Made through places.stations.services, like everything in the demo."""

from __future__ import annotations

from weiguang.partners.models import PartnerUnit
from weiguang.places.models import AmenityState, StationKind
from weiguang.places.stations import services
from weiguang.regions.models import Region
from weiguang.volunteers import services as volunteer_services
from weiguang.volunteers.models import RewardItem, Volunteer

AVAILABLE = AmenityState.AVAILABLE
EVERY_DAY = dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), "07:00-22:00")
WEEKDAYS_ONLY = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), "08:30-12:00, 13:00-18:30")


def seed_stations(street: Region, communities: list[Region], staff: dict[int, object], admin) -> None:
    partner = PartnerUnit.objects.filter(region=street, name="海诚物业八大湖服务中心").first()
    warm = services.create_station(
        admin, region=street, name="八大湖暖新驿站", kind=StationKind.WARM_NEW,
        address="延安三路 220 号（八大湖公园东门旁）", latitude="36.073620", longitude="120.390410",
        hours=EVERY_DAY, phone="053288661234",
        note="外卖骑手、快递小哥、网约车司机歇脚处：热水、充电、微波炉热饭。",
        amenities=dict.fromkeys(("water", "charging", "microwave", "rest", "toilet", "climate"), AVAILABLE),
    )  # fmt: skip
    microwave = services.amenity_of(warm, "microwave")
    services.set_amenity(microwave, admin, AmenityState.OUT_OF_ORDER, "微波炉今天坏了，已报修")
    services.create_station(
        admin, region=street, name="市南软件园楼宇驿站", kind=StationKind.BUILDING,
        address="山东路 6 号甲 1 楼大堂", latitude="36.069820", longitude="120.383150",
        hours=WEEKDAYS_ONLY, phone="053288665678",
        amenities=dict.fromkeys(("water", "charging", "rest", "climate"), AVAILABLE),
    )  # fmt: skip
    home = communities[0]
    community = services.create_station(
        staff[home.pk], region=home, name="七星里社区驿站", kind=StationKind.COMMUNITY,
        address="七星里社区党群服务中心一楼", latitude="36.077150", longitude="120.394820",
        hours=dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat"), "08:00-20:00"),  # closed on Sundays
        phone="053288667890", partner=partner,
        amenities=dict.fromkeys(("water", "rest", "toilet", "first_aid"), AVAILABLE),
    )  # fmt: skip

    # The love supermarket's items are collected at the community station.
    services.set_pickup_items(community, admin, RewardItem.objects.filter(street=street))
    buyers = [
        v
        for v in Volunteer.objects.filter(home_region__path__startswith=street.path).order_by(
            "-points_balance", "id"
        )
        if v.points_balance >= 20
    ][:2]
    cheapest = RewardItem.objects.filter(street=street, stock__gt=0).order_by("points").first()
    for i, volunteer in enumerate(buyers):
        if cheapest is None or volunteer.points_balance < cheapest.points:
            continue
        redemption = volunteer_services.redeem(volunteer.user, cheapest)
        if i == 1:
            services.hand_over(redemption.pickup, staff[home.pk])

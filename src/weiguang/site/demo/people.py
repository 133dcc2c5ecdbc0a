"""Names, ages, ID numbers and phones of the demo street's people, and their user accounts."""

from __future__ import annotations

import datetime as dt

from weiguang.accounts import residence
from weiguang.accounts.models import Account as PhoneAccount
from weiguang.core.privacy import id_number_check_digit
from weiguang.people.models import Gender
from weiguang.regions.models import Building, Membership, Region

from .accounts import DEMO_PASSWORD, DEMO_PHONES, NEWCOMER, Account

# Administrative division codes used as the first six digits of the demo ID numbers
# (市南区, 市北区, 黄岛区, 崂山区, 平度市, 兰山区, 高密市).
ID_REGION_CODES = ["370202", "370202", "370202", "370203", "370211", "370212", "370283", "371302", "370785"]

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
OLD_FEMALE = [
    "秀英",
    "桂兰",
    "玉兰",
    "淑珍",
    "凤英",
    "秀兰",
    "桂英",
    "玉珍",
    "淑英",
    "素芳",
    "翠花",
    "桂芝",
    "兰英",
    "凤兰",
]
OLD_MALE = [
    "建国",
    "国强",
    "德明",
    "福贵",
    "长生",
    "志刚",
    "振华",
    "保国",
    "明德",
    "树林",
    "文忠",
    "玉山",
    "庆丰",
    "洪涛",
]
MID_FEMALE = ["丽", "静", "敏", "艳", "娟", "霞", "丽华", "晓燕", "红梅", "海燕", "雪梅", "春燕", "婷", "慧"]
MID_MALE = ["伟", "强", "磊", "军", "勇", "涛", "斌", "海峰", "志强", "建华", "晓东", "鹏", "浩", "杰"]
YOUNG_FEMALE = ["子涵", "梓萱", "欣怡", "雨桐", "诗涵", "可馨", "一诺", "思彤", "佳怡", "语嫣"]
YOUNG_MALE = ["浩然", "宇轩", "子墨", "梓睿", "俊杰", "一鸣", "子豪", "皓轩", "博文", "天佑"]


class PeopleMixin:
    """Users, role grants and the made-up details of residents."""

    def user(self, username: str, name: str, *, superuser: bool = False, phone: str = ""):
        user = self.User(username=username, first_name=name, is_superuser=superuser, is_staff=superuser)
        user.password = self.password_hash
        user.save()
        phone = phone or DEMO_PHONES.get(username, "")
        if phone:  # the listed accounts log in by mobile number too
            PhoneAccount.objects.create(user=user, phone=phone)
            self.phones[username] = phone
        return user

    def grant(self, user, role: str, region: Region, *, listed: bool = True) -> None:
        Membership.objects.create(user=user, role=role, region=region)
        if listed:
            self.accounts.append(
                Account(
                    role,
                    user.username,
                    DEMO_PASSWORD,
                    region.name,
                    user.first_name,
                    self.phones.get(user.username, ""),
                )
            )

    def make_buildings(self, residents) -> None:
        """The buildings of each grid (regions.Building), from the residents' addresses (they
        were inserted in bulk, so accounts' post_save did not see them)."""
        pairs = sorted({(r.grid_id, r.building) for r in residents if r.building})
        Building.objects.bulk_create([Building(grid_id=g, name=b) for g, b in pairs], ignore_conflicts=True)

    def make_newcomer(self, residents) -> None:
        """`newcomer`: signed up with the phone of a resident the grid worker recorded in the first
        community, and said where they live; staff there see the request with the match."""
        community = self.communities[0]
        grids = {g.pk for g in self.grids[community.pk]}
        found = next(r for r in residents[1:] if r.grid_id in grids and r.user_id is None)
        user = self.user(NEWCOMER, found.name, phone=found.phone)
        building = Building.objects.get(grid_id=found.grid_id, name=found.building)
        grid = next(g for g in self.grids[community.pk] if g.pk == found.grid_id)
        residence.request_residence(user, grid=grid, building=building, door=found.door)

    def person_name(self, gender: str, age: int) -> str:
        surname = self.rng.choice(SURNAMES)
        if age >= 55:
            pool = OLD_FEMALE if gender == Gender.FEMALE else OLD_MALE
        elif age >= 18:
            pool = MID_FEMALE if gender == Gender.FEMALE else MID_MALE
        else:
            pool = YOUNG_FEMALE if gender == Gender.FEMALE else YOUNG_MALE
        return surname + self.rng.choice(pool)

    def birth_date(self, age: int) -> dt.date:
        born = self.today - dt.timedelta(days=age * 365 + self.rng.randint(10, 355))
        return born

    def id_number(self, birth: dt.date, gender: str) -> str:
        while True:
            order = self.rng.randint(0, 99)
            sex_digit = self.rng.choice("13579" if gender == Gender.MALE else "02468")
            first17 = f"{self.rng.choice(ID_REGION_CODES)}{birth:%Y%m%d}{order:02d}{sex_digit}"
            number = first17 + id_number_check_digit(first17)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def phone(self) -> str:
        prefix = self.rng.choice(["130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "158", "159",
                                  "177", "180", "186", "187", "189", "199"])  # fmt: skip
        return prefix + f"{self.rng.randint(0, 99_999_999):08d}"

    def address(self) -> tuple[str, str]:
        building = f"{self.rng.randint(1, 24)}号楼"
        door = f"{self.rng.randint(1, 3)}单元{self.rng.randint(1, 7)}0{self.rng.randint(1, 4)}室"
        return building, door

    def age(self) -> int:
        band = self.rng.random()
        if band < 0.10:
            return self.rng.randint(6, 14)
        if band < 0.18:
            return self.rng.randint(15, 25)
        if band < 0.58:
            return self.rng.randint(26, 59)
        return self.rng.randint(60, 92)

    def groups_for(self, age: int) -> list[str]:
        codes = []
        r = self.rng.random
        if age >= 60:
            codes.append("elderly")
            if r() < 0.35:
                codes.append("elderly_alone")
        if age < 15:
            codes.append("child")
            if r() < 0.25:
                codes.append("child_in_difficulty")
        if 20 <= age <= 45 and r() < 0.25:
            codes.append("new_economy")
        if r() < 0.07:
            codes.append("disabled")
        if r() < 0.10:
            codes.append("low_income")
        if 40 <= age <= 80 and r() < 0.04:
            codes.append("veteran")
        return codes

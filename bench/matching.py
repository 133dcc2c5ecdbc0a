#!/usr/bin/env python
"""Benchmark of recommended claimers and bulk assignment (issue 4). Prints figures; asserts
nothing about time.

    createdb -h 127.0.0.1 -U postgres wg_bench_match
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wg_bench_match .venv/bin/python bench/matching.py

The first run migrates the database and loads one street (10 communities × 8 grids) with
200,000 approved volunteers (skills, weekly availability, the volunteer role at their home
community or grid and, for 5 %, at the street), partner units with resources, and a claims
history (done, released, expired, active) on 60,000 wishes, plus 2,000 published wishes
without a claim. Later runs reuse the data (`--fresh` to drop and reload it is not offered:
use a new database). Then it times:

1. `recommend.candidates(wish, staff)` top-10 for a few kinds of wish: the median of
   `--runs` runs and the number of SQL queries;
2. `assignment.propose` for 1,000 wishes × 1,000 claimers, capacity 1 and capacities 1–3:
   building the score matrix (loading the claimers' facts and scoring) and solving, apart.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "src"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weiguang.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/wg_bench_match")

from bench.generate import Loader  # noqa: E402

STREET = "匹配基准街道"
SKILLS = [
    ("家电维修", "电器 维修 电饭煲 风扇 洗衣机 冰箱"), ("理发", "理发 剪发 头发"), ("医疗护理", "医生 体检 护理 血压"),
    ("水电维修", "水管 电路 灯泡 维修"), ("陪诊", "陪诊 医院 挂号"), ("助老", "陪同 下楼 买菜 轮椅"),
    ("法律咨询", "法律 合同 纠纷"), ("心理疏导", "心理 谈心 陪伴"), ("辅导功课", "作业 辅导 学习"),
    ("书法", "书法 写字 春联"), ("摄影", "照片 拍照 证件照"), ("电脑手机", "手机 电脑 微信 网络"),
    ("烹饪", "做饭 烹饪 饺子"), ("清洁", "打扫 清洁 卫生"), ("搬运", "搬家 搬运 力气"),
    ("开锁", "门锁 钥匙 开锁"), ("推拿按摩", "按摩 推拿 理疗"), ("缝补", "缝补 衣服 裁缝"),
    ("园艺", "种花 绿化 园艺"), ("翻译", "翻译 外语 英语"),
]  # fmt: skip
WISHES = [  # (kind, category name, title)
    ("service", "维修服务", "电饭煲坏了，想请人上门维修"),
    ("service", "理发美容", "行动不便，想请人上门理发"),
    ("service", "医疗健康", "想请医生上门量血压"),
    ("service", "助老助残", "想有人陪我下楼买菜"),
    ("item", "生活用品", "想要一个电水壶"),
    ("item", "学习用品", "孩子想要一个新书包"),
]
NO_SKILL_FITS = "想找人说说话（无技能匹配）"
WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
PERIODS = ["am", "pm", "eve"]


def setup():
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def next_id(model) -> int:
    from django.db.models import Max

    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


def generate(n_volunteers: int, seed: int = 7) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from weiguang.partners.models import PartnerKind, PartnerUnit, Resource
    from weiguang.people.models import Resident
    from weiguang.regions.models import Membership, Region, RegionKind, Role
    from weiguang.volunteers.models import Skill, Volunteer
    from weiguang.wishes.models import Claim, Wish, WishCategory

    User = get_user_model()
    rnd = random.Random(seed)
    now = timezone.now()
    started = time.perf_counter()
    loader = Loader(connection)
    with transaction.atomic():
        district, _ = Region.objects.get_or_create(name="基准区", kind=RegionKind.DISTRICT, parent=None)
        street = Region.objects.create(name=STREET, kind=RegionKind.STREET, parent=district)
        communities, grids = [], []
        for c in range(10):
            community = Region.objects.create(name=f"基准{c}社区", kind=RegionKind.COMMUNITY, parent=street)
            communities.append(community)
            for g in range(8):
                grids.append(
                    Region.objects.create(name=f"基准{c}-{g}网格", kind=RegionKind.GRID, parent=community)
                )
        skills = [Skill.objects.get_or_create(name=n, defaults={"keywords": kw})[0] for n, kw in SKILLS]
        admin = User.objects.create(username="bench_match_admin", first_name="基准主任")
        Membership.objects.create(user=admin, region=street, role=Role.STREET_ADMIN)

        # volunteers: users, volunteer rows, skills, roles
        uid0, vid0 = next_id(User), next_id(Volunteer)
        homes = []
        for _ in range(n_volunteers):
            homes.append(rnd.choice(grids) if rnd.random() < 0.7 else rnd.choice(communities))
        stamp = now.isoformat()
        loader.load(
            User,
            ["id", "password", "is_superuser", "username", "first_name", "last_name", "email", "is_staff",
             "is_active", "date_joined"],
            ((uid0 + k, "!", False, f"bm{uid0 + k}", f"志愿者{k}", "", "", False, True, stamp)
             for k in range(n_volunteers)),
        )  # fmt: skip

        def availability():
            days = rnd.sample(WEEK, rnd.randint(0, 4))
            return json.dumps(
                {d: sorted(rnd.sample(PERIODS, rnd.randint(1, 2)), key=PERIODS.index) for d in days}
            )

        loader.load(
            Volunteer,
            ["id", "user", "number", "name", "phone", "id_number", "home_region", "availability", "party_member",
             "dual_reporting_unit", "status", "reject_reason", "approved_at", "created_at", "verified_hours",
             "points_balance"],
            ((vid0 + k, uid0 + k, f"BM{vid0 + k:010d}", f"志愿者{k}", f"138{k:08d}", f"BM{vid0 + k:016d}",
              homes[k].pk, availability(), rnd.random() < 0.3, "", "approved", "", stamp, stamp, 0, 0)
             for k in range(n_volunteers)),
        )  # fmt: skip
        through = Volunteer.skills.through

        def skill_rows():
            for k in range(n_volunteers):
                for s in rnd.sample(skills, rnd.choice([0, 1, 1, 2, 2, 3])):
                    yield (vid0 + k, s.pk)

        loader.load(through, ["volunteer", "skill"], skill_rows())

        def role_rows():
            for k in range(n_volunteers):
                yield (uid0 + k, homes[k].pk, Role.VOLUNTEER, stamp)
                if rnd.random() < 0.05:
                    yield (uid0 + k, street.pk, Role.VOLUNTEER, stamp)

        loader.load(Membership, ["user", "region", "role", "created_at"], role_rows())
        loader.reset_sequences([User, Volunteer, Membership, through])  # the ORM inserts after COPY

        # units with resources, each with a representative
        for u in range(12):
            rep = User.objects.create(username=f"bm_rep{u}", first_name=f"代表{u}")
            Membership.objects.create(user=rep, region=street, role=Role.PARTNER_REP)
            unit = PartnerUnit.objects.create(
                name=f"基准共建单位{u}", kind=PartnerKind.COMPANY, region=street
            )
            unit.representatives.add(rep)
            if u % 3 == 0:
                unit.communities.set(rnd.sample(communities, 3))
            kind = ["goods", "service", "people"][u % 3]
            name, kw = SKILLS[u]
            Resource.objects.create(unit=unit, kind=kind, title=f"{name}资源", keywords=kw)

        # residents and a claims history
        rid0 = next_id(Resident)
        residents = [(rid0 + k, rnd.choice(grids)) for k in range(4000)]
        loader.load(
            Resident,
            [
                "id",
                "name",
                "gender",
                "phone",
                "id_number",
                "grid",
                "building",
                "door",
                "consent",
                "created_at",
            ],
            ((rid, f"居民{rid}", "F", "", "", g.pk, "1号楼", "101室", True, stamp) for rid, g in residents),
        )
        categories = {c.name: c for c in WishCategory.objects.all()}
        wid0, cid0 = next_id(Wish), next_id(Claim)
        history = (
            [("fulfilled", "done")] * 40 + [("published", "released")] * 10 + [("published", "expired")] * 5
        )
        history += [("claimed", "active")] * 5
        wishes, claims = [], []
        for k in range(60_000):
            rid, grid = rnd.choice(residents)
            kind, cat, title = rnd.choice(WISHES)
            w_status, c_status = rnd.choice(history)
            wishes.append((wid0 + k, rid, grid.pk, grid.parent_id, street.pk, kind, categories[cat].pk, title,
                           "", "desk", w_status, "", "", "", "", stamp, stamp, stamp))  # fmt: skip
            claimer = uid0 + rnd.randrange(n_volunteers)
            claims.append((cid0 + k, wid0 + k, claimer, now.date().isoformat(), c_status, stamp))
        for k in range(60_000, 62_000):  # on the wall, waiting: the batch to assign
            rid, grid = rnd.choice(residents)
            kind, cat, title = rnd.choice(WISHES)
            wishes.append((wid0 + k, rid, grid.pk, grid.parent_id, street.pk, kind, categories[cat].pk, title,
                           "", "stall", "published", "", "", "", "", stamp, stamp, stamp))  # fmt: skip
        loader.load(
            Wish,
            ["id", "resident", "grid", "community", "street", "kind", "category", "title", "description", "channel",
             "status", "reject_reason", "fulfil_note", "thanks", "dispute_reason", "created_at", "published_at", "updated_at"],
            wishes,
        )  # fmt: skip
        loader.load(Claim, ["id", "wish", "claimer", "promised_date", "status", "created_at"], claims)
        loader.reset_sequences([Resident, Wish, Claim])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    print(f"loaded {n_volunteers:,} volunteers and 60,000 claims in {time.perf_counter() - started:.1f} s")


def median_time(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def bench_candidates(runs: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from weiguang.matching import recommend
    from weiguang.regions.models import Region
    from weiguang.volunteers.models import Volunteer
    from weiguang.wishes.models import Wish, WishCategory

    admin = get_user_model().objects.get(username="bench_match_admin")
    street = Region.objects.get(name=STREET)
    total = Volunteer.objects.filter(home_region__path__startswith=street.path).count()
    print(f"\n1. candidates(wish) top 10 among {total:,} volunteers of the street ({runs} runs, median)")
    waiting = Wish.objects.filter(street=street, status="published", claims__isnull=True).select_related(
        "grid", "community", "street", "category", "resident"
    )
    for _kind, _category, title in [*WISHES, ("service", "其他", NO_SKILL_FITS)]:
        if title == NO_SKILL_FITS:  # the worst case: no skill fits, every volunteer is in the race
            wish = waiting.filter(kind="service").first()
            wish.title, wish.description, wish.category = title, "", WishCategory.objects.get(name="其他")
        else:
            wish = waiting.filter(title=title).first()
        recommend.candidates(wish, admin)  # warm
        with CaptureQueriesContext(connection) as ctx:
            found = recommend.candidates(wish, admin)
        seconds, _ = median_time(lambda w=wish: recommend.candidates(w, admin), runs)
        top = found[0] if found else None
        best = (
            f"best {top.score:.3f} ({top.kind}: {' / '.join(r.text for r in top.reasons[:2])})"
            if top
            else "-"
        )
        print(f"   {title:<18} {seconds * 1000:8.1f} ms  {len(ctx.captured_queries):3d} queries  {best}")
    # for comparison: every eligible volunteer scored (what the tiers avoid)
    wish = Wish.objects.filter(
        street=street, status="published", title=WISHES[0][2], claims__isnull=True
    ).first()
    from weiguang.matching import scoring as matching
    from weiguang.regions.models import Membership, ancestor_ids

    need = matching.need_of(wish)
    base = Volunteer.objects.filter(
        status="approved",
        user_id__in=Membership.objects.filter(
            role="volunteer", region_id__in=ancestor_ids(need.grid_path)
        ).values("user_id"),
    )

    def scan():
        rows = recommend._with_claim_counts(base).values_list("pk", "user_id", "availability", "n_open")
        return sum(1 for _ in rows.iterator(chunk_size=5000))

    seconds, n = median_time(scan, max(3, runs // 5))
    print(
        f"   (for comparison: reading all {n:,} eligible volunteers with their claim counts: {seconds * 1000:.0f} ms)"
    )


def bench_propose(n_wishes: int, n_claimers: int, seed: int = 11) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from weiguang.matching import assignment
    from weiguang.matching.assignment import ClaimerRef
    from weiguang.regions.models import Region
    from weiguang.volunteers.models import Volunteer
    from weiguang.wishes.models import Wish

    rnd = random.Random(seed)
    admin = get_user_model().objects.get(username="bench_match_admin")
    street = Region.objects.get(name=STREET)
    wish_ids = list(
        Wish.objects.filter(street=street, status="published", claims__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:n_wishes]
    )
    # claimers who may claim anywhere in the street (the street-level role) and the rest at random
    street_wide = list(
        Volunteer.objects.filter(user__memberships__region=street, user__memberships__role="volunteer")
        .order_by("pk")
        .values_list("user_id", flat=True)[: n_claimers // 2]
    )
    others = list(
        Volunteer.objects.filter(home_region__path__startswith=street.path)
        .exclude(user_id__in=street_wide)
        .order_by("?")
        .values_list("user_id", flat=True)[: n_claimers - len(street_wide)]
    )
    users = street_wide + others
    print(
        f"\n2. propose: {len(wish_ids):,} wishes × {len(users):,} claimers ({len(street_wide)} street-wide)"
    )
    for label, caps in [
        ("capacity 1", [1] * len(users)),
        ("capacity 1-3", [rnd.randint(1, 3) for _ in users]),
    ]:
        claimers = [(ClaimerRef(user_id=u), c) for u, c in zip(users, caps, strict=True)]
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            with CaptureQueriesContext(connection) as ctx:
                proposal = assignment.propose(wish_ids, claimers, by=admin)
            runs.append((time.perf_counter() - t, proposal, len(ctx.captured_queries)))
        runs.sort(key=lambda r: r[0])
        elapsed, proposal, queries = runs[1]
        print(
            f"   {label:<13} columns {sum(caps):>5,}: matrix {proposal.timings['matrix']:6.2f} s, "
            f"solve {proposal.timings['solve']:6.2f} s, whole call {elapsed:6.2f} s ({queries} queries); "
            f"{len(proposal.pairs):,} pairs, total score {proposal.total:,.2f}, "
            f"{len(proposal.unassigned):,} wishes without a fitting claimer"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--volunteers", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--wishes", type=int, default=1000)
    parser.add_argument("--claimers", type=int, default=1000)
    args = parser.parse_args()
    setup()
    from django.db import connection

    from weiguang.regions.models import Region

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    if not Region.objects.filter(name=STREET).exists():
        generate(args.volunteers)
    bench_candidates(args.runs)
    bench_propose(args.wishes, args.claimers)


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""Generate a street or a whole city of residents and micro-wishes for the benchmarks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wg_bench .venv/bin/python bench/generate.py --scale street
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wg_bench .venv/bin/python bench/generate.py --scale city

The few regions and users go through the ORM (regions compute their materialised paths on
save); residents, their groups, wishes and claims are streamed with COPY on PostgreSQL (or
executemany in batches on SQLite, for a small street). Ids are assigned here, so claims can
point at their wishes without a round trip, and the sequences are moved past them at the end.

Wishes are spread over the last year, mostly public (on the wall, claimed, fulfilled, lit);
every claimed / fulfilled / confirmed wish has its one live claim by a volunteer of its
street. Generated rows have no audit trail or notifications: they stand for history, not for
transitions. The database must be empty apart from migrations (use a fresh one: see
bench/README.md). Prints rows/s for each table.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import os
import random
import sys
import time
from array import array
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "src"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weiguang.settings")

SCALES = {
    # districts, streets (spread over the districts), communities per street, grids per
    # community, residents, wishes, volunteers per street
    "tiny": dict(
        districts=1, streets=1, communities=4, grids=3, residents=2_000, wishes=4_000, volunteers=80
    ),
    "street": dict(
        districts=1, streets=1, communities=10, grids=8, residents=20_000, wishes=40_000, volunteers=200
    ),
    "city": dict(
        districts=3,
        streets=10,
        communities=10,
        grids=8,
        residents=1_000_000,
        wishes=2_000_000,
        volunteers=200,
    ),
}
BENCH_PASSWORD = "bench-2026"
DISTRICT_NAMES = ["市南区", "市北区", "李沧区", "崂山区", "黄岛区", "城阳区"]
STREET_NAMES = ["八大湖街道", "金门路街道", "八大关街道", "湛山街道", "香港中路街道", "珠海路街道", "江苏路街道",
                "中山路街道", "云南路街道", "金湖路街道", "八大峡街道", "浮山新区街道"]  # fmt: skip
COMMUNITY_WORDS = ["七星里", "海晏", "金湖", "云溪", "观海", "望海", "青山", "福山", "錦绣", "新城", "春和", "安居",
                   "和平", "幸福", "宁夏", "延安", "太平", "桃园"]  # fmt: skip
GRID_NUMERALS = "一二三四五六七八九十"
# Final states of generated wishes and how often they occur (mostly public).
STATUS_WEIGHTS = [
    ("submitted", 3),
    ("published", 22),
    ("claimed", 8),
    ("fulfilled", 5),
    ("confirmed", 56),
    ("rejected", 4),
    ("withdrawn", 2),
]
PUBLIC = {"published", "claimed", "fulfilled", "confirmed"}
CLAIMED = {"claimed", "fulfilled", "confirmed"}
CHANNELS = ["self", "grid", "grid", "grid", "desk", "desk", "phone", "stall"]


def setup_django() -> None:
    import django

    django.setup()


class Timestamps:
    """Fast text timestamps for COPY: `at(seconds_ago)` relative to the start of the run."""

    def __init__(self, vendor: str):
        self.now = int(time.time())
        self.tz = "+00" if vendor == "postgresql" else ""
        self._days: dict[int, str] = {}

    def at(self, seconds_ago: int) -> str:
        t = self.now - seconds_ago
        day, rem = divmod(t, 86400)
        s = self._days.get(day)
        if s is None:
            s = self._days[day] = dt.date.fromordinal(day + 719163).isoformat()  # 719163 = 1970-01-01
        return f"{s} {rem // 3600:02d}:{rem // 60 % 60:02d}:{rem % 60:02d}{self.tz}"

    def date_in(self, days: int) -> str:
        return (dt.date.today() + dt.timedelta(days=days)).isoformat()


class Loader:
    """Streams rows into a table: COPY on PostgreSQL, executemany in batches elsewhere."""

    def __init__(self, connection):
        self.connection = connection
        self.vendor = connection.vendor
        self.figures: list[tuple[str, int, float]] = []

    def load(self, model, columns: list[str], rows) -> int:
        meta = model._meta
        table = meta.db_table
        cols = [meta.get_field(c).column if c != "id" else "id" for c in columns]
        started = time.perf_counter()
        count = 0
        with self.connection.cursor() as cursor:
            if self.vendor == "postgresql":
                from psycopg.copy import QueuedLibpqWriter

                # The queued writer sends from a thread, so the server parses and indexes
                # one batch while Python builds the next.
                raw = cursor.cursor
                sql = f"COPY {table} ({', '.join(cols)}) FROM STDIN"
                with raw.copy(sql, writer=QueuedLibpqWriter(raw)) as copy:
                    for row in rows:
                        copy.write_row(row)
                        count += 1
            else:
                sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
                batch = []
                for row in rows:
                    batch.append(row)
                    if len(batch) >= 20_000:
                        cursor.cursor.executemany(sql, batch)
                        count += len(batch)
                        batch.clear()
                if batch:
                    cursor.cursor.executemany(sql, batch)
                    count += len(batch)
        elapsed = time.perf_counter() - started
        self.figures.append((table, count, elapsed))
        print(
            f"  {table:<24} {count:>10,} rows in {elapsed:7.1f} s  = {count / max(elapsed, 1e-9):>9,.0f} rows/s",
            flush=True,
        )
        return count

    def analyse(self, models, bulk: float) -> None:
        """Refresh the planner's statistics of `models`' tables and print the loading figures
        (`bulk`: the seconds the loading took)."""
        t_an = time.perf_counter()
        with self.connection.cursor() as cursor:
            if self.vendor == "postgresql":
                for model in models:
                    cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
            else:
                cursor.execute("ANALYZE")
        analyse = time.perf_counter() - t_an
        rows = sum(n for _t, n, _e in self.figures)
        print(
            f"Bulk rows: {rows:,} in {bulk:.1f} s = {rows / bulk:,.0f} rows/s; VACUUM ANALYZE {analyse:.1f} s"
        )

    def reset_sequences(self, models) -> None:
        with self.connection.cursor() as cursor:
            for model in models:
                table = model._meta.db_table
                if self.vendor == "postgresql":
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
                    )


@contextmanager
def loading(connection, models):
    """One transaction for a group of tables, loaded the way PostgreSQL's manual advises
    ("Populating a Database"): drop the tables' secondary indexes and foreign keys, load, then
    build each index in one pass and re-add each foreign key, which validates every row with
    one join instead of one lookup per row. DDL is transactional: a failure restores all."""
    from django.db import transaction

    tables = [m._meta.db_table for m in models]
    with transaction.atomic(), connection.cursor() as cursor:
        saved_fks, saved_indexes = [], []
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
                [tables],
            )
            saved_fks = cursor.fetchall()
            # Indexes that back a constraint (primary key, unique) stay.
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "WHERE i.indrelid::regclass::text = ANY(%s) "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
                [tables],
            )
            saved_indexes = cursor.fetchall()
            for table, name, _definition in saved_fks:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _definition in saved_indexes:
                cursor.execute(f"DROP INDEX {name}")
        yield
        started = time.perf_counter()
        for _name, definition in saved_indexes:
            cursor.execute(definition)
        indexed = time.perf_counter()
        for table, name, definition in saved_fks:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        checked = time.perf_counter()
    done = time.perf_counter()
    if saved_indexes or saved_fks:
        print(
            f"  {'':<24} {len(saved_indexes):>4} indexes built in {indexed - started:.1f} s, "
            f"{len(saved_fks)} foreign keys checked in {checked - indexed:.1f} s, commit {done - checked:.1f} s",
            flush=True,
        )


def build_places(conf: dict, rng: random.Random):
    """Districts → streets → communities → grids, through the ORM."""
    from weiguang.regions.models import Region, RegionKind
    from weiguang.wishes.models import WishPolicy

    streets = []
    districts = [
        Region.objects.create(name=DISTRICT_NAMES[i], kind=RegionKind.DISTRICT)
        for i in range(conf["districts"])
    ]
    for s in range(conf["streets"]):
        street = Region.objects.create(
            name=STREET_NAMES[s % len(STREET_NAMES)] + ("" if s < len(STREET_NAMES) else str(s)),
            kind=RegionKind.STREET,
            parent=districts[s % len(districts)],
        )
        WishPolicy.objects.create(street=street)
        communities = []
        for c in range(conf["communities"]):
            word = COMMUNITY_WORDS[(s * 7 + c) % len(COMMUNITY_WORDS)]
            community = Region.objects.create(
                name=f"{word}{'' if c < len(COMMUNITY_WORDS) else c}社区",
                kind=RegionKind.COMMUNITY,
                parent=street,
            )
            grids = [
                Region.objects.create(
                    name=f"第{GRID_NUMERALS[g] if g < 10 else g + 1}网格",
                    kind=RegionKind.GRID,
                    parent=community,
                )
                for g in range(conf["grids"])
            ]
            communities.append((community, grids))
        streets.append((street, communities))
    return districts, streets


def build_people(conf: dict, districts, streets):
    """Staff and volunteers per street, through bulk_create. Returns {street_id: [volunteer ids]}."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from weiguang.regions.models import Membership, Role

    User = get_user_model()
    hashed = make_password(BENCH_PASSWORD)
    users, grants = [], []  # grants: (username, role, region)
    users.append(
        User(
            username="benchadmin", first_name="基准管理员", is_superuser=True, is_staff=True, password=hashed
        )
    )
    for district in districts:
        grants.append(("benchadmin", Role.STREET_ADMIN, district))
    for s, (street, communities) in enumerate(streets, start=1):
        for c, (community, _grids) in enumerate(communities, start=1):
            name = f"s{s:02d}c{c:02d}staff"
            users.append(User(username=name, first_name=f"社区工作人员{s}-{c}", password=hashed))
            grants.append((name, Role.COMMUNITY_STAFF, community))
        for v in range(1, conf["volunteers"] + 1):
            name = f"s{s:02d}v{v:03d}"
            users.append(User(username=name, first_name=f"志愿者{s}-{v}", password=hashed))
            grants.append((name, Role.VOLUNTEER, street))
    User.objects.bulk_create(users, batch_size=2000)
    ids = dict(User.objects.values_list("username", "id"))
    Membership.objects.bulk_create(
        [Membership(user_id=ids[u], role=role, region=region) for u, role, region in grants], batch_size=2000
    )
    return {
        street.pk: [ids[f"s{s:02d}v{v:03d}"] for v in range(1, conf["volunteers"] + 1)]
        for s, (street, _c) in enumerate(streets, start=1)
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", choices=SCALES, default="street")
    parser.add_argument("--residents", type=int, help="override the scale's number of residents")
    parser.add_argument("--wishes", type=int, help="override the scale's number of wishes")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-migrate", action="store_true", help="the schema is already migrated")
    args = parser.parse_args(argv)
    conf = dict(SCALES[args.scale])
    if args.residents:
        conf["residents"] = args.residents
    if args.wishes:
        conf["wishes"] = args.wishes

    setup_django()
    from django.core.management import call_command
    from django.db import connection, transaction

    from weiguang.core.privacy import id_number_check_digit
    from weiguang.people.models import PopulationGroup, Resident
    from weiguang.regions.models import Region
    from weiguang.site.demo.people import (
        MID_FEMALE,
        MID_MALE,
        OLD_FEMALE,
        OLD_MALE,
        SURNAMES,
        YOUNG_FEMALE,
        YOUNG_MALE,
    )
    from weiguang.site.demo.wishes import WISHES
    from weiguang.wishes.models import Claim, Wish, WishCategory

    db = connection.settings_dict
    print(f"Database: {connection.vendor} {db.get('NAME')}")
    if connection.vendor != "postgresql" and conf["wishes"] > 100_000:
        print("A city needs PostgreSQL: set DATABASE_URL=postgres://...", file=sys.stderr)
        return 2
    t_all = time.perf_counter()
    if not args.no_migrate:
        call_command("migrate", verbosity=0, interactive=False)
    if Region.objects.exists():
        print(
            "The database already holds regions; generate into a fresh one (see bench/README.md).",
            file=sys.stderr,
        )
        return 2

    rng = random.Random(args.seed)
    ts = Timestamps(connection.vendor)
    loader = Loader(connection)
    print(
        f"Scale {args.scale}: {conf['streets']} street(s) × {conf['communities']} communities × {conf['grids']} grids, "
        f"{conf['residents']:,} residents, {conf['wishes']:,} wishes"
    )

    t0 = time.perf_counter()
    with transaction.atomic():
        districts, streets = build_places(conf, rng)
        volunteers = build_people(conf, districts, streets)
    n_regions = Region.objects.count()
    print(
        f"  regions and users (ORM)  {n_regions:>10,} regions, {sum(map(len, volunteers.values())):,} volunteers in {time.perf_counter() - t0:.1f} s"
    )

    # grid id → (community id, street id); residents are spread evenly over the streets.
    grid_place: dict[int, tuple[int, int]] = {}
    street_grids: list[list[int]] = []
    for street, communities in streets:
        ids = []
        for community, grids in communities:
            for g in grids:
                grid_place[g.pk] = (community.pk, street.pk)
                ids.append(g.pk)
        street_grids.append(ids)

    groups = dict(PopulationGroup.objects.values_list("code", "id"))
    categories = dict(WishCategory.objects.values_list("name", "id"))
    today = dt.date.today()
    n_res = conf["residents"]
    first_resident = 1
    resident_grid = array("q", bytes(8 * (n_res + 1)))  # resident index → grid id
    resident_elderly = bytearray(n_res + 1)
    id_regions = ["370202", "370203", "370211", "370212", "370213", "370214", "370281", "370283", "371302"]
    phone_prefixes = ["130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "158", "159", "177",
                      "180", "186", "187", "189", "199"]  # fmt: skip
    group_rows: list[tuple[int, int, int]] = []

    def residents():
        r = rng.random
        today_ordinal = today.toordinal()
        per_street = -(-n_res // len(streets))
        gid = 0
        for i in range(1, n_res + 1):
            grids = street_grids[(i - 1) // per_street]
            grid = grids[int(r() * len(grids))]
            resident_grid[i] = grid
            band = r()
            age = int(6 + r() * 9) if band < 0.1 else int(15 + r() * 45) if band < 0.6 else int(60 + r() * 33)
            female = r() < 0.5
            birth = dt.date.fromordinal(today_ordinal - age * 365 - int(r() * 360)).isoformat()
            if age >= 55:
                pool = OLD_FEMALE if female else OLD_MALE
            elif age >= 18:
                pool = MID_FEMALE if female else MID_MALE
            else:
                pool = YOUNG_FEMALE if female else YOUNG_MALE
            name = SURNAMES[int(r() * len(SURNAMES))] + pool[int(r() * len(pool))]
            order = int(r() * 100)
            sex = int(r() * 5) * 2 + (0 if female else 1)
            first17 = f"{id_regions[int(r() * 9)]}{birth[:4]}{birth[5:7]}{birth[8:]}{order:02d}{sex}"
            phone = phone_prefixes[int(r() * 18)] + f"{int(r() * 100_000_000):08d}"
            codes = []
            if age >= 60:
                resident_elderly[i] = 1
                codes.append("elderly")
                if r() < 0.3:
                    codes.append("elderly_alone")
            elif age < 15:
                codes.append("child")
            elif 20 <= age <= 45 and r() < 0.12:
                codes.append("new_economy")
            if r() < 0.05:
                codes.append("disabled")
            if r() < 0.07:
                codes.append("low_income")
            for code in codes:
                gid += 1
                group_rows.append((gid, i, groups[code]))
            yield (
                i, name, "F" if female else "M", birth, phone, first17 + id_number_check_digit(first17),
                grid, f"{int(r() * 30) + 1}号楼", f"{int(r() * 4) + 1}单元{int(r() * 18) + 1}0{int(r() * 4) + 1}室", True,
                ts.at(int(r() * 3 * 365 * 86400)),
            )  # fmt: skip

    print("Loading (rows/s: COPY alone; index builds and foreign-key checks follow each group):")
    t_bulk = time.perf_counter()
    with loading(connection, [Resident, Resident.groups.through]):
        loader.load(
            Resident,
            [
                "id",
                "name",
                "gender",
                "birth_date",
                "phone",
                "id_number",
                "grid",
                "building",
                "door",
                "consent",
                "created_at",
            ],
            residents(),
        )
        loader.load(Resident.groups.through, ["id", "resident", "populationgroup"], iter(group_rows))
    group_rows.clear()

    # Wishes.
    status_names = [s for s, _w in STATUS_WEIGHTS]
    cumulative = []
    total = 0
    for _s, w in STATUS_WEIGHTS:
        total += w
        cumulative.append(total)
    templates = [
        (title, kind, desc, None if value is None else f"{value}.00", categories.get(cat))
        for title, kind, desc, value, _g, cat in WISHES
    ]
    claim_rows: list[tuple] = []
    year = 365 * 86400

    def wishes():
        r = rng.random

        def later(seconds_ago: int, up_to: int) -> int:
            """A moment after `seconds_ago`: up to `up_to` seconds later, never in the future."""
            return seconds_ago - int(r() * min(up_to, seconds_ago * 0.4)) - 1

        claim_id = 0
        for i in range(1, conf["wishes"] + 1):
            res = first_resident + int(r() * n_res)
            grid = resident_grid[res]
            community, street = grid_place[grid]
            title, kind, desc, value, category = templates[int(r() * len(templates))]
            status = status_names[bisect.bisect_right(cumulative, r() * total)]
            age = int(r() * year) + 7200  # seconds since it was posted
            created = ts.at(age)
            published = fulfilled = confirmed = None
            reject = fulfil_note = thanks = ""
            rating = None
            step = age
            if status in PUBLIC or (status == "rejected" and r() < 0.3):
                step = later(step, 2 * 86400)
                published = ts.at(step)
            if status == "rejected":
                reject = "超出微心愿范围，已转交相关部门处理。"
            if status in CLAIMED:
                claim_step = later(step, 3 * 86400)
                claim_id += 1
                done = status != "claimed"
                if done:
                    step = later(claim_step, 7 * 86400)
                    fulfilled = ts.at(step)
                    fulfil_note = "已送到家中，当面交给本人。"
                street_vols = volunteers[street]
                claim_rows.append((
                    claim_id, i, street_vols[int(r() * len(street_vols))],
                    ts.date_in(-(claim_step // 86400) + 7) if done else ts.date_in(1 + int(r() * 20)),
                    "done" if done else "active", ts.at(claim_step), fulfilled,
                ))  # fmt: skip
            if status == "confirmed":
                step = later(step, 2 * 86400)
                confirmed = ts.at(step)
                thanks = "谢谢志愿者！"
                rating = 5 if r() < 0.7 else 4
            yield (
                i, res, grid, community, street, kind, category, title, desc, value,
                CHANNELS[int(r() * len(CHANNELS))], status, reject, "", fulfil_note, thanks, rating,
                created, published, fulfilled, confirmed, ts.at(step),
            )  # fmt: skip

    wish_columns = ["id", "resident", "grid", "community", "street", "kind", "category", "title", "description", "value",
                    "channel", "status", "reject_reason", "dispute_reason", "fulfil_note", "thanks", "rating",
                    "created_at", "published_at", "fulfilled_at", "confirmed_at", "updated_at"]  # fmt: skip
    with loading(connection, [Wish, Claim]):
        loader.load(Wish, wish_columns, wishes())
        loader.load(
            Claim,
            ["id", "wish", "claimer", "promised_date", "status", "created_at", "ended_at"],
            iter(claim_rows),
        )
    claim_rows.clear()
    bulk = time.perf_counter() - t_bulk
    loader.reset_sequences([Resident, Resident.groups.through, Wish, Claim])

    loader.analyse((Region, Resident, Resident.groups.through, Wish, Claim), bulk)
    print(f"Total: {time.perf_counter() - t_all:.1f} s")
    first_street, first_communities = streets[0]
    print(
        f"Benchmark street: {first_street.name} (id {first_street.pk}), first community "
        f"{first_communities[0][0].name} (id {first_communities[0][0].pk}); volunteers s01v001… password {BENCH_PASSWORD!r}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

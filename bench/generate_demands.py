#!/usr/bin/env python
"""Add demands (诉求) to a database that bench/generate.py has filled.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wg_bench_city .venv/bin/python bench/generate_demands.py

By default 1,000,000 demands over the last two years, spread unevenly over the streets that
generate.py made (the first street is the busiest), so the demands share the regions, the
residents and the staff of the wishes. A few rows go through the ORM (a category tree, two
departments per street with a handler each, a street admin per street, a monthly
deliberation meeting per street); demands and their transfers are streamed with COPY, with
the tables' secondary indexes and foreign keys dropped during the load and rebuilt after it
(see `generate.loading`). Prints rows/s and the time of each step.

Deadlines count working days Monday to Friday (holidays are ignored): first contact within
1 working day (2 hours if urgent), handling within 5, a warning order within 3. The state of
each demand follows its age: recent ones are mostly open (green or yellow), older ones are
mostly closed, and a small share is stuck past its deadline (red).
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "src"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weiguang.settings")

from bench.generate import BENCH_PASSWORD, Loader, Timestamps, loading, setup_django  # noqa: E402

DAY = 86400
HOUR = 3600
# The share of each street in the demands, busiest first (cycled for more streets).
STREET_WEIGHTS = [18, 14, 12, 10, 10, 9, 8, 7, 6, 6]
CHANNEL_WEIGHTS = [("desk", 20), ("hotline", 30), ("group_chat", 14), ("visit", 15), ("stall", 8),
                   ("online", 11), ("wish", 1), ("deliberation", 1)]  # fmt: skip
# category → subcategories → titles a resident might give
CATEGORIES = {
    "环境卫生": {
        "垃圾清运": ["楼下垃圾桶满了没人清", "建筑垃圾堆在楼道口", "垃圾分类点异味大"],
        "绿化养护": ["小区树枝挡住窗户", "绿化带杂草太高", "枯树有倒伏危险"],
        "楼道杂物": ["楼道堆放杂物影响通行", "电动车在楼道充电"],
    },
    "物业服务": {
        "电梯故障": ["电梯经常停运", "电梯按钮失灵"],
        "供暖供水": ["暖气不热", "停水没有通知", "自来水发黄"],
        "房屋漏水": ["楼顶漏水", "楼上渗水到我家"],
    },
    "市政设施": {
        "路灯照明": ["路灯坏了晚上太黑", "路灯白天还亮着"],
        "道路破损": ["路面坑洼积水", "人行道地砖松动"],
        "井盖管网": ["井盖缺失", "下水道堵塞返味"],
    },
    "邻里关系": {
        "噪音扰民": ["楼上装修噪音", "广场舞音响太大"],
        "占道停车": ["车辆堵住消防通道", "私装地锁占车位"],
    },
    "民生保障": {
        "养老服务": ["想申请助餐服务", "独居老人需要上门探访"],
        "社会救助": ["咨询低保申请", "临时困难求助"],
        "医保社保": ["医保报销咨询", "社保卡补办"],
    },
}
DEPARTMENTS = ["城市管理办公室", "社会事务办公室"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"


def _weighted(pairs):
    names, cumulative, total = [], [], 0
    for name, weight in pairs:
        total += weight
        names.append(name)
        cumulative.append(total)
    return names, cumulative, total


class WorkingDays:
    """Seconds-ago arithmetic for deadlines: the same time of day on the n-th weekday after."""

    def __init__(self, now: int):
        self.now = now
        self._cache: dict[tuple[int, int], int] = {}

    def due(self, ago: int, days: int) -> int:
        t = self.now - ago
        day = t // DAY
        key = (day, days)
        shift = self._cache.get(key)
        if shift is None:
            d, left = day, days
            while left:
                d += 1
                if (d + 3) % 7 < 5:  # 1970-01-01 was a Thursday: (d + 3) % 7 is 0 on Mondays
                    left -= 1
            shift = self._cache[key] = d - day
        return ago - shift * DAY


def build_fixtures(streets):
    """Categories, departments with a handler, a street admin per street, monthly meetings."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from weiguang.demands.models import Deliberation, DemandCategory, Department, MeetingStatus
    from weiguang.regions.models import Membership, Role

    User = get_user_model()
    hashed = make_password(BENCH_PASSWORD)
    leaves: list[tuple[int, list[str]]] = []
    for i, (top, subs) in enumerate(CATEGORIES.items()):
        parent, _ = DemandCategory.objects.get_or_create(parent=None, name=top, defaults={"ordering": i})
        for j, (sub, titles) in enumerate(subs.items()):
            child, _ = DemandCategory.objects.get_or_create(parent=parent, name=sub, defaults={"ordering": j})
            leaves.append((child.pk, titles))
    departments: dict[int, list[tuple[int, int]]] = {}  # street id → [(department id, handler id)]
    meetings: dict[int, list[tuple[int, int]]] = {}  # street id → [(seconds ago held, id)] oldest first
    now = timezone.now()
    for s, street in enumerate(streets, start=1):
        admin, _ = User.objects.get_or_create(
            username=f"s{s:02d}admin", defaults={"first_name": f"街道管理员{s}", "password": hashed}
        )
        Membership.objects.get_or_create(user=admin, role=Role.STREET_ADMIN, region=street)
        departments[street.pk] = []
        for d, name in enumerate(DEPARTMENTS, start=1):
            dep, _ = Department.objects.get_or_create(street=street, name=name)
            handler, _ = User.objects.get_or_create(
                username=f"s{s:02d}d{d}", defaults={"first_name": f"{name}{s}", "password": hashed}
            )
            dep.handlers.add(handler)
            departments[street.pk].append((dep.pk, handler.pk))
        rows = []
        for month in range(25, -1, -1):  # about two years back, and one meeting still to come
            held = now - dt.timedelta(days=month * 30 - 10)
            past = month > 0
            meeting = Deliberation.objects.create(
                region=street, title=f"党群联席议事会（第{26 - month}次）", held_at=held, place="街道党群服务中心",
                status=MeetingStatus.DECIDED if past else MeetingStatus.SCHEDULED,
                decision="议定由相关部门限期整改。" if past else "", decided_at=held if past else None,
                attendees="街道、社区、物业、居民代表",
            )  # fmt: skip
            rows.append((int((now - held).total_seconds()), meeting.pk))
        meetings[street.pk] = rows
    return leaves, departments, meetings


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--demands", type=int, default=1_000_000, help="how many (default 1,000,000)")
    parser.add_argument("--days", type=int, default=730, help="spread over this many days back (default 730)")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)

    setup_django()
    from django.db import connection, transaction

    from weiguang.demands.models import Deliberation, Demand, DemandCategory, Transfer
    from weiguang.people.models import Resident
    from weiguang.regions.models import Membership, Region, RegionKind, Role
    from weiguang.wishes.models import Wish

    db = connection.settings_dict
    print(f"Database: {connection.vendor} {db.get('NAME')}")
    if connection.vendor != "postgresql" and args.demands > 100_000:
        print("A million demands need PostgreSQL: set DATABASE_URL=postgres://...", file=sys.stderr)
        return 2
    streets = list(Region.objects.filter(kind=RegionKind.STREET).order_by("id"))
    if not streets:
        print("No regions: fill the database with bench/generate.py first.", file=sys.stderr)
        return 2
    if Demand.objects.exists():
        print("The database already holds demands; start again from generate.py.", file=sys.stderr)
        return 2
    t_all = time.perf_counter()
    rng = random.Random(args.seed)
    r = rng.random
    ts = Timestamps(connection.vendor)
    wd = WorkingDays(ts.now)
    loader = Loader(connection)

    t0 = time.perf_counter()
    with transaction.atomic():
        leaves, departments, meetings = build_fixtures(streets)
    # Places and people: grids of each street, the community of each grid, residents by street.
    community_of: dict[int, int] = {}
    street_grids: dict[int, list[int]] = {s.pk: [] for s in streets}
    street_of_community = dict(
        Region.objects.filter(kind=RegionKind.COMMUNITY).values_list("id", "parent_id")
    )
    for grid_id, community_id in Region.objects.filter(kind=RegionKind.GRID).values_list("id", "parent_id"):
        community_of[grid_id] = community_id
        street_grids[street_of_community[community_id]].append(grid_id)
    staff_of: dict[int, int] = dict(
        Membership.objects.filter(role=Role.COMMUNITY_STAFF, region__kind=RegionKind.COMMUNITY)
        .order_by("user_id")
        .values_list("region_id", "user_id")
    )
    street_residents: dict[int, tuple[list[int], list[int]]] = {s.pk: ([], []) for s in streets}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, grid_id FROM {Resident._meta.db_table}")
        for res_id, grid_id in cursor.fetchall():
            community = community_of.get(grid_id)
            if community is not None:
                ids, grids = street_residents[street_of_community[community]]
                ids.append(res_id)
                grids.append(grid_id)
    # Rejected wishes were "transferred to the departments": some become demands.
    rejected: dict[int, list[tuple]] = {s.pk: [] for s in streets}
    for row in Wish.objects.filter(status="rejected").values_list(
        "id", "resident_id", "grid_id", "street_id", "created_at"
    ):
        if row[3] in rejected:
            rejected[row[3]].append((row[0], row[1], row[2], int(ts.now - row[4].timestamp())))
    for rows in rejected.values():
        rows.sort(key=lambda w: -w[3])  # oldest first
    print(
        f"  fixtures and lookups (ORM)   {DemandCategory.objects.count()} categories, "
        f"{sum(map(len, departments.values()))} departments, "
        f"{Deliberation.objects.count()} meetings, {sum(len(v[0]) for v in street_residents.values()):,} residents "
        f"in {time.perf_counter() - t0:.1f} s",
        flush=True,
    )

    street_ids = [s.pk for s in streets]
    street_names, street_cum, street_total = _weighted(
        (sid, STREET_WEIGHTS[i % len(STREET_WEIGHTS)]) for i, sid in enumerate(street_ids)
    )
    channel_names, channel_cum, channel_total = _weighted(CHANNEL_WEIGHTS)
    span = args.days * DAY
    auto_close = 7 * DAY
    codes: set[str] = set()
    transfer_rows: list[tuple] = []
    counters = {"open": 0, "red": 0, "transfers": 0, "two departments": 0}

    def pick(names, cumulative, total):
        return names[bisect.bisect_right(cumulative, r() * total)]

    def after(ago: int, delta: float) -> int:
        """`delta` seconds after `ago` seconds ago, but never in the future (squeezed instead)."""
        delta = int(delta)
        return ago - delta if ago - delta > 60 else max(1, ago - int((ago - 1) * r() * 0.5))

    def tracking_code() -> str:
        while True:
            code = "".join(rng.choices("0123456789", k=12))  # as new_tracking_code
            if code not in codes:
                codes.add(code)
                return code

    def fate(age: int, handle_due: int) -> str:
        """The state of a demand received `age` seconds ago."""
        x = r()
        if handle_due < 0:  # the handling deadline is still ahead
            if x < 0.55:
                return pick(*OPEN_RECENT)
            x = (x - 0.55) / 0.45
            return (
                "resolved_on_spot"
                if x < 0.25
                else "handled"
                if x < 0.45
                else "replied"
                if x < 0.75
                else "closed"
            )
        if age < 30 * DAY:
            if x < 0.06:
                return pick(*OPEN_LATE)
            if x < 0.08:
                return "handled"
            if x < 0.16 and age < 10 * DAY:
                return "replied"
            return "resolved_on_spot" if x < 0.30 else "closed"
        if x < 0.004:
            return pick(*OPEN_STUCK)
        return "resolved_on_spot" if x < 0.18 else "closed"

    OPEN_RECENT = _weighted([("received", 20), ("assigned", 34), ("transferred", 34), ("deliberating", 3),
                             ("returned", 3), ("escalated", 2), ("reopened", 4)])  # fmt: skip
    OPEN_LATE = _weighted([("escalated", 55), ("deliberating", 15), ("returned", 10), ("transferred", 10),
                           ("reopened", 10)])  # fmt: skip
    OPEN_STUCK = _weighted([("escalated", 60), ("deliberating", 30), ("returned", 10)])
    OPEN = {"received", "assigned", "transferred", "returned", "escalated", "reopened", "deliberating"}

    # Ids follow the time of receipt, as in a table filled over the years.
    ages = sorted((int(r() * span) + 600 for _ in range(args.demands)), reverse=True)
    wish_next = dict.fromkeys(rejected, 0)  # per street: rejected[street][:n] were posted before now
    wish_pool: dict[int, list[tuple]] = {sid: [] for sid in rejected}  # posted and not converted yet

    def converted_wish(street: int, age: int):
        """The latest rejected wish of the street posted at least an hour before `age`."""
        rows, n = rejected[street], wish_next[street]
        while n < len(rows) and rows[n][3] > age + HOUR:
            wish_pool[street].append(rows[n])
            n += 1
        wish_next[street] = n
        return wish_pool[street].pop() if wish_pool[street] else None

    def demands():
        transfer_id = 0
        for i in range(1, args.demands + 1):
            street = pick(street_names, street_cum, street_total)
            channel = pick(channel_names, channel_cum, channel_total)
            age = ages[i - 1]
            resident = source_wish = None
            contact_name = contact_phone = ""
            wish = converted_wish(street, age) if channel == "wish" else None
            if wish is not None:
                source_wish, resident, grid, _wish_age = wish
            else:
                if channel == "wish":
                    channel = "online"
                ids, grids = street_residents[street]
                if ids and (r() < 0.85 or channel not in ("hotline", "online")):
                    k = int(r() * len(ids))
                    resident, grid = ids[k], grids[k]
                else:
                    sg = street_grids[street]
                    grid = sg[int(r() * len(sg))]
                    contact_name = SURNAMES[int(r() * len(SURNAMES))] + ("先生" if r() < 0.5 else "女士")
                    contact_phone = f"1{int(r() * 9) + 30}{int(r() * 100_000_000):08d}"
            community = community_of[grid]
            staff = staff_of.get(community)
            category, titles = leaves[int(r() * len(leaves))]
            title = titles[int(r() * len(titles))]
            urgent = r() < 0.05
            response_due = age - 2 * HOUR if urgent else wd.due(age, 1)
            handle_due = wd.due(age, 5)
            status = fate(age, handle_due)
            first = handled = replied = closed = None
            evaluation = result = action = reply = public_reply = ""
            is_genuine = None
            beyond = False
            warnings = 0
            assignee = None
            deliberation = action_of = None
            transfers: list[str] = []  # transfer statuses, one per department
            last = age

            if channel == "deliberation":
                held = [(ago, mid) for ago, mid in meetings[street] if ago > age]
                if held:
                    action_of = held[-1][1]
            # first contact: mostly before the deadline
            if status != "received" or r() < 0.6:
                if status == "resolved_on_spot":
                    first = after(age, 300 + r() * 3300)
                elif r() < 0.92:
                    first = after(age, 600 + r() * max(600, age - response_due - 600))
                else:
                    first = after(response_due, r() * 2 * DAY)
                last = first
            if status in ("received",):
                pass
            elif status == "resolved_on_spot":
                handled = replied = first
                result = action = "现场答复并协调解决。"
                is_genuine = True
                assignee = staff
            else:
                # dispatched: to the community staff, or transferred to the street's departments
                sent = status in ("transferred", "returned") or (status != "assigned" and r() < 0.24)
                if sent:
                    transfers = ["active"] * (2 if r() < 0.25 else 1)
                else:
                    assignee = staff
                if status == "deliberating":
                    coming = [mid for ago, mid in meetings[street] if ago <= 0 or ago < age]
                    deliberation = coming[-1] if coming else None
                    transfers = []
                elif status == "returned":
                    transfers = ["return_requested"] + transfers[1:]
                elif status == "escalated":
                    transfers = ["returned"] + transfers[1:] if transfers and r() < 0.5 else transfers
                if status in ("handled", "replied", "closed", "reopened"):
                    on_time = r() < 0.87
                    target = (
                        (age - handle_due) * (0.1 + 0.9 * r())
                        if on_time
                        else age - handle_due + r() * 4 * DAY
                    )
                    handled = after(first, max(60, target - (age - first)))
                    result = action = "已联系相关单位处理完毕，现场查看已整改。"
                    is_genuine = r() < 0.88 if r() < 0.95 else None
                    beyond = r() < 0.03
                    transfers = ["done"] * len(transfers)
                    if status != "handled":
                        replied = after(handled, r() * 1.5 * DAY)
                        reply = "您反映的问题已处理，感谢您的监督。"
                        public_reply = "问题已处理。"
                    reopen_at = None
                    if status == "reopened" or (status == "closed" and r() < 0.04):
                        reopen_at = after(replied, r() * 3 * DAY)
                        warnings = 1
                        evaluation = "unsatisfied"
                        handle_due = wd.due(reopen_at, 3)
                        if status == "reopened":
                            handled = replied = None
                            transfers = ["active"] * len(transfers)
                        else:
                            handled = after(reopen_at, (reopen_at - handle_due) * (0.1 + 0.9 * r()))
                            replied = after(handled, r() * DAY)
                    if status == "closed":
                        if warnings:
                            x = r()
                            evaluation = (
                                "satisfied"
                                if x < 0.4
                                else "basically_satisfied"
                                if x < 0.75
                                else "unsatisfied"
                            )
                            closed = after(replied, r() * 3 * DAY)
                        elif r() < 0.75:
                            evaluation = "satisfied" if r() < 0.82 else "basically_satisfied"
                            closed = after(replied, r() * 3 * DAY)
                        else:
                            closed = after(replied, auto_close)
                    last = min(x for x in (handled, replied, closed, reopen_at, first, age) if x is not None)
            if status in OPEN:
                counters["open"] += 1
                counters["red"] += handle_due > 0
            if transfers:
                counters["transfers"] += 1
                counters["two departments"] += len(transfers) > 1
                sent_at = after(first or age, r() * 4 * HOUR)
                for (dep, handler), t_status in zip(departments[street], transfers, strict=False):
                    transfer_id += 1
                    done = t_status == "done"
                    accepted = None if t_status == "active" and r() < 0.3 else after(sent_at, r() * 6 * HOUR)
                    transfer_rows.append((
                        transfer_id, i, dep, ts.at(handle_due), t_status,
                        "不属于本部门职责，请街道另行协调。" if t_status in ("return_requested", "returned") else "",
                        status == "escalated" and t_status == "active", ts.at(sent_at),
                        None if accepted is None else ts.at(accepted),
                        result if done else "", action if done else "", is_genuine if done else None,
                        beyond if done else False, ts.at(handled) if done and handled else None,
                        handler if done else None,
                    ))  # fmt: skip
            yield (
                i, tracking_code(), resident, contact_name, contact_phone, grid, community, street, channel,
                category, title, f"{title}，请尽快处理。", f"{int(r() * 30) + 1}号楼{int(r() * 4) + 1}单元",
                urgent, status, None if channel == "online" else staff, assignee,
                ts.at(response_due), ts.at(handle_due), ts.at(age),
                None if first is None else ts.at(first), None if handled is None else ts.at(handled),
                None if replied is None else ts.at(replied), None if closed is None else ts.at(closed),
                result, is_genuine, beyond, action, reply, public_reply, evaluation, "", warnings,
                None, source_wish, deliberation, action_of, ts.at(last),
            )  # fmt: skip

    demand_columns = ["id", "tracking_code", "resident", "contact_name", "contact_phone", "grid", "community",
                      "street", "channel", "category", "title", "description", "place", "urgent", "status",
                      "created_by", "assignee", "response_due", "handle_due", "created_at", "first_response_at",
                      "handled_at", "replied_at", "closed_at", "result", "is_genuine", "beyond_remit",
                      "action_taken", "reply", "public_reply", "evaluation", "evaluation_note", "warning_count",
                      "session", "source_wish", "deliberation", "action_of", "updated_at"]  # fmt: skip
    transfer_columns = ["id", "demand", "department", "deadline", "status", "return_reason", "summoned",
                        "created_at", "accepted_at", "result", "action_taken", "is_genuine", "beyond_remit",
                        "handled_at", "handled_by"]  # fmt: skip
    # Fields added to the models after this script was written get their default (or NULL).
    extras = {}
    for model, columns in ((Demand, demand_columns), (Transfer, transfer_columns)):
        extra = [f for f in model._meta.concrete_fields if f.name not in columns and not f.primary_key]
        if any(not f.has_default() and not f.null for f in extra):
            raise SystemExit(
                f"{model.__name__} has fields this script cannot fill: {[f.name for f in extra]}"
            )
        columns += [f.name for f in extra]
        extras[model] = tuple(f.get_default() if f.has_default() else None for f in extra)

    def with_extras(model, rows):
        tail = extras[model]
        return rows if not tail else (row + tail for row in rows)

    print("Loading (rows/s: COPY alone; index builds and foreign-key checks follow):", flush=True)
    t_bulk = time.perf_counter()
    with loading(connection, [Demand, Transfer]):
        loader.load(Demand, demand_columns, with_extras(Demand, demands()))
        loader.load(Transfer, transfer_columns, with_extras(Transfer, iter(transfer_rows)))
    bulk = time.perf_counter() - t_bulk
    loader.reset_sequences([Demand, Transfer])
    loader.analyse((Demand, Transfer), bulk)
    print(
        f"Open demands {counters['open']:,} (past their deadline: {counters['red']:,}); "
        f"transferred {counters['transfers']:,} ({counters['two departments']:,} to two departments)"
    )
    print(f"Total: {time.perf_counter() - t_all:.1f} s")
    print(
        f"Street admins s01admin… (one per street), department handlers s01d1…, password {BENCH_PASSWORD!r}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

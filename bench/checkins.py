#!/usr/bin/env python
"""The check-in benchmark: against gunicorn on loopback, tickets checked in at an event's desk
through POST /api/v1/events/{id}/checkins (the 6-digit code), every ticket sent by two desks
(two client connections, in different orders, so many arrive at the same moment), with the
framework floor (/bench/floor/) measured in the same run with the same connections.

It makes its own data in the database DATABASE_URL names (migrated here): a street, a
community, a staff member with a bearer token, one event on now and N confirmed sign-ups.
Afterwards the database is checked: every ticket must have exactly one check-in (0 lost, 0
doubled), and every answer must be 201 (the first desk) or 409 "already checked in" (the other).

    dropdb -h 127.0.0.1 -U postgres --if-exists wg_bench_checkins
    createdb -h 127.0.0.1 -U postgres wg_bench_checkins
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wg_bench_checkins .venv/bin/python bench/checkins.py

Options: --tickets 3000, --connections 16, --procs 2, --workers 4 --threads 2 (gunicorn,
gthread), --duration 8 (seconds of the floor), --warmup 2, --redis-db 9.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import random
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.wall import (  # noqa: E402
    _connect,
    _read_load,
    _split,
    bench_environment,
    forget_cache,
    gunicorn,
    percentile,
    timed_post,
)

TARGET = 200  # check-ins a second


def make_data(tickets: int) -> tuple[int, str, list[str]]:
    """A fresh street with one event on now and `tickets` confirmed sign-ups: (event id, a staff
    member's bearer token, the sign-ups' codes)."""
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from weiguang.core.models import ApiToken
    from weiguang.events import services
    from weiguang.events.models import Event, SignUp, SignUpStatus
    from weiguang.people.models import Resident
    from weiguang.regions.models import Membership, Region, RegionKind, Role

    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model

    User = get_user_model()
    run = os.environ["BENCH_RUN"][:6]
    district = Region.objects.create(name=f"签到区{run}", kind=RegionKind.DISTRICT)
    street = Region.objects.create(name=f"签到街道{run}", kind=RegionKind.STREET, parent=district)
    community = Region.objects.create(name=f"签到社区{run}", kind=RegionKind.COMMUNITY, parent=street)
    grid = Region.objects.create(name=f"签到网格{run}", kind=RegionKind.GRID, parent=community)
    community.refresh_from_db()
    grid.refresh_from_db()
    staff = User.objects.create_user(f"desk{run}", password="bench-2026", first_name="签到员")
    Membership.objects.create(user=staff, role=Role.COMMUNITY_STAFF, region=community)
    starts = timezone.now() + dt.timedelta(days=1)
    event = services.create_event(
        staff,
        {
            "region": community, "kind": "service_fair", "title": "签到压测活动", "starts_at": starts,
            "ends_at": starts + dt.timedelta(hours=4), "capacity": None,
        },
    )  # fmt: skip
    services.publish_event(event, staff)
    now = timezone.now()
    Event.objects.filter(pk=event.pk).update(
        starts_at=now - dt.timedelta(minutes=5), ends_at=now + dt.timedelta(hours=4)
    )
    codes = random.sample(range(1_000_000), tickets)
    with transaction.atomic():
        residents = Resident.objects.bulk_create(
            Resident(name=f"压测居民{i}", grid=grid, building="1号楼", door=f"{i}", consent=True)
            for i in range(tickets)
        )
        SignUp.objects.bulk_create(
            SignUp(
                event_id=event.pk,
                resident=r,
                name=r.name,
                status=SignUpStatus.CONFIRMED,
                code=f"{code:06d}",
                confirmed_at=now,
            )  # fmt: skip
            for r, code in zip(residents, codes, strict=True)
        )
    return event.pk, ApiToken.issue(staff), [f"{c:06d}" for c in codes]


def _desk_load(port: int, path: str, token: str, jobs: list[list[str]], start_at: float):
    """Each job is one desk: its connection sends its codes in order, one after the other."""
    results: list[tuple[list[float], Counter, float]] = []

    def desk(codes: list[str]):
        latencies: list[float] = []
        statuses: Counter = Counter()
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        conn = _connect(port)
        time.sleep(max(0.0, start_at - time.time()))
        for code in codes:
            status, seconds, conn = timed_post(conn, port, path, json.dumps({"code": code}).encode(), headers)
            latencies.append(seconds)
            statuses[status] += 1
        conn.close()
        results.append((latencies, statuses, time.time()))

    threads = [threading.Thread(target=desk, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return (
        [x for lat, _, _ in results for x in lat],
        sum((s for _, s, _ in results), Counter()),
        max(end for _, _, end in results),
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=3000, help="sign-ups to check in (default 3000)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent desks (default 16)")
    parser.add_argument("--procs", type=int, default=2, help="client processes (default 2)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker (default 2)")
    parser.add_argument("--duration", type=float, default=8, help="seconds of the floor (default 8)")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of warm-up (default 2)")
    parser.add_argument("--redis-db", type=int, default=9)
    args = parser.parse_args(argv)
    if "DATABASE_URL" not in os.environ:
        print("Set DATABASE_URL (PostgreSQL), see the docstring.", file=sys.stderr)
        return 2
    bench_environment(args.redis_db)
    from django.db import connection

    from weiguang.events.models import CheckIn, CheckInStatus, SignUp

    t0 = time.perf_counter()
    event_id, token, codes = make_data(args.tickets)
    print(f"data: {args.tickets} confirmed sign-ups for event {event_id} in {time.perf_counter() - t0:.1f} s "
          f"({connection.vendor})")  # fmt: skip
    connection.close()
    spawn = mp.get_context("spawn")
    try:
        with gunicorn(args.workers, args.threads) as port:
            print(f"gunicorn: {args.workers} workers × {args.threads} threads (gthread); "
                  f"{args.connections} connections in {args.procs} client processes")  # fmt: skip
            # the framework floor, with the same connections
            start_at = time.time() + 1
            stop_at = start_at + args.warmup + args.duration
            per_proc = _split(list(range(args.connections)), args.procs)
            with spawn.Pool(len(per_proc)) as pool:
                floor = pool.starmap(
                    _read_load,
                    [(port, "/bench/floor/", len(p), start_at + args.warmup, stop_at) for p in per_proc],
                )
            floor_lat = sorted(x for lat, _ in floor for x in lat)
            floor_rate = len(floor_lat) / args.duration
            # the desks: every code twice, by two desks in different orders
            half = args.connections // 2 or 1
            first = _split(codes, half)
            second = _split(list(reversed(codes)), args.connections - half or 1)
            jobs = first + second
            path = f"/api/v1/events/{event_id}/checkins"
            start_at = time.time() + 1
            with spawn.Pool(args.procs) as pool:
                outs = pool.starmap(
                    _desk_load, [(port, path, token, part, start_at) for part in _split(jobs, args.procs)]
                )
            ended = max(end for _, _, end in outs)
            lat = sorted(x for lat, _, _ in outs for x in lat)
            statuses = sum((s for _, s, _ in outs), Counter())
            elapsed = ended - start_at
    finally:
        forget_cache("bench:" + os.environ["BENCH_RUN"])
    made = statuses.get(201, 0)
    rate = made / elapsed
    per_ticket = Counter(CheckIn.objects.filter(event_id=event_id).values_list("signup_id", flat=True))
    lost = SignUp.objects.filter(event_id=event_id).exclude(pk__in=list(per_ticket)).count()
    doubled = sum(1 for n in per_ticket.values() if n > 1)
    open_visits = CheckIn.objects.filter(event_id=event_id, status=CheckInStatus.IN).count()
    print()
    print(f"{'':22}{'requests/s':>12}{'median ms':>11}{'p99 ms':>9}  responses")
    print(f"{'framework floor':22}{floor_rate:>12,.0f}{percentile(floor_lat, 0.5) * 1000:>11.2f}"
          f"{percentile(floor_lat, 0.99) * 1000:>9.2f}  {dict(sum((s for _, s in floor), Counter()))}")  # fmt: skip
    print(f"{'check-in attempts':22}{len(lat) / elapsed:>12,.0f}{percentile(lat, 0.5) * 1000:>11.2f}"
          f"{percentile(lat, 0.99) * 1000:>9.2f}  {dict(statuses)}")  # fmt: skip
    print()
    print(f"check-ins/s            {rate:,.0f}  ({made} check-ins in {elapsed:.1f} s; target {TARGET}/s: "
          f"{'met' if rate >= TARGET else 'NOT met'})")  # fmt: skip
    print(f"ratio to the floor     {rate / floor_rate:.2f}  (check-ins/s ÷ floor requests/s)")
    print(f"LOST (tickets without a check-in)        {lost}")
    print(f"DOUBLED (tickets with two check-ins)     {doubled}")
    print(f"open visits {open_visits} of {args.tickets} tickets; answers other than 201/409: "
          f"{sum(n for s, n in statuses.items() if s not in (201, 409))}")  # fmt: skip
    return 0 if lost == 0 and doubled == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

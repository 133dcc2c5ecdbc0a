#!/usr/bin/env python
"""The check-in benchmark: against gunicorn on loopback, tickets checked in at an event's desk
through POST /api/v1/events/{id}/checkins (the 6-digit code), every ticket sent by two desks
(two client connections, in different orders, so many arrive at the same moment), with the
framework floor (/bench/floor/) measured in the same run with the same connections.

It makes its own data in the database DATABASE_URL names (migrated here): a street, a
community, a staff member with a bearer token, one event on now and N confirmed sign-ups.
Afterwards the database is checked: every ticket must have exactly one check-in (0 lost, 0
doubled) with its audit entry, and every answer must be 201 (the first desk) or 409 "already
checked in" (the other).

Where the time goes: the CPU the gunicorn workers, the PostgreSQL backends serving them and
the client processes used (from /proc), per floor request and per check-in attempt; their sum
bounds what this machine could do with both cores to itself.

    dropdb -h 127.0.0.1 -U postgres --if-exists wg_bench_checkins
    createdb -h 127.0.0.1 -U postgres wg_bench_checkins
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wg_bench_checkins .venv/bin/python bench/checkins.py

Options: --tickets 3000, --connections 16 (concurrent desks), --procs 2, --workers 4
--threads 2 (gunicorn, gthread), --duplicates 1.0 (share of the tickets the second desk sends
too), --duration 8 (seconds of the floor), --warmup 2, --redis-db 9.
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
    cpu_seconds,
    forget_cache,
    gunicorn_server,
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


def _floor_load(port: int, path: str, threads: int, start_at: float, stop_at: float):
    """_read_load, and the CPU seconds this client process spent on it."""
    cpu = time.process_time()
    latencies, statuses = _read_load(port, path, threads, start_at, stop_at)
    return latencies, statuses, time.process_time() - cpu


def _desk_load(port: int, path: str, token: str, jobs: list[list[str]], start_at: float):
    """Each job is one desk: its connection sends its codes in order, one after the other.
    Returns the latencies, the answers, when the last desk finished, and this process's CPU."""
    results: list[tuple[list[float], Counter, float]] = []
    cpu = time.process_time()

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
        time.process_time() - cpu,
    )


def settle(server, quiet: float = 0.05, timeout: float = 180) -> None:
    """Wait until every gunicorn worker has booted (their CPU stops growing), so that no
    worker's start-up is counted in a measurement."""
    deadline = time.time() + timeout
    before = server.worker_cpu()
    while time.time() < deadline:
        time.sleep(1)
        now = server.worker_cpu()
        if now - before < quiet:
            return
        before = now


def backend_cpu() -> dict[int, float]:
    """CPU seconds of the PostgreSQL backends connected to this database (gunicorn's), by pid;
    empty when PostgreSQL runs where /proc cannot see it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        pids = [pid for (pid,) in cursor.fetchall()]
    connection.close()
    return cpu_seconds(pids)


def _ms(seconds: float, n: int) -> str:
    return f"{seconds / n * 1000:6.2f}" if n else "   n/a"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=3000, help="sign-ups to check in (default 3000)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent desks (default 16)")
    parser.add_argument("--procs", type=int, default=2, help="client processes (default 2)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker (default 2)")
    parser.add_argument(
        "--duplicates", type=float, default=1.0,
        help="share of the tickets a second desk sends too (default 1.0: every ticket twice)",
    )  # fmt: skip
    parser.add_argument("--duration", type=float, default=8, help="seconds of the floor (default 8)")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of warm-up (default 2)")
    parser.add_argument("--redis-db", type=int, default=9)
    args = parser.parse_args(argv)
    if "DATABASE_URL" not in os.environ:
        print("Set DATABASE_URL (PostgreSQL), see the docstring.", file=sys.stderr)
        return 2
    bench_environment(args.redis_db)
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from weiguang.core.models import AuditEntry
    from weiguang.events.models import CheckIn, CheckInStatus, SignUp

    t0 = time.perf_counter()
    event_id, token, codes = make_data(args.tickets)
    print(f"data: {args.tickets} confirmed sign-ups for event {event_id} in {time.perf_counter() - t0:.1f} s "
          f"({connection.vendor})")  # fmt: skip
    connection.close()
    spawn = mp.get_context("spawn")
    # the desks: every code once by the first half of them; a share of the codes again, in the
    # reverse order, by the other half (so the two desks of a ticket meet in the middle)
    twice = sorted(random.sample(codes, round(len(codes) * max(0.0, min(1.0, args.duplicates)))))
    half = args.connections // 2 if twice else args.connections
    jobs = _split(codes, max(1, half)) + (
        _split(list(reversed(twice)), max(1, args.connections - half)) if twice else []
    )
    try:
        with gunicorn_server(args.workers, args.threads) as server:
            port = server.port
            print(f"gunicorn: {args.workers} workers × {args.threads} threads (gthread); "
                  f"{args.connections} connections in {args.procs} client processes")  # fmt: skip
            settle(server)
            # the framework floor, with the same connections; the workers' CPU is read at the
            # start and the end of the measured window (after the warm-up)
            start_at = time.time() + 1
            stop_at = start_at + args.warmup + args.duration
            per_proc = _split(list(range(args.connections)), args.procs)
            window: dict[str, float] = {}
            for key, moment in (("from", start_at + args.warmup), ("to", stop_at)):
                timer = threading.Timer(
                    max(0.0, moment - time.time()), lambda k=key: window.__setitem__(k, server.worker_cpu())
                )
                timer.daemon = True
                timer.start()
            with spawn.Pool(len(per_proc)) as pool:
                floor = pool.starmap(
                    _floor_load,
                    [(port, "/bench/floor/", len(p), start_at + args.warmup, stop_at) for p in per_proc],
                )
            time.sleep(max(0.0, stop_at + 0.2 - time.time()))
            floor_lat = sorted(x for lat, _, _ in floor for x in lat)
            floor_rate = len(floor_lat) / args.duration
            floor_app_cpu = window["to"] - window["from"]
            floor_sent = len(floor_lat)
            sent = sum(sum(s.values()) for _, s, _ in floor)  # the clients' CPU covers the warm-up too
            floor_client_cpu = sum(c for _, _, c in floor) * floor_sent / max(1, sent)
            path = f"/api/v1/events/{event_id}/checkins"
            db_cpu = backend_cpu()
            app_cpu = server.worker_cpu()
            start_at = time.time() + 1
            with spawn.Pool(args.procs) as pool:
                outs = pool.starmap(
                    _desk_load, [(port, path, token, part, start_at) for part in _split(jobs, args.procs)]
                )
            desk_app_cpu = server.worker_cpu() - app_cpu
            desk_db_cpu = sum(c - db_cpu.get(pid, 0.0) for pid, c in backend_cpu().items())
            ended = max(end for _, _, end, _ in outs)
            lat = sorted(x for lat, _, _, _ in outs for x in lat)
            statuses = sum((s for _, s, _, _ in outs), Counter())
            desk_client_cpu = sum(c for _, _, _, c in outs)
            elapsed = ended - start_at
    finally:
        forget_cache("bench:" + os.environ["BENCH_RUN"])
    made = statuses.get(201, 0)
    rate = made / elapsed
    attempts = len(lat)
    per_ticket = Counter(CheckIn.objects.filter(event_id=event_id).values_list("signup_id", flat=True))
    lost = SignUp.objects.filter(event_id=event_id).exclude(pk__in=list(per_ticket)).count()
    doubled = sum(1 for n in per_ticket.values() if n > 1)
    open_visits = CheckIn.objects.filter(event_id=event_id, status=CheckInStatus.IN).count()
    audited = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(CheckIn),
        action="check_in",
        object_id__in=[
            str(pk) for pk in CheckIn.objects.filter(event_id=event_id).values_list("pk", flat=True)
        ],
    ).count()

    def row(label, n, latencies, answers):
        return (f"{label:22}{n:>12,.0f}{percentile(latencies, 0.5) * 1000:>9.2f}"
                f"{percentile(latencies, 0.95) * 1000:>9.2f}{percentile(latencies, 0.99) * 1000:>9.2f}  {answers}")  # fmt: skip

    print()
    print(f"{'':22}{'requests/s':>12}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  responses")
    print(row("framework floor", floor_rate, floor_lat, dict(sum((s for _, s, _ in floor), Counter()))))
    print(row("check-in attempts", attempts / elapsed, lat, dict(statuses)))
    print()
    print(f"check-ins/s            {rate:,.0f}  ({made} check-ins in {elapsed:.1f} s; target {TARGET}/s: "
          f"{'met' if rate >= TARGET else 'NOT met'})")  # fmt: skip
    print(f"ratio to the floor     {rate / floor_rate:.3f}  (check-ins/s ÷ floor requests/s); "
          f"attempts: {attempts / elapsed / floor_rate:.3f}")  # fmt: skip
    print(f"LOST (tickets without a check-in)        {lost}")
    print(f"DOUBLED (tickets with two check-ins)     {doubled}")
    print(f"open visits {open_visits} of {args.tickets} tickets; audit entries {audited} of {sum(per_ticket.values())} "
          f"check-ins; answers other than 201/409: {sum(n for s, n in statuses.items() if s not in (201, 409))}")  # fmt: skip
    print()
    cores = os.cpu_count() or 1
    per_attempt = (desk_app_cpu + desk_db_cpu + desk_client_cpu) / attempts if attempts else float("nan")
    per_floor = (floor_app_cpu + floor_client_cpu) / floor_sent if floor_sent else float("nan")
    print(f"CPU ms per request     {'gunicorn':>9}{'postgres':>9}{'clients':>9}{'total':>9}")
    print(f"{'framework floor':22} {_ms(floor_app_cpu, floor_sent):>9}{'0.00':>9}{_ms(floor_client_cpu, floor_sent):>9}"
          f"{per_floor * 1000:>9.2f}")  # fmt: skip
    print(f"{'check-in attempt':22} {_ms(desk_app_cpu, attempts):>9}{_ms(desk_db_cpu, attempts):>9}"
          f"{_ms(desk_client_cpu, attempts):>9}{per_attempt * 1000:>9.2f}")  # fmt: skip
    print(f"with {cores} cores to itself this machine would do at most {cores / per_attempt:,.0f} attempts/s "
          f"({cores / per_attempt * made / attempts:,.0f} check-ins/s at this mix); the floor's CPU says "
          f"{cores / per_floor:,.0f} requests/s")  # fmt: skip
    return 0 if lost == 0 and doubled == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

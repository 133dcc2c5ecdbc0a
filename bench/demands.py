#!/usr/bin/env python
"""The demands benchmark: against gunicorn on loopback, the time of

  * the figures of the busiest street over the last 365 days
    (GET /api/v1/demands/stats?region=&from=&to=, and with &by=community, month, department),
  * the community queue page (/staff/demands/?community=, page 1 and the red orders) and the
    same queue through the API (GET /api/v1/demands?community=&colour=red),

each as median and p95 of sequential requests, with the SQL queries of one request and the
PostgreSQL plan (EXPLAIN ANALYZE, BUFFERS) of the main stats query and of the queue queries;
then requests/s under concurrency. Generate the data first (bench/generate.py, then
bench/generate_demands.py), then:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wg_bench_city .venv/bin/python bench/demands.py

The street admin (s01admin…) asks for the figures with a bearer token; the community's
staff member (s01c01staff…) logs in through /login/ for the page and uses a token for the API.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import http.client
import multiprocessing as mp
import os
import re
import statistics
import sys
import time
import urllib.parse
from collections import Counter
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.wall import (  # noqa: E402
    HOST,
    _connect,
    _read_load,
    _split,
    bench_environment,
    forget_cache,
    gunicorn,
    http_json,
    percentile,
)

PASSWORD = "bench-2026"


def login_session(port: int, username: str, password: str) -> str:
    """Log in through the real form (GET /login/ for the CSRF token, then POST): a Cookie header."""
    from django.conf import settings

    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    conn.request("GET", "/login/")
    resp = conn.getresponse()
    page = resp.read().decode()
    jar = SimpleCookie()
    for header in resp.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not match or settings.CSRF_COOKIE_NAME not in jar:
        raise SystemExit("The login page has no CSRF token.")
    body = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": html.unescape(match.group(1))}
    )
    cookie = f"{settings.CSRF_COOKIE_NAME}={jar[settings.CSRF_COOKIE_NAME].value}"
    conn.request(
        "POST", "/login/", body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )  # fmt: skip
    resp = conn.getresponse()
    resp.read()
    for header in resp.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    conn.close()
    if resp.status != 302 or settings.SESSION_COOKIE_NAME not in jar:
        raise SystemExit(f"Could not log in as {username}: HTTP {resp.status}")
    return "; ".join(f"{k}={m.value}" for k, m in jar.items())


def sequential(port: int, path: str, headers: dict, n: int, warmup: int) -> tuple[list[float], Counter, int]:
    """`n` GETs one after the other on one keep-alive connection, after `warmup` unmeasured ones."""
    conn = _connect(port)
    latencies: list[float] = []
    statuses: Counter = Counter()
    size = 0
    for i in range(warmup + n):
        t0 = time.perf_counter()
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        elapsed = time.perf_counter() - t0
        if i >= warmup:
            latencies.append(elapsed)
            statuses[resp.status] += 1
            size = len(body)
    conn.close()
    return sorted(latencies), statuses, size


def plan_summary(sql: str, full: bool) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of `sql`: the plan nodes with their times and buffers."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        lines = [row[0] for row in cursor.fetchall()]
    if full:
        return lines
    keep = []
    for i, line in enumerate(lines):
        text = line.strip()
        if i == 0 or text.startswith("->") or text.startswith(("Execution Time", "Planning Time")):
            keep.append(line)
        elif text.startswith(
            ("Index Cond", "Filter", "Rows Removed", "Buffers", "Heap Blocks", "Sort Method")
        ):
            keep.append(line[:150])
    return keep


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--street", type=int, help="street id (default: the one with most demands in the period)"
    )
    parser.add_argument(
        "--community", type=int, help="community id of the queue (default: the street's fullest)"
    )
    parser.add_argument("--days", type=int, default=365, help="the period of the figures, ending today (365)")
    parser.add_argument("--requests", type=int, default=30, help="sequential requests measured per URL (30)")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured requests before them (3)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker (default 2)")
    parser.add_argument(
        "--connections", type=int, default=8, help="concurrent connections for requests/s (8)"
    )
    parser.add_argument("--procs", type=int, default=2, help="client processes for requests/s (2)")
    parser.add_argument(
        "--duration", type=float, default=8, help="seconds of load per URL for requests/s (8)"
    )
    parser.add_argument("--no-load", action="store_true", help="skip the requests/s part")
    parser.add_argument("--full-plans", action="store_true", help="print the whole EXPLAIN output")
    parser.add_argument("--redis-db", type=int, default=9)
    args = parser.parse_args(argv)

    bench_environment(args.redis_db)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count, Q
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from weiguang.demands import stats
    from weiguang.demands.models import OPEN_STATUSES, YELLOW_WINDOW, Demand
    from weiguang.demands.services import queries as demand_queries
    from weiguang.regions.models import Region, RegionKind, Role

    if connection.vendor != "postgresql":
        raise SystemExit("This benchmark needs PostgreSQL (DATABASE_URL=postgres://...).")
    today = timezone.localdate()
    start = today - dt.timedelta(days=args.days - 1)
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    if args.street:
        street = Region.objects.get(pk=args.street, kind=RegionKind.STREET)
    else:
        busiest = (
            Demand.objects.filter(created_at__gte=since)
            .values("street_id")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        if busiest is None:
            raise SystemExit("No demands: run bench/generate.py and bench/generate_demands.py first.")
        street = Region.objects.get(pk=busiest["street_id"])
    now = timezone.now()
    open_q = Q(status__in=OPEN_STATUSES)
    if args.community:
        community = Region.objects.get(pk=args.community, parent=street)
    else:
        fullest = (
            Demand.objects.filter(open_q, street=street)
            .values("community_id")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        community = Region.objects.get(pk=fullest["community_id"])
    users = get_user_model().objects
    admin = (
        users.filter(memberships__role=Role.STREET_ADMIN, memberships__region=street).order_by("id").first()
    )
    staff = (
        users.filter(memberships__role=Role.COMMUNITY_STAFF, memberships__region=community)
        .order_by("id")
        .first()
    )
    if admin is None or staff is None:
        raise SystemExit("No street admin or community staff: run bench/generate_demands.py.")
    in_period = Demand.objects.filter(street=street, created_at__gte=since).count()
    queue = Demand.objects.filter(open_q, community=community).aggregate(
        total=Count("id"),
        red=Count("id", filter=Q(handle_due__lt=now)),
        yellow=Count("id", filter=Q(handle_due__gte=now, handle_due__lte=now + YELLOW_WINDOW)),
    )
    print(f"Database: {settings.DATABASES['default']['NAME']}: {Demand.objects.count():,} demands; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")  # fmt: skip
    print(f"Street: {street.name} (id {street.pk}): {in_period:,} demands from {start} to {today}; "
          f"figures asked by {admin.username}")  # fmt: skip
    print(f"Queue: {community.name} (id {community.pk}): {queue['total']:,} open orders, {queue['red']:,} red, "
          f"{queue['yellow']:,} yellow; listed by {staff.username}")  # fmt: skip

    period = f"region={street.pk}&from={start}&to={today}"
    api_cases = {
        "stats": f"/api/v1/demands/stats?{period}",
        "stats of the community": f"/api/v1/demands/stats?region={community.pk}&from={start}&to={today}",
        "stats by=community": f"/api/v1/demands/stats?{period}&by=community",
        "stats by=month": f"/api/v1/demands/stats?{period}&by=month",
        "stats by=department": f"/api/v1/demands/stats?{period}&by=department",
        "stats by=category": f"/api/v1/demands/stats?{period}&by=category",
    }
    queue_api = {
        "API queue red": f"/api/v1/demands?community={community.pk}&colour=red&limit=20",
    }
    pages = {
        "queue page": f"/staff/demands/?community={community.pk}",
        "queue page red": f"/staff/demands/?community={community.pk}&colour=red",
    }

    # Queries per request, in process (the same middleware and URLconf), and the SQL to explain.
    client = Client()
    tokens = {}
    for user in (admin, staff):
        response = client.post(
            "/api/v1/auth/token",
            {"username": user.username, "password": PASSWORD},
            content_type="application/json",
        )
        tokens[user.username] = response.json()["token"]
    as_admin = {"HTTP_AUTHORIZATION": f"Bearer {tokens[admin.username]}"}
    as_staff = {"HTTP_AUTHORIZATION": f"Bearer {tokens[staff.username]}"}
    page_client = Client()
    page_client.force_login(staff)
    queries: dict[str, int] = {}
    captured: dict[str, list[str]] = {}
    for cases, c, extra in (
        (api_cases, client, as_admin),
        (queue_api, client, as_staff),
        (pages, page_client, {}),
    ):
        for name, path in cases.items():
            c.get(path, **extra)
            with CaptureQueriesContext(connection) as ctx:
                response = c.get(path, **extra)
            if response.status_code != 200:
                raise SystemExit(f"{path}: HTTP {response.status_code} {response.content[:300]!r}")
            queries[name] = len(ctx.captured_queries)
            captured[name] = [q["sql"] for q in ctx.captured_queries]

    # The ORM alone, in process: the functions behind the endpoints.
    orm: dict[str, list[float]] = {}

    def clock(name: str, fn) -> None:
        fn()
        times = []
        for _ in range(max(5, args.requests // 3)):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        orm[name] = sorted(times)

    clock("stats.demand_stats", lambda: stats.demand_stats(street, start, today))
    for by in ("community", "month", "department"):
        clock(f"stats.breakdown {by}", lambda by=by: stats.breakdown(street, start, today, by))
    clock("community_queue [:20]", lambda: list(demand_queries.community_queue(staff, community)[:20]))
    clock(
        "community_queue red [:20]",
        lambda: list(demand_queries.community_queue(staff, community, "red")[:20]),
    )

    # Over HTTP, against gunicorn.
    rows: list[tuple] = []
    load: list[tuple] = []
    spawn = mp.get_context("spawn")
    try:
        with gunicorn(args.workers, args.threads) as port:
            admin_token = http_json(port, "POST", "/api/v1/auth/token",
                                    {"username": admin.username, "password": PASSWORD})[1]["token"]  # fmt: skip
            staff_token = http_json(port, "POST", "/api/v1/auth/token",
                                    {"username": staff.username, "password": PASSWORD})[1]["token"]  # fmt: skip
            cookie = login_session(port, staff.username, PASSWORD)
            auth = {
                **dict.fromkeys(api_cases, {"Authorization": f"Bearer {admin_token}"}),
                **dict.fromkeys(queue_api, {"Authorization": f"Bearer {staff_token}"}),
                **dict.fromkeys(pages, {"Cookie": cookie}),
            }
            paths = {**api_cases, **queue_api, **pages}
            print(f"gunicorn: {args.workers} workers × {args.threads} threads (gthread) on {HOST}:{port}; "
                  f"{args.requests} sequential requests per URL after {args.warmup} unmeasured", flush=True)  # fmt: skip
            for name, path in paths.items():
                latencies, statuses, size = sequential(port, path, auth[name], args.requests, args.warmup)
                rows.append((name, latencies, statuses, size))
            if not args.no_load:
                with spawn.Pool(args.procs) as pool:
                    for name in ("stats", "stats by=community", "queue page", "API queue red"):
                        start_at = time.time() + 1.5
                        stop_at = start_at + args.duration
                        per_proc = _split(list(range(args.connections)), args.procs)
                        outs = pool.starmap(
                            _read_load,
                            [(port, paths[name], len(c), start_at, stop_at, auth[name]) for c in per_proc],
                        )
                        latencies = sorted(x for lat, _ in outs for x in lat)
                        statuses = sum((s for _, s in outs), Counter())
                        load.append((name, len(latencies) / args.duration, latencies, dict(statuses)))
    finally:
        forget_cache(settings.CACHES["default"]["KEY_PREFIX"])

    print()
    print(
        f"Load average at the end: {os.getloadavg()[0]:.1f} (other processes on the machine widen the spread)"
    )
    print(
        f"{'over HTTP (sequential)':<24} {'median ms':>10} {'p95 ms':>8} {'min ms':>8} {'queries':>8} {'bytes':>8}  responses"
    )
    print("-" * 90)
    for name, lat, statuses, size in rows:
        print(f"{name:<24} {statistics.median(lat) * 1000:>10.1f} {percentile(lat, 0.95) * 1000:>8.1f} "
              f"{lat[0] * 1000:>8.1f} {queries[name]:>8} {size:>8,}  {dict(statuses)}")  # fmt: skip
    print()
    print(f"{'ORM only, in process':<28} {'median ms':>10} {'p95 ms':>8}")
    print("-" * 48)
    for name, lat in orm.items():
        print(f"{name:<28} {statistics.median(lat) * 1000:>10.1f} {percentile(lat, 0.95) * 1000:>8.1f}")
    if load:
        print()
        print(
            f"under load: {args.connections} connections from {args.procs} processes, {args.duration:g} s per URL"
        )
        print(f"{'URL':<24} {'requests/s':>11} {'median ms':>10} {'p95 ms':>8}  responses")
        print("-" * 70)
        for name, rps, lat, statuses in load:
            print(f"{name:<24} {rps:>11,.1f} {statistics.median(lat) * 1000:>10.1f} "
                  f"{percentile(lat, 0.95) * 1000:>8.1f}  {statuses}")  # fmt: skip

    # The plans: the main stats aggregate, and the queue page's count and rows.
    def find(name: str, *needles: str) -> str | None:
        return next((sql for sql in captured[name] if all(n in sql for n in needles)), None)

    explains = [
        ("stats: the street's year in one aggregate", find("stats", "COUNT(", "demands_demand")),
        ("stats of the community", find("stats of the community", "COUNT(", "demands_demand")),
        ("stats by=month: the aggregate per month", find("stats by=month", "GROUP BY")),
        ("stats by=department: the aggregate per department", find("stats by=department", "GROUP BY")),
        ("queue page: the colour counts", find("queue page", "COUNT(", "handle_due")),
        ("queue page: page 1 rows", find("queue page", 'ORDER BY "demands_demand"."handle_due"')),
        ("queue page red: page 1 rows", find("queue page red", 'ORDER BY "demands_demand"."handle_due"')),
    ]
    for title, sql in explains:
        print()
        print(f"EXPLAIN (ANALYZE, BUFFERS) {title}:")
        if sql is None:
            print("  (query not found)")
            continue
        for line in plan_summary(sql, args.full_plans):
            print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())

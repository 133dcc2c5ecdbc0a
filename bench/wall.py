#!/usr/bin/env python
"""The wall benchmark: in one run against gunicorn on loopback, measure

  * the public wall page (anonymous, one community, page 1),
  * the framework floor (/bench/floor/: a fixed string through the same middleware),
  * the database floor (/bench/rawsql/<community>/: page 1's rows by raw SQL, minimal HTML),

each for requests/s, median and p99 latency, and queries per request; then 64 API clients
racing to claim the same published wishes: claims/s and the double claims left in the
database (must be 0). Generate data first (bench/generate.py), then:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wg_bench .venv/bin/python bench/wall.py

The load generator is plain Python (processes × threads, HTTP/1.1 keep-alive, bounded in
time) on the same machine as the server, so the figures are for comparing the three pages
with each other, not absolute capacity.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


# --- the load generator (runs in spawned processes; no Django here) -------------------------


def _connect(port: int) -> http.client.HTTPConnection:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.connect()
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return conn


def timed_post(conn: http.client.HTTPConnection, port: int, path: str, body: bytes, headers: dict):
    """POST `body` on a keep-alive connection: (status or "error", seconds, the connection to
    use next: a new one when this one failed)."""
    t0 = time.perf_counter()
    try:
        conn.request("POST", path, body=body, headers=headers)
        resp = conn.getresponse()
        resp.read()
        status = resp.status
    except (OSError, http.client.HTTPException):
        status = "error"
        conn.close()
        conn = _connect(port)
    return status, time.perf_counter() - t0, conn


def _read_load(port: int, path: str, threads: int, start_at: float, stop_at: float, headers=None):
    """GET `path` in a loop from `threads` keep-alive connections until `stop_at` (wall clock,
    shared by the processes). Only requests that start after `start_at` count (warm-up).
    `headers` (e.g. a bearer token or a session cookie) go with every request."""
    results: list[tuple[list[float], Counter]] = []

    def loop():
        latencies: list[float] = []
        statuses: Counter = Counter()
        conn = _connect(port)
        while True:
            now = time.time()
            if now >= stop_at:
                break
            t0 = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers or {})
                resp = conn.getresponse()
                resp.read()
                status = resp.status
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = _connect(port)
            except (OSError, http.client.HTTPException):
                status = "error"
                conn.close()
                conn = _connect(port)
            if now >= start_at:
                latencies.append(time.perf_counter() - t0)
                statuses[status] += 1
        conn.close()
        results.append((latencies, statuses))

    workers = [threading.Thread(target=loop) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    latencies = [x for lat, _ in results for x in lat]
    statuses = sum((s for _, s in results), Counter())
    return latencies, statuses


def _claim_load(port: int, jobs: list[tuple[str, list[int]]], start_at: float):
    """Each job is one client: a bearer token and the wish ids it goes for, in order. Like a
    volunteer watching the wall, a client skips wishes it has seen taken (any answer from
    the server, 200 or 409, about a wish tells the clients of this process it is taken)."""
    results: list[tuple[list[float], Counter]] = []
    taken: set[int] = set()

    def client(token: str, wish_ids: list[int]):
        latencies: list[float] = []
        statuses: Counter = Counter()
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        conn = _connect(port)
        time.sleep(max(0.0, start_at - time.time()))
        for wish_id in wish_ids:
            if wish_id in taken:
                continue
            status, seconds, conn = timed_post(conn, port, f"/api/v1/wishes/{wish_id}/claim", b"{}", headers)
            latencies.append(seconds)
            statuses[status] += 1
            if status in (200, 409):
                taken.add(wish_id)
        conn.close()
        results.append((latencies, statuses))

    threads = [threading.Thread(target=client, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [x for lat, _ in results for x in lat], sum((s for _, s in results), Counter()), time.time()


def _split(items: list, parts: int) -> list[list]:
    return [items[i::parts] for i in range(parts) if items[i::parts]]


# --- helpers ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def wait_for(port: int, path: str, timeout: float = 300) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer {path} within {timeout} s")


def http_json(port: int, method: str, path: str, body: dict | None = None, token: str | None = None):
    conn = http.client.HTTPConnection(HOST, port, timeout=300)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.request(method, path, body=json.dumps(body or {}).encode(), headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, (json.loads(data) if data else None)


def bench_environment(redis_db: int) -> None:
    """Use the bench settings and a Redis cache namespace unique to this run, for the
    in-process measurements and for gunicorn alike; then set Django up."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings_bench"
    os.environ.setdefault("REDIS_URL", f"redis://127.0.0.1:6379/{redis_db}")
    os.environ["BENCH_RUN"] = uuid.uuid4().hex[:12]
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]
    )
    for p in (str(ROOT), str(ROOT / "src")):
        if p not in sys.path:
            sys.path.insert(0, p)
    import django

    django.setup()


def cpu_seconds(pids) -> dict[int, float]:
    """User + system CPU seconds each process has used so far (all its threads), from
    /proc/<pid>/stat; processes that are gone (or not visible) are left out."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return found


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (gunicorn's workers)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except OSError:
                continue
    return found


class Server:
    """A running gunicorn: its port, and the CPU its workers have used so far."""

    def __init__(self, port: int, pid: int):
        self.port, self.pid = port, pid

    def worker_cpu(self) -> float:
        return sum(cpu_seconds(children(self.pid)).values())


@contextmanager
def gunicorn_server(workers: int, threads: int, ready_path: str = "/bench/floor/"):
    """gunicorn (gthread) on a free loopback port for the duration of the block: yields a
    Server."""
    port = free_port()
    cmd = [sys.executable, "-m", "gunicorn", "weiguang.wsgi", "--bind", f"{HOST}:{port}", "--workers",
           str(workers), "--worker-class", "gthread", "--threads", str(threads), "--keep-alive", "60",
           "--backlog", "2048", "--log-level", "warning"]  # fmt: skip
    server = subprocess.Popen(cmd, cwd=ROOT, env=os.environ.copy())
    try:
        wait_for(port, ready_path)
        yield Server(port, server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


@contextmanager
def gunicorn(workers: int, threads: int, ready_path: str = "/bench/floor/"):
    """gunicorn (gthread) on a free loopback port for the duration of the block: yields the port."""
    with gunicorn_server(workers, threads, ready_path) as server:
        yield server.port


def forget_cache(prefix: str) -> None:
    """Delete this run's keys from the shared Redis database (only keys under our prefix)."""
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    for i in range(0, len(keys), 500):
        client.delete(*keys[i : i + 500])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--community", type=int, help="community id of the wall (default: the first community)"
    )
    parser.add_argument("--duration", type=float, default=10, help="seconds measured per page (default 10)")
    parser.add_argument(
        "--warmup", type=float, default=2, help="seconds of load before measuring (default 2)"
    )
    parser.add_argument(
        "--connections", type=int, default=16, help="concurrent keep-alive connections (default 16)"
    )
    parser.add_argument("--procs", type=int, default=2, help="client processes (default 2)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument(
        "--threads", type=int, default=2, help="threads per gunicorn worker, gthread (default 2)"
    )
    parser.add_argument("--claim-clients", type=int, default=64)
    parser.add_argument("--claim-wishes", type=int, default=500, help="published wishes the clients race for")
    parser.add_argument("--racers", type=int, default=8, help="clients that try the wishes in the same order")
    parser.add_argument("--redis-db", type=int, default=9, help="Redis database number for the shared cache")
    parser.add_argument("--no-claims", action="store_true")
    args = parser.parse_args(argv)

    # Everything (in-process measurements and gunicorn) uses the bench settings and the same
    # Redis cache namespace, unique to this run.
    bench_environment(args.redis_db)
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from weiguang.regions.models import Region, RegionKind
    from weiguang.wishes import wall
    from weiguang.wishes.models import Wish

    db = settings.DATABASES["default"]
    community = (
        Region.objects.get(pk=args.community, kind=RegionKind.COMMUNITY)
        if args.community
        else Region.objects.filter(kind=RegionKind.COMMUNITY).order_by("id").first()
    )
    if community is None:
        raise SystemExit("No data: run bench/generate.py first.")
    street = Region.objects.get(pk=community.parent_id)
    on_wall = Wish.objects.filter(
        community=community, status__in=["published", "claimed", "fulfilled", "confirmed"]
    ).count()
    print(
        f"Database: {connection.vendor} {db['NAME']}: {Wish.objects.count():,} wishes, {Region.objects.count():,} regions"
    )
    print(f"Wall: {community.name} (id {community.pk}) in {street.name}: {on_wall:,} wishes on its wall")
    print(
        f"Cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]} {os.environ['REDIS_URL']} prefix {settings.CACHES['default']['KEY_PREFIX']}"
    )

    pages = {
        "wall": f"/communities/{community.pk}/wall/",
        "framework floor": "/bench/floor/",
        "database floor": f"/bench/rawsql/{community.pk}/",
    }

    # Queries per request, in process, through the same middleware and URLconf.
    client = Client()
    queries: dict[str, str] = {}
    for name, path in pages.items():
        counts = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            counts.append(len(ctx.captured_queries))
        queries[name] = f"{counts[1]}" if counts[0] == counts[1] else f"{counts[1]} (first {counts[0]})"
    # The cost of a cache miss: render the wall after invalidating its street's pages.
    cold_times, cold_queries = [], []
    for _ in range(20):
        wall.invalidate_for(Wish(street_id=street.pk, community_id=community.pk))
        t0 = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            client.get(pages["wall"])
        cold_times.append(time.perf_counter() - t0)
        cold_queries.append(len(ctx.captured_queries))
    client.get(pages["wall"])  # warm again for the load test

    # gunicorn on loopback.
    results: list[tuple] = []
    claim_summary: list[str] = []
    spawn = mp.get_context("spawn")
    try:
        with gunicorn(args.workers, args.threads) as port:
            print(f"gunicorn: {args.workers} workers × {args.threads} threads (gthread) on {HOST}:{port}; "
                  f"load: {args.connections} connections from {args.procs} processes, "
                  f"{args.warmup:g} s warm-up + {args.duration:g} s per page")  # fmt: skip
            with spawn.Pool(args.procs) as pool:
                for name, path in pages.items():
                    start_at = time.time() + 1 + args.warmup
                    stop_at = start_at + args.duration
                    per_proc = _split(list(range(args.connections)), args.procs)
                    outs = pool.starmap(
                        _read_load, [(port, path, len(c), start_at, stop_at) for c in per_proc]
                    )
                    latencies = sorted(x for lat, _ in outs for x in lat)
                    statuses = sum((s for _, s in outs), Counter())
                    results.append((name, path, len(latencies) / args.duration, statistics.median(latencies) * 1000,
                                    percentile(latencies, 0.99) * 1000, queries[name], dict(statuses)))  # fmt: skip
                    print(f"  measured {name}", flush=True)

            if not args.no_claims:
                claim_summary = run_claims(args, port, street, spawn)
    finally:
        forget_cache(settings.CACHES["default"]["KEY_PREFIX"])

    print()
    print(f"{'page':<17} {'requests/s':>11} {'median ms':>10} {'p99 ms':>8} {'queries':>14}  responses")
    print("-" * 78)
    for name, _path, rps, med, p99, q, statuses in results:
        print(f"{name:<17} {rps:>11,.0f} {med:>10.2f} {p99:>8.2f} {q:>14}  {statuses}")
    cold_times.sort()
    print(f"{'wall, cache miss':<17} {'':>11} {statistics.median(cold_times) * 1000:>10.2f} "
          f"{percentile(cold_times, 0.99) * 1000:>8.2f} {statistics.median(cold_queries):>14g}  "
          "(in process, 20 renders after invalidation)")  # fmt: skip
    for line in claim_summary:
        print(line)
    return 0


def run_claims(args, port: int, street, spawn) -> list[str]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from weiguang.regions.models import Role
    from weiguang.wishes.models import Claim, Wish, WishStatus

    volunteers = list(
        get_user_model()
        .objects.filter(
            memberships__role=Role.VOLUNTEER, memberships__region=street, username__regex=r"^s\d+v\d+$"
        )
        .order_by("username")
        .values_list("username", flat=True)[: args.claim_clients + 2]
    )
    if len(volunteers) < args.claim_clients + 2:
        raise SystemExit(
            f"Need {args.claim_clients + 2} bench volunteers in {street.name}; found {len(volunteers)}."
        )
    # Tokens through the API, concurrently (password hashing is deliberately slow).
    t0 = time.perf_counter()
    tokens: dict[str, str] = {}
    failures: list[str] = []

    def login(username: str):
        try:
            status, body = http_json(
                port, "POST", "/api/v1/auth/token", {"username": username, "password": "bench-2026"}
            )
        except (OSError, http.client.HTTPException) as exc:
            status, body = "error", repr(exc)
        if status in (200, 201) and body and body.get("token"):
            tokens[username] = body["token"]
        else:
            failures.append(f"{username}: HTTP {status} {body}")

    # As many logins at once as the server has threads; each costs one PBKDF2 hash.
    with ThreadPoolExecutor(max_workers=args.workers * args.threads) as executor:
        list(executor.map(login, volunteers))
    if failures:
        raise SystemExit("Could not get API tokens: " + "; ".join(failures[:3]))
    login_seconds = time.perf_counter() - t0

    candidates = list(
        Wish.objects.filter(street=street, status=WishStatus.PUBLISHED)
        .order_by("?")
        .values_list("id", flat=True)[: args.claim_wishes + 1]
    )
    probe, race = candidates[0], candidates[1:]
    # Queries of one claim through the API: a win, then a loss on the same wish.
    from django.test import Client

    client = Client()
    probe_counts = []
    for username in volunteers[-2:]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(
                f"/api/v1/wishes/{probe}/claim", "{}", content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {tokens[username]}",
            )  # fmt: skip
        probe_counts.append((response.status_code, len(ctx.captured_queries)))

    # Groups of `racers` clients walk the same shuffled order, so that several clients reach
    # the same wish at the same moment (and other groups reach it later from their order).
    rng = random.Random(1)
    jobs = []
    order = list(race)
    for i, username in enumerate(volunteers[: args.claim_clients]):
        if i % args.racers == 0:
            order = list(race)
            rng.shuffle(order)
        jobs.append((tokens[username], order))
    start_at = time.time() + 1.0
    with spawn.Pool(args.procs) as pool:
        outs = pool.starmap(_claim_load, [(port, part, start_at) for part in _split(jobs, args.procs)])
    elapsed = max(end for _l, _s, end in outs) - start_at
    latencies = sorted(x for lat, _s, _e in outs for x in lat)
    statuses = sum((s for _l, s, _e in outs), Counter())

    live = Claim.objects.filter(status__in=Claim.LIVE_STATUSES)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM (SELECT wish_id FROM wishes_claim WHERE status IN ('active', 'done') "
            "GROUP BY wish_id HAVING COUNT(*) > 1) AS twice"
        )
        (double,) = cursor.fetchone()
    won = statuses.get(200, 0)
    raced = Wish.objects.filter(pk__in=race)
    claimed_now = raced.filter(status=WishStatus.CLAIMED).count()
    live_on_raced = live.filter(wish__in=race).count()
    unclaimed = raced.filter(status=WishStatus.PUBLISHED).count()
    return [
        "",
        f"Claims: {args.claim_clients} API clients (tokens by POST /api/v1/auth/token: {login_seconds:.1f} s), "
        f"{len(race)} published wishes, {args.racers} clients per shuffled order",
        f"  attempts            {sum(statuses.values()):>8,}  in {elapsed:.1f} s = {sum(statuses.values()) / elapsed:,.0f} attempts/s   {dict(statuses)}",
        f"  successful claims   {won:>8,}  = {won / elapsed:,.1f} claims/s",
        f"  attempt latency     median {statistics.median(latencies) * 1000:.1f} ms, p99 {percentile(latencies, 0.99) * 1000:.1f} ms",
        f"  queries per claim   win {probe_counts[0][1]} (HTTP {probe_counts[0][0]}), "
        f"loss {probe_counts[1][1]} (HTTP {probe_counts[1][0]})",
        f"  raced wishes now claimed {claimed_now} / {len(race)}, live claims on them {live_on_raced}, still published {unclaimed}",
        f"  DOUBLE CLAIMS (wishes with more than one live claim, whole database): {double}",
    ]


if __name__ == "__main__":
    sys.exit(main())

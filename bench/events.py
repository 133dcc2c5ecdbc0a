#!/usr/bin/env python
"""The capacity race: in one run against gunicorn on loopback, measure the framework floor
(/bench/floor/), then API clients racing to sign residents up for events with few places
(staff signing up on a resident's behalf, POST /api/v1/events/{id}/signups, wait=false): sign-up
attempts/s, places given/s, latency, queries of a win and of a loss, and the events holding
more than their places afterwards (must be 0). Generate data first (bench/generate.py), then:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wg_bench .venv/bin/python bench/events.py

Every sign-up goes through core.capacity (the event's row locked, places counted after the
lock), so the losers of a race wait for the winner's commit; the figure to watch is the
attempts/s beside the floor's requests/s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.wall import (
    _connect,
    _read_load,
    _split,
    bench_environment,
    forget_cache,
    gunicorn,
    http_json,
    percentile,
    timed_post,
)


def _signup_load(port: int, token: str, jobs: list[tuple[int, int]], threads: int, start_at: float):
    """`jobs`: (event id, resident id) pairs, taken in order by `threads` keep-alive clients."""
    lock = threading.Lock()
    queue = list(reversed(jobs))
    results: list[tuple[list[float], Counter]] = []
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def client():
        latencies: list[float] = []
        statuses: Counter = Counter()
        conn = _connect(port)
        time.sleep(max(0.0, start_at - time.time()))
        while True:
            with lock:
                if not queue:
                    break
                event_id, resident_id = queue.pop()
            body = json.dumps({"resident_id": resident_id, "party_size": 1, "wait": False}).encode()
            status, seconds, conn = timed_post(
                conn, port, f"/api/v1/events/{event_id}/signups", body, headers
            )
            latencies.append(seconds)
            statuses[status] += 1
        conn.close()
        results.append((latencies, statuses))

    workers = [threading.Thread(target=client) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return [x for lat, _ in results for x in lat], sum((s for _, s in results), Counter()), time.time()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20, help="events raced for (default 20)")
    parser.add_argument("--places", type=int, default=30, help="places per event (default 30)")
    parser.add_argument("--per-event", type=int, default=150, help="sign-up attempts per event (default 150)")
    parser.add_argument("--clients", type=int, default=64, help="concurrent API clients (default 64)")
    parser.add_argument("--procs", type=int, default=2, help="client processes (default 2)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker (default 2)")
    parser.add_argument("--duration", type=float, default=5, help="seconds of the floor measurement")
    parser.add_argument("--redis-db", type=int, default=9)
    args = parser.parse_args(argv)

    bench_environment(args.redis_db)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Sum
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from weiguang.events import services
    from weiguang.events.models import Event, SignUp, SignUpStatus
    from weiguang.people.models import Resident
    from weiguang.regions.models import Region, RegionKind

    community = Region.objects.filter(kind=RegionKind.COMMUNITY).order_by("id").first()
    if community is None:
        raise SystemExit("No data: run bench/generate.py first.")
    staff = get_user_model().objects.filter(username__endswith="c01staff").order_by("username").first()
    if staff is None:
        raise SystemExit("No community staff member s01c01staff: run bench/generate.py first.")
    wanted = args.events * args.per_event + 2
    residents = list(
        Resident.objects.filter(grid__path__startswith=community.path)
        .order_by("id")
        .values_list("id", flat=True)[:wanted]
    )
    if len(residents) < wanted:
        raise SystemExit(f"{community.name} has {len(residents)} residents; {wanted} are needed.")
    print(f"Database: {connection.vendor} {settings.DATABASES['default']['NAME']}; {community.name}, "
          f"{Resident.objects.count():,} residents")  # fmt: skip

    start = timezone.now() + dt.timedelta(days=7)
    events = []
    for i in range(args.events + 1):
        event = services.create_event(staff, {
            "region": community, "kind": "party_day", "title": f"容量基准 {i + 1:02d}",
            "starts_at": start, "ends_at": start + dt.timedelta(hours=2), "capacity": args.places,
        })  # fmt: skip
        events.append(services.publish_event(event, staff))
    probe, raced = events[0], events[1:]

    spawn = mp.get_context("spawn")
    try:
        with gunicorn(args.workers, args.threads) as port:
            status, body = http_json(
                port, "POST", "/api/v1/auth/token", {"username": staff.username, "password": "bench-2026"}
            )
            if status not in (200, 201):
                raise SystemExit(f"Could not get an API token: HTTP {status} {body}")
            token = body["token"]

            # Queries of one sign-up through the API: a win, then (the event full) a loss.
            client = Client()
            probe_counts = []
            Event.objects.filter(pk=probe.pk).update(capacity=1)
            for resident_id in residents[-2:]:
                with CaptureQueriesContext(connection) as ctx:
                    response = client.post(
                        f"/api/v1/events/{probe.pk}/signups",
                        json.dumps({"resident_id": resident_id, "wait": False}),
                        content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}",
                    )  # fmt: skip
                probe_counts.append((response.status_code, len(ctx.captured_queries)))

            with spawn.Pool(args.procs) as pool:
                start_at = time.time() + 1
                stop_at = start_at + args.duration
                per_proc = _split(list(range(args.clients)), args.procs)
                outs = pool.starmap(
                    _read_load, [(port, "/bench/floor/", len(c), start_at, stop_at) for c in per_proc]
                )
                floor = sum(len(lat) for lat, _ in outs) / args.duration

                # Interleave the events so that many clients race for the same event at once.
                jobs = [
                    (raced[i % args.events].pk, rid)
                    for i, rid in enumerate(residents[: args.events * args.per_event])
                ]
                start_at = time.time() + 1
                parts = _split(jobs, args.procs)
                threads = _split(list(range(args.clients)), args.procs)
                outs = pool.starmap(
                    _signup_load,
                    [(port, token, part, len(t), start_at) for part, t in zip(parts, threads, strict=False)],
                )
    finally:
        forget_cache(settings.CACHES["default"]["KEY_PREFIX"])

    elapsed = max(end for _l, _s, end in outs) - start_at
    latencies = sorted(x for lat, _s, _e in outs for x in lat)
    statuses = sum((s for _l, s, _e in outs), Counter())
    attempts = sum(statuses.values())
    won = statuses.get(201, 0)
    held = {
        row["event"]: row["n"]
        for row in SignUp.objects.filter(event__in=raced, status=SignUpStatus.CONFIRMED)
        .values("event")
        .annotate(n=Sum("party_size"))
    }
    over = sum(1 for e in raced if held.get(e.pk, 0) > args.places)
    full = sum(1 for e in raced if held.get(e.pk, 0) == args.places)
    print()
    print(
        f"gunicorn: {args.workers} workers × {args.threads} threads; {args.clients} clients from {args.procs} processes"
    )
    print(f"framework floor      {floor:>8,.0f} requests/s")
    print(f"sign-up attempts     {attempts:>8,} in {elapsed:.1f} s = {attempts / elapsed:,.0f} attempts/s "
          f"= {attempts / elapsed / floor:.2f}x the floor   {dict(statuses)}")  # fmt: skip
    print(f"places given         {won:>8,} = {won / elapsed:,.1f} sign-ups/s")
    print(
        f"attempt latency      median {statistics.median(latencies) * 1000:.1f} ms, p99 {percentile(latencies, 0.99) * 1000:.1f} ms"
    )
    print(
        f"queries per sign-up  win {probe_counts[0][1]} (HTTP {probe_counts[0][0]}), loss {probe_counts[1][1]} (HTTP {probe_counts[1][0]})"
    )
    print(
        f"events full          {full} / {args.events} ({args.places} places, {args.per_event} attempts each)"
    )
    print(f"OVERBOOKED EVENTS (more confirmed than places): {over}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""The outbox benchmark: messages a second from the outbox to a local stand-in of a chat
robot (a real HTTP server on loopback answering {"errcode": 0}), beside the floor of the same
run: the same JSON POSTs sent straight from the same number of processes, with no outbox.

It makes its own data in the database DATABASE_URL names (migrated here): one robot with no
rate limit (per_minute 0: the limit is the service's, not ours to measure) and N queued messages. Then K
sender processes run the outbox's loop (reconcile, claim a batch with FOR UPDATE SKIP LOCKED
on PostgreSQL, send, record) until nothing is due. Afterwards the stand-in's counts are
checked: every message accepted exactly once (0 lost, 0 sent twice).

    dropdb -h 127.0.0.1 -U postgres --if-exists wg_bench_outbox
    createdb -h 127.0.0.1 -U postgres wg_bench_outbox
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wg_bench_outbox .venv/bin/python bench/outbox.py

Options: --messages 5000, --senders 4 (processes), --batch 50 (rows claimed at a time),
--duration 5 (seconds of the floor).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def stand_in(port_out, stop, counts_out) -> None:
    """The robot's stand-in, in its own process: answers errcode 0, counts each text."""
    accepted: Counter = Counter()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            accepted[body["text"]["content"]] += 1
            payload = b'{"errcode":0,"errmsg":"ok"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.timeout = 0.2
    port_out.send(server.server_address[1])
    while not stop.is_set():
        server.handle_request()
    counts_out.send(dict(accepted))


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")
    import django

    django.setup()


def floor_process(url: str, until: float, out) -> None:
    """Straight POSTs (core.outbound.post_json, as the robot channel sends), no outbox."""
    setup_django()
    from weiguang.core.outbound import post_json

    n = 0
    while time.perf_counter() < until:
        post_json(url, {"msgtype": "text", "text": {"content": f"floor {os.getpid()} {n}"}}, timeout=10)
        n += 1
    out.put(n)


def sender_process(batch: int, out) -> None:
    setup_django()
    from weiguang.outbox import delivery

    sent = 0
    while True:
        token, ids = delivery.claim(limit=batch)
        if not ids:
            break
        sent += delivery.send_claimed(token, ids)
    out.put(sent)


def make_messages(url: str, count: int) -> int:
    from django.core.management import call_command
    from django.utils import timezone

    from weiguang.outbox.models import Channel, OutboxMessage, Robot, RobotKind

    call_command("migrate", verbosity=0)
    run = os.environ["BENCH_RUN"]
    robot = Robot.objects.create(name=f"bench {run}", kind=RobotKind.WECOM, webhook_url=url, per_minute=0)
    now = timezone.now()
    OutboxMessage.objects.bulk_create(
        (
            OutboxMessage(
                key=f"bench:{run}:{n}",
                channel=Channel.ROBOT,
                robot=robot,
                title=f"{run} 消息 {n}",
                next_attempt_at=now,
            )  # fmt: skip
            for n in range(count)
        ),
        batch_size=1000,
    )
    return robot.pk


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--senders", type=int, default=4, help="sender processes (and floor processes)")
    parser.add_argument("--batch", type=int, default=50, help="rows claimed at a time")
    parser.add_argument("--duration", type=float, default=5, help="seconds of the floor")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        print("Set DATABASE_URL (PostgreSQL for the real claim), see the docstring.", file=sys.stderr)
        sys.exit(2)
    os.environ.setdefault("BENCH_RUN", str(int(time.time())))
    setup_django()
    from django.db import connection

    ctx = mp.get_context("fork")
    port_in, port_out = ctx.Pipe()
    counts_in, counts_out = ctx.Pipe()
    stop = ctx.Event()
    server = ctx.Process(target=stand_in, args=(port_out, stop, counts_out), daemon=True)
    server.start()
    url = f"http://127.0.0.1:{port_in.recv()}/cgi-bin/webhook/send?key=bench"

    robot_id = make_messages(url, args.messages)
    print(f"database: {connection.vendor}; {args.messages} queued robot messages; "
          f"{args.senders} processes; batch {args.batch}; {os.cpu_count()} cores")  # fmt: skip
    connection.close()

    results = ctx.Queue()
    until = time.perf_counter() + args.duration
    procs = [ctx.Process(target=floor_process, args=(url, until, results)) for _ in range(args.senders)]
    for p in procs:
        p.start()
    floor_count = sum(results.get() for _ in procs)
    for p in procs:
        p.join()
    floor_rate = floor_count / args.duration

    started = time.perf_counter()
    procs = [ctx.Process(target=sender_process, args=(args.batch, results)) for _ in range(args.senders)]
    for p in procs:
        p.start()
    sent = sum(results.get() for _ in procs)
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - started
    rate = sent / elapsed

    stop.set()
    accepted = {k: v for k, v in counts_in.recv().items() if not k.startswith("floor ")}
    server.join(5)
    from weiguang.outbox.models import OutboxMessage

    statuses = Counter(OutboxMessage.objects.filter(robot_id=robot_id).values_list("status", flat=True))
    run = os.environ["BENCH_RUN"]
    expected = {f"{run} 消息 {n}" for n in range(args.messages)}
    lost = len(expected - set(accepted))
    doubled = sum(1 for k in expected if accepted.get(k, 0) > 1)

    print()
    print(f"{'':24}{'per second':>12}")
    print(f"{'floor (straight POSTs)':24}{floor_rate:>12,.0f}  ({floor_count} in {args.duration:.0f} s)")
    print(f"{'outbox messages':24}{rate:>12,.0f}  ({sent} in {elapsed:.1f} s)")
    print()
    print(f"ratio to the floor      {rate / floor_rate:.2f}  (outbox msgs/s ÷ straight POSTs/s)")
    print(f"LOST (never accepted)   {lost}")
    print(f"SENT TWICE              {doubled}")
    print(f"rows by status          {dict(statuses)}")


if __name__ == "__main__":
    main()

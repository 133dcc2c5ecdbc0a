"""A local stand-in for the services the outbox posts to (a chat robot, an SMS gateway): a real
HTTP server in a thread of the test. `answer(n, body)` picks the reply to the n-th request
(status, JSON); `hold_when(n)` makes the server keep the n-th request open until `release`."""

from __future__ import annotations

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def ok(n, body):
    return 200, {"errcode": 0, "errmsg": "ok", "code": 0, "id": f"prov-{n}"}


class StandIn:
    def __init__(self, answer=ok, key=lambda body: json.dumps(body, sort_keys=True), hold_when=None):
        self.requests: list[dict] = []
        self.accepted: Counter = Counter()  # message key -> times it was accepted (2xx)
        self.answer, self.key = answer, key
        self.hold_when = hold_when  # (n) -> bool: keep the n-th request open until `release`
        self.release = threading.Event()
        self.arrived = threading.Event()
        self.lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with stand_in.lock:
                    stand_in.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                    n = len(stand_in.requests)
                    status, data = stand_in.answer(n, body)
                    if 200 <= status < 300 and data.get("errcode", data.get("code", 0)) == 0:
                        stand_in.accepted[stand_in.key(body)] += 1
                if stand_in.hold_when is not None and stand_in.hold_when(n):
                    stand_in.arrived.set()
                    stand_in.release.wait(60)  # the request is in; the answer is held back
                payload = json.dumps(data).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the sender is gone

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

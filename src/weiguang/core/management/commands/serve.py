"""`weiguang serve`: the web server, the task worker and the scheduler together, stopped
together with Ctrl-C. `make run` uses it; production runs the three as separate services."""

import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the site with gunicorn, plus the db_worker and the scheduler."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", 2)))

    def handle(self, *args, bind, workers, **options):
        exe = sys.executable
        manage = [exe, "-m", "weiguang.manage"]
        commands = {
            "web": [exe, "-m", "gunicorn", "weiguang.wsgi", "--bind", bind, "--workers", str(workers),
                    "--threads", "4", "--access-logfile", "-"],
            "worker": [*manage, "db_worker"],
            "scheduler": [*manage, "scheduler"],
        }  # fmt: skip
        procs = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}
        self.stdout.write(self.style.SUCCESS(f"Weiguang is serving at http://{bind}/ (Ctrl-C stops it)"))
        stop = False

        def on_signal(signum, frame):
            nonlocal stop
            stop = True

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        try:
            while not stop:
                for name, proc in procs.items():
                    if proc.poll() is not None:
                        self.stderr.write(f"{name} exited with {proc.returncode}; stopping")
                        stop = True
                time.sleep(0.5)
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.terminate()
            for proc in procs.values():
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()

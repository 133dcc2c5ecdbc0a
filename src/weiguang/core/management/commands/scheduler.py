import time

from django.core.management.base import BaseCommand

from weiguang.core.scheduler import run_due


class Command(BaseCommand):
    help = "Enqueue periodic jobs (overdue claims, ...) when they are due. Run exactly one."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Check once and exit.")
        parser.add_argument("--interval", type=float, default=30.0, help="Seconds between checks.")

    def handle(self, *args, once=False, interval=30.0, **options):
        while True:
            for path in run_due():
                self.stdout.write(f"enqueued {path}")
            if once:
                return
            time.sleep(interval)

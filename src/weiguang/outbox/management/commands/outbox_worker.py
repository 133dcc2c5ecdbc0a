"""`weiguang outbox_worker`: a sender that keeps the outbox moving, beside (or instead of) the
db_worker's on-commit kicks and the scheduler's every-minute job. Any number may run at once:
each claims its own rows (docs/outbox.md)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from weiguang.outbox import delivery


class Command(BaseCommand):
    help = "Send what the outbox holds: claim due messages, send them, retry with back-off."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument("--batch", type=int, default=100, help="messages claimed at a time")
        parser.add_argument("--idle", type=float, default=1.0, help="seconds to wait when nothing is due")
        parser.add_argument("--channel", default=None, help="only this channel (inapp, robot, sms, email)")

    def handle(self, *args, once=False, batch=100, idle=1.0, channel=None, **options):
        while True:
            sent = delivery.deliver_due(limit=batch, channel=channel)
            if once:
                self.stdout.write(f"sent {sent}")
                return
            if not sent:
                time.sleep(idle)

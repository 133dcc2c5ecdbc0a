"""`weiguang seed_demo`: load the fictional demo street into an empty database."""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from weiguang.regions.models import Role
from weiguang.site import demo


class Command(BaseCommand):
    help = (
        f"Load a fictional street ({demo.DISTRICT} {demo.STREET}: 4 communities, 12 grids, 200 residents, "
        "60 wishes in every state, 30 volunteers, 5 partner units, two departments, a holiday calendar, "
        "about 65 demands in every state with a desk session and two deliberation meetings) and one account "
        "per role. "
        f"Every demo account's password is “{demo.DEMO_PASSWORD}”. Usernames: admin (street admin and "
        "Django superuser), staff (staff2-staff4 for the other communities), grid (grid2-grid12, one "
        "per grid), volunteer (vol02-vol30), partner (partner2-partner5), dept (城市管理办公室; dept2 for "
        "社会事务办公室), resident. "
        "Refuses to run on a database that already holds regions, unless --if-empty is given, "
        "in which case it quietly does nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (successfully) if the database already holds regions.",
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help="Print only the accounts, as a JSON list of {role, username, password, region}.",
        )
        parser.add_argument(
            "--seed", type=int, default=demo.DEMO_SEED, help="Random seed (same seed, same street)."
        )

    def handle(self, *args, if_empty: bool, json: bool, seed: int, **options):
        if if_empty and not demo.database_is_empty():
            if json:
                self.stdout.write("[]")
            else:
                self.stdout.write("The database already holds data; the demo street was not loaded again.")
                accounts = demo.existing_accounts()
                if accounts:
                    self.print_table(accounts, heading="Demo accounts:")
            return
        with translation.override(settings.LANGUAGE_CODE):
            try:
                accounts = demo.seed(seed)
            except demo.DemoExists as exc:
                raise CommandError(
                    f"{exc} seed_demo only fills an empty database (--if-empty skips quietly)."
                ) from exc
        if json:
            self.stdout.write(_json([a.as_json() for a in accounts]))
            return
        self.print_table(accounts)

    def print_table(self, accounts, heading: str = ""):
        labels = dict(Role.choices)
        rows = [("role", "username", "phone", "password", "region", "name")]
        rows += [
            (str(labels.get(a.role, a.role)), a.username, a.phone or "-", a.password, a.region, a.name)
            for a in accounts
        ]
        widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
        heading = heading or f"Demo street loaded: {demo.DISTRICT} {demo.STREET}. Accounts:"
        self.stdout.write(self.style.SUCCESS(heading))
        for n, row in enumerate(rows):
            cells = (cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True))
            self.stdout.write(("  " + "  ".join(cells)).rstrip())
            if n == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in widths))
        self.stdout.write(
            "Also with the same password: grid2-grid12 (one per grid), vol02-vol30, partner2-partner5, "
            "dept2 (the second department)."
        )
        self.stdout.write(
            "Log in by phone too (/login/), with the password or a code (/login/code/): under make run "
            "the text messages, codes included, are written to this console (SMS to 138...: ...)."
        )
        # The demo seeds no authenticator: its admin goes through the same first login as a real
        # street admin, and no second factor of a well-known account is printed for anyone to use.
        self.stdout.write(
            "Two-factor sign-in: at its first login the street admin (admin) is asked to set up an "
            "authenticator app (scan the QR code or type the key into Microsoft/Google Authenticator, "
            "FreeOTP, or `oathtool --totp -b KEY`), then enters its 6-digit code after the password; "
            "keep the 10 recovery codes it shows. Other staff may turn it on at /security/. Staff "
            f"sessions end after {settings.STAFF_SESSION_IDLE_MINUTES} idle minutes."
        )
        self.stdout.write(
            f"Waiting for staff: {demo.NEWCOMER} signed up and said where they live; community staff "
            "(staff) confirm it at /staff/residence/ (the phone matches a resident record)."
        )


def _json(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def _width(text: str) -> int:
    """Display width in a terminal: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)

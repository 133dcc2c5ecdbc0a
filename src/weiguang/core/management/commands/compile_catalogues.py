"""Compile the committed gettext catalogues (.po → .mo) with polib, so neither a fresh
machine nor CI needs GNU gettext installed."""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile every .po catalogue of the project into .mo"

    def handle(self, *args, **options):
        count = 0
        for root in map(Path, settings.LOCALE_PATHS):
            for po_path in root.glob("*/LC_MESSAGES/*.po"):
                polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
                count += 1
        self.stdout.write(f"compiled {count} catalogue(s)")

"""Re-encode photos stored before uploads were re-encoded (issue 9): run once after upgrading.

Every ImageField of every model is walked. A file whose name is not one this version
generates (32 hex digits and .jpg/.png/.webp) is re-encoded like a new upload and saved under
a generated name; the old file is deleted. A file that is not an acceptable picture (an HTML
page named .gif, a bomb) is deleted with its row, since it could never have been shown.
Missing files are reported and left alone. Safe to run again: done files are skipped."""

from __future__ import annotations

import re

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import models, transaction

from weiguang.core.errors import InvalidInput
from weiguang.core.uploads import reencode

GENERATED = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp)$")


class Command(BaseCommand):
    help = "Re-encode photos stored under their uploader's name before uploads were re-encoded."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="only count what would change")

    def handle(self, *args, dry_run: bool = False, **options):
        done = dropped = missing = 0
        for model in apps.get_models():
            for field in model._meta.get_fields():
                if not isinstance(field, models.ImageField):
                    continue
                for obj in model._default_manager.exclude(**{field.name: ""}).iterator():
                    file = getattr(obj, field.name)
                    if GENERATED.match(file.name.rsplit("/", 1)[-1]):
                        continue
                    if not file.storage.exists(file.name):
                        missing += 1
                        self.stderr.write(f"missing: {model._meta.label} {obj.pk} {file.name}")
                        continue
                    old = file.name
                    try:
                        with file.storage.open(old, "rb") as source:
                            fresh = reencode(source, field.name)
                    except InvalidInput as err:
                        dropped += 1
                        self.stdout.write(
                            f"not a picture, removed: {model._meta.label} {obj.pk} {old} ({err.message})"
                        )
                        if not dry_run:
                            obj.delete()
                            file.storage.delete(old)
                        continue
                    done += 1
                    if dry_run:
                        continue
                    with transaction.atomic():
                        file.save(fresh.name, fresh, save=False)
                        obj.save(update_fields=[field.name])
                    file.storage.delete(old)
        verb = "would be" if dry_run else "were"
        self.stdout.write(f"{done} photos {verb} re-encoded, {dropped} removed, {missing} missing.")

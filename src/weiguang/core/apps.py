from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "weiguang.core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.apps import apps
        from django.db.models import ImageField
        from django.db.models.signals import pre_save

        from . import (
            converters,  # noqa: F401 - registers the `id` path converter for every URLconf
            lookups,
        )
        from .uploads import refuse_raw_uploads

        self.register_navigation()

        lookups.register()  # `id__in` with an id past any column is no match, not a 500

        # Every picture is re-encoded (core/uploads.py): a model with an image field refuses
        # a new picture that did not come out of check_photos().
        for model in apps.get_models():
            if any(isinstance(f, ImageField) for f in model._meta.concrete_fields):
                pre_save.connect(
                    refuse_raw_uploads, sender=model, dispatch_uid=f"raw-upload-{model._meta.label}"
                )

    def register_navigation(self) -> None:
        from django.utils.translation import gettext_lazy as _
        from django.utils.translation import ngettext

        from .navigation import register_entry, register_tile
        from .notifications import unread

        register_entry("inbox", _("Inbox"), "inbox", order=900, when="authenticated", badge=unread)
        # The offline field kit (core/offline.py): for those who record on residents' behalf
        # (the "grid" flag: grid workers and staff).
        register_entry("field", _("Offline visits"), "field_kit", order=45, when="grid")
        register_tile(
            "field", _("Offline visits"), "field_kit", order=45, icon="⌂", when="grid",
            caption=_("Works without signal"),
        )  # fmt: skip
        register_tile(
            "inbox", _("Inbox"), "inbox", order=900, icon="✉", when="authenticated", count=unread,
            caption=lambda flags, n: ngettext("%(n)s unread", "%(n)s unread", n) % {"n": n} if n else None,
        )  # fmt: skip

from django.utils.translation import gettext_lazy as _

from weiguang.core.navigation import register_entry


def register() -> None:
    register_entry(
        "message_settings", _("Message settings"), "message_settings", order=955, when="authenticated"
    )

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from weiguang.core.navigation import register_object_link


def register() -> None:
    # On the inbox page, not in the header: the header already runs to several lines on a phone
    # for staff, and how one is told is read beside what one was told.
    register_object_link(
        "inbox", "message_settings", _("Message settings"), lambda obj: reverse("message_settings"),
        order=10, when=lambda flags, obj: flags.authenticated,
    )  # fmt: skip

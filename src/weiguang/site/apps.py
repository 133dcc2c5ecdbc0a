from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    """The top floor (docs/architecture.md): the home page, the navigation, the demo street and
    the URL composition; it may import every app, and no app imports it."""

    name = "weiguang.site"
    verbose_name = _("Site")

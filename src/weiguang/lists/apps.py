from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ListsConfig(AppConfig):
    name = "weiguang.lists"
    verbose_name = _("The three lists")

    def ready(self) -> None:
        from weiguang.partners import panels

        from . import navigation
        from .views import record_panel

        # the unit's page shows what it delivered (claims of wishes, projects): computed here
        panels.register_unit_panel(record_panel)
        navigation.register()  # its home tile

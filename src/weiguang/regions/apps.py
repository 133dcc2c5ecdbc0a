from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    name = "weiguang.regions"
    verbose_name = _("Regions")

    def ready(self) -> None:
        from weiguang.core import permissions

        from . import access, navigation

        permissions.install(access)  # transitions and the API ask regions.access (core knows no roles)
        navigation.register()  # the role flags of the menus and the home page

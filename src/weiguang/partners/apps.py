from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "weiguang.partners"
    verbose_name = _("Partners")

    def ready(self) -> None:
        from . import navigation, staff_roles

        navigation.register()  # its navigation entries and home tiles
        staff_roles.register()  # a representative is named with the unit

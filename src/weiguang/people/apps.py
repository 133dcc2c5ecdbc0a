from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "weiguang.people"
    verbose_name = _("People")

    def ready(self) -> None:
        from . import navigation, offline

        navigation.register()  # its navigation entries and home tiles
        offline.register()  # the field kit's residents and visit note (core.offline)

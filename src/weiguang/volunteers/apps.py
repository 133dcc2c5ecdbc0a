from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "weiguang.volunteers"
    verbose_name = _("Volunteers")
    # A fulfilled wish's service record (services.record_from_wish) is hooked onto the wish
    # machine by `matching`, the floor above that joins claimers and wishes.

    def ready(self) -> None:
        from . import navigation

        navigation.register()  # its role flags, navigation entry and home tiles

        from . import personal_data

        personal_data.register()  # its sections of a person's data (accounts.personal_data)

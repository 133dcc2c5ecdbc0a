from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WishesConfig(AppConfig):
    name = "weiguang.wishes"
    verbose_name = _("Micro-wishes")

    def ready(self) -> None:
        import datetime as dt

        from weiguang.core import scheduler

        from . import navigation, wall
        from .models import Wish

        Wish.state_machine.on_commit.append(wall.invalidate_for)
        scheduler.register("weiguang.wishes.tasks.expire_overdue_claims", dt.timedelta(minutes=10))
        navigation.register()  # its navigation entries and home tiles

        from . import personal_data

        personal_data.register()  # its sections of a person's data (accounts.personal_data)

        from . import offline

        offline.register()  # the field kit's wish (core.offline)

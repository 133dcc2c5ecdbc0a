from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WishesConfig(AppConfig):
    name = "weiguang.wishes"
    verbose_name = _("Micro-wishes")

    def ready(self) -> None:
        from . import wall
        from .models import Wish

        Wish.state_machine.on_commit.append(wall.invalidate_for)

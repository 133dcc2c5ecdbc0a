from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "weiguang.volunteers"
    verbose_name = _("Volunteers")

    def ready(self) -> None:
        from weiguang.wishes.models import Wish

        from . import recommend, services

        # A fulfilled wish writes the claimer's service record in the same transaction.
        Wish.state_machine.in_transaction.append(services.record_from_wish)
        # A wish that leaves the wall closes the invitations still waiting for it.
        Wish.state_machine.in_transaction.append(recommend.expire_when_wish_leaves_wall)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "weiguang.matching"
    verbose_name = _("Matching")

    def ready(self) -> None:
        from weiguang.volunteers import services as volunteer_services
        from weiguang.wishes.models import Wish

        from . import invitations, navigation

        # Where claimers meet wishes, so the wiring of the two apps below lives here:
        # a fulfilled wish writes the claimer's service record in the same transaction,
        Wish.state_machine.in_transaction.append(volunteer_services.record_from_wish)
        # and a wish that leaves the wall closes the invitations still waiting for it.
        Wish.state_machine.in_transaction.append(invitations.expire_when_wish_leaves_wall)
        navigation.register()  # its home tiles

        from . import personal_data

        personal_data.register()  # its sections of a person's data (accounts.personal_data)

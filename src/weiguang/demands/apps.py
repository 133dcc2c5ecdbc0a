from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemandsConfig(AppConfig):
    name = "weiguang.demands"
    verbose_name = _("Demands")

    def ready(self) -> None:
        import datetime as dt

        from weiguang.accounts.residence import register_on_confirm
        from weiguang.core import scheduler

        from . import navigation, offline, personal_data, staff_roles
        from .services.intake import link_to_confirmed_resident

        scheduler.register("weiguang.demands.tasks.escalate_overdue", dt.timedelta(minutes=10))
        scheduler.register("weiguang.demands.tasks.close_unevaluated", dt.timedelta(hours=1))
        scheduler.register("weiguang.demands.tasks.send_deadline_reminders", dt.timedelta(minutes=10))
        navigation.register()  # its role flag, navigation entries and home tiles
        staff_roles.register()  # a department handler is made with the department
        personal_data.register()  # its sections of a person's data (accounts.personal_data)
        offline.register()  # the field kit's demand (core.offline)
        register_on_confirm(link_to_confirmed_resident)  # an unconfirmed person's demands join their record

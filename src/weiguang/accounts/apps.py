from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "weiguang.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        import datetime as dt

        from weiguang.core import scheduler

        from . import navigation

        # text messages that are due again (accounts.sms: retries with backoff)
        scheduler.register("weiguang.accounts.tasks.retry_sms", dt.timedelta(minutes=1))
        navigation.register()  # its navigation entries

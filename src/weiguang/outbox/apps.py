from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "weiguang.outbox"
    verbose_name = _("Outbound messages")

    def ready(self) -> None:
        import datetime as dt

        from weiguang.accounts import sms
        from weiguang.core import notifications, scheduler

        from . import delivery, navigation, services

        # core.notify() and accounts.send_sms() write here (core and accounts are floors below)
        notifications.install(services.notify)
        sms.install_outbox(SmsOutbox(services, delivery))
        # what is due again (retries, quiet hours over, a lost kick) and lapsed claims
        scheduler.register("weiguang.outbox.tasks.deliver_due", dt.timedelta(minutes=1))
        navigation.register()  # 消息提醒, a link on the inbox page


class SmsOutbox:
    """What accounts.sms asks of the outbox."""

    def __init__(self, services, delivery):
        self.send_sms = services.send_sms
        self.deliver_sms = delivery.deliver_sms
        self.deliver_due_sms = lambda now=None, limit=500: delivery.deliver_due(now, limit, channel="sms")

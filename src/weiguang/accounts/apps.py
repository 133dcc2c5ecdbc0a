from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "weiguang.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        import datetime as dt

        from django.urls import reverse

        from weiguang.core import scheduler
        from weiguang.core.navigation import register_object_link

        from . import checks, navigation  # noqa: F401  (checks registers the deploy checks)

        # text messages that are due again (accounts.sms: retries with backoff)
        scheduler.register("weiguang.accounts.tasks.retry_sms", dt.timedelta(minutes=1))
        navigation.register()  # its navigation entries

        # the login page (core) links to the ways in that accounts adds
        for order, (key, label, name) in enumerate(
            [
                ("login-by-code", _("Log in with a text message code"), "login_code"),
                ("signup", _("No account yet? Sign up"), "signup"),
                ("password-reset", _("Forgot your password?"), "password_reset"),
            ]
        ):
            register_object_link(
                "login",
                key,
                label,
                lambda obj, name=name: reverse(name),
                order=order,
                when=lambda flags, obj: True,
            )

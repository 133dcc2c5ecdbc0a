from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "weiguang.accounts"
    default = True
    verbose_name = _("Accounts")

    def ready(self) -> None:
        import datetime as dt

        from django.db.models.signals import post_save
        from django.urls import reverse

        from weiguang.core import scheduler
        from weiguang.core.navigation import register_object_link
        from weiguang.people.models import Resident
        from weiguang.people.services import register_seen_on

        from . import checks, navigation, personal_data, residence, security  # noqa: F401  (checks registers the deploy checks)

        # text messages that are due again (accounts.sms: retries with backoff)
        scheduler.register("weiguang.accounts.tasks.retry_sms", dt.timedelta(minutes=1))
        # codes no limit counts any more, the rows of ended sessions (they would grow forever)
        scheduler.register("weiguang.accounts.tasks.clean_up", dt.timedelta(days=1))
        # its navigation entries and tiles (staff, security, my data, data requests, where I live,
        # the addresses to confirm)
        navigation.register()
        security.connect()  # two-factor sign-in, sessions (accounts/security.py)
        # a resident recorded with a building the place tree does not list yet makes it choosable
        post_save.connect(residence.building_of_resident, sender=Resident, dispatch_uid="accounts_building")

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

        # the sections of a person's data held by the floors below (account, resident record, inbox, audit)
        personal_data.register_own_sections()
        # a resident's view log links the request whose page showed their record
        register_seen_on("data_request", _("Personal data request"), "data_request")


class OTPAdminConfig(admin_apps.AdminConfig):
    """Django's admin (settings.INSTALLED_APPS), whose site lets in only a session verified
    with a second factor (accounts.admin_site)."""

    default = False
    default_site = "weiguang.accounts.admin_site.OTPAdminSite"

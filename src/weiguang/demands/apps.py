from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemandsConfig(AppConfig):
    name = "weiguang.demands"
    verbose_name = _("Demands")

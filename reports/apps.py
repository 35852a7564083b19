from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Annual reports")

    def ready(self):
        from . import checks, permissions  # noqa: F401 - register the system checks and the rules

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PledgesConfig(AppConfig):
    name = "pledges"
    verbose_name = _("Pledges")

    def ready(self):
        from . import (
            permissions,  # noqa: F401 - registers this app's rules
            personal_data,  # noqa: F401 - registers this app's part of the data export
            signals,
        )

        signals.connect()

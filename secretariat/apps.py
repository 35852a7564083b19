from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecretariatConfig(AppConfig):
    name = "secretariat"
    verbose_name = _("Secretariat operations")

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import personal_data, signals  # noqa: F401 - data export part, consent receivers
        from .roles import roles_sync_after_migrate

        post_migrate.connect(roles_sync_after_migrate, sender=self, dispatch_uid="secretariat-roles")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationsConfig(AppConfig):
    name = "organisations"
    verbose_name = _("Organisations")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from . import permissions, personal_data  # noqa: F401 - register this app's rules and data parts
        from .views import accept_invitation_after_login

        user_logged_in.connect(accept_invitation_after_login, dispatch_uid="organisations_accept_invitation")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from allauth.account.decorators import secure_admin_login
        from django.contrib import admin

        from . import personal_data  # noqa: F401 - registers this app's part of the data export

        # The admin's login goes through allauth: its rate limits and two-factor authentication apply there too.
        if not getattr(admin.site.login, "_p2c_secured", False):
            admin.site.login = secure_admin_login(admin.site.login)
            admin.site.login._p2c_secured = True

"""Create (or reset) the local Secretariat account that ``make run`` prints, with a fresh random password."""

import secrets

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User

DEMO_STAFF_EMAIL = "secretariat@p2c.localhost"


class Command(BaseCommand):
    help = "Create or reset the local Secretariat (staff) account and print its login. Refused in production."

    def add_arguments(self, parser):
        parser.add_argument("--email", default=DEMO_STAFF_EMAIL)

    def handle(self, *args, email, **options):
        if settings.SETTINGS_MODULE.endswith("production"):
            raise CommandError("create_demo_staff is for local use only.")
        password = secrets.token_urlsafe(12)
        user, _ = User.objects.get_or_create(email=email, defaults={"name": "P2C Secretariat"})
        user.is_staff = True
        user.is_superuser = True
        user.is_active = True
        user.set_password(password)
        user.save()
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        self.stdout.write(f"Secretariat login: {email}  password: {password}")

"""django-allauth adapters of the platform."""

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Account rules of the platform; signup is open to everyone (organisations are verified, not people)."""

    def is_open_for_signup(self, request):
        return True

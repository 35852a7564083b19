"""Multi-factor authentication required for staff (the P2C Secretariat) wherever
``settings.P2C_STAFF_MFA_REQUIRED`` is on (production). django-allauth has no setting for it (FINDINGS.md)."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _


class StaffMFARequiredMiddleware:
    """Send a signed-in staff user without an authenticator app (TOTP) or security key to the MFA set-up page
    before any admin page. Placed after ``AuthenticationMiddleware`` and allauth's ``AccountMiddleware``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._must_set_up_mfa(request):
            messages.warning(
                request,
                _("Staff accounts need two-factor authentication. Set up an authenticator app to continue."),
            )
            return redirect(f"{reverse('mfa_activate_totp')}?next=/{settings.ADMIN_URL}")
        return self.get_response(request)

    @staticmethod
    def _must_set_up_mfa(request) -> bool:
        if not getattr(settings, "P2C_STAFF_MFA_REQUIRED", False):
            return False
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_staff:
            return False
        if not request.path.startswith(f"/{settings.ADMIN_URL}"):
            return False
        from allauth.mfa.models import Authenticator

        return not Authenticator.objects.filter(
            user_id=user.pk, type__in=(Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
        ).exists()


class SafeNextMiddleware:
    """Drop a ``next`` parameter that would lead off this site (``//evil.example``, ``/\\evil.example``,
    ``https:evil.example``, ``/%09/evil.example``, another host) from the query string and the form data, before
    any view (ours or allauth's) reads it or writes it back into a page. Views validate again on use
    (``accounts.redirects.safe_next``, allauth's ``is_safe_url``)."""

    FIELD = "next"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .redirects import is_safe_next

        for name in ("GET", "POST"):
            params = getattr(request, name)
            if self.FIELD in params and not all(is_safe_next(request, v) for v in params.getlist(self.FIELD)):
                params = params.copy()
                params.pop(self.FIELD)
                setattr(request, name, params)
        return self.get_response(request)

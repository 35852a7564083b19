"""Middleware of the secretariat app.

``ConsentMiddleware``: a signed-in person who has not accepted the terms of use and privacy notice in force is
sent to the page that asks for them (after sign-up, or when the Secretariat publishes a new version).
``LegacyRedirectMiddleware``: a page not found whose path is the address of a pledge on the former platform
redirects (301) to the pledge's page here.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse

SESSION_KEY = "p2c_consented_documents"


class ConsentMiddleware:
    """Placed after ``AuthenticationMiddleware`` and ``MessageMiddleware``. Pages a person needs to decide
    (the consent page, the documents, logging out, their data download and account deletion, unsubscribing)
    and static files are never redirected."""

    def __init__(self, get_response):
        self.get_response = get_response

    EXEMPT = {
        "secretariat:consent",
        "secretariat:legal",
        "secretariat:unsubscribe",
        "account_logout",
        "accounts:export",
        "accounts:delete",
        "set_language",
        "healthz",
    }

    def _exempt(self, request) -> bool:
        if request.path.startswith(f"/{settings.STATIC_URL.lstrip('/')}"):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return match.view_name in self.EXEMPT

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not self._exempt(request):
            from .consent import documents_in_force, missing_consents

            in_force = sorted(d.pk for d in documents_in_force())
            if in_force and request.session.get(SESSION_KEY) != in_force:
                if missing_consents(user):
                    query = urlencode({"next": request.get_full_path()})
                    return redirect(f"{reverse('secretariat:consent')}?{query}")
                request.session[SESSION_KEY] = in_force
        return self.get_response(request)


class LegacyRedirectMiddleware:
    """Only a 404 is looked at (one indexed query), so the platform's own pages cost nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        from .selectors import legacy_pledge_for_path

        pledge = legacy_pledge_for_path(request.get_full_path(), user=request.user)
        if pledge is None:
            return response
        return redirect(pledge.get_absolute_url(), permanent=True)

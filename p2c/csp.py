"""The Content-Security-Policy of the platform (django-csp 4), used by ``p2c.settings.production``.

Scripts and styles come only from our own origin (``static/``, vendored Bootstrap; django-allauth's and the
Django admin's own static files): no inline ``<script>``, no ``eval``, no ``on…=`` handler attributes, no inline
``<style>`` or ``style=`` attributes in our templates. No vendored component needs an inline style today:
Bootstrap's JavaScript sets styles through the CSSOM (``element.style``), which the policy allows; django-allauth's
MFA pages pass data in ``<script type="application/json">``, which is not executed. htmx (vendored, not used yet)
must be loaded with ``<meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false}'>``
before it is used, or it injects a ``<style>`` element and would need ``eval``.
"""

from csp.constants import NONE, SELF


def content_security_policy(*, media_origins: tuple[str, ...] = ()) -> dict:
    """The ``CONTENT_SECURITY_POLICY`` setting.

    Args:
        media_origins: extra origins images may come from, e.g. ``("https://media.example.org",)`` when media files
            are on S3-compatible storage.
    Returns: django-csp 4's ``{"DIRECTIVES": {...}}``. ``img-src`` allows ``data:`` because Bootstrap's CSS draws
        its icons (navbar toggler, select arrows, form validation) as SVG ``data:`` URIs.
    """
    return {
        "DIRECTIVES": {
            "default-src": [SELF],
            "script-src": [SELF],
            "style-src": [SELF],
            "img-src": [SELF, "data:", *media_origins],
            "font-src": [SELF],
            "connect-src": [SELF],
            "object-src": [NONE],
            "base-uri": [NONE],
            "form-action": [SELF],
            "frame-ancestors": [NONE],
        }
    }

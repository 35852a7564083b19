"""Redirect targets taken from the request (``next=``) stay on this site."""

from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def is_safe_next(request, url: str | None) -> bool:
    """Whether ``url`` is a redirect target on this site.

    Relative paths ("/my/") are accepted; scheme-relative ("//evil.example"), backslash ("/\\evil.example"),
    scheme-only ("https:evil.example") and control-character tricks ("/\\t/evil.example") are refused by
    Django's ``url_has_allowed_host_and_scheme``; absolute URLs must name this request's host (and HTTPS when the
    request is secure).
    """
    if not url:
        return False
    return url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def safe_next(request, url: str | None, fallback: str = "pledges:workspace") -> str:
    """``url`` when it stays on this site, else ``fallback`` (a URL name or path)."""
    return url if is_safe_next(request, url) else resolve_url(fallback)

"""Conditional GET (ETag / Last-Modified → 304 Not Modified) for the API and the downloads.

The validators come from ``selectors.data_version()`` (when the published data last changed), the full path with
its query string, the response's media type and language, so they are known before any row is read: a client that
already has the current version gets a 304 without the work of building the response.
"""

import hashlib

from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.utils.translation import get_language

from . import selectors

# Caches may keep a response this long (seconds) before they ask again with If-None-Match / If-Modified-Since.
MAX_AGE = 60


def validators(request, *, variant: str = "") -> tuple[str, int]:
    """``(etag, last_modified)`` of the response to ``request``: a quoted strong ETag and a POSIX timestamp.

    Args:
        request: the Django request (its full path with the query string is part of the ETag).
        variant: anything else the response depends on (e.g. the negotiated media type).
    """
    last_modified, token = selectors.data_version()
    digest = hashlib.sha256(
        "\n".join((token, request.get_full_path(), variant, get_language() or "")).encode()
    ).hexdigest()[:40]
    return f'"{digest}"', int(last_modified.timestamp())


def not_modified(request, etag: str, last_modified: int):
    """A 304 (or 412 for a failed If-Match) response when the client's copy is current, else None."""
    return get_conditional_response(request, etag=etag, last_modified=last_modified)


def stamp(response, etag: str, last_modified: int):
    """Set ETag, Last-Modified and Cache-Control (public, ``MAX_AGE``) on ``response``; returns it."""
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    return response

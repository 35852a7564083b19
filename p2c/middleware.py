"""Middleware of the platform: request IDs with one log line per request, the health check, and the refusal of
control characters in addresses.

All three go first in ``MIDDLEWARE`` (the last after Django's ``SecurityMiddleware``).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import Http404

from .logging import redact_path, request_id_var

access_logger = logging.getLogger("p2c.request")

# A request ID taken from a trusted proxy's header must look like one: letters, digits and . _ : -, at most 64.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class RequestIdMiddleware:
    """Gives each request an ID: ``request.id``, the ``X-Request-ID`` response header and every log record.

    The ID is a fresh UUID (32 hex digits) unless ``P2C_REQUEST_ID_HEADER`` names a header set by a trusted proxy
    (e.g. ``"X-Request-ID"``) and the request carries a valid value in it (see ``_VALID_REQUEST_ID``). After the
    response, one line is logged to ``p2c.request``: method, path, status and duration in milliseconds (INFO, the
    health check at DEBUG; Django's ``django.request`` logger reports 4xx/5xx with details). URL arguments that
    are secrets (``p2c.logging.SECRET_URL_KWARGS``: tokens, keys) are replaced by ``[redacted]`` in that line.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        header = getattr(settings, "P2C_REQUEST_ID_HEADER", "") or ""
        self.meta_key = ("HTTP_" + header.upper().replace("-", "_")) if header else ""

    def _request_id(self, request) -> str:
        if self.meta_key:
            incoming = request.META.get(self.meta_key, "")
            if _VALID_REQUEST_ID.fullmatch(incoming):
                return incoming
        return uuid.uuid4().hex

    def __call__(self, request):
        request.id = self._request_id(request)
        token = request_id_var.set(request.id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request.id
            self._log(request, response.status_code, (time.monotonic() - started) * 1000)
            return response
        finally:
            request_id_var.reset(token)

    def _log(self, request, status: int, duration_ms: float) -> None:
        path = redact_path(request)
        level = logging.DEBUG if request.path_info == "/healthz" else logging.INFO
        access_logger.log(
            level,
            "%s %s %s %.1fms",
            request.method,
            path,
            status,
            duration_ms,
            extra={
                "method": request.method,
                "path": path,
                "status": status,
                "duration_ms": round(duration_ms, 1),
            },
        )


class HealthCheckMiddleware:
    """Answers ``/healthz`` before host validation, HTTPS redirects and sessions.

    A load balancer or container health check calls it by IP address and over plain HTTP; neither may turn it
    into a 400 (``ALLOWED_HOSTS``) or a 301 (``SECURE_SSL_REDIRECT``). The answer is ``p2c.views.healthz``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            from .views import healthz

            return healthz(request)
        return self.get_response(request)


# C0 control characters except tab and line feed (a browser never sends them in a path; PostgreSQL cannot
# store NUL in a text column, and a path is looked up in one as it is).
_CONTROL_IN_PATH = re.compile(r"[\x00-\x08\x0b-\x1f]")


class ControlCharacterMiddleware:
    """Answer 404 for a path holding a NUL or another C0 control character (other than tab and line feed), and
    400 for a query string holding a NUL, before any view or form sees them.

    A URL argument or a filter value with a NUL would otherwise reach a database lookup (a country's ISO code, a
    legacy ID, a slug in ``?focus_area=``), and PostgreSQL refuses it with a ``DataError``: a 500. Placed right
    after ``SecurityMiddleware``, before sessions, users and every view.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _CONTROL_IN_PATH.search(request.path_info):
            raise Http404
        query = request.META.get("QUERY_STRING", "")
        if query and ("\x00" in query or b"\x00" in unquote_to_bytes(query)):
            raise BadRequest("NUL in the query string")
        return self.get_response(request)

"""Middleware of the platform: request IDs with one log line per request, and the health check.

Both go first in ``MIDDLEWARE``.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from django.conf import settings

from .logging import request_id_var

access_logger = logging.getLogger("p2c.request")

# A request ID taken from a trusted proxy's header must look like one: letters, digits and . _ : -, at most 64.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class RequestIdMiddleware:
    """Gives each request an ID: ``request.id``, the ``X-Request-ID`` response header and every log record.

    The ID is a fresh UUID (32 hex digits) unless ``P2C_REQUEST_ID_HEADER`` names a header set by a trusted proxy
    (e.g. ``"X-Request-ID"``) and the request carries a valid value in it (see ``_VALID_REQUEST_ID``). After the
    response, one line is logged to ``p2c.request``: method, path, status and duration in milliseconds (INFO, the
    health check at DEBUG; Django's ``django.request`` logger reports 4xx/5xx with details). URL arguments named
    ``token`` are replaced by ``[redacted]`` in that line.
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
        path = request.path
        match = getattr(request, "resolver_match", None)
        secret = match.kwargs.get("token") if match else None
        if isinstance(secret, str) and secret:
            path = path.replace(secret, "[redacted]")
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

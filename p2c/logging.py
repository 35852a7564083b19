"""Logging of the platform: one line per record, request IDs, control characters escaped, errors to the admins.

``logging_config()`` builds the ``LOGGING`` setting. Every record gets a ``request_id`` (the ID of the HTTP
request being served, see ``p2c.middleware.RequestIdMiddleware``, or of the Celery task being run). Two formats:

- plain (development): ``2026-11-29 10:00:00,123 INFO p2c.request [3f2a…] GET /pledges/ 200 12.3ms``;
- JSON (production, ``DJANGO_LOG_JSON=true``): one JSON object per line with ``time``, ``level``, ``logger``,
  ``message``, ``request_id``, the record's extra fields and, for errors, ``exception``.

Secrets in addresses (``SECRET_URL_KWARGS``: invitation and unsubscribe tokens, allauth's email confirmation and
password reset keys) are written as ``[redacted]`` in the request line and in Django's ``django.request`` records
(``redact_path``, ``RedactSecretsFilter``).

A logged value can never start a new line: carriage returns, line feeds and every other control character
(Unicode categories Cc, Zl, Zp) in the message are written as escapes such as ``\\r\\n``, and the lines of a
traceback are indented under their record, so a request to ``/pledges/%0d%0aFAKE`` cannot forge a log record.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import unicodedata

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("p2c_request_id", default=None)

_ESCAPE_CATEGORIES = {"Cc", "Zl", "Zp"}

# The names of URL arguments that are secrets, in our URL patterns and in allauth's (grep the urlconfs for
# ``<str:token>``, ``(?P<key>``, ...): never written to a log. The one list for every log line naming a path.
SECRET_URL_KWARGS = frozenset(
    {
        "token",  # organisations:invitation, pledges:partner_claim, secretariat:unsubscribe
        "key",  # allauth: account_confirm_email, account_reset_password_from_key
        "uidb36",  # allauth: account_reset_password_from_key (the account, in base 36)
        "uidb64",  # django.contrib.auth's password reset views, should they ever be routed
    }
)
REDACTED = "[redacted]"
_PLACEHOLDER = "\ue000"  # a private-use character: never in a path, never in "[redacted]"
# Attributes every LogRecord has; anything else on a record came from ``extra=`` and goes into the JSON.
_STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "request_id",
    "request",  # Django's HttpRequest on django.request records: not serialisable, not wanted
    "server_time",
    "status_code",
}


def escape_control(text: str) -> str:
    """``text`` with control characters (C0, DEL, C1) and Unicode line/paragraph separators escaped.

    ``"a\\r\\nb"`` becomes ``"a\\\\r\\\\nb"`` (the two characters backslash-r): a value shown in a log line stays
    on that line. Printable text, including non-Latin scripts, is unchanged.
    """
    if text.isprintable():
        return text
    out = []
    for char in text:
        if unicodedata.category(char) in _ESCAPE_CATEGORIES:
            out.append(char.encode("unicode_escape").decode("ascii"))
        else:
            out.append(char)
    return "".join(out)


def redact_path(request) -> str:
    """``request.path`` with the value of every URL argument named in ``SECRET_URL_KWARGS`` replaced by
    ``[redacted]``: ``/accounts/password/reset/key/1c-abc123.../`` becomes
    ``/accounts/password/reset/key/[redacted]-[redacted]/``. A request that was not resolved (no view) is
    unchanged.

    Each value replaces its last occurrence in the path (URL arguments come after the fixed part of a route),
    longest first, so a short value such as a base-36 user ID does not replace letters of the route.
    """
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is None:
        return path
    secrets = [str(v) for k, v in match.kwargs.items() if k in SECRET_URL_KWARGS and str(v)]
    if not secrets:
        return path
    for secret in sorted(secrets, key=len, reverse=True):
        head, found, tail = path.rpartition(secret)
        if found:
            path = f"{head}{_PLACEHOLDER}{tail}"
    return path.replace(_PLACEHOLDER, REDACTED)


class RedactSecretsFilter(logging.Filter):
    """On records that carry the request (Django's ``django.request``: "Not Found: /invitations/<token>/"), the
    path among the message's arguments is replaced by ``redact_path``'s."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        path = getattr(request, "path", None)
        if path and isinstance(record.args, tuple) and path in record.args:
            redacted = redact_path(request)
            record.args = tuple(redacted if arg == path else arg for arg in record.args)
        return True


def _indented(text: str) -> str:
    """Escape control characters line by line and indent every line (a traceback under its record)."""
    return "\n".join("    " + escape_control(line) for line in text.split("\n"))


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id``: the current HTTP request's ID, else the running Celery task's ID, else "-"."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Django's django.request records carry the request; they are logged after the middleware has finished.
        request_id = getattr(getattr(record, "request", None), "id", None) or request_id_var.get()
        if request_id is None:
            try:
                from celery import current_task

                request_id = current_task.request.id if current_task else None
            except Exception:  # Celery not set up in this process
                request_id = None
        record.request_id = request_id or "-"
        return True


class PlainFormatter(logging.Formatter):
    """``time LEVEL logger [request id] message``, with the message escaped and tracebacks indented."""

    def __init__(self, fmt=None, datefmt=None, style="%", validate=True, **kwargs):
        fmt = fmt or "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
        super().__init__(fmt, datefmt, style, validate, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        record.message = escape_control(record.getMessage())
        if not hasattr(record, "request_id"):
            record.request_id = "-"
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        text = self.formatMessage(record)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        extra = [record.exc_text] if record.exc_text else []
        if record.stack_info:
            extra.append(self.formatStack(record.stack_info))
        if extra:
            text += "\n" + _indented("\n".join(extra))
        return text


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": escape_control(record.getMessage()),
            "request_id": getattr(record, "request_id", "-"),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = escape_control(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exception"] = escape_control(self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack"] = escape_control(self.formatStack(record.stack_info))
        # ensure_ascii=False keeps names in any script readable; escape_control already removed line breaks.
        return json.dumps(entry, ensure_ascii=False, default=str)


def logging_config(*, json_format: bool = False, level: str = "INFO") -> dict:
    """The ``LOGGING`` setting: console output (plain or JSON), errors mailed to ``ADMINS``.

    Args:
        json_format: one JSON object per line (production) instead of plain text.
        level: the root level, e.g. "INFO".
    Returns: a ``logging.config.dictConfig`` dictionary. Records of level ERROR and above go to the console and
        to ``mail_admins`` (Django's ``AdminEmailHandler``; nothing is sent while ``ADMINS`` is empty or
        ``DEBUG`` is on). Invalid Host headers (scanners) are logged, not mailed.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "p2c.logging.RequestIdFilter"},
            "redact_secrets": {"()": "p2c.logging.RedactSecretsFilter"},
            "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
        },
        "formatters": {
            "plain": {"()": "p2c.logging.PlainFormatter"},
            "json": {"()": "p2c.logging.JsonFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json" if json_format else "plain",
                "filters": ["request_id"],
            },
            "mail_admins": {
                "class": "django.utils.log.AdminEmailHandler",
                "level": "ERROR",
                "filters": ["require_debug_false", "request_id"],
                "include_html": False,
            },
        },
        "root": {"handlers": ["console", "mail_admins"], "level": level},
        "loggers": {
            # Django's own defaults would add a second console and mail handler: everything goes to the root.
            "django": {"handlers": [], "level": "INFO", "propagate": True},
            "django.server": {"handlers": [], "level": "INFO", "propagate": True},
            # 4xx/5xx lines name the path: its secrets are redacted before any handler sees the record.
            "django.request": {"filters": ["redact_secrets"]},
            "django.security.DisallowedHost": {"handlers": ["console"], "level": "ERROR", "propagate": False},
            "weasyprint": {"level": "ERROR"},
            "fontTools": {"level": "ERROR"},
        },
    }

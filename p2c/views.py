"""Platform-wide views that belong to no app: the health check."""

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods


def _database_ok(alias: str) -> bool:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:  # any failure means unhealthy
        try:
            connections[alias].close()  # do not keep a broken connection for the next request
        except Exception:  # noqa: S110 - closing a dead connection may fail too; nothing to add
            pass
        return False


def _cache_ok() -> bool:
    try:
        if hasattr(cache, "primary_ok") and not cache.primary_ok():  # Redis, not its local-memory fallback
            return False
        cache.set("healthz", "1", 5)
        return cache.get("healthz") == "1"
    except Exception:
        return False


def _broker_ok(url: str) -> bool:
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


@require_http_methods(["GET", "HEAD"])
@never_cache
def healthz(request):
    """Health of the database(s), cache and broker as JSON; 200 when all answer, 503 when one fails.

    ``database`` is "ok" only when every alias of ``settings.DATABASES`` answers ``SELECT 1`` (a failing alias is
    named in ``failed_databases``). The cache must store and return a value, and Redis itself must answer (the
    cache falls back to local memory while Redis is down, ``p2c.cache``). A broker that is not configured (no ``REDIS_URL``: tasks run
    in-process) reports "not used". Also answered by ``p2c.middleware.HealthCheckMiddleware``, before host
    validation and HTTPS redirects, for load balancers.
    """
    failed = [alias for alias in connections if not _database_ok(alias)]
    checks = {
        "database": "error" if failed else "ok",
        "cache": "ok" if _cache_ok() else "error",
        "broker": ("ok" if _broker_ok(settings.REDIS_URL) else "error") if settings.REDIS_URL else "not used",
    }
    healthy = all(v in ("ok", "not used") for v in checks.values())
    body = {"status": "ok" if healthy else "error", **checks}
    if failed:
        body["failed_databases"] = failed
    return JsonResponse(body, status=200 if healthy else 503)


def favicon(request):
    """``/favicon.ico``, which browsers ask for on pages that name no icon (the admin's): a permanent redirect to
    the site's icon among the static files (hashed name in production), instead of a 404 on every page."""
    from django.http import HttpResponsePermanentRedirect
    from django.templatetags.static import static

    return HttpResponsePermanentRedirect(static("img/favicon.svg"))

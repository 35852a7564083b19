"""The cache of the platform: Redis (django-redis), falling back to this process's memory while Redis is down.

django-redis's ``IGNORE_EXCEPTIONS`` alone keeps pages up during a Redis outage, but every ``cache.add`` then
answers "not added". django-allauth's rate limits take a lock with ``cache.add`` and, never getting it, refuse
every login, sign-up and password reset with a 429 after waiting a second. With this backend the cache keeps
working from local memory instead: rate limits, one-time form tokens and cached figures go on per process
(a limit of 5 attempts becomes 5 per web process) until Redis answers again, and nobody is locked out.

After a failure Redis is left alone for ``RETRY_AFTER_SECONDS``, so a Redis that does not answer costs one
connect timeout per process every few seconds, not one per cache call.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("p2c.cache")

RETRY_AFTER_SECONDS = 5.0
REDIS_DOWN = (ConnectionInterrupted, RedisConnectionError, RedisTimeoutError, OSError)
# The Django cache API; what the platform and its libraries (allauth, sessions are in the database) call.
FAILOVER_METHODS = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "set_many",
    "delete_many",
    "has_key",
    "incr",
    "decr",
    "clear",
)

_down_until: dict[str, float] = {}  # Redis location -> monotonic time until which it is not tried
_lock = threading.Lock()


class FailoverRedisCache(RedisCache):
    """django-redis' ``RedisCache`` whose Django cache API falls back to a ``LocMemCache`` while Redis is down.

    Configure it like django-redis (``LOCATION`` = the Redis URL, ``OPTIONS`` with socket timeouts);
    ``IGNORE_EXCEPTIONS`` is always off, since failures are handled here. ``primary_ok()`` tells whether Redis
    itself answers (the health check uses it: the fallback must not hide an outage).
    """

    def __init__(self, server, params):
        super().__init__(server, params)
        self._ignore_exceptions = False
        self._fallback = LocMemCache(
            f"p2c-failover:{server}",
            {
                "TIMEOUT": params.get("TIMEOUT", 300),
                "KEY_PREFIX": params.get("KEY_PREFIX", ""),
                "VERSION": params.get("VERSION", 1),
                "OPTIONS": {"MAX_ENTRIES": 10000},
            },
        )

    def primary_ok(self) -> bool:
        """True when Redis answers a PING now (ignores the fallback and the retry pause)."""
        try:
            return bool(self.client.get_client(write=True).ping())
        except Exception:
            return False

    def _redis_paused(self) -> bool:
        return _down_until.get(self._server, 0.0) > time.monotonic()

    def _mark_down(self, error: BaseException) -> None:
        with _lock:
            was_up = self._server not in _down_until
            _down_until[self._server] = time.monotonic() + RETRY_AFTER_SECONDS
        if was_up:
            logger.warning(
                "Redis cache unavailable (%s: %s); using local memory", type(error).__name__, error
            )

    def _mark_up(self) -> None:
        if self._server in _down_until:
            with _lock:
                if _down_until.pop(self._server, None) is not None:
                    logger.warning("Redis cache answers again")


def _failover(name: str):
    primary = getattr(RedisCache, name)

    def method(self, *args, **kwargs):
        fallback = getattr(self._fallback, name)
        if self._redis_paused():
            return fallback(*args, **kwargs)
        try:
            result = primary(self, *args, **kwargs)
        except REDIS_DOWN as error:
            self._mark_down(error)
            return fallback(*args, **kwargs)
        self._mark_up()
        return result

    method.__name__ = name
    method.__doc__ = f"``{name}`` on Redis, or on local memory while Redis is down."
    return method


for _name in FAILOVER_METHODS:
    setattr(FailoverRedisCache, _name, _failover(_name))

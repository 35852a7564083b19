"""System checks of the annual report's task settings (``manage.py check``).

The rendering task is acknowledged late: Redis hands an unacknowledged task to another worker once the
broker's visibility timeout has passed. That timeout must therefore be longer than a rendering can last (the
task's hard time limit) and than the lease that marks a rendering as abandoned, or a second worker would start
the same rendering while the first is still at work.
"""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.compatibility)
def check_visibility_timeout(app_configs=None, **kwargs):
    """reports.E001 when the Redis visibility timeout is not longer than the render lease and hard limit."""
    from .services import HARD_TIME_LIMIT, render_lease

    if not getattr(settings, "REDIS_URL", ""):
        return []
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {}
    timeout = options.get("visibility_timeout", 3600)  # kombu's default for Redis
    needed = max(HARD_TIME_LIMIT, render_lease().total_seconds())
    if timeout <= needed:
        return [
            Error(
                f"CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'] is {timeout} s; it must be longer than "
                f"the annual report's hard time limit and render lease ({needed:g} s).",
                hint="Raise the visibility timeout or lower P2C_REPORT_LEASE_SECONDS.",
                id="reports.E001",
            )
        ]
    return []

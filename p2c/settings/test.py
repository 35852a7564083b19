"""Test settings: the real PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set, else SQLite and memory."""

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; never outside tests
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run in-process in ordinary tests; the worker tests switch this off and start a real worker.
CELERY_TASK_ALWAYS_EAGER = True
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "test-artifacts" / "media")
PRIVATE_MEDIA_ROOT = env.path("P2C_PRIVATE_MEDIA_ROOT", default=BASE_DIR / "test-artifacts" / "private")
WHITENOISE_AUTOREFRESH = True  # serve from the finders; no collectstatic in tests
WHITENOISE_USE_FINDERS = True

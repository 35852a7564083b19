"""Production settings. DJANGO_SECRET_KEY, DATABASE_URL, DJANGO_ALLOWED_HOSTS, REDIS_URL and EMAIL_URL have no
default: a missing one stops the start with an error rather than running on a development value.

``python manage.py check --deploy --fail-level WARNING`` passes with no warning on these settings (a test runs
it). DESIGN.md and .env.example list the environment variables; README.md ("Production") explains them.
"""

from email.utils import getaddresses
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

from p2c.csp import content_security_policy
from p2c.logging import logging_config

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, MIDDLEWARE, REDIS_URL, STORAGES, env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
# A connection that died (PostgreSQL restarted, fail-over) is replaced at the start of the next request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if not REDIS_URL:  # cache shared by every web process (rate limits), Celery broker
    raise ImproperlyConfigured("Set REDIS_URL (e.g. redis://redis:6379/0): production needs Redis.")

# --- HTTPS, cookies, headers ---------------------------------------------------------------------------------
# TLS ends at the reverse proxy / load balancer, which says so in this header. Empty DJANGO_SECURE_PROXY_SSL_HEADER:
# no proxy (never trust the header from clients then).
_proxy_ssl_header = env("DJANGO_SECURE_PROXY_SSL_HEADER", default="HTTP_X_FORWARDED_PROTO")
SECURE_PROXY_SSL_HEADER = (_proxy_ssl_header, "https") if _proxy_ssl_header else None
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# "preload" only consents to the browsers' preload list; nothing happens until the domain is submitted there.
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Staff need two-factor authentication before any admin page.
P2C_STAFF_MFA_REQUIRED = env.bool("P2C_STAFF_MFA_REQUIRED", default=True)
# Behind a reverse proxy, allauth's per-IP rate limits read the client address from X-Forwarded-For: the number
# of proxies in front of the app (0 = none; then the header is ignored and cannot be spoofed).
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("ALLAUTH_TRUSTED_PROXY_COUNT", default=0)
# Or a header that the proxy sets to the client's address alone (e.g. X-Real-IP, CF-Connecting-IP).
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env("ALLAUTH_TRUSTED_CLIENT_IP_HEADER", default="") or None

# --- Files: the server's disk (named volumes) or S3-compatible object storage (django-storages) --------------
STORAGE_BACKEND = env("DJANGO_STORAGE_BACKEND", default="filesystem")
_media_origins: tuple[str, ...] = ()
if STORAGE_BACKEND == "s3":
    # Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY in the environment, or the host's IAM role (boto3).
    _s3 = {
        "bucket_name": env("DJANGO_S3_BUCKET"),
        "endpoint_url": env("DJANGO_S3_ENDPOINT_URL", default="") or None,  # MinIO, Ceph, another cloud
        "region_name": env("DJANGO_S3_REGION", default="") or None,
        "file_overwrite": False,
    }
    _custom_domain = env("DJANGO_S3_CUSTOM_DOMAIN", default="") or None  # a CDN in front of public media
    STORAGES = {
        **STORAGES,
        # Public media (organisation logos): plain URLs.
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **_s3,
                "location": "media",
                "querystring_auth": False,
                "custom_domain": _custom_domain,
            },
        },
        # Private files (report PDFs and snapshots, evidence): never public, read by permission-checked views.
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **_s3,
                "bucket_name": env("DJANGO_S3_PRIVATE_BUCKET", default=_s3["bucket_name"]),
                "location": "private",
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": 300,
            },
        },
    }
    if _custom_domain:
        _media_origins = (f"https://{_custom_domain}",)
    elif _s3["endpoint_url"]:
        _endpoint = urlsplit(_s3["endpoint_url"])
        _media_origins = (f"{_endpoint.scheme}://{_endpoint.netloc}",)
    else:
        _media_origins = ("https://*.amazonaws.com",)
elif STORAGE_BACKEND != "filesystem":
    raise ImproperlyConfigured("DJANGO_STORAGE_BACKEND must be 'filesystem' or 's3'.")
# Static files: hashed names, compressed, served by WhiteNoise (the vendored Bootstrap ships no source maps).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "p2c.staticfiles.StaticFilesStorage"}}
# Source maps (14 MB, for developer tools only) are not compressed: it halves collectstatic's time.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]

# --- Content-Security-Policy (django-csp 4): no inline or eval script; see p2c/csp.py -------------------------
INSTALLED_APPS = [*INSTALLED_APPS, "csp"]
MIDDLEWARE = [*MIDDLEWARE, "csp.middleware.CSPMiddleware"]
CONTENT_SECURITY_POLICY = content_security_policy(media_origins=_media_origins)

# --- Mail, logs, errors ------------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL")
vars().update(EMAIL_CONFIG)
# Who gets errors by mail: "Name <address>,Other <address>". Empty: no mail (use SENTRY_DSN then).
ADMINS = getaddresses(env.list("DJANGO_ADMINS", default=[]))
SERVER_EMAIL = env("DJANGO_SERVER_EMAIL", default=SERVER_EMAIL)  # noqa: F405
LOGGING = logging_config(json_format=env.bool("DJANGO_LOG_JSON", default=True))

# Errors (web and Celery) to a Sentry-compatible service (Sentry, GlitchTip) when SENTRY_DSN is set. No personal
# data: no cookies, user details, IP addresses or request bodies are sent.
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        traces_sample_rate=0.0,
    )

"""Settings shared by every environment. Values come from the environment (DESIGN.md lists the variables)."""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

from p2c.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

SECRET_KEY = env("DJANGO_SECRET_KEY", default="django-insecure-development-key-do-not-use-in-production")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "modeltranslation",  # before the admin, as django-modeltranslation requires
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "rules",
    "simple_history",
    "p2c",
    "outbox",
    "accounts",
    "reference",
    "organisations",
    "pledges",
    "progress",
    "reports",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "opendata",
    "secretariat",
]

MIDDLEWARE = [
    "p2c.middleware.RequestIdMiddleware",
    "p2c.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "p2c.middleware.ControlCharacterMiddleware",  # NUL and other control characters in addresses: 404 / 400
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "p2c.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.StaffMFARequiredMiddleware",
    "accounts.middleware.SafeNextMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Terms and privacy notice in force accepted; old platform addresses redirected (secretariat/middleware.py).
    "secretariat.middleware.ConsentMiddleware",
    "secretariat.middleware.LegacyRedirectMiddleware",
]

ROOT_URLCONF = "p2c.urls"
WSGI_APPLICATION = "p2c.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "organisations.context_processors.organisations",
            ],
        },
    },
]
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Two simultaneous writes on the embedded default wait for each other instead of failing with
    # "database is locked": take the write lock when the transaction starts, wait up to 20 s.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_REDIRECT_URL = "pledges:workspace"
LOGIN_URL = "account_login"

# django-allauth 65: email login, mandatory verification.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
# Sign-up asks for consent to the terms of use and privacy notice in force (secretariat/forms.py).
ACCOUNT_SIGNUP_FORM_CLASS = "secretariat.forms.SignupConsentForm"
ACCOUNT_LOGOUT_ON_GET = False
# Rate limits (allauth's format "<count>/<period>/<key>"), kept in the default cache: Redis when REDIS_URL is
# set (shared by every web process), local memory otherwise. Per IP and, where it applies, per address.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "10/m/ip",
    "reset_password": "10/m/ip,3/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}
# Two-factor authentication (allauth.mfa): an authenticator app (TOTP) with recovery codes, for everyone who
# wants it; required for staff before any admin page where P2C_STAFF_MFA_REQUIRED is on
# (accounts.middleware.StaffMFARequiredMiddleware).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "P2C Pledging Platform"
P2C_STAFF_MFA_REQUIRED = env.bool("P2C_STAFF_MFA_REQUIRED", default=False)
# Days an invitation link to join an organisation stays valid after it was (re)sent.
P2C_INVITATION_DAYS = 14

LANGUAGE_CODE = "en"
# The six official UN languages (issue "six UN languages").
LANGUAGES = [
    ("en", _("English")),
    ("ar", _("Arabic")),
    ("zh-hans", _("Chinese (Simplified)")),
    ("fr", _("French")),
    ("ru", _("Russian")),
    ("es", _("Spanish")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# The platform's reporting time zone: the annual report for year Y covers pledges published on or before
# 31 December Y, 23:59:59 in this zone (DESIGN.md, "Time").
P2C_TIME_ZONE = env("P2C_TIME_ZONE", default="UTC")
# How long marketplace pages' counts and the dashboard's figures stay cached at most (seconds); any saved pledge
# changes their keys at once (pledges.selectors.pledges_fingerprint).
P2C_FIGURES_CACHE_SECONDS = env.int("P2C_FIGURES_CACHE_SECONDS", default=300)

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
# Files that must never be served from a public URL (report PDFs before release, snapshots, evidence):
# served by permission-checked views only.
PRIVATE_MEDIA_ROOT = env.path("P2C_PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private_media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "p2c.storage.PrivateFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Redis: cache, rate limits and Celery broker. Unset or empty: local memory and in-process tasks.
REDIS_URL = env("REDIS_URL", default="") or ""
if REDIS_URL:
    CACHES = {
        "default": {
            # django-redis that falls back to local memory while Redis is down (p2c/cache.py): no 500s, and
            # allauth's rate limits keep letting people log in.
            "BACKEND": "p2c.cache.FailoverRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://localhost/"
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Longer than the longest report rendering (its hard time limit), so a running task is not redelivered.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = "UTC"
# The transactional outbox (p2c/outbox.py): send what the broker missed, every minute.
CELERY_BEAT_SCHEDULE = {
    "drain-outbox": {"task": "outbox.tasks.drain_outbox", "schedule": 60.0, "options": {"expires": 50}},
    # Reporting reminders (progress/reminders.py): idempotent, so hourly runs send each reminder once.
    "progress-reminders": {
        "task": "progress.tasks.send_due_reminders",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
    # The retention rule (secretariat/retention.py): warnings, then deletions, once a day.
    "secretariat-retention": {
        "task": "secretariat.tasks.apply_retention",
        "schedule": 86400.0,
        "options": {"expires": 80000},
    },
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="P2C Pledging Platform <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

ADMIN_URL = env("DJANGO_ADMIN_URL", default="admin/")
# Absolute address of the site, for links in emails and the PDF.
SITE_URL = env("P2C_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True

# One line per record with the request (or task) ID, control characters escaped; errors mailed to ADMINS
# (p2c/logging.py). DJANGO_LOG_JSON=true: one JSON object per line.
LOGGING = logging_config(json_format=env.bool("DJANGO_LOG_JSON", default=False))
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # workers log through LOGGING too
# Trust this header for request IDs only behind a proxy that sets it (e.g. X-Request-ID); else generate one.
P2C_REQUEST_ID_HEADER = env("DJANGO_REQUEST_ID_HEADER", default="")

P2C_PAGE_SIZE = 20

# --- Open data: the read-only API (/api/v1/) and the bulk downloads (/data/); see opendata/ ---------------------
REST_FRAMEWORK = {
    # Public, read-only data: no sign-in, no session (so no CSRF and no personal data in play).
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "opendata.api.negotiation.IgnoreUnknownFormatNegotiation",
    "DEFAULT_PAGINATION_CLASS": "opendata.api.pagination.PublicCursorPagination",
    "DEFAULT_FILTER_BACKENDS": [],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Anonymous throttling per client address, counted in the default cache (Redis in production).
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("P2C_API_RATE", default="120/minute"),
        "opendata_download": env("P2C_DOWNLOAD_RATE", default="30/minute"),
    },
    # Proxies in front of the app: the client address is read from X-Forwarded-For only behind them.
    "NUM_PROXIES": env.int("ALLAUTH_TRUSTED_PROXY_COUNT", default=0),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "P2C Pledging Platform API",
    "DESCRIPTION": "Read-only open data of the Partner2Connect Digital Coalition: published pledges, verified "
    "organisations, progress reports and reference data. Bulk downloads (CSV, JSON, IATI XML) are at /data/.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
}
# The licence of the open data (proposed; to be confirmed by the P2C Secretariat).
P2C_DATA_LICENCE = {
    "id": "CC-BY-4.0",
    "name": "Creative Commons Attribution 4.0 International (CC BY 4.0)",
    "url": "https://creativecommons.org/licenses/by/4.0/",
    "note": _("Proposed licence, to be confirmed by the P2C Secretariat."),
}
# IATI: the organisation identifier that prefixes every iati-identifier and names the reporting-org. The default
# is a placeholder ("XX" is no registration agency): set ITU's IATI organisation identifier before publishing.
P2C_IATI_PREFIX = env("P2C_IATI_PREFIX", default="XX-P2C-PLACEHOLDER")

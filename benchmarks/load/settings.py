"""Settings of the load test: production's, less what needs HTTPS (the test talks plain HTTP on 127.0.0.1).

Secure-only cookies would never come back over HTTP, so the session and CSRF cookies are plain here, and there
is no HTTPS redirect or HSTS. Everything else (database, Redis cache and broker, logging, CSP) is production's.
"""

from p2c.settings.production import *  # noqa: F403

SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SECURE_PROXY_SSL_HEADER = None
P2C_STAFF_MFA_REQUIRED = False

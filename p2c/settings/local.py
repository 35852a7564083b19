"""Local development: the embedded default (SQLite, local-memory cache, in-process tasks, console mail)."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# The staff login that `make run` prints works at once, without setting up two-factor authentication.
P2C_STAFF_MFA_REQUIRED = env.bool("P2C_STAFF_MFA_REQUIRED", default=False)

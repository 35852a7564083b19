"""One-time form tokens: a form that creates something (a pledge, a progress report) carries a random token;
the first POST with it spends it, a second one (a double click, a resent form) is recognised and refused.

Tokens are spent in the shared cache (Redis in production, so every web worker sees them). If the cache is
unavailable the form is accepted: losing what a person typed is worse than a rare duplicate.
"""

import secrets

from django.core.cache import cache

FIELD = "form_token"
SPENT_FOR_SECONDS = 24 * 3600


def form_token_new() -> str:
    """A fresh token for a form's hidden ``form_token`` field."""
    return secrets.token_urlsafe(16)


def form_token_spend(token: str | None) -> bool:
    """Spend ``token``; False when it was already spent (a duplicate POST). A missing token is accepted."""
    if not token:
        return True
    try:
        added = cache.add(f"p2c:form-token:{token[:64]}", 1, SPENT_FOR_SECONDS)
    except Exception:  # noqa: BLE001 - the cache being down must not lose the form
        return True
    return added is not False

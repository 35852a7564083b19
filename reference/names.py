"""Country and region names in the interface language, from CLDR via babel (a maintained source; never typed
by hand). English keeps the platform's display names (UNSD M49, e.g. "Türkiye", with "Nauru" for "Naoero")."""

from functools import lru_cache

from babel import Locale, UnknownLocaleError
from django.utils.translation import get_language, to_locale


@lru_cache(maxsize=16)
def _territories(language: str) -> dict:
    try:
        return dict(Locale.parse(to_locale(language)).territories)
    except (UnknownLocaleError, ValueError):
        return {}


def territory_name(code: str, fallback: str, language: str | None = None) -> str:
    """The CLDR name of a territory (ISO 3166 alpha-2 code, or an M49 region code such as "202") in
    ``language`` (default: the active one); ``fallback`` for English or when CLDR has no name."""
    language = language or get_language() or "en"
    if language.split("-")[0] == "en":
        return fallback
    return _territories(language).get(code) or fallback

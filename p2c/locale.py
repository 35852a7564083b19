"""The interface language: from the URL prefix (/ar/...), else the visitor's choice (cookie), else the browser's
Accept-Language, else English. Unlike Django's own middleware with ``prefix_default_language=False``, an
unprefixed URL answers (200, no redirect) in the chosen language rather than always in English (DESIGN.md)."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.urls import LocalePrefixPattern, URLResolver
from django.utils import translation


class LocaleMiddleware(DjangoLocaleMiddleware):
    def process_request(self, request):
        from_path = translation.get_language_from_path(request.path_info)
        language = from_path or translation.get_language_from_request(request, check_path=False)
        translation.activate(language or settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()


class AnyLanguagePrefixPattern(LocalePrefixPattern):
    """URL prefix of the interface language that also accepts no prefix at all, whatever language is active:
    ``/ar/pledges/`` and ``/pledges/`` both resolve (the latter in the visitor's chosen language); links are
    built with the active language's prefix (none for English)."""

    def match(self, path):
        language = translation.get_language_from_path("/" + path)
        if language:
            prefix = f"{language}/"
            if path.startswith(prefix):
                return path.removeprefix(prefix), (), {}
            lowered = path.lower()
            if lowered.startswith(prefix.lower()):
                return path[len(prefix) :], (), {}
        return path, (), {}


def language_patterns(*urls):
    """Like Django's ``i18n_patterns(..., prefix_default_language=False)``, with ``AnyLanguagePrefixPattern``."""
    return [URLResolver(AnyLanguagePrefixPattern(prefix_default_language=False), list(urls))]

"""Locale-aware formatting of dates, numbers and money (babel / CLDR) for templates and Python code.

No format is written by hand: every pattern comes from CLDR for the active language. English dates use CLDR's
``en_GB`` patterns (day month year, "29 November 2026", as in UN documents); every other language its own.
"""

import copy
import datetime as dt
from decimal import Decimal, InvalidOperation

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from babel.numbers import format_compact_currency, format_currency, format_decimal
from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, to_locale

register = template.Library()


def _locale() -> str:
    return to_locale(get_language() or "en")


# CLDR locale of the dates of a language where it differs from the language's own (see the module docstring).
DATE_LOCALES = {"en": "en_GB"}


def date_locale(language: str | None = None) -> Locale:
    """The babel locale for dates in ``language`` (a code of ``settings.LANGUAGES``; default the active one)."""
    code = language or get_language() or "en"
    try:
        return Locale.parse(DATE_LOCALES.get(code, to_locale(code)))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DATE_LOCALES["en"])


@register.filter
def local_date(value, length: str = "long") -> str:
    """A date (or the date of an aware datetime, in the site's time zone) in the active language.

    Args:
        value: ``datetime.date`` or ``datetime.datetime``; anything else gives "".
        length: a CLDR date length, "long" ("29 November 2026") or "medium" ("29 Nov 2026").
    """
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if not isinstance(value, dt.date):
        return ""
    return format_date(
        value, length if length in ("short", "medium", "long", "full") else "long", locale=date_locale()
    )


@register.filter
def local_datetime(value) -> str:
    """An aware datetime in the site's time zone (``TIME_ZONE``): CLDR's long date and short time joined by the
    language's date-time pattern ("29 November 2026, 16:05"); "" for anything else."""
    if not isinstance(value, dt.datetime):
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    locale = date_locale()
    return locale.datetime_formats["medium"].format(
        format_time(value, "short", locale=locale), format_date(value, "long", locale=locale)
    )


@register.simple_tag
def text_lang(language: str) -> str:
    """The ``lang`` attribute of text typed by an organisation in ``language`` (a code of ``settings.LANGUAGES``)
    when it differs from the page's language (WCAG 3.1.2): `` lang="fr"``; empty when the languages are the same
    or the code is unknown. The elements carrying such text also have ``dir="auto"``, so an Arabic text runs right
    to left in a left-to-right page and the other way round."""
    if language not in dict(settings.LANGUAGES) or language == (get_language() or settings.LANGUAGE_CODE):
        return ""
    return mark_safe(f' lang="{language}"')  # noqa: S308 - a code from settings.LANGUAGES only


def _decimal(value):
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def money(amount, currency: str = "USD") -> str:
    """``amount`` (Decimal or numeric string) in ``currency`` (ISO 4217), formatted for the current language."""
    value = _decimal(amount)
    if value is None:
        return ""
    if value == value.to_integral_value():
        # Whole amounts without cents ("$2,000,000,000", not "$2,000,000,000.00").
        locale = Locale.parse(_locale())
        pattern = copy.copy(locale.currency_formats["standard"])
        pattern.frac_prec = (0, 0)
        return pattern.apply(value, locale, currency=currency or "USD", currency_digits=False)
    return format_currency(value, currency or "USD", locale=_locale())


@register.filter
def money_compact(amount, currency: str = "USD") -> str:
    """A short form for headline figures ("$1.2B" in English), formatted by CLDR for the current language."""
    value = _decimal(amount)
    if value is None:
        return ""
    return format_compact_currency(value, currency or "USD", locale=_locale(), fraction_digits=1)


@register.filter
def percent(value) -> str:
    """A share given in per cent (0–100, e.g. "73.9" or Decimal) with the current language's percent pattern from
    CLDR and one decimal ("73.9%" in English, "73,9 %" in French); "" for no value."""
    share = _decimal(value)
    if share is None:
        return ""
    locale = Locale.parse(_locale())
    pattern = copy.copy(locale.percent_formats[None])
    pattern.frac_prec = (1, 1)
    return pattern.apply(share / 100, locale)


@register.filter
def number(value) -> str:
    """An integer or decimal number with the current language's grouping and decimal signs."""
    value = _decimal(value)
    if value is None:
        return ""
    return format_decimal(value, locale=_locale())

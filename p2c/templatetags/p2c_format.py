"""Locale-aware formatting of numbers and money (babel / CLDR) for templates."""

import copy
from decimal import Decimal, InvalidOperation

from babel import Locale
from babel.numbers import format_compact_currency, format_currency, format_decimal
from django import template
from django.utils.translation import get_language, to_locale

register = template.Library()


def _locale() -> str:
    return to_locale(get_language() or "en")


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
def number(value) -> str:
    """An integer or decimal number with the current language's grouping and decimal signs."""
    value = _decimal(value)
    if value is None:
        return ""
    return format_decimal(value, locale=_locale())

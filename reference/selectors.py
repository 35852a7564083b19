"""Reads of reference data."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from .models import Country, CountryGroupMembership, ExchangeRate


def exchange_rate_for(*, currency_code: str, on_date: dt.date) -> ExchangeRate | None:
    """The exchange rate to use for an amount in ``currency_code`` (ISO 4217) dated ``on_date``.

    The latest rate dated on or before ``on_date``; failing that, the earliest rate after it; ``None`` when the
    Secretariat has entered no rate for the currency.
    """
    rates = ExchangeRate.objects.filter(currency_id=currency_code)
    return rates.filter(date__lte=on_date).order_by("-date").first() or rates.order_by("date").first()


def usd_equivalent(*, amount: Decimal, rate: ExchangeRate) -> Decimal:
    """``amount`` converted to US dollars at ``rate``, rounded half-up to cents."""
    return (Decimal(amount) * rate.usd_per_unit).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def countries_in_group_on(*, group_code: str, on_date: dt.date):
    """Countries that belonged to group ``group_code`` ("LDC", "LLDC", "SIDS") on ``on_date``."""
    ids = CountryGroupMembership.objects.filter(group__code=group_code).on(on_date).values("country_id")
    return Country.objects.filter(id__in=ids)

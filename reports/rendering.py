"""The annual report as HTML and PDF (WeasyPrint), rendered from a frozen snapshot only.

The template is ``reports/templates/reports/pdf/annual_report.html``, its stylesheet
``reports/static/reports/annual_report.css``. Every piece of user text goes through Django's autoescaping, and
WeasyPrint gets a URL fetcher that refuses every URL (``file:``, ``http:``, ``data:``...): the report needs no
external resource, so a pledge title can never pull a local file into the PDF as an image or an attachment.
Fonts are the system's (Debian ``fonts-noto-core``, ``fonts-noto-cjk``), found through fontconfig; nothing is
downloaded. Numbers, money and dates are formatted with babel (CLDR) for the report's language.
"""

import datetime as dt
import logging
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_currency, format_decimal, format_percent
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from . import selectors

logger = logging.getLogger(__name__)

STYLESHEET = Path(__file__).resolve().parent / "static" / "reports" / "annual_report.css"
TEMPLATE = "reports/pdf/annual_report.html"


class RefusingURLFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that fetches nothing: every URL, whatever its scheme, is refused.

    WeasyPrint 70's default fetcher opens ``file://`` URLs and follows redirects (FINDINGS.md). Refused
    resources (an image, a stylesheet, a ``<link rel="attachment">``) are logged by WeasyPrint and left out.
    """

    def __init__(self):
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)

    def fetch(self, url, headers=None):
        raise ValueError(f"The annual report loads no external resource (refused: {url[:200]!r})")


def html_to_pdf(html: str, *, stylesheets: list[str] = ()) -> bytes:
    """Render an HTML document (and extra CSS given as text) to PDF bytes, with every URL refused.

    The PDF's title comes from the document's ``<title>``, its language from ``<html lang>``.
    """
    fetcher = RefusingURLFetcher()
    css = [CSS(string=text, url_fetcher=fetcher) for text in stylesheets]
    return HTML(string=html, url_fetcher=fetcher, base_url=None).write_pdf(stylesheets=css)


# --- formatting (babel) ---------------------------------------------------------------------------------


def report_locale(language: str) -> Locale:
    """The babel locale of a report language code ("en", "fr", "zh-hans"); English when babel lacks it."""
    try:
        return Locale.parse(translation.to_locale(language))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def format_count(value: int, locale: Locale) -> str:
    """A whole number with the locale's grouping ("1,234" in English)."""
    return format_decimal(value, locale=locale)


def format_usd(value: str | Decimal, locale: Locale) -> str:
    """An amount in US dollars, with cents and the locale's currency format ("$1,234.50" in English)."""
    return format_currency(Decimal(value), "USD", locale=locale)


def format_usd_whole(value: str | Decimal | None, locale: Locale) -> str:
    """An amount in US dollars rounded half up to whole dollars, without symbol ("1,235"); "–" for None."""
    if value is None:
        return "–"
    whole = Decimal(value).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return format_decimal(whole, format="#,##0", locale=locale)


def format_share(share: str | None, locale: Locale) -> str:
    """A percentage given as a string with one decimal ("33.3", see ``selectors.percentage``): "33.3%"."""
    if share is None:
        return "–"
    return format_percent(Decimal(share) / 100, format="#,##0.0%", locale=locale)


def format_rate(value: str, locale: Locale) -> str:
    """An exchange rate (USD per unit) with up to 8 decimals, as the Secretariat entered it."""
    return format_decimal(Decimal(value), format="#,##0.########", locale=locale)


# --- context ---------------------------------------------------------------------------------------------


def _is_bidi(language: str) -> bool:
    try:
        return bool(translation.get_language_info(language)["bidi"])
    except KeyError:
        return False


def _entity(row: dict) -> str:
    return row["lead_organisation"]["name"]


def _countries(row: dict) -> str:
    names = ", ".join(c["name"] for c in row["beneficiary_countries"])
    if row["is_global"]:
        return _("Global") + (f" ({names})" if names else "")
    return names or _("Not stated")


def _breakdown_table(entries: list[dict], total_pledges: int, locale: Locale) -> list[dict]:
    return [
        {
            "name": e["name"],
            "pledges": format_count(e["pledges"], locale),
            "share": format_share(selectors.percentage(e["pledges"], total_pledges), locale),
            "value": format_usd_whole(e["value_usd"], locale),
        }
        for e in entries
    ]


def annual_report_context(*, snapshot: dict, revision: int, language: str) -> dict:
    """Everything the template shows, formatted, computed from ``snapshot`` only (never the live database).

    Args:
        snapshot: the frozen snapshot, ``{"year", "cutoff", "generated_at", "time_zone", "rows": [...]}``
            (``services.annual_report_start`` writes it; rows from ``selectors.pledge_snapshot_rows``).
        revision: the report's revision number (1, 2, ...).
        language: the report's language code; numbers and dates use its CLDR formats (babel).
    """
    locale = report_locale(language)
    rows = snapshot["rows"]
    year = int(snapshot["year"])
    tz_name = snapshot.get("time_zone") or "UTC"
    tz = ZoneInfo(tz_name)
    cutoff = dt.datetime.fromisoformat(snapshot["cutoff"])
    local_cutoff = cutoff.astimezone(tz)
    generated = dt.datetime.fromisoformat(snapshot["generated_at"])
    figures = selectors.headline_figures(rows)
    tables = selectors.breakdowns(rows)
    n = figures["pledges"]
    return {
        "lang": language,
        "dir": "rtl" if _is_bidi(language) else "ltr",
        "year": year,
        "revision": revision,
        "title": _("Partner2Connect Digital Coalition — Annual report %(year)s") % {"year": year},
        "time_zone": tz_name,
        "cutoff_date": format_date(local_cutoff.date(), format="long", locale=locale),
        "cutoff_time": format_time(local_cutoff.time(), format="HH:mm:ss", locale=locale),
        "cutoff_utc": format_datetime(cutoff, format="yyyy-MM-dd HH:mm:ss", tzinfo=dt.UTC, locale=locale),
        "generated_date": format_date(generated.astimezone(tz).date(), format="long", locale=locale),
        "generated_time": format_time(generated.astimezone(tz).time(), format="HH:mm", locale=locale),
        "figures": figures,
        "f": {
            "pledges": format_count(n, locale),
            "pledging_entities": format_count(figures["pledging_entities"], locale),
            "value_usd_total": format_usd(figures["value_usd_total"], locale),
            "pledges_with_value_usd": format_count(figures["pledges_with_value_usd"], locale),
            "pledges_with_value_not_converted": format_count(
                figures["pledges_with_value_not_converted"], locale
            ),
            "pledges_without_value": format_count(figures["pledges_without_value"], locale),
            "beneficiary_countries": format_count(figures["beneficiary_countries"], locale),
            "ldc_pledges": format_count(figures["ldc_pledges"], locale),
            "ldc_share": format_share(figures["ldc_share"], locale),
            "lldc_pledges": format_count(figures["lldc_pledges"], locale),
            "sids_pledges": format_count(figures["sids_pledges"], locale),
            "global_pledges": format_count(figures["global_pledges"], locale),
            "pledges_without_countries": format_count(figures["pledges_without_countries"], locale),
        },
        "focus_areas": _breakdown_table(tables["focus_areas"], n, locale),
        "pledge_types": _breakdown_table(tables["pledge_types"], n, locale),
        "stakeholder_types": _breakdown_table(tables["stakeholder_types"], n, locale),
        "rates": [
            {
                "currency": r["currency"],
                "date": format_date(dt.date.fromisoformat(r["date"]), format="medium", locale=locale),
                "usd_per_unit": format_rate(r["usd_per_unit"], locale),
                "source": r["source"],
                "pledges": format_count(r["pledges"], locale),
            }
            for r in selectors.exchange_rates_used(rows)
        ],
        "annex": [
            {
                "public_id": r["public_id"],
                "title": r["title"],
                "entity": _entity(r),
                "partners": [p["name"] for p in r["partners"]],
                "focus_areas": ", ".join(f["name"] for f in r["focus_areas"]),
                "countries": _countries(r),
                "value": format_usd_whole(r["value_usd"], locale),
                "not_converted": r["value_usd"] is None and r.get("value_amount") is not None,
                "amount": (
                    format_currency(Decimal(r["value_amount"]), r["value_currency"], locale=locale)
                    if r.get("value_amount") is not None and r.get("value_currency")
                    else ""
                ),
            }
            for r in rows
        ],
    }


def render_annual_report_html(*, snapshot: dict, revision: int, language: str) -> str:
    """The report as an HTML document, in ``language`` (see ``annual_report_context``)."""
    with translation.override(language):
        context = annual_report_context(snapshot=snapshot, revision=revision, language=language)
        return render_to_string(TEMPLATE, context)


def render_annual_report_pdf(*, snapshot: dict, revision: int, language: str) -> bytes:
    """The report as PDF bytes (A4), rendered from ``snapshot`` only; see ``annual_report_context``."""
    html = render_annual_report_html(snapshot=snapshot, revision=revision, language=language)
    return html_to_pdf(html, stylesheets=[STYLESHEET.read_text(encoding="utf-8")])

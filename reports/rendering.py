"""The annual report as HTML and PDF (WeasyPrint), rendered from a frozen snapshot only.

Templates: ``reports/templates/reports/pdf/annual_report.html`` (cover to methodology) and
``reports/pdf/annex.html`` (one chunk of the annex), stylesheet ``reports/static/reports/annual_report.css``.
Every piece of user text goes through Django's autoescaping, and WeasyPrint gets a URL fetcher that serves
only the report's own charts (``pdf.ReportURLFetcher``): a pledge title can never pull a local file into the
PDF. Fonts are the system's (Debian ``fonts-noto-core``, ``fonts-noto-cjk``), found through fontconfig;
nothing is downloaded. Numbers, money and dates are formatted with babel (CLDR) for the report's language,
texts translated with ``translation.override(language)``.

Speed and memory: WeasyPrint's time and memory grow faster than the number of rows of one long table
(FINDINGS.md), so the annex is rendered in chunks of ``ANNEX_CHUNK_ROWS`` rows, each a document of its own
whose page numbers continue from the previous one (``@page :first { counter-reset: page N }``), and the
parts are merged with their tags (``pdf.merge_pdfs``).
"""

import datetime as dt
import logging
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_currency, format_decimal, format_percent
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from progress.models import ProgressReport

from . import charts, selectors
from .pdf import PDF_VARIANT, RESOURCE_SCHEME, html_to_pdf, merge_pdfs, page_count

logger = logging.getLogger(__name__)

STYLESHEET = Path(__file__).resolve().parent / "static" / "reports" / "annual_report.css"
ANNEX_STYLESHEET = STYLESHEET.with_name("annex.css")
TEMPLATE = "reports/pdf/annual_report.html"
ANNEX_TEMPLATE = "reports/pdf/annex.html"
# Rows of the annex per separately rendered document (settings.P2C_REPORT_ANNEX_CHUNK_ROWS overrides).
ANNEX_CHUNK_ROWS = 250

ProgressCallback = Callable[[str], None]


def annex_chunk_rows() -> int:
    """Rows of the annex per rendered chunk: ``settings.P2C_REPORT_ANNEX_CHUNK_ROWS`` or 250."""
    return max(int(getattr(settings, "P2C_REPORT_ANNEX_CHUNK_ROWS", ANNEX_CHUNK_ROWS)), 1)


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


def format_signed_count(value: int, locale: Locale) -> str:
    """A change in a count with its sign ("+12", "−3", "0")."""
    return format_decimal(value, format="+#,##0;-#,##0", locale=locale) if value else format_count(0, locale)


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


def format_growth(growth: str | None, locale: Locale) -> str:
    """A growth rate in per cent with its sign ("+12.5%"); "–" when there is nothing to compare with."""
    if growth is None:
        return "–"
    return format_percent(Decimal(growth) / 100, format="+#,##0.0%;-#,##0.0%", locale=locale)


def format_rate(value: str, locale: Locale) -> str:
    """An exchange rate (USD per unit) with up to 8 decimals, as the Secretariat entered it."""
    return format_decimal(Decimal(value), format="#,##0.########", locale=locale)


# --- context ---------------------------------------------------------------------------------------------


def _is_bidi(language: str) -> bool:
    try:
        return bool(translation.get_language_info(language)["bidi"])
    except KeyError:
        return False


def _countries(row: dict) -> str:
    names = ", ".join(c["name"] for c in row["beneficiary_countries"])
    if row["is_global"]:
        return _("Global") + (f" ({names})" if names else "")
    return names or _("Not stated")


def _table(entries: list[dict], locale: Locale, names: dict[str, str]) -> list[dict]:
    return [
        {
            "slug": e["slug"],
            "name": names.get(e["slug"], e["name"]),
            "pledges": format_count(e["pledges"], locale),
            "share": format_share(e.get("share"), locale),
            "value": format_usd_whole(e["value_usd"], locale),
            "raw_pledges": e["pledges"],
        }
        for e in entries
    ]


class _Charts:
    """Collects the report's charts as SVG resources served by the URL fetcher (``p2c-report:chart-N``)."""

    def __init__(self, *, rtl: bool, language: str):
        self.resources: dict[str, tuple[bytes, str]] = {}
        self.rtl = rtl
        self.families = charts.font_families(language)

    def bars(
        self, name: str, table: list[dict], *, key: str = "raw_pledges", label: str = "pledges"
    ) -> str | None:
        if not table:
            return None
        svg = charts.bar_chart_svg(
            labels=[r["name"] for r in table],
            values=[float(r[key]) for r in table],
            value_labels=[r[label] for r in table],
            salt=f"p2c-{name}",
            rtl=self.rtl,
            families=self.families,
        )
        url = f"{RESOURCE_SCHEME}chart-{name}"
        self.resources[url] = (svg, "image/svg+xml")
        return url


def _foreword(snapshot: dict) -> dict | None:
    foreword = snapshot.get("foreword") or {}
    text = (foreword.get("text") or "").strip()
    if not text:
        return None
    paragraphs = [" ".join(p.split()) for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return {"paragraphs": paragraphs, "signed_by": foreword.get("signed_by") or ""}


def annual_report_context(*, snapshot: dict, revision: int, language: str, with_charts: bool = True) -> dict:
    """Everything the main document shows, formatted, computed from ``snapshot`` only (never the database).

    Args:
        snapshot: the frozen snapshot, ``{"year", "cutoff", "previous_cutoff", "generated_at", "time_zone",
            "foreword": {"text", "signed_by"}, "rows": [...]}`` (``services.annual_report_start`` writes it;
            rows from ``selectors.pledge_snapshot_rows``).
        revision: the report's revision number (1, 2, ...).
        language: the report's language code; numbers and dates use its CLDR formats (babel). Call inside
            ``translation.override(language)`` for the texts.
        with_charts: draw the charts (SVG) and return them as ``resources`` for the URL fetcher.
    Returns:
        The template context; ``resources`` maps chart URLs to ``(svg bytes, "image/svg+xml")``.
    """
    locale = report_locale(language)
    rows = snapshot["rows"]
    year = int(snapshot["year"])
    tz_name = snapshot.get("time_zone") or "UTC"
    tz = ZoneInfo(tz_name)
    cutoff = dt.datetime.fromisoformat(snapshot["cutoff"])
    local_cutoff = cutoff.astimezone(tz)
    generated = dt.datetime.fromisoformat(snapshot["generated_at"])
    all_figures = selectors.report_figures(snapshot)
    figures = {k: v for k, v in all_figures.items() if not isinstance(v, dict | list)}
    tables = all_figures["breakdowns"]
    n = figures["pledges"]
    names = selectors.synthetic_names()
    rtl = _is_bidi(language)
    chart_set = _Charts(rtl=rtl, language=language)

    tables = selectors.localized_breakdowns(tables)
    breakdown_tables = {key: _table(entries, locale, names) for key, entries in tables.items()}
    pillars_by_area = []
    for area in breakdown_tables["focus_areas"]:
        pillars = [
            p
            for p, e in zip(breakdown_tables["pillars"], tables["pillars"], strict=True)
            if e.get("focus_area") == area["slug"]
        ]
        if pillars:
            pillars_by_area.append({"focus_area": area["name"], "pillars": pillars})

    implementation = all_figures["implementation"]
    status_labels = dict(ProgressReport.ImplementationStatus.choices)
    status_rows = [
        {
            "name": str(status_labels.get(s["slug"], names.get(s["slug"], s["slug"]))),
            "pledges": format_count(s["pledges"], locale),
            "share": format_share(s["share"], locale),
            "raw_pledges": s["pledges"],
        }
        for s in implementation["statuses"]
    ]

    yoy = all_figures["year_on_year"]
    previous_cutoff = dt.datetime.fromisoformat(yoy["previous_cutoff"]).astimezone(tz)
    growth_labels = {
        "pledges": _("Pledges"),
        "value_usd_total": _("Estimated value (US dollars)"),
        "pledging_entities": _("Pledging entities"),
        "beneficiary_countries": _("Beneficiary countries"),
    }
    growth_rows = []
    for item in yoy["items"]:
        money = item["key"] == "value_usd_total"
        growth_rows.append(
            {
                "name": growth_labels[item["key"]],
                "current": format_usd_whole(item["current"], locale)
                if money
                else format_count(item["current"], locale),
                "previous": format_usd_whole(item["previous"], locale)
                if money
                else format_count(item["previous"], locale),
                "change": (
                    format_decimal(
                        Decimal(item["change"]).quantize(Decimal("1"), rounding=ROUND_HALF_UP),
                        format="+#,##0;-#,##0",
                        locale=locale,
                    )
                    if money
                    else format_signed_count(item["change"], locale)
                ),
                "growth": format_growth(item["growth"], locale),
            }
        )

    chart_urls = {}
    if with_charts:
        for key in (
            "focus_areas",
            "pledge_types",
            "stakeholder_types",
            "origin_regions",
            "implementation_regions",
            "country_groups",
            "sdgs",
            "beneficiary_groups",
        ):
            rows_ = breakdown_tables[key]
            # A chart of "not recorded" / "not stated" alone says nothing the table does not.
            real = any(not r["slug"].startswith("_") for r in rows_)
            chart_urls[key] = chart_set.bars(key, rows_) if real else None
        chart_urls["stakeholder_value"] = chart_set.bars(
            "stakeholder-value",
            [
                dict(r, raw_value=float(Decimal(e["value_usd"])))
                for r, e in zip(
                    breakdown_tables["stakeholder_types"], tables["stakeholder_types"], strict=True
                )
            ],
            key="raw_value",
            label="value",
        )
        reported = any(st["slug"] != selectors.NO_REPORT for st in implementation["statuses"])
        chart_urls["implementation"] = chart_set.bars("implementation", status_rows) if reported else None

    return {
        "lang": language,
        "dir": "rtl" if rtl else "ltr",
        "year": year,
        "revision": revision,
        "title": _("Partner2Connect Digital Coalition — Annual report %(year)s") % {"year": year},
        "running_title": _("P2C annual report %(year)s · revision %(revision)s")
        % {"year": year, "revision": revision},
        "time_zone": tz_name,
        "cutoff_date": format_date(local_cutoff.date(), format="long", locale=locale),
        "cutoff_time": format_time(local_cutoff.time(), format="HH:mm:ss", locale=locale),
        "cutoff_utc": format_datetime(cutoff, format="yyyy-MM-dd HH:mm:ss", tzinfo=dt.UTC, locale=locale),
        "previous_cutoff_date": format_date(previous_cutoff.date(), format="long", locale=locale),
        "previous_year": year - 1,
        "generated_date": format_date(generated.astimezone(tz).date(), format="long", locale=locale),
        "generated_time": format_time(generated.astimezone(tz).time(), format="HH:mm", locale=locale),
        "foreword": _foreword(snapshot),
        "figures": figures,
        "f": {
            key: (
                format_usd(value, locale)
                if key == "value_usd_total"
                else format_share(value, locale)
                if key == "ldc_share"
                else format_count(value, locale)
            )
            for key, value in figures.items()
        },
        "growth": growth_rows,
        "tables": breakdown_tables,
        "pillars_by_area": pillars_by_area,
        "implementation": {
            "statuses": status_rows,
            "any_reports": implementation["reporting_pledges"] > 0,
            "reporting_pledges": format_count(implementation["reporting_pledges"], locale),
            "reporting_rate": format_share(implementation["reporting_rate"], locale),
            "mean_percent_complete": format_share(implementation["mean_percent_complete"], locale),
        },
        "sdgs_recorded": any("sdgs" in r for r in rows),
        "groups_recorded": any("beneficiary_groups" in r for r in rows),
        "charts": chart_urls,
        "resources": chart_set.resources,
        "rates": [
            {
                "currency": r["currency"],
                "date": format_date(dt.date.fromisoformat(r["date"]), format="medium", locale=locale),
                "usd_per_unit": format_rate(r["usd_per_unit"], locale),
                "source": r["source"],
                "pledges": format_count(r["pledges"], locale),
            }
            for r in all_figures["exchange_rates"]
        ],
        "annex_count": format_count(n, locale),
    }


def annex_rows(rows: list[dict], locale: Locale) -> list[dict]:
    """The annex lines of ``rows`` (snapshot rows), formatted for ``locale``."""
    return [
        {
            "public_id": r["public_id"],
            "title": r["title"],
            "entity": r["lead_organisation"]["name"],
            "partners": [p["name"] for p in r["partners"]],
            "focus_areas": ", ".join(f["name"] for f in r["focus_areas"]),
            "countries": _countries(r),
            "value": format_usd_whole(r["value_usd"], locale),
            "has_value": r["value_usd"] is not None,
            "not_converted": r["value_usd"] is None and r.get("value_amount") is not None,
            "amount": (
                format_currency(Decimal(r["value_amount"]), r["value_currency"], locale=locale)
                if r.get("value_amount") is not None and r.get("value_currency")
                else ""
            ),
        }
        for r in rows
    ]


def _css_string(text: str) -> str:
    """``text`` as a CSS string literal (for generated content in the page margins)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return f'"{escaped}"'


def _page_css(*, running_title: str, first_page: int | None = None) -> str:
    css = f"@page {{ @bottom-left {{ content: {_css_string(running_title)}; }} }}\n"
    if first_page is not None:
        css += f"@page :first {{ counter-reset: page {first_page}; }}\n"
    return css


def render_annual_report_html(*, snapshot: dict, revision: int, language: str) -> str:
    """The whole report as one HTML document, in ``language`` (main part and the complete annex).

    For previews and tests; the PDF is rendered in parts (``render_annual_report_pdf``).
    """
    with translation.override(language):
        context = annual_report_context(
            snapshot=snapshot, revision=revision, language=language, with_charts=False
        )
        context["annex"] = annex_rows(snapshot["rows"], report_locale(language))
        context["page_css"] = _page_css(running_title=context["running_title"])
        return render_to_string(TEMPLATE, context)


def render_annual_report_pdf(
    *, snapshot: dict, revision: int, language: str, on_progress: ProgressCallback | None = None
) -> bytes:
    """The report as PDF bytes (A4, PDF/UA-1), rendered from ``snapshot`` only.

    The main document (cover, foreword, summary, breakdowns with charts, implementation, methodology) is one
    WeasyPrint document; the annex follows in chunks of ``annex_chunk_rows()`` rows, each rendered on its own
    with page numbers continuing, and all parts are merged keeping their tags (``pdf.merge_pdfs``).

    Args:
        snapshot, revision, language: see ``annual_report_context``.
        on_progress: called with a short text before each step ("annex chunk 3 of 10"); may raise to stop.
    """
    report = on_progress or (lambda _text: None)
    stylesheet = STYLESHEET.read_text(encoding="utf-8")
    annex_stylesheet = ANNEX_STYLESHEET.read_text(encoding="utf-8")
    rows = snapshot["rows"]
    size = annex_chunk_rows()
    chunks = [rows[i : i + size] for i in range(0, len(rows), size)] or [[]]
    with translation.override(language):
        report(_("main document"))
        context = annual_report_context(snapshot=snapshot, revision=revision, language=language)
        context["page_css"] = _page_css(running_title=context["running_title"])
        resources = context.pop("resources")
        main = html_to_pdf(render_to_string(TEMPLATE, context), stylesheets=[stylesheet], resources=resources)
        parts = [main]
        next_page = page_count(main) + 1
        locale = report_locale(language)
        for number, chunk in enumerate(chunks, start=1):
            report(_("annex chunk %(n)s of %(count)s") % {"n": number, "count": len(chunks)})
            chunk_context = {
                "lang": context["lang"],
                "dir": context["dir"],
                "title": context["title"],
                "first": number == 1,
                "annex_count": context["annex_count"],
                "annex": annex_rows(chunk, locale),
                "page_css": _page_css(running_title=context["running_title"], first_page=next_page),
            }
            part = html_to_pdf(
                render_to_string(ANNEX_TEMPLATE, chunk_context), stylesheets=[annex_stylesheet], lean=True
            )
            next_page += page_count(part)
            parts.append(part)
        report(_("merging %(count)s parts") % {"count": len(parts)})
    return merge_pdfs(parts)


__all__ = [
    "PDF_VARIANT",
    "annual_report_context",
    "format_count",
    "format_share",
    "format_usd",
    "format_usd_whole",
    "html_to_pdf",
    "render_annual_report_pdf",
    "report_locale",
]

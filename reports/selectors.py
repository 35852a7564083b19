"""Statistics of the pledges: the annual report's snapshot, headline figures and breakdowns.

Shared by the home page and the annual report. The rules come from DESIGN.md ("Rules that keep it simple" and
"Time"):

- the report for year Y covers pledges *published* on or before 31 December Y, 23:59:59.999999 in the
  platform's reporting time zone (``settings.P2C_TIME_ZONE``): the cut-off;
- LDC / LLDC / SIDS membership is taken as it stood on the cut-off date (``CountryGroupMembership``, dated
  from the UNSD M49 list and the UN's graduation decisions, see ``reference/data/SOURCES.md``);
- money is ``Decimal`` (in JSON: a string), never float; a joint pledge's value is stored once, on the pledge,
  so totals count it once;
- a pledge with several focus areas or pledge types counts under each of them in the breakdowns.

``pledge_snapshot_rows`` reads the database once (a constant number of queries) and returns plain,
JSON-serialisable rows; every figure after that (``headline_figures``, ``breakdowns``,
``exchange_rates_used``) is computed from those rows only, so re-rendering a frozen snapshot gives the same
figures whatever happened to the database since.
"""

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch

from pledges.models import Pledge, PledgePartner
from reference.models import CountryGroupMembership

CENT = Decimal("0.01")
# Groups reported on; codes of ``reference.CountryGroup`` (UNSD M49 199, 432, 722).
GROUP_CODES = ("LDC", "LLDC", "SIDS")


def reporting_time_zone() -> ZoneInfo:
    """The platform's reporting time zone (``settings.P2C_TIME_ZONE``, an IANA name; default UTC)."""
    return ZoneInfo(settings.P2C_TIME_ZONE)


def report_cutoff(*, year: int) -> dt.datetime:
    """The cut-off of the annual report for ``year``: 31 December ``year``, 23:59:59.999999.

    The wall-clock time is in ``settings.P2C_TIME_ZONE`` (DESIGN.md, "Time"); the result is an aware datetime
    in UTC. E.g. with ``P2C_TIME_ZONE = "America/Bogota"`` (UTC-5), 2025 gives 2026-01-01 04:59:59.999999 UTC.
    """
    local = dt.datetime(year, 12, 31, 23, 59, 59, 999999, tzinfo=reporting_time_zone())
    return local.astimezone(dt.UTC)


def cutoff_date(cutoff: dt.datetime) -> dt.date:
    """The calendar date of ``cutoff`` in the reporting time zone (the date group membership is taken on)."""
    return cutoff.astimezone(reporting_time_zone()).date()


def _organisation_row(organisation) -> dict:
    return {
        "name": organisation.name,
        "slug": organisation.slug,
        "stakeholder_type": {
            "slug": organisation.stakeholder_type.slug,
            "name": organisation.stakeholder_type.name,
            "order": organisation.stakeholder_type.order,
        },
        "country": organisation.country.iso2 if organisation.country_id else None,
    }


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(CENT))


def published_pledges_until(*, cutoff: dt.datetime):
    """Published pledges with ``published_at <= cutoff`` (aware datetime), as a queryset."""
    return Pledge.objects.published().filter(published_at__isnull=False, published_at__lte=cutoff)


def pledge_snapshot_rows(*, cutoff: dt.datetime) -> list[dict]:
    """One JSON-serialisable row per pledge published on or before ``cutoff``, ordered by public ID.

    Args:
        cutoff: an aware datetime, normally ``report_cutoff(year=...)``.
    Returns:
        A list of dicts::

            {"public_id", "title", "summary",
             "lead_organisation": ORG, "partners": [ORG, ...],   # confirmed partners only, by name
             "focus_areas": [{"slug", "name", "order"}], "pledge_types": [{"slug", "name", "order"}],
             "is_global": bool,
             "beneficiary_countries": [{"iso2", "name", "groups": ["LDC", "LLDC", "SIDS"]}],  # by name
             "start_date": "YYYY-MM-DD" | None, "end_date": ... | None,
             "value_amount": "1234.50" | None, "value_currency": "EUR" | None,   # as pledged
             "value_usd": "1299.93" | None,                                        # US dollars, 2 decimals
             "usd_rate": {"currency", "date", "usd_per_unit", "source"} | None,   # the rate used
             "published_at": ISO 8601 in UTC}

        where ORG is ``{"name", "slug", "stakeholder_type": {"slug", "name", "order"}, "country": iso2|None}``
        and a country's ``groups`` are the LDC / LLDC / SIDS groups it belonged to on the cut-off date in
        ``P2C_TIME_ZONE`` (``CountryGroupMembership.on``). ``order`` is the reference data's display order.

    Runs a constant number of queries whatever the number of pledges (joins and prefetches).
    """
    partners = PledgePartner.objects.filter(status=PledgePartner.Status.CONFIRMED).select_related(
        "organisation__stakeholder_type", "organisation__country"
    )
    pledges = list(
        published_pledges_until(cutoff=cutoff)
        .select_related("lead_organisation__stakeholder_type", "lead_organisation__country", "usd_rate")
        .prefetch_related(
            "focus_areas",
            "pledge_types",
            "beneficiary_countries",
            Prefetch("partners", queryset=partners, to_attr="confirmed_partners"),
        )
        .order_by("public_id")
    )
    country_ids = {c.pk for p in pledges for c in p.beneficiary_countries.all()}
    groups: dict[int, set[str]] = defaultdict(set)
    if country_ids:
        memberships = (
            CountryGroupMembership.objects.on(cutoff_date(cutoff))
            .filter(country_id__in=country_ids, group__code__in=GROUP_CODES)
            .values_list("country_id", "group__code")
        )
        for country_id, code in memberships:
            groups[country_id].add(code)

    rows = []
    for p in pledges:
        rate = p.usd_rate
        rows.append(
            {
                "public_id": p.public_id,
                "title": p.title,
                "summary": p.summary,
                "lead_organisation": _organisation_row(p.lead_organisation),
                "partners": [
                    _organisation_row(pp.organisation)
                    for pp in sorted(p.confirmed_partners, key=lambda pp: (pp.organisation.name, pp.pk))
                ],
                "focus_areas": [
                    {"slug": f.slug, "name": f.name, "order": f.order}
                    for f in sorted(p.focus_areas.all(), key=lambda f: (f.order, f.name))
                ],
                "pledge_types": [
                    {"slug": t.slug, "name": t.name, "order": t.order}
                    for t in sorted(p.pledge_types.all(), key=lambda t: (t.order, t.name))
                ],
                "is_global": p.is_global,
                "beneficiary_countries": [
                    {"iso2": c.iso2, "name": c.name, "groups": [g for g in GROUP_CODES if g in groups[c.pk]]}
                    for c in sorted(p.beneficiary_countries.all(), key=lambda c: c.name)
                ],
                "start_date": p.start_date.isoformat() if p.start_date else None,
                "end_date": p.end_date.isoformat() if p.end_date else None,
                "value_amount": _money(p.value_amount),
                "value_currency": p.value_currency_id,
                "value_usd": _money(p.value_usd),
                "usd_rate": (
                    {
                        "currency": rate.currency_id,
                        "date": rate.date.isoformat(),
                        "usd_per_unit": str(rate.usd_per_unit),
                        "source": rate.source,
                    }
                    if rate is not None and p.value_usd is not None
                    else None
                ),
                "published_at": p.published_at.astimezone(dt.UTC).isoformat(),
            }
        )
    return rows


def _usd(row: dict) -> Decimal | None:
    return Decimal(row["value_usd"]) if row.get("value_usd") is not None else None


def _targets_group(row: dict, code: str) -> bool:
    return any(code in c["groups"] for c in row["beneficiary_countries"])


def percentage(part: int, whole: int) -> str | None:
    """``part / whole`` in per cent, one decimal, rounded half up, as a string ("33.3"); None if whole=0."""
    if not whole:
        return None
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def headline_figures(rows: list[dict]) -> dict:
    """The headline figures of a snapshot, computed from ``rows`` (``pledge_snapshot_rows``) only.

    Returns a JSON-serialisable dict:

    - ``pledges``: number of pledges.
    - ``pledging_entities``: distinct organisations (by slug) among lead organisations and confirmed partners.
    - ``value_usd_total``: sum of the pledges' USD equivalents, US dollars as a string with 2 decimals
      ("0.00" when none). A joint pledge counts once: its value is stored once, on the pledge (DESIGN.md).
    - ``pledges_with_value_usd``: pledges with a USD equivalent (the ones in the total).
    - ``pledges_with_value_not_converted``: pledges that state an amount but have no USD equivalent (no
      exchange rate for the currency): not in the total.
    - ``pledges_without_value``: pledges that state no amount.
    - ``beneficiary_countries``: distinct beneficiary countries (ISO 3166-1).
    - ``ldc_pledges`` / ``lldc_pledges`` / ``sids_pledges``: pledges naming at least one beneficiary country
      that belonged to the group on the cut-off date. Global pledges count only through the countries they
      name.
    - ``ldc_share``: ``ldc_pledges / pledges`` as a percentage with one decimal, rounded half up, as a string
      ("33.3" means 33.3 %); None when there are no pledges.
    - ``global_pledges``: pledges marked global (implemented worldwide).
    - ``pledges_without_countries``: pledges neither global nor naming a country ("not stated").
    """
    entities = set()
    countries = set()
    total = Decimal("0")
    with_usd = not_converted = without_value = 0
    group_counts = dict.fromkeys(GROUP_CODES, 0)
    global_pledges = without_countries = 0
    for row in rows:
        entities.add(row["lead_organisation"]["slug"])
        entities.update(p["slug"] for p in row["partners"])
        countries.update(c["iso2"] for c in row["beneficiary_countries"])
        usd = _usd(row)
        if usd is not None:
            total += usd
            with_usd += 1
        elif row.get("value_amount") is not None:
            not_converted += 1
        else:
            without_value += 1
        for code in GROUP_CODES:
            group_counts[code] += _targets_group(row, code)
        if row["is_global"]:
            global_pledges += 1
        elif not row["beneficiary_countries"]:
            without_countries += 1
    return {
        "pledges": len(rows),
        "pledging_entities": len(entities),
        "value_usd_total": str(total.quantize(CENT)),
        "pledges_with_value_usd": with_usd,
        "pledges_with_value_not_converted": not_converted,
        "pledges_without_value": without_value,
        "beneficiary_countries": len(countries),
        "ldc_pledges": group_counts["LDC"],
        "ldc_share": percentage(group_counts["LDC"], len(rows)),
        "lldc_pledges": group_counts["LLDC"],
        "sids_pledges": group_counts["SIDS"],
        "global_pledges": global_pledges,
        "pledges_without_countries": without_countries,
    }


def _breakdown(rows: list[dict], categories_of) -> list[dict]:
    found: dict[str, dict] = {}
    for row in rows:
        usd = _usd(row)
        for category in categories_of(row):
            entry = found.setdefault(
                category["slug"],
                {
                    "slug": category["slug"],
                    "name": category["name"],
                    "order": category.get("order", 0),
                    "pledges": 0,
                    "value": Decimal("0"),
                },
            )
            entry["pledges"] += 1
            if usd is not None:
                entry["value"] += usd
    result = []
    for entry in sorted(found.values(), key=lambda e: (e["order"], e["name"], e["slug"])):
        value = entry.pop("value")
        entry.pop("order")
        result.append({**entry, "value_usd": str(value.quantize(CENT))})
    return result


def breakdowns(rows: list[dict]) -> dict:
    """Pledges and USD value by focus area, by pledge type and by the lead organisation's stakeholder type.

    Computed from ``rows`` (``pledge_snapshot_rows``) only. Returns::

        {"focus_areas": [ENTRY, ...], "pledge_types": [ENTRY, ...], "stakeholder_types": [ENTRY, ...]}

    with ENTRY = ``{"slug", "name", "pledges": int, "value_usd": "1234.00"}`` (US dollars, 2 decimals), in the
    reference data's display order; only categories with at least one pledge are listed. A pledge with several
    focus areas or pledge types counts, with its whole value, under each of them (DESIGN.md), so these columns
    add up to more than the headline totals; each pledge has exactly one lead, so the stakeholder type columns
    add up to the totals. A joint pledge counts under its lead organisation's stakeholder type only.
    """
    return {
        "focus_areas": _breakdown(rows, lambda r: r["focus_areas"]),
        "pledge_types": _breakdown(rows, lambda r: r["pledge_types"]),
        "stakeholder_types": _breakdown(rows, lambda r: [r["lead_organisation"]["stakeholder_type"]]),
    }


def exchange_rates_used(rows: list[dict]) -> list[dict]:
    """The distinct exchange rates behind the rows' USD equivalents, by currency then date.

    Each is ``{"currency", "date", "usd_per_unit", "source", "pledges": int}`` (USD per one unit of the
    currency, on ``date``, from ``source``); US dollar amounts (rate 1) are included when used.
    """
    found: dict[tuple, dict] = {}
    for row in rows:
        rate = row.get("usd_rate")
        if not rate:
            continue
        key = (rate["currency"], rate["date"], rate["usd_per_unit"], rate["source"])
        found.setdefault(key, {**rate, "pledges": 0})["pledges"] += 1
    return [found[k] for k in sorted(found)]

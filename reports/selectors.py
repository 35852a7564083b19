"""Statistics of the pledges: the annual report's snapshot, its figures and breakdowns.

Shared by the home page (headline figures) and the annual report. The rules come from DESIGN.md ("Rules that
keep it simple" and "Time"):

- the report for year Y covers pledges *published* on or before 31 December Y, 23:59:59.999999 in the
  platform's reporting time zone (``settings.P2C_TIME_ZONE``): the cut-off. The same zone decides which year
  any date belongs to in the report (one rule, see ``report_cutoff``);
- LDC / LLDC / SIDS membership is taken as it stood on the cut-off date (``CountryGroupMembership``, dated
  from the UNSD M49 list and the UN's graduation decisions, see ``reference/data/SOURCES.md``);
- money is ``Decimal`` (in JSON: a string), never float; a joint pledge's value is stored once, on the pledge,
  so totals count it once;
- a pledge with several focus areas, pillars, pledge types, regions, SDGs or beneficiary groups counts under
  each of them in the breakdowns.

``pledge_snapshot_rows`` reads the database once (a constant number of queries) and returns plain,
JSON-serialisable rows; every figure after that (``headline_figures``, ``breakdowns``, ``report_figures``...)
is computed from those rows only, so re-rendering a frozen snapshot gives the same figures whatever happened
to the database since.
"""

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from pledges.models import Pledge, PledgePartner
from progress.models import ProgressReport
from reference.models import (
    SDG,
    BeneficiaryGroup,
    Country,
    CountryGroupMembership,
    ExchangeRate,
    FocusArea,
    Pillar,
    PledgeType,
    Region,
    StakeholderType,
)
from reference.names import territory_name

CENT = Decimal("0.01")
# Groups reported on; codes of ``reference.CountryGroup`` (UNSD M49 199, 432, 722).
GROUP_CODES = ("LDC", "LLDC", "SIDS")
# Keys of the breakdowns that list categories a pledge may or may not record (newer pledge fields).
OPTIONAL_TAGS = ("sdgs", "beneficiary_groups")
# Slugs of the synthetic categories of the breakdowns (never slugs of reference data, which are lower case
# words joined by hyphens).
NOT_RECORDED = "_not_recorded"
NOT_STATED = "_not_stated"
GLOBAL = "_global"
NO_REPORT = "_no_report"


# --- time -----------------------------------------------------------------------------------------------


def reporting_time_zone() -> ZoneInfo:
    """The platform's reporting time zone (``settings.P2C_TIME_ZONE``, an IANA name; default UTC)."""
    return ZoneInfo(settings.P2C_TIME_ZONE)


def report_cutoff(*, year: int) -> dt.datetime:
    """The cut-off of the annual report for ``year``: 31 December ``year``, 23:59:59.999999.

    The wall-clock time is in ``settings.P2C_TIME_ZONE`` (DESIGN.md, "Time"); the result is an aware datetime
    in UTC. E.g. with ``P2C_TIME_ZONE = "America/Bogota"`` (UTC-5), 2025 gives 2026-01-01 04:59:59.999999 UTC,
    so a pledge published at 23:30 on 31 December 2025 in Bogota (04:30 UTC on 1 January 2026) is in the 2025
    report.
    """
    local = dt.datetime(year, 12, 31, 23, 59, 59, 999999, tzinfo=reporting_time_zone())
    return local.astimezone(dt.UTC)


def cutoff_date(cutoff: dt.datetime) -> dt.date:
    """The calendar date of ``cutoff`` in the reporting time zone (the date group membership is taken on)."""
    return cutoff.astimezone(reporting_time_zone()).date()


def reporting_year(moment: dt.datetime, *, time_zone: str | None = None) -> int:
    """The year ``moment`` (aware) belongs to: its calendar year in the reporting time zone.

    Args:
        moment: an aware datetime.
        time_zone: an IANA name; default ``settings.P2C_TIME_ZONE`` (a snapshot passes the zone it was taken in).
    """
    return moment.astimezone(ZoneInfo(time_zone or settings.P2C_TIME_ZONE)).year


# --- snapshot rows ----------------------------------------------------------------------------------------


def _optional_m2m(name: str) -> bool:
    """Whether ``Pledge`` has the many-to-many field ``name`` (SDGs, beneficiary groups, whole regions)."""
    try:
        return Pledge._meta.get_field(name).many_to_many
    except FieldDoesNotExist:
        return False


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(CENT))


def published_pledges_until(*, cutoff: dt.datetime):
    """Public pledges (``Pledge.objects.published()``) with ``published_at <= cutoff`` (aware datetime)."""
    return Pledge.objects.published().filter(published_at__isnull=False, published_at__lte=cutoff)


def _latest_progress(*, cutoff: dt.datetime) -> dict[int, dict]:
    """The latest public progress report on or before ``cutoff`` of each pledge, by pledge id (one query).

    Only reports the public sees count (``ProgressReport.objects.published()``, dated by ``published_at``,
    where the progress app moderates reports); otherwise every report, dated by ``created_at``.
    """
    reports = ProgressReport.objects.all()
    date_field = "created_at"
    if hasattr(reports, "published") and any(f.name == "published_at" for f in ProgressReport._meta.fields):
        reports, date_field = reports.published(), "published_at"
    latest: dict[int, dict] = {}
    rows = (
        reports.filter(
            pledge__in=published_pledges_until(cutoff=cutoff).values("pk"),
            **{f"{date_field}__isnull": False, f"{date_field}__lte": cutoff},
        )
        .order_by("pledge_id", f"-{date_field}", "-id")
        .values_list("pledge_id", "implementation_status", "percent_complete", date_field)
    )
    for pledge_id, status, percent, reported_at in rows.iterator(chunk_size=2000):
        if pledge_id not in latest:
            latest[pledge_id] = {
                "implementation_status": status,
                "percent_complete": percent,
                "reported_at": reported_at.astimezone(dt.UTC).isoformat(),
            }
    return latest


def _m2m_pairs(name: str, pledge_ids) -> dict[int, list[int]]:
    """``{pledge id: [related id, ...]}`` of the many-to-many field ``name`` of ``Pledge`` (one query)."""
    field = Pledge._meta.get_field(name)
    through = field.remote_field.through
    pledge_fk = field.m2m_field_name()
    target_fk = field.m2m_reverse_field_name()
    found: dict[int, list[int]] = defaultdict(list)
    pairs = through.objects.filter(**{f"{pledge_fk}__in": pledge_ids}).values_list(
        f"{pledge_fk}_id", f"{target_fk}_id"
    )
    for pledge_id, target_id in pairs.iterator(chunk_size=5000):
        found[pledge_id].append(target_id)
    return found


def _lookup(model, fields: tuple[str, ...]) -> dict[int, dict]:
    """``{pk: {field: value}}`` of every row of a small reference table (one query)."""
    return {row.pop("pk"): row for row in model.objects.values("pk", *fields)}


def _regions_lookup() -> dict[int, dict | None]:
    """``{region pk: {"code", "name"} of its top-level UN M49 region}`` (one query)."""
    regions = {r["pk"]: r for r in Region.objects.values("pk", "m49_code", "name", "level", "parent_id")}
    top = {}
    for pk, region in regions.items():
        seen = 0
        while region["level"] != Region.Level.REGION and region["parent_id"] in regions and seen < 4:
            region = regions[region["parent_id"]]
            seen += 1
        top[pk] = {"code": region["m49_code"], "name": region["name"]}
    return top


def pledge_snapshot_rows(*, cutoff: dt.datetime) -> list[dict]:
    """One JSON-serialisable row per pledge published on or before ``cutoff``, ordered by public ID.

    Args:
        cutoff: an aware datetime, normally ``report_cutoff(year=...)``.
    Returns:
        A list of dicts::

            {"public_id", "title", "summary",
             "lead_organisation": ORG, "partners": [ORG, ...],   # confirmed partners only, by name
             "focus_areas": [{"slug", "name", "order"}], "pillars": [{"slug", "name", "order", "focus_area"}],
             "pledge_types": [{"slug", "name", "order"}],
             "is_global": bool,
             "beneficiary_countries": [{"iso2", "name", "groups": ["LDC", ...], "region": REGION|None}],
             "regions": [REGION, ...],        # whole regions named by the pledge (when the model has them)
             "sdgs": [{"number", "name"}],    # only when the pledge model records SDGs
             "beneficiary_groups": [{"slug", "name", "order"}],   # only when the model records them
             "progress": {"implementation_status", "percent_complete", "reported_at"} | None,
             "start_date": "YYYY-MM-DD" | None, "end_date": ... | None,
             "value_amount": "1234.50" | None, "value_currency": "EUR" | None,   # as pledged
             "value_usd": "1299.93" | None,                                        # US dollars, 2 decimals
             "usd_rate": {"currency", "date", "usd_per_unit", "source"} | None,   # the rate used
             "published_at": ISO 8601 in UTC}

        where ORG is ``{"name", "slug", "stakeholder_type": {"slug", "name", "order"}, "country": iso2|None,
        "region": REGION|None}``, REGION is ``{"code", "name"}`` (the top-level UN M49 region), a country's
        ``groups`` are the LDC / LLDC / SIDS groups it belonged to on the cut-off date in ``P2C_TIME_ZONE``
        (``CountryGroupMembership.on``), ``progress`` is the pledge's latest progress report made on or before
        the cut-off, and ``order`` is the reference data's display order.

    Runs a constant number of queries whatever the number of pledges, reading plain values (no model
    instances per pledge), so 5,000 pledges take a few megabytes: reference tables are read once into lookup
    dicts and the many-to-many links as (pledge, item) pairs.
    """
    from organisations.models import Organisation
    from reference.models import FocusArea, Pillar, PledgeType, StakeholderType

    pledges = list(
        published_pledges_until(cutoff=cutoff)
        .order_by("public_id")
        .values(
            "pk",
            "public_id",
            "title",
            "summary",
            "lead_organisation_id",
            "is_global",
            "start_date",
            "end_date",
            "value_amount",
            "value_currency_id",
            "value_usd",
            "usd_rate_id",
            "published_at",
        )
    )
    ids = published_pledges_until(cutoff=cutoff).values("pk")
    regions = _regions_lookup()
    countries = {
        c.pop("pk"): {**c, "region": regions.get(c.pop("region_id"))}
        for c in Country.objects.values("pk", "iso2", "name", "region_id")
    }
    stakeholder_types = _lookup(StakeholderType, ("slug", "name", "order"))
    partners: dict[int, list[int]] = defaultdict(list)
    for pledge_id, org_id in (
        PledgePartner.objects.filter(
            pledge__in=ids, status=PledgePartner.Status.CONFIRMED, organisation__isnull=False
        )
        .order_by("organisation__name", "pk")
        .values_list("pledge_id", "organisation_id")
        .iterator(chunk_size=5000)
    ):
        partners[pledge_id].append(org_id)
    org_ids = {p["lead_organisation_id"] for p in pledges} | {o for ids_ in partners.values() for o in ids_}
    organisations = {}
    for org in Organisation.objects.filter(pk__in=org_ids).values(
        "pk", "name", "slug", "stakeholder_type_id", "country_id"
    ):
        country = countries.get(org["country_id"])
        organisations[org["pk"]] = {
            "name": org["name"],
            "slug": org["slug"],
            "stakeholder_type": stakeholder_types[org["stakeholder_type_id"]],
            "country": country["iso2"] if country else None,
            "region": country["region"] if country else None,
        }
    focus_areas = _lookup(FocusArea, ("slug", "name", "order"))
    pillars = {
        p.pop("pk"): {
            "slug": p["slug"],
            "name": p["name"],
            "order": p["order"],
            "focus_area": p["focus_area__slug"],
            "_sort": (p["focus_area__order"], p["order"], p["name"]),
        }
        for p in Pillar.objects.values("pk", "slug", "name", "order", "focus_area__slug", "focus_area__order")
    }
    pledge_types = _lookup(PledgeType, ("slug", "name", "order"))
    links = {
        "focus_areas": _m2m_pairs("focus_areas", ids),
        "pillars": _m2m_pairs("pillars", ids),
        "pledge_types": _m2m_pairs("pledge_types", ids),
        "beneficiary_countries": _m2m_pairs("beneficiary_countries", ids),
    }
    optional = [name for name in ("regions", *OPTIONAL_TAGS) if _optional_m2m(name)]
    tags = {}
    for name in optional:
        links[name] = _m2m_pairs(name, ids)
        model = Pledge._meta.get_field(name).related_model
        if name == "sdgs":
            tags[name] = _lookup(model, ("number", "name"))
        elif name == "beneficiary_groups":
            tags[name] = _lookup(model, ("slug", "name", "order"))
    groups: dict[int, list[str]] = defaultdict(list)
    for country_id, code in (
        CountryGroupMembership.objects.on(cutoff_date(cutoff))
        .filter(group__code__in=GROUP_CODES)
        .values_list("country_id", "group__code")
    ):
        groups[country_id].append(code)
    rates = {
        r.pop("pk"): r
        for r in ExchangeRate.objects.filter(
            pk__in={p["usd_rate_id"] for p in pledges if p["usd_rate_id"]}
        ).values("pk", "currency_id", "date", "usd_per_unit", "source")
    }
    progress = _latest_progress(cutoff=cutoff)

    def by_order(items):
        return sorted(items, key=lambda t: (t["order"], t["name"]))

    rows = []
    for p in pledges:
        pk = p["pk"]
        rate = rates.get(p["usd_rate_id"])
        row = {
            "public_id": p["public_id"],
            "title": p["title"],
            "summary": p["summary"],
            "lead_organisation": organisations[p["lead_organisation_id"]],
            "partners": [organisations[o] for o in partners.get(pk, ())],
            "focus_areas": by_order(focus_areas[i] for i in links["focus_areas"].get(pk, ())),
            "pillars": [
                {k: v for k, v in x.items() if k != "_sort"}
                for x in sorted((pillars[i] for i in links["pillars"].get(pk, ())), key=lambda x: x["_sort"])
            ],
            "pledge_types": by_order(pledge_types[i] for i in links["pledge_types"].get(pk, ())),
            "is_global": p["is_global"],
            "beneficiary_countries": [
                {
                    "iso2": c["iso2"],
                    "name": c["name"],
                    "groups": [g for g in GROUP_CODES if g in groups.get(c_id, ())],
                    "region": c["region"],
                }
                for c_id, c in sorted(
                    ((i, countries[i]) for i in links["beneficiary_countries"].get(pk, ())),
                    key=lambda item: item[1]["name"],
                )
            ],
            "progress": progress.get(pk),
            "start_date": p["start_date"].isoformat() if p["start_date"] else None,
            "end_date": p["end_date"].isoformat() if p["end_date"] else None,
            "value_amount": _money(p["value_amount"]),
            "value_currency": p["value_currency_id"],
            "value_usd": _money(p["value_usd"]),
            "usd_rate": (
                {
                    "currency": rate["currency_id"],
                    "date": rate["date"].isoformat(),
                    "usd_per_unit": str(rate["usd_per_unit"]),
                    "source": rate["source"],
                }
                if rate is not None and p["value_usd"] is not None
                else None
            ),
            "published_at": p["published_at"].astimezone(dt.UTC).isoformat(),
        }
        if "regions" in optional:
            found = {}
            for region_id in links["regions"].get(pk, ()):
                region = regions.get(region_id)
                if region:
                    found[region["code"]] = region
            row["regions"] = [found[k] for k in sorted(found)]
        if "sdgs" in optional:
            row["sdgs"] = sorted(
                (dict(tags["sdgs"][i]) for i in links["sdgs"].get(pk, ())), key=lambda s: s["number"]
            )
        if "beneficiary_groups" in optional:
            row["beneficiary_groups"] = by_order(
                dict(tags["beneficiary_groups"][i]) for i in links["beneficiary_groups"].get(pk, ())
            )
        rows.append(row)
    return rows


# --- figures -----------------------------------------------------------------------------------------------


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


def _breakdown(rows: list[dict], categories_of, *, with_share: bool = False) -> list[dict]:
    """Pledges and USD value per category; ``categories_of(row)`` gives a row's categories (dicts with
    ``slug``, ``name`` and optionally ``order`` and ``focus_area``); a pledge counts once per category."""
    found: dict[str, dict] = {}
    for row in rows:
        usd = _usd(row)
        seen = set()
        for category in categories_of(row):
            if category["slug"] in seen:
                continue
            seen.add(category["slug"])
            entry = found.setdefault(
                category["slug"],
                {
                    "slug": category["slug"],
                    "name": category["name"],
                    "order": category.get("order", 0),
                    "pledges": 0,
                    "value": Decimal("0"),
                    **({"focus_area": category["focus_area"]} if "focus_area" in category else {}),
                },
            )
            entry["pledges"] += 1
            if usd is not None:
                entry["value"] += usd
    result = []
    for entry in sorted(found.values(), key=lambda e: (e["order"], e["name"], e["slug"])):
        value = entry.pop("value")
        entry.pop("order")
        entry["value_usd"] = str(value.quantize(CENT))
        if with_share:
            entry["share"] = percentage(entry["pledges"], len(rows))
        result.append(entry)
    return result


# Synthetic categories sort after the reference data's (whose display orders are small numbers).
_LAST = 10_000


def _origin_region(row: dict) -> list[dict]:
    region = row["lead_organisation"].get("region")
    if region:
        return [{"slug": region["code"], "name": region["name"], "order": int(region["code"])}]
    return [{"slug": NOT_STATED, "name": NOT_STATED, "order": _LAST}]


def _implementation_regions(row: dict) -> list[dict]:
    regions = {}
    for country in row["beneficiary_countries"]:
        if country.get("region"):
            regions[country["region"]["code"]] = country["region"]
    for region in row.get("regions") or []:
        regions[region["code"]] = region
    found = [{"slug": r["code"], "name": r["name"], "order": int(r["code"])} for r in regions.values()]
    if row["is_global"]:
        found.append({"slug": GLOBAL, "name": GLOBAL, "order": _LAST - 2})
    if not found:
        found.append({"slug": NOT_STATED, "name": NOT_STATED, "order": _LAST})
    return found


def _groups_targeted(row: dict) -> list[dict]:
    return [
        {"slug": code, "name": code, "order": i}
        for i, code in enumerate(GROUP_CODES)
        if _targets_group(row, code)
    ]


def _optional_tags(key: str):
    def categories(row: dict) -> list[dict]:
        if key not in row:
            return [{"slug": NOT_RECORDED, "name": NOT_RECORDED, "order": _LAST}]
        if key == "sdgs":
            tags = [{"slug": f"sdg-{s['number']}", "name": s["name"], "order": s["number"]} for s in row[key]]
        else:
            tags = row[key]
        return tags or [{"slug": NOT_STATED, "name": NOT_STATED, "order": _LAST - 1}]

    return categories


def synthetic_names() -> dict[str, str]:
    """Names of the categories that are not reference rows (not stated, global, the LDC / LLDC / SIDS groups),
    in the active language."""
    return {
        NOT_STATED: _("Not stated"),
        NOT_RECORDED: _("Not recorded"),
        GLOBAL: _("Global"),
        NO_REPORT: _("No progress report"),
        "LDC": _("Least Developed Countries (LDCs)"),
        "LLDC": _("Landlocked Developing Countries (LLDCs)"),
        "SIDS": _("Small Island Developing States (SIDS)"),
    }


# breakdown key -> reference model whose rows the entries are (by slug), names translated per language.
NAMED_BREAKDOWNS = {
    "focus_areas": FocusArea,
    "pillars": Pillar,
    "pledge_types": PledgeType,
    "stakeholder_types": StakeholderType,
    "beneficiary_groups": BeneficiaryGroup,
}


def reference_names() -> dict[str, dict[str, str]]:
    """``{breakdown key: {slug: name}}`` of the reference rows in the active language (SDGs keyed
    ``sdg-<number>``). Cached per language until reference data changes (``pledges.signals``)."""
    from django.core.cache import cache
    from django.utils.translation import get_language

    from pledges.signals import current_generation

    key = f"p2c:reference-names:{get_language()}:{current_generation()}"
    names = cache.get(key)
    if names is None:
        names = {k: {o.slug: o.name for o in model.objects.all()} for k, model in NAMED_BREAKDOWNS.items()}
        names["sdgs"] = {f"sdg-{s.number}": s.name for s in SDG.objects.all()}
        cache.set(key, names, settings.P2C_FIGURES_CACHE_SECONDS)
    return names


def localized_breakdowns(tables: dict) -> dict:
    """``breakdowns(...)`` with each entry's ``name`` in the active language: reference names from their
    per-language columns (django-modeltranslation; the snapshot's own name where a row no longer exists),
    SDGs by number, regions from CLDR (``reference.names``), synthetic categories translated. The figures are
    untouched, so a snapshot renders the same figures in every language.

    Args:
        tables: ``{KEY: [ENTRY, ...]}`` as ``breakdowns`` returns it (also from a stored snapshot).
    Returns: a new dict of the same shape.
    """
    synthetic = synthetic_names()
    names = reference_names()

    def name(key: str, entry: dict) -> str:
        slug = entry["slug"]
        if slug in synthetic:
            return str(synthetic[slug])
        if key in ("origin_regions", "implementation_regions"):
            return territory_name(str(slug).zfill(3), entry["name"])
        return names.get(key, {}).get(slug) or entry["name"]

    return {key: [{**e, "name": name(key, e)} for e in entries] for key, entries in tables.items()}


def breakdowns(rows: list[dict]) -> dict:
    """Pledges and USD value by category, computed from ``rows`` (``pledge_snapshot_rows``) only.

    Returns ``{KEY: [ENTRY, ...]}`` with KEY one of

    - ``focus_areas``, ``pillars`` (ENTRY also has ``focus_area``: the pillar's focus area slug),
      ``pledge_types``: a pledge counts, with its whole value, under each of its categories (DESIGN.md), so
      these columns add up to more than the headline totals;
    - ``stakeholder_types``: the lead organisation's stakeholder type; a joint pledge counts under its lead's
      only, so the column adds up to the totals;
    - ``origin_regions``: the UN M49 region of the lead organisation's country (``_not_stated`` when it has
      none, e.g. an international organisation);
    - ``implementation_regions``: the UN M49 regions of the beneficiary countries (and of whole regions the
      pledge names), each once per pledge; ``_global`` for a global pledge, ``_not_stated`` when neither;
    - ``country_groups``: pledges naming at least one country that was an LDC / LLDC / SIDS at the cut-off;
    - ``sdgs``, ``beneficiary_groups``: ``_not_recorded`` for rows taken before the platform recorded them,
      ``_not_stated`` for pledges that name none;

    and ENTRY = ``{"slug", "name", "pledges": int, "value_usd": "1234.00", "share": "33.3"|None}`` (US
    dollars with 2 decimals; ``share``: per cent of all pledges, one decimal), in the reference data's
    display order (regions by M49 code), synthetic categories last. Only categories with a pledge are listed.
    """
    return {
        "focus_areas": _breakdown(rows, lambda r: r["focus_areas"], with_share=True),
        "pillars": _breakdown(rows, lambda r: r.get("pillars") or [], with_share=True),
        "pledge_types": _breakdown(rows, lambda r: r["pledge_types"], with_share=True),
        "stakeholder_types": _breakdown(
            rows, lambda r: [r["lead_organisation"]["stakeholder_type"]], with_share=True
        ),
        "origin_regions": _breakdown(rows, _origin_region, with_share=True),
        "implementation_regions": _breakdown(rows, _implementation_regions, with_share=True),
        "country_groups": _breakdown(rows, _groups_targeted, with_share=True),
        "sdgs": _breakdown(rows, _optional_tags("sdgs"), with_share=True),
        "beneficiary_groups": _breakdown(rows, _optional_tags("beneficiary_groups"), with_share=True),
    }


def implementation_figures(rows: list[dict]) -> dict:
    """Implementation status and reporting rate, from each pledge's latest progress report up to the cut-off.

    Returns::

        {"statuses": [{"slug": status, "pledges": int, "share": "12.5"}, ...],   # in the model's order,
                                                                                 # then "_no_report"
         "reporting_pledges": int,       # pledges with at least one progress report by the cut-off
         "reporting_rate": "40.0"|None,  # reporting_pledges / pledges, per cent, one decimal
         "mean_percent_complete": "37.5"|None}   # mean of the latest "% complete" of reporting pledges

    Statuses are ``progress.ProgressReport.ImplementationStatus`` codes (labels are translated when shown).
    """
    order = [code for code, _label in ProgressReport.ImplementationStatus.choices]
    counts: dict[str, int] = defaultdict(int)
    percents = []
    for row in rows:
        progress = row.get("progress")
        if progress:
            counts[progress["implementation_status"]] += 1
            percents.append(progress["percent_complete"])
        else:
            counts[NO_REPORT] += 1
    known = [c for c in order if counts.get(c)] + sorted(
        c for c in counts if c not in order and c != NO_REPORT
    )
    if counts.get(NO_REPORT):
        known.append(NO_REPORT)
    mean = None
    if percents:
        mean = str((Decimal(sum(percents)) / len(percents)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    return {
        "statuses": [
            {"slug": code, "pledges": counts[code], "share": percentage(counts[code], len(rows))}
            for code in known
        ],
        "reporting_pledges": len(percents),
        "reporting_rate": percentage(len(percents), len(rows)),
        "mean_percent_complete": mean,
    }


# Figures compared from one year to the next (executive summary).
GROWTH_KEYS = ("pledges", "value_usd_total", "pledging_entities", "beneficiary_countries")


def _growth(current, previous) -> str | None:
    current, previous = Decimal(current), Decimal(previous)
    if not previous:
        return None
    return str(((current - previous) * 100 / previous).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def year_on_year(rows: list[dict], *, previous_cutoff: dt.datetime) -> dict:
    """This year's headline figures against the previous year's, from the same snapshot rows.

    The previous year's figures are those of the rows published on or before ``previous_cutoff`` (the
    previous year's cut-off, aware): the same data, definitions and exchange rates as this year's, so the
    growth reflects new pledges only. They can differ from the previous year's released report where pledges
    were edited, withdrawn or joined by partners since (the methodology says so).

    Returns ``{"previous_cutoff": ISO 8601, "items": [{"key", "current", "previous", "change", "growth"}]}``
    for the keys of ``GROWTH_KEYS``: ``current`` and ``previous`` as in ``headline_figures`` (money as
    strings with 2 decimals), ``change`` their difference (same type), ``growth`` the change in per cent of
    the previous figure with one decimal ("12.5"), None when the previous figure is 0.
    """
    previous_rows = [r for r in rows if dt.datetime.fromisoformat(r["published_at"]) <= previous_cutoff]
    now, before = headline_figures(rows), headline_figures(previous_rows)
    items = []
    for key in GROWTH_KEYS:
        if key == "value_usd_total":
            change = str((Decimal(now[key]) - Decimal(before[key])).quantize(CENT))
        else:
            change = now[key] - before[key]
        items.append(
            {
                "key": key,
                "current": now[key],
                "previous": before[key],
                "change": change,
                "growth": _growth(now[key], before[key]),
            }
        )
    return {"previous_cutoff": previous_cutoff.astimezone(dt.UTC).isoformat(), "items": items}


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


def report_figures(snapshot: dict) -> dict:
    """Every figure of an annual report, computed from its frozen ``snapshot`` only.

    Args:
        snapshot: ``{"year", "cutoff", "previous_cutoff", "rows": [...], ...}`` as written by
            ``services.annual_report_start`` (``previous_cutoff`` defaults to one year before ``cutoff``'s
            year in the snapshot's ``time_zone``).
    Returns:
        ``headline_figures`` (top-level keys) plus ``"breakdowns"`` (``breakdowns``), ``"implementation"``
        (``implementation_figures``), ``"year_on_year"`` (``year_on_year``) and ``"exchange_rates"``
        (``exchange_rates_used``). JSON-serialisable; the same snapshot always gives the same dict.
    """
    rows = snapshot["rows"]
    previous = snapshot.get("previous_cutoff")
    if previous:
        previous_cutoff = dt.datetime.fromisoformat(previous)
    else:
        tz = ZoneInfo(snapshot.get("time_zone") or "UTC")
        year = int(snapshot["year"]) - 1
        previous_cutoff = dt.datetime(year, 12, 31, 23, 59, 59, 999999, tzinfo=tz).astimezone(dt.UTC)
    return {
        **headline_figures(rows),
        "breakdowns": breakdowns(rows),
        "implementation": implementation_figures(rows),
        "year_on_year": year_on_year(rows, previous_cutoff=previous_cutoff),
        "exchange_rates": exchange_rates_used(rows),
    }


# --- the public archive -----------------------------------------------------------------------------------


def released_reports():
    """Every released revision (``AnnualReport.objects.released()``), newest year first, then by language."""
    from .models import AnnualReport

    return AnnualReport.objects.released().order_by("-year", "language", "-revision")


def released_archive() -> list[dict]:
    """The public archive: one entry per year and language with its latest released revision first.

    Returns ``[{"year", "language", "latest": AnnualReport, "older": [AnnualReport, ...]}]``, newest year
    first, languages in code order. Bounded by the number of years and languages (a few dozen rows).
    """
    archive: dict[tuple[int, str], dict] = {}
    for report in released_reports().only(
        "id", "year", "language", "revision", "released_at", "pdf", "pdf_pages", "status"
    ):
        key = (report.year, report.language)
        if key not in archive:
            archive[key] = {"year": report.year, "language": report.language, "latest": report, "older": []}
        else:
            archive[key]["older"].append(report)
    return list(archive.values())


def released_report_for(*, year: int, language: str, revision: int | None = None):
    """The latest released revision of ``year`` in ``language`` (or that ``revision``), or None."""
    qs = released_reports().filter(year=year, language=language)
    if revision is not None:
        qs = qs.filter(revision=revision)
    return qs.first()

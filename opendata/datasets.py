"""The bulk datasets: their columns (the data dictionary) and the rows, read in bounded chunks.

Each dataset is a list of ``Column`` (name, kind, description, source) and a generator of rows: dicts with one key
per column (plus private keys starting with ``_`` that only the IATI export reads). Rows are read with ``values()``
queries in chunks of ``CHUNK_SIZE`` pledges: one query for the pledges themselves (``.iterator()``), then one per
related table for the chunk's pledge IDs, mapped to codes through the reference data held in memory (a few hundred
rows). Memory stays bounded by the chunk, whatever the number of pledges.

Values are ready to write: text, ISO 8601 dates and times (UTC), money and decimals as strings ("1234.50"), lists
of codes, booleans, integers, or None. The CSV writer joins lists with ``;``; the JSON keeps them as arrays.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from itertools import islice

from django.conf import settings
from django.db import connection
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pledges.models import Deliverable, Pledge
from reference.models import (
    SDG,
    BeneficiaryGroup,
    Campaign,
    ConnectivityTarget,
    Country,
    CountryGroupMembership,
    FocusArea,
    Pillar,
    PledgeType,
    Region,
)

from . import selectors

CHUNK_SIZE = 2000
GROUP_CODES = ("LDC", "LLDC", "SIDS")


@dataclass(frozen=True)
class Column:
    """One column of a dataset, as the data dictionary describes it.

    ``kind``: text, code, codes (a list), date, datetime, money, decimal, integer, boolean or url.
    """

    name: str
    kind: str
    description: str
    source: str


KIND_LABELS = {
    "text": _("text"),
    "code": _("code"),
    "codes": _("list of codes (CSV: separated by ;)"),
    "texts": _("list of texts (CSV: separated by ;)"),
    "date": _("date, YYYY-MM-DD"),
    "datetime": _("date and time, ISO 8601, UTC"),
    "money": _("amount with 2 decimals"),
    "decimal": _("decimal number"),
    "integer": _("whole number"),
    "boolean": _("true or false"),
    "url": _("web address"),
}


def _site_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _url_maker(name: str, kwarg: str):
    """A fast ``value -> absolute URL`` for the route ``name`` (reverse once, then substitute)."""
    marker = "P2C-0000-0000" if kwarg == "public_id" else "opendata-marker"
    template = _site_url(reverse(name, kwargs={kwarg: marker}))
    head, tail = template.split(marker)
    return lambda value: f"{head}{value}{tail}"


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return value.isoformat()


def _money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def _chunks(iterable, size: int):
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


# --- pledges ------------------------------------------------------------------------------------------------

PLEDGE_COLUMNS = [
    Column(
        "public_id",
        "code",
        _("The pledge's public ID, stable: P2C-<year of publication>-<number>."),
        "Pledge.public_id",
    ),
    Column("url", "url", _("The pledge's page on the platform."), _("built from the public ID")),
    Column("title", "text", _("Title of the pledge."), "Pledge.title"),
    Column("summary", "text", _("Short summary (at most 300 characters)."), "Pledge.summary"),
    Column(
        "description", "text", _("Description: what will be done, for whom, and how."), "Pledge.description"
    ),
    Column(
        "language",
        "code",
        _("The language the pledge's texts are written in (en, ar, zh-hans, fr, ru, es)."),
        "Pledge.language",
    ),
    Column("website", "url", _("A page about the pledge or the programme."), "Pledge.website"),
    Column(
        "status",
        "code",
        _(
            "published, completion_requested (completed, awaiting the Secretariat's confirmation), completed or closed."
        ),
        "Pledge.status",
    ),
    Column(
        "published_at", "datetime", _("When the Secretariat published the pledge."), "Pledge.published_at"
    ),
    Column("updated_at", "datetime", _("When the pledge was last changed."), "Pledge.updated_at"),
    Column("start_date", "date", _("Start of the pledge's timeframe."), "Pledge.start_date"),
    Column("end_date", "date", _("End of the pledge's timeframe."), "Pledge.end_date"),
    Column(
        "lead_organisation",
        "code",
        _("Slug of the pledging entity (lead organisation), which registered the pledge and answers for it."),
        "Pledge.lead_organisation → Organisation.slug",
    ),
    Column("lead_organisation_name", "text", _("Name of the pledging entity."), "Organisation.name"),
    Column(
        "lead_organisation_stakeholder_type",
        "code",
        _("Stakeholder type of the pledging entity (slug)."),
        "Organisation.stakeholder_type → StakeholderType.slug",
    ),
    Column(
        "lead_organisation_country",
        "code",
        _("Headquarters country of the pledging entity, ISO 3166-1 alpha-2; empty for international bodies."),
        "Organisation.country → Country.iso2",
    ),
    Column(
        "partner_organisations",
        "codes",
        _(
            "Slugs of the partner organisations of a joint pledge that confirmed their participation, by name."
        ),
        "PledgePartner (status confirmed) → Organisation.slug",
    ),
    Column(
        "partner_organisation_names",
        "texts",
        _("Names of those partners, in the same order."),
        "PledgePartner → Organisation.name",
    ),
    Column(
        "partner_roles",
        "codes",
        _(
            "Each partner's role (co_lead, funding, implementing, knowledge, advocacy; empty when not stated), in the same order."
        ),
        "PledgePartner.role",
    ),
    Column(
        "partner_shares_percent",
        "codes",
        _(
            "Each partner's agreed share of the value in per cent (empty when not agreed; the lead keeps the rest), in the same order."
        ),
        "PledgePartner.share_percent",
    ),
    Column(
        "focus_areas",
        "codes",
        _("Focus areas of the P2C Action Framework (slugs)."),
        "Pledge.focus_areas → FocusArea.slug",
    ),
    Column("pillars", "codes", _("Pillars within the focus areas (slugs)."), "Pledge.pillars → Pillar.slug"),
    Column(
        "pledge_types",
        "codes",
        _("Pledge (support) types: financial, policy, advocacy, programmatic (slugs)."),
        "Pledge.pledge_types → PledgeType.slug",
    ),
    Column(
        "sdgs",
        "codes",
        _("Sustainable Development Goals the pledge contributes to (numbers 1–17)."),
        "Pledge.sdgs → SDG.number",
    ),
    Column(
        "beneficiary_groups",
        "codes",
        _("Groups of people the pledge is meant to reach (slugs)."),
        "Pledge.beneficiary_groups → BeneficiaryGroup.slug",
    ),
    Column(
        "connectivity_targets",
        "codes",
        _("2030 targets for universal and meaningful connectivity the pledge contributes to (slugs)."),
        "Pledge.connectivity_targets → ConnectivityTarget.slug",
    ),
    Column(
        "campaign",
        "code",
        _("Campaign or event at which the pledge was announced (slug)."),
        "Pledge.campaign → Campaign.slug",
    ),
    Column("is_global", "boolean", _("Whether the pledge is implemented worldwide."), "Pledge.is_global"),
    Column(
        "beneficiary_countries",
        "codes",
        _("Countries where the pledge is implemented, ISO 3166-1 alpha-2."),
        "Pledge.beneficiary_countries → Country.iso2",
    ),
    Column(
        "regions",
        "codes",
        _("Whole UN M49 regions or sub-regions the pledge covers (M49 codes)."),
        "Pledge.regions → Region.m49_code",
    ),
    Column(
        "beneficiary_countries_ldc",
        "codes",
        _("Those beneficiary countries that are Least Developed Countries on the date in groups_as_of."),
        _("CountryGroupMembership of LDC (UNSD M49 199), dated"),
    ),
    Column(
        "beneficiary_countries_lldc",
        "codes",
        _(
            "Those beneficiary countries that are Landlocked Developing Countries on the date in groups_as_of."
        ),
        _("CountryGroupMembership of LLDC (UNSD M49 432), dated"),
    ),
    Column(
        "beneficiary_countries_sids",
        "codes",
        _("Those beneficiary countries that are Small Island Developing States on the date in groups_as_of."),
        _("CountryGroupMembership of SIDS (UNSD M49 722), dated"),
    ),
    Column(
        "groups_as_of",
        "date",
        _(
            "The date on which LDC / LLDC / SIDS membership was taken: the day of the download, in the platform's reporting time zone."
        ),
        "P2C_TIME_ZONE",
    ),
    Column(
        "value_amount", "money", _("Estimated value as pledged, in value_currency."), "Pledge.value_amount"
    ),
    Column("value_currency", "code", _("Currency of value_amount, ISO 4217."), "Pledge.value_currency"),
    Column(
        "value_usd",
        "money",
        _("US dollar equivalent of the value at usd_rate; empty when no exchange rate was available."),
        "Pledge.value_usd",
    ),
    Column(
        "usd_rate",
        "decimal",
        _("US dollars per one unit of value_currency used for value_usd."),
        "ExchangeRate.usd_per_unit",
    ),
    Column("usd_rate_date", "date", _("Date of that exchange rate."), "ExchangeRate.date"),
    Column("usd_rate_source", "text", _("Source of that exchange rate."), "ExchangeRate.source"),
    Column(
        "deliverables_count",
        "integer",
        _("Number of deliverables (see the deliverables dataset)."),
        "Deliverable",
    ),
    Column(
        "latest_progress_status",
        "code",
        _(
            "Implementation status of the latest public progress report: not_started, on_track, delayed, completed, discontinued."
        ),
        "ProgressReport.implementation_status",
    ),
    Column(
        "latest_progress_percent_complete",
        "integer",
        _("% complete (0–100) of the latest public progress report."),
        "ProgressReport.percent_complete",
    ),
    Column(
        "latest_progress_reported_at",
        "datetime",
        _("When the latest public progress report was published."),
        "ProgressReport.published_at",
    ),
]

_PLEDGE_VALUES = (
    "id",
    "public_id",
    "title",
    "summary",
    "description",
    "language",
    "website",
    "status",
    "published_at",
    "updated_at",
    "start_date",
    "end_date",
    "lead_organisation__slug",
    "lead_organisation__name",
    "lead_organisation__stakeholder_type__slug",
    "lead_organisation__country__iso2",
    "campaign_id",
    "is_global",
    "value_amount",
    "value_currency_id",
    "value_usd",
    "usd_rate__usd_per_unit",
    "usd_rate__date",
    "usd_rate__source",
)

# Many-to-many fields of Pledge -> (reference model, the attribute that identifies it publicly).
_TAGS = {
    "focus_areas": (FocusArea, "slug"),
    "pillars": (Pillar, "slug"),
    "pledge_types": (PledgeType, "slug"),
    "sdgs": (SDG, "number"),
    "beneficiary_groups": (BeneficiaryGroup, "slug"),
    "connectivity_targets": (ConnectivityTarget, "slug"),
    "beneficiary_countries": (Country, "iso2"),
    "regions": (Region, "m49_code"),
}


class _Reference:
    """The reference data the rows need, read once per export (bounded: a few hundred rows)."""

    def __init__(self, on_date: dt.date):
        self.codes = {}
        for name, (model, attr) in _TAGS.items():
            # (display position, code) by primary key; lists are sorted by the reference data's display order.
            self.codes[name] = {
                pk: (position, str(code))
                for position, (pk, code) in enumerate(model.objects.values_list("pk", attr))
            }
        self.campaigns = dict(Campaign.objects.values_list("pk", "slug"))
        self.groups: dict[int, set[str]] = defaultdict(set)
        memberships = (
            CountryGroupMembership.objects.on(on_date)
            .filter(group__code__in=GROUP_CODES)
            .values_list("country_id", "group__code")
        )
        for country_id, code in memberships:
            self.groups[country_id].add(code)


def _for_pledges(queryset, column: str, ids: list[int]):
    """``queryset`` narrowed to rows whose ``column`` (a foreign key to Pledge, e.g. "pledge_id") is in ``ids``.

    On PostgreSQL the IDs go as one array parameter (``= ANY(%s)``): building an ``IN`` of thousands of
    parameters costs more in Django than the query itself. Elsewhere (SQLite, small data) a plain ``__in``.
    """
    if connection.vendor == "postgresql":
        model = queryset.model
        db_column = model._meta.get_field(column.removesuffix("_id")).column
        where = f'"{model._meta.db_table}"."{db_column}" = ANY(%s)'
        return queryset.extra(where=[where], params=[ids])  # noqa: S610 - names from the model, IDs as a parameter
    return queryset.filter(**{f"{column}__in": ids})


def _tags_for(ids: list[int], reference: _Reference) -> dict[str, dict[int, list]]:
    """{field: {pledge id: [(position, code, target pk), ...]}} for the many-to-many tags of the pledges ``ids``."""
    found = {}
    for name in _TAGS:
        field = Pledge._meta.get_field(name)
        through = field.remote_field.through
        source, target = f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
        codes = reference.codes[name]
        by_pledge = defaultdict(list)
        for pledge_id, target_id in _for_pledges(through.objects.all(), source, ids).values_list(
            source, target
        ):
            if target_id in codes:  # (a reference row added while the export runs is left out)
                position, code = codes[target_id]
                by_pledge[pledge_id].append((position, code, target_id))
        for values in by_pledge.values():
            values.sort()
        found[name] = by_pledge
    found["_codes"] = {
        name: {pk: [code for _pos, code, _pk in values] for pk, values in found[name].items()}
        for name in _TAGS
    }
    return found


def _latest_progress_for(ids: list[int]) -> dict[int, tuple]:
    latest = {}
    reported_at = selectors.progress_reported_at_field()
    reports = (
        _for_pledges(selectors.public_progress_reports(), "pledge_id", ids)
        .order_by("pledge_id", f"-{reported_at}", "-id")
        .values_list("pledge_id", "implementation_status", "percent_complete", reported_at)
    )
    for pledge_id, *report in reports:
        latest.setdefault(pledge_id, report)
    return latest


def pledge_rows(pledges, *, on_date: dt.date | None = None, chunk_size: int = CHUNK_SIZE):
    """Rows of ``pledges`` (a queryset of public pledges, filtered or not), ordered by public ID.

    Args:
        pledges: a ``Pledge`` queryset.
        on_date: the date LDC / LLDC / SIDS membership is taken on (default: ``selectors.groups_date()``).
        chunk_size: pledges read per round of related queries.
    Yields: dicts with the keys of ``PLEDGE_COLUMNS``, plus ``_lead_stakeholder_type`` and ``_partners``
        (``[(slug, name, stakeholder type slug, role), ...]``) for the IATI export.
    """
    on_date = on_date or selectors.groups_date()
    reference = _Reference(on_date)
    groups_as_of = on_date.isoformat()
    url = _url_maker("pledges:detail", "public_id")
    base = pledges.order_by("public_id").values_list(*_PLEDGE_VALUES)
    for chunk in _chunks(base.iterator(chunk_size=chunk_size), chunk_size):
        ids = [row[0] for row in chunk]
        tags = _tags_for(ids, reference)
        partners = defaultdict(list)
        partner_rows = (
            _for_pledges(selectors.confirmed_partners(), "pledge_id", ids)
            .order_by("organisation__name", "pk")
            .values_list(
                "pledge_id",
                "organisation__slug",
                "organisation__name",
                "organisation__stakeholder_type__slug",
                "role",
                "share_percent",
            )
        )
        for pledge_id, *partner in partner_rows:
            partners[pledge_id].append(partner)
        deliverables = dict(
            _for_pledges(Deliverable.objects.all(), "pledge_id", ids)
            .values("pledge_id")
            .annotate(n=Count("pk"))
            .values_list("pledge_id", "n")
            .order_by()
        )
        progress = _latest_progress_for(ids)
        codes = tags["_codes"]
        for (
            pk,
            public_id,
            title,
            summary,
            description,
            language,
            website,
            status,
            published_at,
            updated_at,
            start_date,
            end_date,
            lead_slug,
            lead_name,
            lead_type,
            lead_country,
            campaign_id,
            is_global,
            value_amount,
            value_currency,
            value_usd,
            rate,
            rate_date,
            rate_source,
        ) in chunk:
            countries = tags["beneficiary_countries"].get(pk, ())
            its_partners = partners.get(pk, [])
            report = progress.get(pk)
            has_rate = rate is not None and value_usd is not None
            yield {
                "public_id": public_id,
                "url": url(public_id),
                "title": title,
                "summary": summary,
                "description": description,
                "language": language,
                "website": website,
                "status": status,
                "published_at": _iso(published_at),
                "updated_at": _iso(updated_at),
                "start_date": _iso(start_date),
                "end_date": _iso(end_date),
                "lead_organisation": lead_slug,
                "lead_organisation_name": lead_name,
                "lead_organisation_stakeholder_type": lead_type,
                "lead_organisation_country": lead_country,
                "partner_organisations": [p[0] for p in its_partners],
                "partner_organisation_names": [p[1] for p in its_partners],
                "partner_roles": [p[3] for p in its_partners],
                "partner_shares_percent": ["" if p[4] is None else f"{p[4]:.2f}" for p in its_partners],
                "focus_areas": codes["focus_areas"].get(pk, []),
                "pillars": codes["pillars"].get(pk, []),
                "pledge_types": codes["pledge_types"].get(pk, []),
                "sdgs": codes["sdgs"].get(pk, []),
                "beneficiary_groups": codes["beneficiary_groups"].get(pk, []),
                "connectivity_targets": codes["connectivity_targets"].get(pk, []),
                "campaign": reference.campaigns.get(campaign_id),
                "is_global": is_global,
                "beneficiary_countries": codes["beneficiary_countries"].get(pk, []),
                "regions": codes["regions"].get(pk, []),
                **{
                    f"beneficiary_countries_{code.lower()}": [
                        iso2
                        for _pos, iso2, country_pk in countries
                        if code in reference.groups.get(country_pk, ())
                    ]
                    for code in GROUP_CODES
                },
                "groups_as_of": groups_as_of,
                "value_amount": _money(value_amount),
                "value_currency": value_currency if value_amount is not None else None,
                "value_usd": _money(value_usd),
                "usd_rate": str(rate) if has_rate else None,
                "usd_rate_date": _iso(rate_date) if has_rate else None,
                "usd_rate_source": rate_source if has_rate else None,
                "deliverables_count": deliverables.get(pk, 0),
                "latest_progress_status": report[0] if report else None,
                "latest_progress_percent_complete": report[1] if report else None,
                "latest_progress_reported_at": _iso(report[2]) if report else None,
                "_lead_stakeholder_type": lead_type,
                "_partners": [(p[0], p[1], p[2], p[3]) for p in its_partners],
            }


# --- organisations ------------------------------------------------------------------------------------------

ORGANISATION_COLUMNS = [
    Column("slug", "code", _("The organisation's stable identifier on the platform."), "Organisation.slug"),
    Column("url", "url", _("The organisation's public profile."), _("built from the slug")),
    Column("name", "text", _("Name."), "Organisation.name"),
    Column(
        "stakeholder_type",
        "code",
        _("Stakeholder type (slug)."),
        "Organisation.stakeholder_type → StakeholderType.slug",
    ),
    Column(
        "country",
        "code",
        _("Headquarters country, ISO 3166-1 alpha-2; empty for international bodies."),
        "Organisation.country → Country.iso2",
    ),
    Column("website", "url", _("Website."), "Organisation.website"),
    Column("description", "text", _("Description."), "Organisation.description"),
    Column(
        "pledges_led",
        "integer",
        _("Public pledges the organisation leads."),
        _("count of Pledge.lead_organisation"),
    ),
    Column(
        "pledges_partnered",
        "integer",
        _("Public pledges in which the organisation is a confirmed partner."),
        _("count of PledgePartner (confirmed)"),
    ),
    Column(
        "updated_at",
        "datetime",
        _("When the organisation's details were last changed."),
        "Organisation.updated_at",
    ),
]


def organisation_rows(organisations, *, chunk_size: int = CHUNK_SIZE):
    """Rows of ``organisations`` (a queryset of verified organisations), ordered by slug; keys of
    ``ORGANISATION_COLUMNS``. The two counts are correlated subqueries over public pledges."""
    url = _url_maker("organisations:detail", "slug")
    led = (
        selectors.public_pledges()
        .filter(lead_organisation=OuterRef("pk"))
        .order_by()
        .values("lead_organisation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    partnered = (
        selectors.confirmed_partners()
        .filter(organisation=OuterRef("pk"), pledge__status__in=Pledge.PUBLIC_STATUSES)
        .order_by()
        .values("organisation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        organisations.order_by("slug")
        .annotate(n_led=Coalesce(Subquery(led), 0), n_partnered=Coalesce(Subquery(partnered), 0))
        .values_list(
            "slug",
            "name",
            "stakeholder_type__slug",
            "country__iso2",
            "website",
            "description",
            "n_led",
            "n_partnered",
            "updated_at",
        )
    )
    for slug, name, kind, country, website, description, n_led, n_partnered, updated_at in rows.iterator(
        chunk_size=chunk_size
    ):
        yield {
            "slug": slug,
            "url": url(slug),
            "name": name,
            "stakeholder_type": kind,
            "country": country,
            "website": website,
            "description": description,
            "pledges_led": n_led,
            "pledges_partnered": n_partnered,
            "updated_at": _iso(updated_at),
        }


# --- progress reports ---------------------------------------------------------------------------------------

PROGRESS_COLUMNS = [
    Column("id", "integer", _("The progress report's stable number."), "ProgressReport.id"),
    Column(
        "pledge",
        "code",
        _("Public ID of the pledge reported on."),
        "ProgressReport.pledge → Pledge.public_id",
    ),
    Column(
        "implementation_status",
        "code",
        _("not_started, on_track, delayed, completed or discontinued."),
        "ProgressReport.implementation_status",
    ),
    Column("percent_complete", "integer", _("% complete, 0–100."), "ProgressReport.percent_complete"),
    Column("narrative", "text", _("The pledger's account of progress."), "ProgressReport.narrative"),
    Column("reported_at", "datetime", _("When the report was published."), "ProgressReport.published_at"),
]


def progress_rows(reports, *, chunk_size: int = CHUNK_SIZE):
    """Rows of ``reports`` (public progress reports), newest first; keys of ``PROGRESS_COLUMNS``."""
    reported_at = selectors.progress_reported_at_field()
    rows = reports.order_by(f"-{reported_at}", "-id").values_list(
        "id", "pledge__public_id", "implementation_status", "percent_complete", "narrative", reported_at
    )
    for pk, pledge, status, percent, narrative, created_at in rows.iterator(chunk_size=chunk_size):
        yield {
            "id": pk,
            "pledge": pledge,
            "implementation_status": status,
            "percent_complete": percent,
            "narrative": narrative,
            "reported_at": _iso(created_at),
        }


# --- deliverables -------------------------------------------------------------------------------------------

DELIVERABLE_COLUMNS = [
    Column("pledge", "code", _("Public ID of the pledge."), "Deliverable.pledge → Pledge.public_id"),
    Column(
        "position",
        "integer",
        _("Position of the deliverable within its pledge, from 1."),
        "Deliverable.order",
    ),
    Column("title", "text", _("What will be delivered."), "Deliverable.title"),
    Column("due_date", "date", _("By when."), "Deliverable.due_date"),
    Column("indicator", "text", _("How progress is measured."), "Deliverable.indicator"),
    Column("target_value", "decimal", _("Target value of the indicator."), "Deliverable.target_value"),
    Column(
        "unit", "text", _("Unit of the target value (schools, people, km of fibre...)."), "Deliverable.unit"
    ),
    Column(
        "weight",
        "integer",
        _("Weight in the pledge's roll-up of % complete (empty: all count equally)."),
        "Deliverable.weight",
    ),
]


def deliverable_rows(pledges, *, chunk_size: int = CHUNK_SIZE):
    """Deliverables of ``pledges`` (a queryset of public pledges), by public ID then position; keys of
    ``DELIVERABLE_COLUMNS``."""
    rows = (
        Deliverable.objects.filter(pledge__in=pledges.values("pk"))
        .order_by("pledge__public_id", "order", "id")
        .values_list("pledge__public_id", "title", "due_date", "indicator", "target_value", "unit", "weight")
    )
    previous, position = None, 0
    for pledge, title, due_date, indicator, target, unit, weight in rows.iterator(chunk_size=chunk_size):
        position = position + 1 if pledge == previous else 1
        previous = pledge
        yield {
            "pledge": pledge,
            "position": position,
            "title": title,
            "due_date": _iso(due_date),
            "indicator": indicator,
            "target_value": None if target is None else f"{target:.2f}",
            "unit": unit,
            "weight": weight,
        }


# --- the catalogue --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    slug: str
    title: str
    description: str
    columns: list


DATASETS = {
    "pledges": Dataset(
        "pledges",
        _("Pledges"),
        _(
            "Every published pledge, one row each, with its partners, taxonomy, countries, value and latest progress."
        ),
        PLEDGE_COLUMNS,
    ),
    "deliverables": Dataset(
        "deliverables",
        _("Deliverables"),
        _("The SMART commitments inside the published pledges, one row each."),
        DELIVERABLE_COLUMNS,
    ),
    "organisations": Dataset(
        "organisations",
        _("Organisations"),
        _("Verified organisations; with filters, those leading or partnering in the matching pledges."),
        ORGANISATION_COLUMNS,
    ),
    "progress-reports": Dataset(
        "progress-reports",
        _("Progress reports"),
        _("Public progress reports on the published pledges, newest first."),
        PROGRESS_COLUMNS,
    ),
}


def dataset_rows(slug: str, params):
    """The rows of dataset ``slug`` with the marketplace filters in ``params`` applied.

    Args:
        slug: a key of ``DATASETS``.
        params: a QueryDict with the marketplace's parameters (may be empty).
    Returns: ``(rows, errors)``: a row generator and None, or None and the filter form's errors (an unknown
        filter value) as ``{parameter: [message, ...]}``.
    """
    pledge_filter = selectors.pledge_filter(params)
    if pledge_filter.is_bound and not pledge_filter.is_valid():
        return None, {name: [str(m) for m in messages] for name, messages in pledge_filter.errors.items()}
    pledges = pledge_filter.qs
    if slug == "pledges":
        return pledge_rows(pledges), None
    if slug == "deliverables":
        return deliverable_rows(pledges), None
    if slug == "organisations":
        if selectors.pledge_filter_is_used(params):
            return organisation_rows(selectors.organisations_in_pledges(pledges)), None
        return organisation_rows(selectors.public_organisations()), None
    if slug == "progress-reports":
        return progress_rows(
            selectors.public_progress_reports().filter(pledge__in=pledges.values("pk"))
        ), None
    raise KeyError(slug)

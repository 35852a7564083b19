"""Load the demo data: real, publicly announced Partner2Connect pledges and the organisations behind them.

Data: ``p2c_public_pledges.csv`` (23 pledges announced through ITU's P2C pages, ITU announcements at MWC 2024
and MWC 2025, the WSIS+20 P2C High-Level Dialogue and press releases; each row carries its ``source_url``) and
``partner_organisations.csv`` (the partners of joint pledges, our classification). Sources and conventions:
``pledges/demo/SOURCES.md``.

Both files are read with the ``csv`` module, every value as text: a pandas-style reader would turn Namibia's
ISO code ``NA`` into a missing value and amounts into floats. Reference data (stakeholder types, focus areas,
pledge types, countries, currencies) is looked up in the database, never listed here.
"""

import csv
import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.text import slugify
from modeltranslation.utils import build_localized_fieldname

from organisations.models import Organisation
from organisations.services import unique_organisation_slug
from pledges.models import VALUE_MAX, VALUE_MIN, Pledge
from pledges.services import PledgeRelations, pledge_load_published
from reference.models import Country, Currency, FocusArea, PledgeType, StakeholderType

DEMO_DIR = Path(__file__).resolve().parent
PLEDGES_CSV = DEMO_DIR / "p2c_public_pledges.csv"
PARTNERS_CSV = DEMO_DIR / "partner_organisations.csv"

PLEDGE_COLUMNS = (
    "pledging_entity",
    "entity_type",
    "entity_country_iso2",
    "partner_entities",
    "title",
    "summary",
    "focus_areas",
    "pledge_type",
    "value_amount",
    "value_currency",
    "value_usd",
    "beneficiary_countries_iso2",
    "start_year",
    "end_year",
    "source_url",
)
PARTNER_COLUMNS = ("name", "entity_type", "country_iso2", "source_note")
SEPARATOR = ";"  # between several values in one cell (partners, focus areas, countries)
ELLIPSIS = "…"


class DemoDataError(CommandError):
    """A demo data file cannot be loaded; the message names the file, line and row."""


@dataclass(frozen=True)
class CsvRow:
    """One data row of a demo CSV file: ``values`` maps each column to its text, stripped of spaces."""

    path: Path
    line: int
    values: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.values[column]

    def split(self, column: str) -> list[str]:
        """The non-empty items of a semicolon-separated cell, in order."""
        return [item.strip() for item in self.values[column].split(SEPARATOR) if item.strip()]

    def error(self, message: str) -> DemoDataError:
        first = self.values.get("pledging_entity") or self.values.get("name", "")
        title = self.values.get("title")
        label = f"{first!r}: {title!r}" if title is not None else repr(first)
        return DemoDataError(f"{self.path.name}, line {self.line} ({label}): {message}")


@dataclass
class DemoLoadResult:
    """What ``load_demo_data`` did, and the platform's published totals afterwards.

    ``total_usd`` is the sum of ``value_usd`` over published pledges in US dollars (a joint pledge counts
    once); ``unconverted`` counts published pledges that have an amount but no USD value (no exchange rate).
    """

    organisations_created: int = 0
    organisations_existing: int = 0
    pledges_created: int = 0
    pledges_existing: int = 0
    published_pledges: int = 0
    countries_reached: int = 0
    total_usd: Decimal = Decimal("0.00")
    unconverted: int = 0

    def summary_lines(self) -> list[str]:
        """The summary printed by ``manage.py load_demo_data``, one line per figure."""
        return [
            f"Organisations: {self.organisations_created} created, "
            f"{self.organisations_existing} already present.",
            f"Pledges: {self.pledges_created} created, {self.pledges_existing} already present.",
            f"Published pledges on the platform: {self.published_pledges}, "
            f"reaching {self.countries_reached} beneficiary countries.",
            f"Total value of published pledges: USD {self.total_usd:,.2f} (joint pledges counted once).",
            f"Published pledges with a value not converted to USD (no exchange rate): {self.unconverted}.",
        ]


def read_csv_rows(path: Path, *, columns: tuple[str, ...]) -> list[CsvRow]:
    """The data rows of the UTF-8 CSV file at ``path``, every value as text (never parsed: "NA" stays "NA").

    Raises:
        DemoDataError: the header lacks one of ``columns``, or a row has too few or too many cells.
    """
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise DemoDataError(f"{path.name}: missing column(s) {', '.join(missing)}.")
        rows = []
        for values in reader:
            if None in values or None in values.values():
                raise DemoDataError(f"{path.name}, line {reader.line_num}: wrong number of cells.")
            rows.append(
                CsvRow(path=path, line=reader.line_num, values={k: v.strip() for k, v in values.items()})
            )
    return rows


def truncate_summary(text: str, *, limit: int | None = None) -> str:
    """``text`` cut to at most ``limit`` characters (default: the pledge summary's maximum, 300) on a word
    boundary, ending with an ellipsis ("…") when cut."""
    limit = limit or Pledge._meta.get_field("summary").max_length
    if len(text) <= limit:
        return text
    room = limit - len(ELLIPSIS)
    cut = text[:room]
    if not text[room].isspace():  # the cut falls inside a word: drop that word, if it is not the only one
        cut = re.sub(r"\s+\S*$", "", cut)
    return cut.rstrip().rstrip(",;:-–—").rstrip() + ELLIPSIS


def by_every_name(objects) -> dict:
    """Reference rows keyed by their case-folded name in every interface language, English first.

    Args:
        objects: an iterable of rows of a model whose ``name`` is translated (django-modeltranslation columns
            ``name_en``, ``name_fr``, ...).

    Returns: ``{"access": <FocusArea>, "accès": <FocusArea>, ...}``. Which language is active (a request's or a
    test's) does not matter: the English name always finds the row.
    """
    table = {}
    for obj in objects:
        for code, _label in settings.LANGUAGES:
            name = getattr(obj, build_localized_fieldname("name", code), None)
            if name:
                table.setdefault(name.casefold(), obj)
    return table


class Reference:
    """Reference data by the keys the demo CSVs use, looked up once. Names are matched in any of the six
    languages (the demo CSVs use English), whatever language is active."""

    def __init__(self):
        self.stakeholder_types = by_every_name(StakeholderType.objects.all())
        self.stakeholder_types_by_slug = {t.slug: t for t in StakeholderType.objects.all()}
        self.focus_areas = by_every_name(FocusArea.objects.all())
        self.pledge_types = by_every_name(PledgeType.objects.all())
        self.countries = {c.iso2: c for c in Country.objects.all()}
        self.currencies = set(Currency.objects.values_list("code", flat=True))

    def stakeholder_type(self, row: CsvRow, column: str) -> StakeholderType:
        """By name ("Private sector"), else by the slug of the name ("private-sector")."""
        value = row[column]
        found = self.stakeholder_types.get(value.casefold()) or self.stakeholder_types_by_slug.get(
            slugify(value)
        )
        if found is None:
            raise row.error(f"unknown stakeholder type {value!r} in column {column}.")
        return found

    def by_name(self, row: CsvRow, column: str, table: dict, what: str) -> list:
        unknown = [v for v in row.split(column) if v.casefold() not in table]
        if unknown:
            raise row.error(f"unknown {what} {', '.join(map(repr, unknown))} in column {column}.")
        return [table[v.casefold()] for v in row.split(column)]

    def countries_of(self, row: CsvRow, column: str) -> list[Country]:
        """Countries by ISO 3166-1 alpha-2 code; an empty cell gives no country."""
        codes = [c.upper() for c in row.split(column)]
        unknown = [c for c in codes if c not in self.countries]
        if unknown:
            raise row.error(f"unknown ISO 3166-1 alpha-2 code(s) {', '.join(unknown)} in column {column}.")
        return [self.countries[c] for c in codes]


def parse_year(row: CsvRow, column: str) -> int | None:
    value = row[column]
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) == 4):
        raise row.error(f"{column} must be a four-digit year, not {value!r}.")
    return int(value)


def parse_value(row: CsvRow, ref: Reference) -> tuple[Decimal | None, str | None]:
    """The pledged amount (exact ``Decimal``) and its ISO 4217 currency code, or (None, None)."""
    amount, currency = row["value_amount"], row["value_currency"].upper()
    if not amount and not currency:
        return None, None
    if not amount or not currency:
        raise row.error("value_amount and value_currency go together.")
    try:
        value = Decimal(amount)
    except InvalidOperation:
        raise row.error(f"value_amount {amount!r} is not a number.") from None
    # The model's bounds (> 0, <= 10^13, cents), checked here so that the error names the row.
    if (
        not value.is_finite()
        or not Decimal(VALUE_MIN) <= value <= VALUE_MAX
        or value.as_tuple().exponent < -2
    ):
        raise row.error(
            f"value_amount {amount!r} must be from {VALUE_MIN} to {VALUE_MAX:,}, in cents at most."
        )
    if currency not in ref.currencies:
        raise row.error(f"unknown ISO 4217 currency {currency!r}.")
    return value, currency


class _Organisations:
    """Organisations by exact name: reused when one exists, else created (verified) once."""

    def __init__(self, ref: Reference, result: DemoLoadResult):
        self.ref, self.result, self.seen = ref, result, {}

    def get_or_create(self, *, row: CsvRow, name: str, type_column: str, country_column: str) -> Organisation:
        if name in self.seen:
            return self.seen[name]
        stakeholder_type = self.ref.stakeholder_type(row, type_column)
        countries = self.ref.countries_of(row, country_column)
        if len(countries) > 1:
            raise row.error(f"{country_column} holds one ISO 3166-1 alpha-2 code at most.")
        organisation = Organisation.objects.filter(name=name).order_by("pk").first()
        if organisation is None:
            organisation = Organisation(
                name=name,
                slug=unique_organisation_slug(name),
                stakeholder_type=stakeholder_type,
                country=countries[0] if countries else None,
                website="",
                description="",
                verification=Organisation.Verification.VERIFIED,
            )
            try:
                organisation.full_clean()
            except ValidationError as e:
                raise row.error(f"organisation {name!r} is not valid: {e.messages}") from None
            organisation.save()
            self.result.organisations_created += 1
        else:
            self.result.organisations_existing += 1
        self.seen[name] = organisation
        return organisation


def published_at_for(start_year: int | None, *, now: dt.datetime) -> dt.datetime:
    """1 January of ``start_year``, 00:00 in ``settings.P2C_TIME_ZONE``; without one, ``now`` in that zone."""
    zone = zoneinfo.ZoneInfo(settings.P2C_TIME_ZONE)
    if start_year is None:
        return timezone.localtime(now, zone)
    return dt.datetime(start_year, 1, 1, tzinfo=zone)


@transaction.atomic
def load_demo_data(
    *, pledges_csv: Path = PLEDGES_CSV, partners_csv: Path = PARTNERS_CSV, now: dt.datetime | None = None
) -> DemoLoadResult:
    """Create the demo organisations and published pledges; idempotent (a second run changes nothing).

    Args:
        pledges_csv: the pledges file (columns ``PLEDGE_COLUMNS``; countries ISO 3166-1 alpha-2, currencies
            ISO 4217, years as four digits). Default: ``p2c_public_pledges.csv`` beside this module.
        partners_csv: the partner organisations named in ``partner_entities`` (columns ``PARTNER_COLUMNS``).
        now: the time of loading (aware), used as ``published_at`` of pledges without a start year;
            default ``timezone.now()``.
    Returns:
        the counts of organisations and pledges created or already present, and the platform's published
        totals afterwards (countries reached, total value in USD with joint pledges once, unconverted values).
    Raises:
        DemoDataError (a ``CommandError``): a row names an unknown stakeholder type, focus area, pledge type,
        country, currency or partner, or holds a malformed value; nothing is written then.

    Organisations (leads and partners) are matched by exact name and created verified, without members: no
    users are created. A pledge already present with the same lead organisation name and title is skipped.
    Each pledge is published through ``pledge_load_published`` (partners confirmed), which computes the USD
    value from the Secretariat's exchange-rate table; the CSV's ``value_usd`` is not loaded. The source URL
    ends the description ("Source: <url>").
    """
    now = now or timezone.now()
    result = DemoLoadResult()
    ref = Reference()
    organisations = _Organisations(ref, result)
    partner_rows = {}
    for row in read_csv_rows(partners_csv, columns=PARTNER_COLUMNS):
        if row["name"] in partner_rows:
            raise row.error("this partner organisation is listed twice.")
        partner_rows[row["name"]] = row

    seen_pledges = set()
    for row in read_csv_rows(pledges_csv, columns=PLEDGE_COLUMNS):
        lead_name, title = row["pledging_entity"], row["title"]
        if not lead_name or not title:
            raise row.error("pledging_entity and title are required.")
        if (lead_name, title) in seen_pledges:
            raise row.error("this pledge (pledging entity and title) is listed twice.")
        seen_pledges.add((lead_name, title))

        lead = organisations.get_or_create(
            row=row, name=lead_name, type_column="entity_type", country_column="entity_country_iso2"
        )
        partners = []
        for name in row.split("partner_entities"):
            if name not in partner_rows:
                raise row.error(f"partner {name!r} is not in {partners_csv.name}.")
            partners.append(
                organisations.get_or_create(
                    row=partner_rows[name],
                    name=name,
                    type_column="entity_type",
                    country_column="country_iso2",
                )
            )
        if Pledge.objects.filter(lead_organisation__name=lead_name, title=title).exists():
            result.pledges_existing += 1
            continue

        start_year, end_year = parse_year(row, "start_year"), parse_year(row, "end_year")
        value_amount, value_currency = parse_value(row, ref)
        summary = row["summary"]
        description = f"{summary}\n\nSource: {row['source_url']}" if row["source_url"] else summary
        relations = PledgeRelations(
            focus_areas=ref.by_name(row, "focus_areas", ref.focus_areas, "focus area"),
            pledge_types=ref.by_name(row, "pledge_type", ref.pledge_types, "pledge type"),
            beneficiary_countries=ref.countries_of(row, "beneficiary_countries_iso2"),
            partners=partners,
        )
        fields = {
            "summary": truncate_summary(summary),
            "description": description,
            "is_global": False,
            "start_date": dt.date(start_year, 1, 1) if start_year else None,
            "end_date": dt.date(end_year, 12, 31) if end_year else None,
            "value_amount": value_amount,
            "value_currency_id": value_currency,
        }
        try:  # lengths and the model's constraints (the amount is checked by _value)
            Pledge(lead_organisation=lead, title=title, **fields).full_clean(
                exclude=["public_id", "value_amount"]
            )
        except ValidationError as e:
            raise row.error(f"the pledge is not valid: {e.messages}") from None
        pledge_load_published(
            organisation=lead,
            title=title,
            published_at=published_at_for(start_year, now=now),
            relations=relations,
            confirmed_partners=True,
            **fields,
        )
        result.pledges_created += 1

    published = Pledge.objects.published()
    result.published_pledges = published.count()
    result.countries_reached = (
        Country.objects.filter(pledges__status=Pledge.Status.PUBLISHED).distinct().count()
    )
    result.total_usd = published.aggregate(total=Sum("value_usd"))["total"] or Decimal("0.00")
    result.unconverted = published.filter(value_amount__isnull=False, value_usd__isnull=True).count()
    return result

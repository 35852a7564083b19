"""The column layout of a registry import: the data dictionary shown on the upload page and in the README.

The demo file ``pledges/demo/p2c_public_pledges.csv`` uses a subset of these columns, so it imports as it is.
Several values in one cell are separated by semicolons (";"). Column names are case-insensitive; spaces count
as underscores. Columns not listed here are ignored (the dry run names them).
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    meaning: str
    example: str


COLUMNS: tuple[Column, ...] = (
    Column(
        "old_platform_id",
        False,
        _(
            "The pledge's ID on the former platform. Kept: importing the file again updates the pledge instead "
            "of adding it twice, and /legacy/pledges/<ID>/ redirects to the pledge's page. Without it, a pledge "
            "is recognised by its pledging entity and title."
        ),
        "1042",
    ),
    Column(
        "old_url",
        False,
        _("The pledge's address on the former platform; its path redirects to the new page."),
        "https://old.example.org/pledges/view/1042",
    ),
    Column(
        "status",
        False,
        _(
            "published (default), completion_requested, completed, closed or withdrawn: pledges that were "
            "published on the former platform keep their status."
        ),
        "completed",
    ),
    Column(
        "published_at",
        False,
        _(
            "When the pledge was published: an ISO 8601 date or date-time (2023-05-30, 2023-05-30T14:00+02:00). "
            "Default: 1 January of the start year, in the reporting time zone."
        ),
        "2023-05-30",
    ),
    Column("pledging_entity", True, _("The organisation that made the pledge (the lead)."), "Vodafone Group"),
    Column(
        "entity_type",
        True,
        _(
            "Its stakeholder type: Government, Private sector, Civil society, Academia, International "
            "organisation, UN entity or Other."
        ),
        "Private sector",
    ),
    Column(
        "entity_country_iso2",
        False,
        _(
            "Where it has its headquarters: ISO 3166-1 alpha-2 code or country name; empty for international "
            "bodies. With the name, it matches the organisation to one already on the platform."
        ),
        "GB",
    ),
    Column("entity_website", False, _("The organisation's website."), "https://www.vodafone.com"),
    Column(
        "partner_entities",
        False,
        _(
            "Partner organisations of a joint pledge, by name: organisations on the platform, pledging entities "
            "of this file, or organisations listed in the partner organisations file."
        ),
        "Government of Estonia; Digital Impact Alliance (DIAL)",
    ),
    Column(
        "title", True, _("The pledge's title, at most 200 characters."), "4G expansion in sub-Saharan Africa"
    ),
    Column(
        "summary", False, _("A short summary; cut at 300 characters on a word boundary."), "Bring 4G to ..."
    ),
    Column("description", False, _("The full description (default: the summary)."), ""),
    Column(
        "focus_areas",
        False,
        _("Access, Adoption, Value creation, Accelerate (names as on the platform)."),
        "Access; Accelerate",
    ),
    Column(
        "pillars",
        False,
        _("Pillars of the focus areas, by name as on the platform; a pillar adds its focus area."),
        "Infrastructure; Affordability",
    ),
    Column("pledge_type", False, _("Financial, Policy, Advocacy, Programmatic."), "Financial; Policy"),
    Column(
        "value_amount",
        False,
        _(
            "The estimated value: digits with a decimal point, at most 2 decimals (thousands may be grouped with "
            "commas: 1,500,000). Not in words."
        ),
        "155000000",
    ),
    Column("value_currency", False, _("ISO 4217 currency code of the value."), "EUR"),
    Column("value_usd", False, _("Ignored: the platform converts with its own dated exchange rates."), ""),
    Column(
        "beneficiary_countries_iso2",
        False,
        _("Beneficiary countries: ISO 3166-1 alpha-2 codes or country names."),
        "GH; Côte d'Ivoire",
    ),
    Column("is_global", False, _("yes when the pledge is implemented worldwide."), "no"),
    Column("start_date", False, _("ISO 8601 date; takes precedence over start_year."), "2022-03-01"),
    Column("end_date", False, _("ISO 8601 date, not before the start; takes precedence over end_year."), ""),
    Column("start_year", False, _("Four digits; the pledge starts on 1 January."), "2022"),
    Column("end_year", False, _("Four digits; the pledge ends on 31 December."), "2025"),
    Column(
        "source_url", False, _("Where the pledge was announced; added to the description."), "https://..."
    ),
)
COLUMN_NAMES = tuple(c.name for c in COLUMNS)
REQUIRED_COLUMNS = tuple(c.name for c in COLUMNS if c.required)

# The partner organisations file (optional): the demo's ``partner_organisations.csv`` layout.
PARTNER_COLUMNS: tuple[Column, ...] = (
    Column(
        "name", True, _("The partner organisation's name, as in partner_entities."), "Government of Estonia"
    ),
    Column("entity_type", True, _("Its stakeholder type."), "Government"),
    Column("country_iso2", False, _("ISO 3166-1 alpha-2 code or country name."), "EE"),
)

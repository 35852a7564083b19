"""The dry run of a registry import: every row checked against the reference data and matched to the
organisations and pledges already on the platform, nothing written.

Parsing reuses the demo loader's helpers (``pledges.demo.loader``: rows as text, stakeholder types, focus areas,
pledge types, years, amounts, summaries, publication dates), so the demo CSV and an import read a cell alike.
Organisations are matched with the organisations app's duplicate rules (``organisations.names``: the
normalised name key, the acronym, and a close spelling at ``SIMILAR_NAME_RATIO``) and must have the same country
(``OrganisationIndex``, the in-memory form of ``organisations.selectors.similar_organisations`` for thousands of
rows at once).
"""

import datetime as dt
import re
import unicodedata
import zoneinfo
from dataclasses import dataclass, field
from difflib import SequenceMatcher, get_close_matches
from functools import cached_property, lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import slugify
from django.utils.translation import gettext as _

from organisations.models import Organisation
from organisations.names import name_acronym
from organisations.names import name_key as _name_key
from organisations.selectors import SIMILAR_NAME_RATIO
from pledges.demo.loader import (
    CsvRow,
    Reference,
    by_every_name,
    parse_value,
    parse_year,
    published_at_for,
    truncate_summary,
)
from pledges.models import Pledge
from reference.models import Country, FocusArea, Pillar

from ..models import LegacyPledge
from .files import Table
from .layout import COLUMN_NAMES

S = Pledge.Status
# Statuses a pledge of the former registry may have: it was published there (issue "import the existing registry").
IMPORTABLE_STATUSES = (S.PUBLISHED, S.COMPLETION_REQUESTED, S.COMPLETED, S.CLOSED, S.WITHDRAWN)
THOUSANDS = re.compile(r"^\d{1,3}(?:(?:,\d{3})+|(?:[ \u00a0\u202f]\d{3})+)(?:\.\d+)?$")
TITLE_MAX = Pledge._meta.get_field("title").max_length
DESCRIPTION_MAX = Pledge._meta.get_field("description").max_length
NAME_MAX = Organisation._meta.get_field("name").max_length


@lru_cache(maxsize=131072)
def name_key(name: str) -> str:
    """``organisations.names.name_key``, remembered (a file names each organisation many times)."""
    return _name_key(name)


class RowRefused(Exception):
    """A row cannot be imported; the message says why (shown in the dry-run report)."""


@dataclass(frozen=True)
class ImportRow(CsvRow):
    """A row of the uploaded file; ``error`` gives the reason as a ``RowRefused`` (no file name prefix)."""

    def error(self, message: str) -> RowRefused:
        return RowRefused(message)


def _fold_name(text: str) -> str:
    """Case and accents folded, punctuation kept: "Côte d’Ivoire" -> "cote d'ivoire"; "Cote dIvoire" stays
    different (a name must be written as on the platform or in its list of other names)."""
    text = unicodedata.normalize("NFKD", text or "").replace("’", "'").replace("`", "'")
    return " ".join("".join(ch for ch in text if not unicodedata.combining(ch)).casefold().split())


class ImportReference(Reference):
    """The demo loader's reference lookups, plus pillars, slugs, and countries by name (name, M49 name or one of
    its other names) as well as by ISO 3166-1 alpha-2 code."""

    def __init__(self):
        super().__init__()
        self.countries = {
            c.iso2: c for c in Country.objects.select_related("region", "sub_region").order_by("iso2")
        }
        for area in FocusArea.objects.all():
            self.focus_areas.setdefault(area.slug, area)
        self.pillars = by_every_name(Pillar.objects.select_related("focus_area"))
        for pillar in self.pillars.copy().values():
            self.pillars.setdefault(pillar.slug, pillar)
        self.country_names: dict[str, Country] = {}
        for country in self.countries.values():
            names = [country.name, country.m49_name, *country.aliases.splitlines()]
            for name in names:
                if name.strip():
                    self.country_names.setdefault(_fold_name(name), country)

    def country(self, value: str, column: str) -> Country:
        """One country by ISO 3166-1 alpha-2 code or by name. Raises RowRefused with the closest names."""
        code = value.strip()
        if len(code) == 2 and code.upper() in self.countries:
            return self.countries[code.upper()]
        found = self.country_names.get(_fold_name(code))
        if found is not None:
            return found
        close = get_close_matches(_fold_name(code), list(self.country_names), n=1, cutoff=0.75)
        hint = (
            _(" Did you mean “%(name)s” (%(code)s)?")
            % {"name": self.country_names[close[0]].name, "code": self.country_names[close[0]].iso2}
            if close
            else ""
        )
        raise RowRefused(
            _("Unknown country “%(value)s” in column %(column)s.") % {"value": value, "column": column} + hint
        )

    def countries_of(self, row: CsvRow, column: str) -> list[Country]:
        """Countries by code or name, semicolon-separated; every unknown one is named."""
        found, problems = [], []
        for item in row.split(column):
            try:
                country = self.country(item, column)
            except RowRefused as refused:
                problems.append(str(refused))
            else:
                if country not in found:
                    found.append(country)
        if problems:
            raise RowRefused(" ".join(problems))
        return found


@dataclass
class Match:
    """An existing organisation that an imported name stands for, and why (shown in the dry run)."""

    pk: int
    name: str
    how: str
    score: float


class OrganisationIndex:
    """Every organisation not rejected, indexed by the organisations app's duplicate rules, for matching
    thousands of names in memory: the same normalised key, the same acronym, the same letters without
    spaces, or a close spelling (difflib ratio >= ``SIMILAR_NAME_RATIO``) among names sharing the start of one
    of the two longest words. The same rules as ``organisations.selectors.similar_organisations``."""

    def __init__(self):
        self.rows = list(
            Organisation.objects.exclude(verification=Organisation.Verification.REJECTED).values_list(
                "pk", "name", "name_key", "name_acronym", "country_id", "verification"
            )
        )
        self.by_key, self.by_acronym, self.by_compact, self.prefixes = {}, {}, {}, {}
        for row in self.rows:
            self._index(row)

    def _index(self, row) -> None:
        _pk, _name, key, acronym, _country, _verification = row
        self.by_key.setdefault(key, []).append(row)
        if acronym:
            self.by_acronym.setdefault(acronym, []).append(row)
        self.by_compact.setdefault(key.replace(" ", ""), []).append(row)
        for word in set(key.split()):
            for length in range(4, len(word) + 1):
                self.prefixes.setdefault(word[:length], set()).add(row)

    def match(self, name: str, *, country_id: int | None, any_country: bool = False) -> Match | None:
        """The best existing organisation for ``name`` with the same country (both may be empty), or with any
        country when ``any_country``; None when there is none."""
        key = name_key(name)
        if not key:
            return None
        compact = key.replace(" ", "")
        acronym = name_acronym(name)
        scored: dict[int, tuple[float, str, tuple]] = {}

        def consider(row, score, how):
            if not any_country and row[4] != country_id:
                return
            if row[0] not in scored or scored[row[0]][0] < score:
                scored[row[0]] = (score, how, row)

        for row in self.by_key.get(key, []):
            consider(row, 2.0, _("same name"))
        for row in self.by_acronym.get(compact, []):
            consider(row, 2.0, _("same acronym"))
        if acronym:
            for row in self.by_key.get(acronym, []):
                consider(row, 2.0, _("same acronym"))
        for row in self.by_compact.get(compact, []):
            consider(row, 1.5, _("same name"))
        if any(score >= 1.5 for score, _how, _row in scored.values()):
            candidates = set()  # an exact match beats any close spelling
        else:
            candidates = self._fuzzy_candidates(key)
        for row in candidates:
            if row[0] in scored:
                continue
            matcher = SequenceMatcher(None, key, row[2])
            if matcher.real_quick_ratio() < SIMILAR_NAME_RATIO or matcher.quick_ratio() < SIMILAR_NAME_RATIO:
                continue  # upper bounds of the ratio: it cannot reach the threshold
            ratio = matcher.ratio()
            if ratio >= SIMILAR_NAME_RATIO:
                consider(row, ratio, _("similar name (%(percent)d%%)") % {"percent": round(ratio * 100)})
        if not scored:
            return None
        score, how, row = max(scored.values(), key=lambda s: (s[0], s[2][5] == "verified", -s[2][0]))
        return Match(pk=row[0], name=row[1], how=how, score=score)

    def _fuzzy_candidates(self, key: str) -> set:
        candidates = set()
        for word in sorted(key.split(), key=len, reverse=True)[:2]:
            if len(word) >= 4:
                candidates |= self.prefixes.get(word[: max(4, len(word) // 2)], set())
        return candidates


@dataclass
class Entity:
    """An organisation named in the file: matched to an existing one (``existing``) or to be created."""

    name: str
    country: Country | None
    stakeholder_type: object = None
    website: str = ""
    existing: Match | None = None
    pk: int | None = None  # set when written

    @cached_property
    def label(self) -> str:
        if self.existing:
            return _("%(name)s (on the platform: %(how)s)") % {
                "name": self.existing.name,
                "how": self.existing.how,
            }
        return _("%(name)s (new organisation, verified)") % {"name": self.name}


@dataclass
class RowPlan:
    """What the import will do with one row, and everything it needs to do it."""

    line: int
    old_id: str
    title: str
    action: str = "create"  # "create", "update" or "refused"
    reasons: list[str] = field(default_factory=list)
    lead: Entity | None = None
    partners: list[Entity] = field(default_factory=list)
    pledge_id: int | None = None
    public_id: str = ""
    old_path: str = ""
    status: str = S.PUBLISHED
    published_at: dt.datetime | None = None
    fields: dict = field(default_factory=dict)
    relations: dict = field(default_factory=dict)

    def as_report(self) -> dict:
        return {
            "line": self.line,
            "old_id": self.old_id,
            "title": self.title,
            "action": self.action,
            "organisation": self.lead.label if self.lead else "",
            "partners": [p.label for p in self.partners],
            "status": str(self.status),
            "published_at": self.published_at.isoformat() if self.published_at else "",
            "public_id": self.public_id,
            "reasons": self.reasons,
        }


@dataclass
class Plan:
    """The dry run's result: one ``RowPlan`` per row, the organisations to create, and notes on the file."""

    rows: list[RowPlan]
    entities: list[Entity]
    notes: list[str]

    @property
    def refused(self) -> int:
        return sum(1 for r in self.rows if r.action == "refused")

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def new_entities(self) -> list[Entity]:
        used = {id(r.lead) for r in self.rows if r.action != "refused"}
        used |= {id(p) for r in self.rows if r.action != "refused" for p in r.partners}
        return [e for e in self.entities if e.existing is None and id(e) in used]


def _status_names() -> dict[str, str]:
    """Status values and labels (case-folded, in the active language) -> the status value."""
    names = {}
    for choice in S:
        names[choice.value] = choice.value
        names[str(choice.label).casefold()] = choice.value
    return names


def _status(value: str, names: dict[str, str]) -> str:
    text = value.strip()
    if not text:
        return S.PUBLISHED
    found = names.get(text.casefold())
    if found in IMPORTABLE_STATUSES:
        return found
    raise RowRefused(
        _("Status “%(value)s” cannot be imported; use one of: %(allowed)s.")
        % {"value": value, "allowed": ", ".join(IMPORTABLE_STATUSES)}
    )


def _date(row: ImportRow, column: str) -> dt.date | None:
    value = row.values.get(column, "")
    if not value:
        return None
    try:
        parsed = parse_date(value[:10]) if len(value) >= 10 else None
    except ValueError:
        parsed = None
    if parsed is None or (len(value) > 10 and parse_datetime(value) is None):
        raise RowRefused(
            _("%(column)s “%(value)s” is not a date (write it as YYYY-MM-DD, e.g. 2024-03-01).")
            % {"column": column, "value": value}
        )
    return parsed


def _published_at(row: ImportRow, start_year: int | None, now: dt.datetime) -> dt.datetime:
    value = row.values.get("published_at", "")
    if not value:
        return published_at_for(start_year, now=now)
    zone = zoneinfo.ZoneInfo(settings.P2C_TIME_ZONE)
    moment = None
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            moment = dt.datetime(day.year, day.month, day.day, tzinfo=zone) if day else None
    except ValueError:
        moment = None
    if moment is None:
        raise RowRefused(
            _("published_at “%(value)s” is not a date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM).")
            % {"value": value}
        )
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=zone)
    if moment > now:
        raise RowRefused(_("published_at %(value)s is in the future.") % {"value": value})
    return moment


def _yes_no(row: ImportRow, column: str) -> bool:
    value = row.values.get(column, "").strip().casefold()
    if value in ("", "no", "n", "false", "0"):
        return False
    if value in ("yes", "y", "true", "1", "x"):
        return True
    raise RowRefused(_("%(column)s must be yes or no, not “%(value)s”.") % {"column": column, "value": value})


def _normalised_amount(text: str) -> str:
    """Digits grouped by thousands with commas or spaces ("1,500,000", "1 500 000") without the separators;
    anything else as it is (and refused by the amount check if it is not a number)."""
    text = text.strip()
    return re.sub(r"[,\s]", "", text) if THOUSANDS.match(text) else text


@lru_cache(maxsize=65536)
def _is_url(value: str) -> bool:
    try:
        _URL_VALIDATOR(value)
    except ValidationError:
        return False
    return True


_URL_VALIDATOR = URLValidator(schemes=["http", "https"])


def _url(value: str, column: str) -> str:
    if not value:
        return ""
    if not _is_url(value):
        raise RowRefused(
            _("%(column)s “%(value)s” is not a web address (https://...).")
            % {"column": column, "value": value}
        )
    return value


class Planner:
    """Builds the ``Plan`` of one file (the dry run); ``Planner.plan`` reads the database, never writes."""

    def __init__(self, *, now: dt.datetime | None = None):
        self.now = now or timezone.now()
        self.ref = ImportReference()
        self.index = OrganisationIndex()
        self.entities: dict[tuple[str, int | None], Entity] = {}
        self.by_name: dict[str, Entity] = {}
        self.partner_rows: dict[str, ImportRow] = {}
        self.lead_rows: dict[str, ImportRow] = {}
        self.status_names = _status_names()

    # --- organisations ---------------------------------------------------------------------------------

    def entity(
        self,
        *,
        name: str,
        country: Country | None,
        type_value: str,
        row: ImportRow,
        column: str,
        website: str = "",
    ) -> Entity:
        """The entity named ``name`` in ``country``: the same one for every row naming it; matched to an
        existing organisation by the duplicate rules, else to be created (needs a valid stakeholder type)."""
        key = (name_key(name), country.pk if country else None)
        if key in self.entities:
            return self.entities[key]
        if not key[0]:
            raise RowRefused(_("The organisation name “%(name)s” has no letters or digits.") % {"name": name})
        if len(name) > NAME_MAX:
            raise RowRefused(
                _("The organisation name is longer than %(max)d characters.") % {"max": NAME_MAX}
            )
        match = self.index.match(name, country_id=key[1])
        entity = Entity(name=name, country=country, existing=match, website=website)
        if match is None:
            entity.stakeholder_type = self.ref.stakeholder_type(row, column)
        self.entities[key] = entity
        self.by_name.setdefault(key[0], entity)
        return entity

    def partner(self, name: str, row: ImportRow) -> Entity:
        """A partner by name: a pledging entity of this file, an organisation of the partners file, or one on
        the platform (any country)."""
        key = name_key(name)
        if key in self.by_name:
            return self.by_name[key]
        if key in self.lead_rows:  # a pledging entity of a later row
            lead_row = self.lead_rows[key]
            country_value = lead_row["entity_country_iso2"]
            country = self.ref.country(country_value, "entity_country_iso2") if country_value else None
            return self.entity(
                name=lead_row["pledging_entity"],
                country=country,
                type_value=lead_row["entity_type"],
                row=lead_row,
                column="entity_type",
                website=lead_row["entity_website"],
            )
        if key in self.partner_rows:
            partner_row = self.partner_rows[key]
            country_value = partner_row.values.get("country_iso2", "")
            country = self.ref.country(country_value, "country_iso2") if country_value else None
            return self.entity(
                name=partner_row["name"],
                country=country,
                type_value=partner_row["entity_type"],
                row=partner_row,
                column="entity_type",
            )
        match = self.index.match(name, country_id=None, any_country=True)
        if match is not None:
            entity = Entity(name=match.name, country=None, existing=match)
            self.by_name[key] = entity
            self.entities[(key, f"partner-{match.pk}")] = entity
            return entity
        raise RowRefused(
            _(
                "Partner “%(name)s” is not on the platform, not a pledging entity of this file and not in the "
                "partner organisations file."
            )
            % {"name": name}
        )

    def read_partners(self, table: Table | None) -> list[str]:
        """Remember the rows of the partner organisations file by normalised name; returns problems found."""
        problems = []
        if table is None:
            return problems
        for line, values in table.rows:
            row = ImportRow(path=_PATH, line=line, values={**{"country_iso2": ""}, **values})
            name = values.get("name", "").strip()
            if not name:
                problems.append(_("Partner organisations file, line %(line)s: no name.") % {"line": line})
                continue
            self.partner_rows.setdefault(name_key(name), row)
        return problems

    # --- rows --------------------------------------------------------------------------------------------

    def plan(self, table: Table, *, partners: Table | None = None) -> Plan:
        """Check every row of ``table`` and decide what the import will do with it."""
        notes = self.read_partners(partners)
        ignored = [c for c in table.columns if c and c not in COLUMN_NAMES]
        if ignored:
            notes.append(
                _("Columns not in the layout, ignored: %(columns)s.") % {"columns": ", ".join(ignored)}
            )
        rows = []
        parsed = [
            ImportRow(path=_PATH, line=line, values={**dict.fromkeys(COLUMN_NAMES, ""), **values})
            for line, values in table.rows
        ]
        for row in parsed:
            if row["pledging_entity"]:
                self.lead_rows.setdefault(name_key(row["pledging_entity"]), row)
        for row in parsed:
            line = row.line
            plan = RowPlan(line=line, old_id=row["old_platform_id"], title=row["title"])
            try:
                self._check(row, plan)
            except RowRefused as refused:
                plan.reasons.append(str(refused))
            if plan.reasons:
                plan.action = "refused"
            rows.append(plan)
        self._find_existing(rows)
        self._refuse_duplicates(rows)
        return Plan(rows=rows, entities=list(self.entities.values()), notes=notes)

    def _collect(self, plan: RowPlan, check):
        """Run one check; a refusal is noted and the row goes on being checked (every reason is reported)."""
        try:
            return check()
        except RowRefused as refused:
            plan.reasons.append(str(refused))
            return None

    def _check(self, row: ImportRow, plan: RowPlan) -> None:
        if row.values.get("__extra_cells__"):
            plan.reasons.append(_("The row has more cells than the header has columns."))
        name, title = row["pledging_entity"], row["title"]
        if not name:
            plan.reasons.append(_("pledging_entity is empty."))
        if not title:
            plan.reasons.append(_("title is empty."))
        elif len(title) > TITLE_MAX:
            plan.reasons.append(_("The title is longer than %(max)d characters.") % {"max": TITLE_MAX})
        if not row["entity_type"]:
            plan.reasons.append(_("entity_type is empty."))
        if len(plan.old_id) > 100:
            plan.reasons.append(_("old_platform_id is longer than 100 characters."))
        if row["old_url"]:
            url = self._collect(plan, lambda: _url(row["old_url"], "old_url"))
            if url:
                parts = urlsplit(url)
                plan.old_path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        country_value = row["entity_country_iso2"]
        country = None
        if country_value:
            country = self._collect(plan, lambda: self.ref.country(country_value, "entity_country_iso2"))
        website = self._collect(plan, lambda: _url(row["entity_website"], "entity_website")) or ""
        if name and row["entity_type"] and (country or not country_value):
            plan.lead = self._collect(
                plan,
                lambda: self.entity(
                    name=name,
                    country=country,
                    type_value=row["entity_type"],
                    row=row,
                    column="entity_type",
                    website=website,
                ),
            )
        for partner_name in row.split("partner_entities"):
            entity = self._collect(plan, lambda partner_name=partner_name: self.partner(partner_name, row))
            if entity is not None and entity is not plan.lead and entity not in plan.partners:
                plan.partners.append(entity)

        status = self._collect(plan, lambda: _status(row["status"], self.status_names))
        plan.status = status or S.PUBLISHED
        focus_areas = (
            self._collect(
                plan, lambda: self.ref.by_name(row, "focus_areas", self.ref.focus_areas, "focus area")
            )
            or []
        )
        pillars = (
            self._collect(plan, lambda: self.ref.by_name(row, "pillars", self.ref.pillars, "pillar")) or []
        )
        for pillar in pillars:
            if pillar.focus_area not in focus_areas:
                focus_areas.append(pillar.focus_area)
        pledge_types = (
            self._collect(
                plan, lambda: self.ref.by_name(row, "pledge_type", self.ref.pledge_types, "pledge type")
            )
            or []
        )
        countries = (
            self._collect(plan, lambda: self.ref.countries_of(row, "beneficiary_countries_iso2")) or []
        )
        is_global = self._collect(plan, lambda: _yes_no(row, "is_global")) or False

        start_year = self._collect(plan, lambda: parse_year(row, "start_year"))
        end_year = self._collect(plan, lambda: parse_year(row, "end_year"))
        start = self._collect(plan, lambda: _date(row, "start_date"))
        end = self._collect(plan, lambda: _date(row, "end_date"))
        start = start or (dt.date(start_year, 1, 1) if start_year else None)
        end = end or (dt.date(end_year, 12, 31) if end_year else None)
        if start and end and end < start:
            plan.reasons.append(
                _("The end (%(end)s) is before the start (%(start)s).") % {"end": end, "start": start}
            )
        amount_row = ImportRow(
            path=_PATH,
            line=row.line,
            values={
                "value_amount": _normalised_amount(row["value_amount"]),
                "value_currency": row["value_currency"],
            },
        )
        value = self._collect(plan, lambda: parse_value(amount_row, self.ref)) or (None, None)
        plan.published_at = self._collect(
            plan, lambda: _published_at(row, start.year if start else None, self.now)
        )

        summary = row["summary"]
        description = row["description"] or summary
        source = self._collect(plan, lambda: _url(row["source_url"], "source_url"))
        if source:
            description = f"{description}\n\nSource: {source}" if description else f"Source: {source}"
        if len(description) > DESCRIPTION_MAX:
            plan.reasons.append(
                _("The description is longer than %(max)d characters.") % {"max": DESCRIPTION_MAX}
            )
        plan.fields = {
            "title": title,
            "summary": truncate_summary(summary) if summary else "",
            "description": description,
            "is_global": is_global,
            "start_date": start,
            "end_date": end,
            "value_amount": value[0],
            "value_currency_id": value[1],
        }
        plan.relations = {
            "focus_areas": focus_areas,
            "pillars": pillars,
            "pledge_types": pledge_types,
            "beneficiary_countries": countries,
        }

    def _find_existing(self, rows: list[RowPlan]) -> None:
        """Mark rows whose pledge is already on the platform ("update"): by old platform ID, else by the same
        pledging organisation and title."""
        old_ids = {r.old_id for r in rows if r.old_id}
        known = {
            old_id: (pledge_id, public_id)
            for old_id, pledge_id, public_id in LegacyPledge.objects.filter(old_id__in=old_ids).values_list(
                "old_id", "pledge_id", "pledge__public_id"
            )
        }
        org_ids = {r.lead.existing.pk for r in rows if r.lead and r.lead.existing}
        titles = {r.title for r in rows if r.title}
        by_title = {}
        if org_ids and titles:
            for pk, org_id, title, public_id in (
                Pledge.objects.filter(lead_organisation_id__in=org_ids, title__in=titles)
                .values_list("pk", "lead_organisation_id", "title", "public_id")
                .order_by("pk")
            ):
                by_title.setdefault((org_id, title), (pk, public_id))
        for row in rows:
            found = known.get(row.old_id) if row.old_id else None
            if found is None and row.lead and row.lead.existing:
                found = by_title.get((row.lead.existing.pk, row.title))
            if found is not None:
                row.pledge_id, row.public_id = found
                if row.action != "refused":
                    row.action = "update"

    def _refuse_duplicates(self, rows: list[RowPlan]) -> None:
        seen_ids, seen_titles, seen_pledges = {}, {}, {}
        for row in rows:
            if row.old_id:
                if row.old_id in seen_ids:
                    row.reasons.append(
                        _("old_platform_id %(id)s is already on line %(line)s.")
                        % {"id": row.old_id, "line": seen_ids[row.old_id]}
                    )
                seen_ids.setdefault(row.old_id, row.line)
            elif row.lead is not None and row.title:
                key = (id(row.lead), row.title)
                if key in seen_titles:
                    row.reasons.append(
                        _("The same pledging entity and title are already on line %(line)s.")
                        % {"line": seen_titles[key]}
                    )
                seen_titles.setdefault(key, row.line)
            if row.pledge_id is not None:
                if row.pledge_id in seen_pledges:
                    row.reasons.append(
                        _("Line %(line)s already updates the same pledge (%(public_id)s).")
                        % {"line": seen_pledges[row.pledge_id], "public_id": row.public_id}
                    )
                seen_pledges.setdefault(row.pledge_id, row.line)
            if row.reasons:
                row.action = "refused"


class _UploadPath:
    """Stands in for the file path the demo loader's rows carry (only its name is ever read)."""

    name = "upload"


_PATH = _UploadPath()


def slug_base(name: str) -> str:
    """The slug an organisation named ``name`` gets before any suffix (as ``unique_organisation_slug``)."""
    return slugify(name, allow_unicode=False)[:200] or "organisation"

"""Writing a checked registry import: organisations, pledges, their relations, partners, the audit trail and
the old platform IDs, in one transaction, in bulk (10,000 rows in well under a minute on PostgreSQL; see
``benchmarks/import_registry.py``).

A new pledge gets what ``pledges.services.pledge_load_published`` gives a pledge published elsewhere: a public
ID of its publication year, its USD value at the Secretariat's dated rate for its start date, confirmed partners,
a "draft → published" transition without a user, its history row and its search texts. Row by row that
service costs about 25 queries a pledge; here the same rows are written with a few queries per thousand. The
tests compare an imported pledge with one loaded by the service, field by field, so the two cannot drift apart.

Rows to update keep their public ID; their fields, relations and status are set to the file's, a status change
is recorded as a transition by the person importing, and partners named in the file are added (confirmed).
"""

import datetime as dt
from collections import defaultdict
from types import SimpleNamespace

from django.db import connections, router
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from organisations.models import FormerSlug, Organisation
from organisations.names import name_acronym, name_key
from organisations.services import RESERVED_SLUGS
from pledges.models import Pledge, PledgePartner, PledgeTransition, PublicIdSequence
from pledges.search import search_fields_for
from reference.selectors import exchange_rate_for, usd_equivalent

from ..models import LegacyPledge
from .planning import Plan, RowPlan, slug_base

BATCH = 1000
S = Pledge.Status
RELATIONS = ("focus_areas", "pillars", "pledge_types", "beneficiary_countries")
UPDATED_FIELDS = (
    "title",
    "summary",
    "description",
    "is_global",
    "start_date",
    "end_date",
    "value_amount",
    "value_currency",
    "value_usd",
    "usd_rate",
    "status",
    "published_at",
    "search_title",
    "search_summary",
    "search_organisations",
    "search_body",
    "updated_at",
)
IMPORT_REASON = "Imported from the former registry."


def _slugs_taken() -> set[str]:
    return set(Organisation.objects.values_list("slug", flat=True)) | set(
        FormerSlug.objects.values_list("slug", flat=True)
    )


def _unique_slug(name: str, taken: set[str]) -> str:
    """``organisations.services.unique_organisation_slug`` against an in-memory set of the slugs in use."""
    base = slug_base(name)
    slug, n = base, 1
    if slug in RESERVED_SLUGS:
        n, slug = 2, f"{base}-2"
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    taken.add(slug)
    return slug


def _create_organisations(plan: Plan, *, by, now: dt.datetime) -> int:
    entities = plan.new_entities
    if not entities:
        return 0
    taken = _slugs_taken()
    organisations = [
        Organisation(
            name=e.name,
            slug=_unique_slug(e.name, taken),
            stakeholder_type=e.stakeholder_type,
            country=e.country,
            website=e.website,
            description="",
            verification=Organisation.Verification.VERIFIED,
            verification_reason=IMPORT_REASON,
            verification_decided_at=now,
            verification_decided_by=by,
            name_key=name_key(e.name)[:250],
            name_acronym=name_acronym(e.name)[:60],
        )
        for e in entities
    ]
    created = bulk_create_with_history(
        organisations,
        Organisation,
        batch_size=BATCH,
        default_user=by,
        default_change_reason="registry import",
    )
    for entity, organisation in zip(entities, created, strict=True):
        entity.pk = organisation.pk
    return len(created)


def _entity_pk(entity) -> int:
    return entity.existing.pk if entity.existing else entity.pk


def _allocate_public_ids(years: list[int]) -> list[str]:
    """Public IDs for pledges published in ``years`` (one per item), as ``pledge_public_id_next`` hands them out:
    "P2C-<year>-<number>", each year's sequence row locked and advanced once per year."""
    needed = defaultdict(int)
    for year in years:
        needed[year] += 1
    next_number = {}
    for year, count in needed.items():
        PublicIdSequence.objects.get_or_create(year=year)
        sequence = PublicIdSequence.objects.select_for_update().get(year=year)
        next_number[year] = sequence.last_number + 1
        sequence.last_number += count
        sequence.save(update_fields=["last_number"])
    ids = []
    for year in years:
        ids.append(f"P2C-{year}-{next_number[year]:04d}")
        next_number[year] += 1
    return ids


class _Rates:
    """``exchange_rate_for`` once per (currency, date)."""

    def __init__(self):
        self.cache = {}

    def apply(self, pledge: Pledge, today: dt.date) -> None:
        """Set ``value_usd`` and ``usd_rate`` as ``pledges.services._apply_usd_value`` does (rate for the start
        date, else today)."""
        if pledge.value_amount is None or pledge.value_currency_id is None:
            pledge.value_usd, pledge.usd_rate = None, None
            return
        key = (pledge.value_currency_id, pledge.start_date or today)
        if key not in self.cache:
            self.cache[key] = exchange_rate_for(currency_code=key[0], on_date=key[1])
        rate = self.cache[key]
        pledge.usd_rate = rate
        pledge.value_usd = usd_equivalent(amount=pledge.value_amount, rate=rate) if rate else None


class _Rows(list):
    """A list that answers the queryset calls ``search_fields_for`` makes (already narrowed in memory)."""

    def select_related(self, *fields):
        return self

    def filter(self, **conditions):
        return self

    def all(self):
        return self


class _PledgeInMemory:
    """What ``pledges.search.search_fields_for`` reads of a pledge, from memory: its texts, the lead's and the
    confirmed partners' names, the beneficiary countries (with regions loaded) and the whole regions."""

    def __init__(self, pledge: Pledge, *, organisation_names: list[str], countries: list):
        self.title, self.summary, self.description = pledge.title, pledge.summary, pledge.description
        self.lead_organisation = SimpleNamespace(name=organisation_names[0])
        self.partners = _Rows(
            SimpleNamespace(organisation_id=n, organisation=SimpleNamespace(name=name))
            for n, name in enumerate(organisation_names[1:], start=1)
        )
        self.beneficiary_countries = _Rows(countries)
        self.regions = _Rows()


def _search_fields(pledge: Pledge, *, organisation_names: list[str], relations: dict) -> dict[str, str]:
    """``pledges.search.search_fields_for`` itself, run on what is in memory (no query)."""
    return search_fields_for(
        _PledgeInMemory(
            pledge, organisation_names=organisation_names, countries=relations["beneficiary_countries"]
        )
    )


def _organisation_names(plan: Plan) -> dict[int, str]:
    ids = {_entity_pk(e) for e in plan.entities if e.existing or e.pk}
    return dict(Organisation.objects.filter(pk__in=ids).values_list("pk", "name"))


def _set_relations(pledge_ids: list[int], rows: list[RowPlan], *, replace: bool) -> None:
    for name in RELATIONS:
        through = getattr(Pledge, name).through
        target = getattr(Pledge, name).field.m2m_reverse_field_name()
        if replace and pledge_ids:
            for start in range(0, len(pledge_ids), BATCH):
                through.objects.filter(pledge_id__in=pledge_ids[start : start + BATCH]).delete()
        links = [
            through(**{"pledge_id": pledge_id, f"{target}_id": item.pk})
            for pledge_id, row in zip(pledge_ids, rows, strict=True)
            for item in dict.fromkeys(row.relations[name])
        ]
        through.objects.bulk_create(links, batch_size=BATCH, ignore_conflicts=True)


def write_plan(plan: Plan, *, by, registry_import=None, now: dt.datetime | None = None) -> dict[str, int]:
    """Write every row of ``plan`` that is not refused. Must run inside a transaction (the caller's), so that
    a failure leaves nothing behind.

    Args:
        plan: a dry run's plan (``planning.Planner.plan``) without refused rows.
        by: the staff member importing (recorded in the history and on status changes).
        registry_import: the ``RegistryImport`` the old platform IDs come from, if any.
        now: the time of the import.
    Returns: {"created": n, "updated": n, "organisations": n}.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    organisations_created = _create_organisations(plan, by=by, now=now)
    names = _organisation_names(plan)
    rates = _Rates()
    creates = [r for r in plan.rows if r.action == "create"]
    updates = [r for r in plan.rows if r.action == "update"]

    # --- new pledges -------------------------------------------------------------------------------------
    public_ids = _allocate_public_ids([r.published_at.year for r in creates])
    new_pledges = []
    for row, public_id in zip(creates, public_ids, strict=True):
        pledge = Pledge(
            public_id=public_id,
            lead_organisation_id=_entity_pk(row.lead),
            status=row.status,
            published_at=row.published_at,
            submitted_at=row.published_at,
            **row.fields,
        )
        rates.apply(pledge, today)
        organisation_names = [names[_entity_pk(row.lead)]] + [names[_entity_pk(p)] for p in row.partners]
        for key, value in _search_fields(
            pledge, organisation_names=organisation_names, relations=row.relations
        ).items():
            setattr(pledge, key, value)
        new_pledges.append(pledge)
    created = bulk_create_with_history(
        new_pledges, Pledge, batch_size=BATCH, default_change_reason="loaded as published", default_date=now
    )
    created_ids = [p.pk for p in created]
    for row, pledge in zip(creates, created, strict=True):
        row.pledge_id, row.public_id = pledge.pk, pledge.public_id
    _set_relations(created_ids, creates, replace=False)
    partners = [
        PledgePartner(
            pledge_id=row.pledge_id,
            organisation_id=_entity_pk(p),
            status=PledgePartner.Status.CONFIRMED,
            responded_at=row.published_at,
        )
        for row in creates
        for p in row.partners
        if _entity_pk(p) != _entity_pk(row.lead)
    ]
    transitions = [
        PledgeTransition(
            pledge_id=row.pledge_id, from_status=S.DRAFT, to_status=S.PUBLISHED, by=None, reason=IMPORT_REASON
        )
        for row in creates
    ] + [
        PledgeTransition(
            pledge_id=row.pledge_id,
            from_status=S.PUBLISHED,
            to_status=row.status,
            by=None,
            reason="Status on the former registry.",
        )
        for row in creates
        if row.status != S.PUBLISHED
    ]

    # --- pledges already on the platform -----------------------------------------------------------------
    existing = Pledge.objects.in_bulk([r.pledge_id for r in updates])
    confirmed = defaultdict(set)
    for pledge_id, organisation_id, organisation_name in PledgePartner.objects.filter(
        pledge_id__in=list(existing), status=PledgePartner.Status.CONFIRMED, organisation__isnull=False
    ).values_list("pledge_id", "organisation_id", "organisation__name"):
        confirmed[pledge_id].add((organisation_id, organisation_name))
    any_partner = set(
        PledgePartner.objects.filter(pledge_id__in=list(existing), organisation__isnull=False).values_list(
            "pledge_id", "organisation_id"
        )
    )
    changed = []
    for row in updates:
        pledge = existing[row.pledge_id]
        old_status = pledge.status
        for key, value in row.fields.items():
            setattr(pledge, key, value)
        pledge.status, pledge.published_at, pledge.updated_at = row.status, row.published_at, now
        rates.apply(pledge, today)
        partner_names = dict(confirmed[pledge.pk])
        for p in row.partners:
            partner_pk = _entity_pk(p)
            if partner_pk == pledge.lead_organisation_id:
                continue
            partner_names[partner_pk] = names[partner_pk]
            if (pledge.pk, partner_pk) not in any_partner:
                partners.append(
                    PledgePartner(
                        pledge_id=pledge.pk,
                        organisation_id=partner_pk,
                        status=PledgePartner.Status.CONFIRMED,
                        responded_at=row.published_at,
                    )
                )
        lead_name = names.get(pledge.lead_organisation_id) or pledge.lead_organisation.name
        organisation_names = [lead_name] + [
            n for pk, n in sorted(partner_names.items()) if pk != pledge.lead_organisation_id
        ]
        for key, value in _search_fields(
            pledge, organisation_names=organisation_names, relations=row.relations
        ).items():
            setattr(pledge, key, value)
        if old_status != row.status:
            transitions.append(
                PledgeTransition(
                    pledge_id=pledge.pk,
                    from_status=old_status,
                    to_status=row.status,
                    by=by,
                    reason="Registry import.",
                )
            )
        changed.append(pledge)
    if changed:
        _update_rows(changed, UPDATED_FIELDS)
        Pledge.history.bulk_history_create(
            changed,
            batch_size=BATCH,
            default_user=by,
            default_change_reason="registry import",
            default_date=now,
        )
        _set_relations([r.pledge_id for r in updates], updates, replace=True)

    bulk_create_with_history(
        partners, PledgePartner, batch_size=BATCH, default_change_reason="registry import"
    )
    PledgeTransition.objects.bulk_create(transitions, batch_size=BATCH)
    _write_legacy_ids(plan, registry_import=registry_import)
    return {"created": len(creates), "updated": len(updates), "organisations": organisations_created}


def _update_rows(objs: list, fields: tuple[str, ...], batch: int = 500) -> None:
    """``UPDATE ... FROM (VALUES ...)``: write ``fields`` of ``objs`` (saved instances of one model), a few
    hundred rows a statement. Django's ``bulk_update`` builds one CASE expression per field and row: 60 s for
    2,000 pledges here, against well under a second for this. Works on PostgreSQL and SQLite (3.33+), whose
    VALUES lists both name their columns column1, column2, ..."""
    if not objs:
        return
    model = type(objs[0])
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    columns = [model._meta.get_field(name) for name in fields]
    pk = model._meta.pk
    cast = connection.vendor == "postgresql"
    placeholders = [f"%s::{pk.db_type(connection)}" if cast else "%s"] + [
        f"%s::{f.db_type(connection)}" if cast else "%s" for f in columns
    ]
    row_sql = "(" + ", ".join(placeholders) + ")"
    table = quote(model._meta.db_table)
    assignments = ", ".join(f"{quote(f.column)} = v.column{i}" for i, f in enumerate(columns, start=2))
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch):
            chunk = objs[start : start + batch]
            params = []
            for obj in chunk:
                params.append(pk.get_db_prep_save(obj.pk, connection))
                params += [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns]
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM (VALUES {', '.join([row_sql] * len(chunk))}) AS v "  # noqa: S608 - names quoted, values bound
                f"WHERE {table}.{quote(pk.column)} = v.column1",
                params,
            )


def _write_legacy_ids(plan: Plan, *, registry_import) -> None:
    rows = [r for r in plan.rows if r.action in ("create", "update") and r.old_id]
    if not rows:
        return
    known = {
        legacy.old_id: legacy for legacy in LegacyPledge.objects.filter(old_id__in=[r.old_id for r in rows])
    }
    new, changed = [], []
    for row in rows:
        legacy = known.get(row.old_id)
        if legacy is None:
            new.append(
                LegacyPledge(
                    old_id=row.old_id,
                    old_path=row.old_path,
                    pledge_id=row.pledge_id,
                    registry_import=registry_import,
                )
            )
        elif legacy.old_path != row.old_path and row.old_path:
            legacy.old_path = row.old_path
            changed.append(legacy)
    LegacyPledge.objects.bulk_create(new, batch_size=BATCH)
    LegacyPledge.objects.bulk_update(changed, ["old_path"], batch_size=BATCH)
    paths = [r.old_path for r in rows if r.old_path]
    if paths:  # an old address names one pledge: a path reused by this file moves to its new row
        LegacyPledge.objects.filter(old_path__in=paths).exclude(
            Q(old_id__in=[r.old_id for r in rows if r.old_path])
        ).update(old_path="")

"""``manage.py generate_pledges --count N``: realistic published pledges for benchmarks and load tests.

Made-up organisations (about one per eight pledges, every stakeholder type, verified) publish pledges spread
over 2021 to today: 1 or 2 focus areas with some of their pillars, 1 or 2 pledge types, 1 to 4 beneficiary
countries (LDCs, LLDCs and SIDS more often, as in the real pledges) or global, an estimated value in a currency
that has an exchange rate (two in three pledges), SDGs, beneficiary groups, deliverables; one in five is joint
(1 to 3 confirmed partners) and about one in three has published progress reports. Every list of countries, focus areas,
types, currencies and rates is read from the reference tables, never written here.

Rows go in with ``bulk_create`` in batches (100,000 pledges in a few minutes on PostgreSQL): no history
records and no mail. Public IDs continue each year's sequence, and the search texts are filled in the way
``pledges.search.search_fields_for`` does; on PostgreSQL the tables are analysed at the end. Names and slugs start with "Benchmark" / "bench-" so the data is
recognisable; ``--seed`` makes a run repeatable.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from organisations.models import Organisation
from organisations.names import name_acronym, name_key
from pledges.models import Deliverable, Pledge, PledgePartner, PledgeTransition, PublicIdSequence
from pledges.search import fold
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
    StakeholderType,
)

BATCH = 2000
PLEDGES_PER_ORGANISATION = 8
NAME_PARTS = {
    "first": "Pacific Andean Sahel Mekong Atlas Baobab Coral Horizon Meridian Unity Savanna Lagoon Summit Delta "
    "Harbour Highland Monsoon Equator Riverine Island Northern Southern Eastern Western Open Bright".split(),
    "second": "Connectivity Broadband Digital Telecom Fibre Satellite Mobile Data Learning Skills Innovation "
    "Inclusion Networks Bridges Signals Links".split(),
    "kind": {
        "government": ["Ministry", "Regulatory Authority", "Agency"],
        "private-sector": ["Ltd", "Group", "Communications", "Technologies"],
        "civil-society": ["Foundation", "Alliance", "Initiative"],
        "academia": ["University", "Institute", "Research Centre"],
        "international-organisation": ["Development Bank", "Partnership", "Fund"],
        "un-entity": ["Programme", "Office"],
    },
}
ACTIONS = [
    ("Connect {n} rural schools in {place}", "schools connected", "schools"),
    ("Train {n} women in digital skills in {place}", "people trained", "people"),
    ("Extend 4G coverage to {n} villages in {place}", "villages covered", "villages"),
    ("Lay {n} km of backbone fibre in {place}", "km of fibre laid", "km"),
    ("Bring affordable smartphones to {n} households in {place}", "households reached", "households"),
    ("Set up {n} community networks in {place}", "community networks running", "networks"),
    ("Open {n} digital innovation hubs in {place}", "hubs open", "hubs"),
    ("Connect {n} health clinics in {place}", "clinics connected", "clinics"),
    ("Fund {n} local digital start-ups in {place}", "start-ups funded", "start-ups"),
    ("Publish {n} local-language e-services in {place}", "e-services live", "services"),
]
NARRATIVES = [
    "Procurement is complete and the first sites are live; {p}% of the target is reached.",
    "Work is on track: {p}% done, the remaining sites are scheduled for next year.",
    "Roll-out slowed by the rainy season; {p}% complete, partners are adding crews.",
    "Training cohorts are running in three regions; {p}% of the people planned have finished.",
]
STATUSES = ["on_track", "on_track", "delayed", "completed", "not_started"]


def _m2m(name: str):
    """The through model of ``Pledge.<name>`` and the names of its two foreign-key columns."""
    field = Pledge._meta.get_field(name)
    return field.remote_field.through, f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"


class Command(BaseCommand):
    help = (
        "Add N realistic published pledges (organisations, partners, countries, focus areas, values, deliverables, "
        "progress reports) for benchmarks and load tests. Fast (bulk inserts); reference data comes from the database."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--count", type=int, required=True, help="Number of pledges to add (1 .. 1,000,000)."
        )
        parser.add_argument(
            "--seed", type=int, default=2030, help="Random seed (default 2030): same seed, same data."
        )

    def handle(self, *args, count, seed, **options):
        if not 1 <= count <= 1_000_000:
            raise CommandError("--count must be between 1 and 1,000,000.")
        self.rng = random.Random(seed)  # noqa: S311 - made-up benchmark data, not secrets
        self.started = time.monotonic()
        self._load_reference()
        run = f"{seed}-{timezone.now():%Y%m%d%H%M%S}"
        organisations = self._organisations(max(2, -(-count // PLEDGES_PER_ORGANISATION)), run)
        done = 0
        while done < count:
            size = min(BATCH, count - done)
            with transaction.atomic():
                self._pledges(size, organisations)
            done += size
            self.stdout.write(f"{done} pledges ({time.monotonic() - self.started:.0f} s)")
        if connection.vendor == "postgresql":  # fresh statistics, or the planner misjudges the new rows
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {count} published pledges of {len(organisations)} organisations in "
                f"{time.monotonic() - self.started:.1f} s."
            )
        )

    # --- reference data ----------------------------------------------------------------------------------------
    def _load_reference(self) -> None:
        self.countries = list(Country.objects.select_related("region", "sub_region"))
        self.stakeholder_types = list(StakeholderType.objects.all())
        self.focus_areas = list(FocusArea.objects.all())
        self.pillars = defaultdict(list)
        for pillar in Pillar.objects.all():
            self.pillars[pillar.focus_area_id].append(pillar.pk)
        self.pledge_types = list(PledgeType.objects.values_list("pk", flat=True))
        self.sdgs = list(SDG.objects.values_list("pk", flat=True))
        self.groups = list(BeneficiaryGroup.objects.values_list("pk", flat=True))
        self.rates = {}
        for rate in ExchangeRate.objects.order_by("currency_id", "-date"):
            self.rates.setdefault(rate.currency_id, rate)
        if not (self.countries and self.focus_areas and self.pledge_types and self.stakeholder_types):
            raise CommandError("Reference data is missing: run `manage.py migrate` first.")
        grouped = set(
            CountryGroupMembership.objects.on(timezone.localdate()).values_list("country_id", flat=True)
        )
        # Countries of the LDC / LLDC / SIDS groups weigh three times as much (P2C's focus).
        self.country_weights = [3 if c.pk in grouped else 1 for c in self.countries]
        self.places = {c.pk: self._places(c) for c in self.countries}
        currencies = [
            code for code in ("USD", "EUR", "GBP", "JPY", "CNY", "CHF", "INR") if code in self.rates
        ]
        self.currencies = currencies or list(self.rates)

    @staticmethod
    def _places(country) -> str:
        names = [country.name, country.m49_name, country.aliases, country.iso2, country.iso3]
        names += [r.name for r in (country.region, country.sub_region) if r]
        return " ".join(n for n in names if n)

    # --- organisations -----------------------------------------------------------------------------------------
    def _organisations(self, n: int, run: str) -> list[Organisation]:
        rng, rows = self.rng, []
        for i in range(n):
            kind = rng.choice(self.stakeholder_types)
            suffix = rng.choice(NAME_PARTS["kind"].get(kind.slug, ["Organisation"]))
            name = f"Benchmark {rng.choice(NAME_PARTS['first'])} {rng.choice(NAME_PARTS['second'])} {suffix} {i + 1}"
            rows.append(
                Organisation(
                    name=name,
                    slug=f"bench-{run}-{i + 1}",
                    stakeholder_type=kind,
                    country=rng.choices(self.countries, self.country_weights)[0],
                    description=f"{name} works to connect the hardest-to-connect communities.",
                    verification=Organisation.Verification.VERIFIED,
                    name_key=name_key(name)[:250],
                    name_acronym=name_acronym(name)[:60],
                )
            )
        return Organisation.objects.bulk_create(rows, batch_size=BATCH)

    # --- pledges -------------------------------------------------------------------------------------------------
    def _public_ids(self, years: list[int]) -> list[str]:
        needed = defaultdict(int)
        for year in years:
            needed[year] += 1
        start = {}
        for year, n in needed.items():
            PublicIdSequence.objects.get_or_create(year=year)
            seq = PublicIdSequence.objects.select_for_update().get(year=year)
            start[year] = seq.last_number
            seq.last_number += n
            seq.save(update_fields=["last_number"])
        ids = []
        for year in years:
            start[year] += 1
            ids.append(f"P2C-{year}-{start[year]:04d}")
        return ids

    def _pledges(self, n: int, organisations: list[Organisation]) -> None:
        rng = self.rng
        now = timezone.now()
        first = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
        span = (now - first).total_seconds()
        published = sorted(first + dt.timedelta(seconds=rng.uniform(0, span)) for _ in range(n))
        public_ids = self._public_ids([p.year for p in published])
        plans = []
        for public_id, published_at in zip(public_ids, published, strict=True):
            lead = rng.choice(organisations)
            partners = rng.sample(organisations, rng.randint(1, 3)) if rng.random() < 0.2 else []
            partners = [p for p in partners if p.pk != lead.pk]
            countries = [] if rng.random() < 0.1 else self._sample_countries(rng.randint(1, 4))
            focus = rng.sample(self.focus_areas, rng.randint(1, 2))
            title_template, indicator, unit = rng.choice(ACTIONS)
            target = rng.choice([10, 25, 50, 100, 250, 500, 1000, 5000])
            place = (
                countries[0].name
                if len(countries) == 1
                else ("several countries" if countries else "the world")
            )
            title = title_template.format(n=target, place=place)[:200]
            summary = f"{lead.name} commits to {title[0].lower()}{title[1:]} by {published_at.year + 3}."[
                :300
            ]
            description = (
                f"{summary} The programme works with local authorities and communities, measures "
                f"{indicator} every quarter and reports progress to the Partner2Connect Digital Coalition."
            )
            start = published_at.date().replace(day=1)
            pledge = Pledge(
                public_id=public_id,
                lead_organisation=lead,
                title=title,
                summary=summary,
                description=description,
                is_global=not countries,
                start_date=start,
                end_date=start.replace(year=start.year + rng.randint(1, 5)),
                status=Pledge.Status.PUBLISHED,
                submitted_at=published_at - dt.timedelta(days=rng.randint(1, 30)),
                published_at=published_at,
            )
            if rng.random() < 0.67 and self.currencies:
                code = rng.choice(self.currencies)
                amount = Decimal(rng.choice([5, 10, 25, 50, 100, 250, 500, 1000])) * 10 ** rng.randint(3, 6)
                rate = self.rates[code]
                pledge.value_amount, pledge.value_currency_id, pledge.usd_rate = amount, code, rate
                pledge.value_usd = (amount * rate.usd_per_unit).quantize(
                    Decimal("0.01"), rounding=ROUND_HALF_UP
                )
            names = [lead.name] + [p.name for p in partners]
            pledge.search_title = fold(pledge.title)
            pledge.search_summary = fold(pledge.summary)
            pledge.search_organisations = fold(" ".join(names))
            pledge.search_body = fold(" ".join([description, *(self.places[c.pk] for c in countries)]))
            plans.append((pledge, partners, countries, focus, indicator, unit, target))

        pledges = Pledge.objects.bulk_create([plan[0] for plan in plans], batch_size=BATCH)
        relations = defaultdict(list)
        partner_rows, deliverables, progress, transitions = [], [], [], []
        for pledge, (_, partners, countries, focus, indicator, unit, target) in zip(
            pledges, plans, strict=True
        ):
            relations["focus_areas"] += [(pledge.pk, f.pk) for f in focus]
            pillars = [p for f in focus for p in self.pillars[f.pk]]
            relations["pillars"] += [
                (pledge.pk, p) for p in rng.sample(pillars, min(len(pillars), rng.randint(0, 2)))
            ]
            relations["pledge_types"] += [
                (pledge.pk, t) for t in rng.sample(self.pledge_types, rng.randint(1, 2))
            ]
            relations["beneficiary_countries"] += [(pledge.pk, c.pk) for c in countries]
            relations["sdgs"] += [
                (pledge.pk, s) for s in rng.sample(self.sdgs, min(len(self.sdgs), rng.randint(0, 3)))
            ]
            relations["beneficiary_groups"] += [
                (pledge.pk, g) for g in rng.sample(self.groups, min(len(self.groups), rng.randint(0, 2)))
            ]
            for partner in partners:
                partner_rows.append(
                    PledgePartner(
                        pledge=pledge,
                        organisation=partner,
                        status=PledgePartner.Status.CONFIRMED,
                        responded_at=pledge.published_at,
                    )
                )
            for order in range(rng.randint(0, 3)):
                deliverables.append(
                    Deliverable(
                        pledge=pledge,
                        title=f"{indicator.capitalize()}: {target * (order + 1) // 3 or 1} {unit}",
                        due_date=pledge.end_date,
                        indicator=indicator,
                        target_value=Decimal(target * (order + 1) // 3 or 1),
                        unit=unit,
                        order=order,
                    )
                )
            if rng.random() < 0.35:
                reported = pledge.published_at
                for _ in range(rng.randint(1, 2)):
                    percent = rng.randint(5, 100)
                    reported = min(now, reported + dt.timedelta(days=rng.randint(30, 365)))
                    progress.append(
                        ProgressReport(
                            pledge=pledge,
                            status=ProgressReport.Status.PUBLISHED,
                            submitted_at=reported,
                            published_at=reported,
                            implementation_status=rng.choice(STATUSES),
                            percent_complete=percent,
                            narrative=rng.choice(NARRATIVES).format(p=percent),
                        )
                    )
            transitions.append(
                PledgeTransition(
                    pledge=pledge, from_status="draft", to_status="published", reason="Generated."
                )
            )
        for name, pairs in relations.items():
            through, source, target = _m2m(name)
            through.objects.bulk_create(
                (through(**{source: a, target: b}) for a, b in pairs), batch_size=BATCH * 2
            )
        PledgePartner.objects.bulk_create(partner_rows, batch_size=BATCH)
        Deliverable.objects.bulk_create(deliverables, batch_size=BATCH)
        ProgressReport.objects.bulk_create(progress, batch_size=BATCH)
        PledgeTransition.objects.bulk_create(transitions, batch_size=BATCH)

    def _sample_countries(self, k: int) -> list:
        chosen = {}
        while len(chosen) < k:
            country = self.rng.choices(self.countries, self.country_weights)[0]
            chosen[country.pk] = country
        return list(chosen.values())

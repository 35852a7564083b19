"""Benchmark of the registry import: a generated 10,000-row file, dry run and import, on PostgreSQL.

The file has the import layout (``secretariat/registry/layout.py``): old platform IDs and addresses, statuses and
publication dates, 4,800 pledging entities (the former registry's ratio: 1,000+ pledges from 480+ entities),
one pledge in ten joint, focus areas, pillars, pledge types, values in several currencies, beneficiary countries
by code and by name. The run:

1. migrates a throwaway PostgreSQL database (``p2c_import_bench_<pid>`` on the server of ``DATABASE_URL``,
   dropped at the end; the project's own database is never touched);
2. uploads the file, runs the dry run (every row checked and matched, nothing written), then the import in one
   transaction, timing each step;
3. imports the same file again (every row an update: no duplicate) and times that too.

Usage, from the project folder (PostgreSQL running)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/import_registry.py
    .venv/bin/python benchmarks/import_registry.py --rows 2000     # a quicker look

Target (issue "import the existing registry"): 10,000 rows import in under a minute on PostgreSQL. The script
prints each figure and exits with status 1 when the dry run plus the import take a minute or more.
"""

import argparse
import csv
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 60.0
COLUMNS = (
    "old_platform_id",
    "old_url",
    "status",
    "published_at",
    "pledging_entity",
    "entity_type",
    "entity_country_iso2",
    "entity_website",
    "partner_entities",
    "title",
    "summary",
    "focus_areas",
    "pillars",
    "pledge_type",
    "value_amount",
    "value_currency",
    "beneficiary_countries_iso2",
    "start_year",
    "end_year",
    "source_url",
)
ENTITY_KINDS = ("Ministry of Digital Economy", "Telecom", "Connectivity Foundation", "University", "Agency")


def generate_registry_csv(*, rows: int, entities: int | None = None, seed: int = 2025) -> bytes:
    """A registry file of ``rows`` valid rows in the import layout, as UTF-8 CSV bytes.

    Reference values (stakeholder types, focus areas, pillars, pledge types, countries, currencies with a rate)
    are read from the database, so the file imports into any database migrated with the reference data.

    Args:
        rows: number of pledges.
        entities: number of distinct pledging entities (default: 48 % of ``rows``, at least 1).
        seed: the random generator's seed (the same seed gives the same file).
    """
    from reference.models import Country, ExchangeRate, FocusArea, Pillar, PledgeType, StakeholderType

    rng = random.Random(seed)  # noqa: S311 - generated test data, not secrets
    entities = entities or max(1, rows * 48 // 100)
    types = list(StakeholderType.objects.values_list("name", flat=True))
    areas = list(FocusArea.objects.values_list("name", flat=True))
    pillars = list(Pillar.objects.values_list("name", flat=True))
    pledge_types = list(PledgeType.objects.values_list("name", flat=True))
    countries = list(Country.objects.values_list("iso2", "name"))
    currencies = sorted(set(ExchangeRate.objects.values_list("currency_id", flat=True))) or ["USD"]
    statuses = ["published"] * 14 + ["completed", "closed", "withdrawn", "completion_requested"]

    def word() -> str:
        return "".join(
            rng.choice("bcdfgklmnprstvz") + rng.choice("aeiou") for _ in range(rng.randint(2, 4))
        ).title()

    people = [
        (
            f"{word()} {word()} {ENTITY_KINDS[n % len(ENTITY_KINDS)]} {n}",
            rng.choice(types),
            rng.choice(countries)[0],
        )
        for n in range(entities)
    ]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for n in range(rows):
        name, stakeholder_type, country = people[n % entities]
        start = rng.randint(2019, 2025)
        partners = ""
        if n % 10 == 0 and entities > 1:
            partners = people[(n + 1) % entities][0]
        beneficiaries = [rng.choice(countries) for _ in range(rng.randint(1, 3))]
        writer.writerow(
            [
                f"OLD-{n + 1:06d}",
                f"https://old-registry.example.org/pledges/view/{n + 1}",
                rng.choice(statuses),
                f"{start}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                name,
                stakeholder_type,
                country,
                f"https://www.example.org/entity-{n % entities}",
                partners,
                f"Connectivity pledge {n + 1}",
                f"Connect {rng.randint(10, 5000)} schools and health centres; train {rng.randint(100, 90000)} people.",
                ";".join(rng.sample(areas, rng.randint(1, 2))),
                rng.choice(pillars) if n % 3 == 0 else "",
                ";".join(rng.sample(pledge_types, rng.randint(1, 2))),
                str(rng.randrange(10_000, 500_000_000)) if n % 4 else "",
                rng.choice(currencies) if n % 4 else "",
                ";".join(code if i % 2 == 0 else label for i, (code, label) in enumerate(beneficiaries)),
                str(start),
                str(start + rng.randint(0, 6)),
                "https://www.itu.int/itu-d/sites/partner2connect/",
            ]
        )
    return out.getvalue().encode("utf-8")


def _database_urls() -> tuple[str, str, str]:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not base.startswith(("postgres://", "postgresql://")):
        sys.exit("The benchmark runs on PostgreSQL: set DATABASE_URL to a PostgreSQL server.")
    server = base.rsplit("/", 1)[0]
    name = f"p2c_import_bench_{os.getpid()}"
    return server, name, f"{server}/{name}"


def _admin(server: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(sql)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--entities", type=int, default=None)
    args = parser.parse_args()

    server, name, url = _database_urls()
    _admin(server, f'CREATE DATABASE "{name}"')
    try:
        os.environ["DATABASE_URL"] = url
        os.environ.pop("REDIS_URL", None)
        os.environ["DJANGO_SETTINGS_MODULE"] = "p2c.settings.local"
        os.environ.setdefault("P2C_PRIVATE_MEDIA_ROOT", str(Path(tempfile.gettempdir()) / name))
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        settings.P2C_IMPORT_MAX_BYTES = 200 * 1024 * 1024
        call_command("migrate", verbosity=0)
        from accounts.models import User
        from pledges.models import Pledge
        from secretariat.models import LegacyPledge, RegistryImport
        from secretariat.registry.services import (
            registry_import_check,
            registry_import_run,
            registry_import_start,
            registry_import_upload,
        )

        staff = User.objects.create_user("benchmark@example.org", is_staff=True, is_superuser=True)
        started = time.monotonic()
        data = generate_registry_csv(rows=args.rows, entities=args.entities)
        generated = time.monotonic() - started
        print(f"Generated {args.rows:,} rows ({len(data) / 1048576:.1f} MB) in {generated:.1f} s")

        figures = {}
        for label in ("first import", "second import (same file)"):
            from django.core.files.uploadedfile import SimpleUploadedFile

            t0, c0 = time.monotonic(), time.process_time()
            record = registry_import_upload(
                uploaded=SimpleUploadedFile("registry.csv", data), by=staff, queue=False
            )
            record = registry_import_check(registry_import=record)
            t1 = time.monotonic()
            if record.status != RegistryImport.Status.CHECKED:
                print(f"{label}: dry run refused {record.refused_count} rows: {record.error}")
                print([r for r in record.report if r["reasons"]][:5])
                return 1
            registry_import_start(registry_import=record, by=staff, queue=False)
            record = registry_import_run(registry_import=record)
            t2, c2 = time.monotonic(), time.process_time()
            if record.status != RegistryImport.Status.IMPORTED:
                print(f"{label}: import failed: {record.error}")
                return 1
            figures[label] = (t1 - t0, t2 - t1)
            print(
                f"{label}: dry run {t1 - t0:.1f} s, import {t2 - t1:.1f} s, total {t2 - t0:.1f} s "
                f"(CPU of this process {c2 - c0:.1f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores) "
                f"({record.create_count:,} created, {record.update_count:,} updated, "
                f"{record.organisations_created:,} organisations created)"
            )
        pledges, legacy = Pledge.objects.count(), LegacyPledge.objects.count()
        print(f"Pledges on the platform: {pledges:,}; old platform IDs kept: {legacy:,}")
        dry, write = figures["first import"]
        met = dry + write < TARGET_SECONDS and pledges == args.rows
        print(
            f"Target: {args.rows:,} rows checked and imported in under {TARGET_SECONDS:.0f} s on PostgreSQL: "
            f"{dry + write:.1f} s — {'met' if met else 'NOT met'}"
        )
        return 0 if met else 1
    finally:
        from django.db import connections

        connections.close_all()
        _admin(server, f'DROP DATABASE IF EXISTS "{name}"')


if __name__ == "__main__":
    sys.exit(main())

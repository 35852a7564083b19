"""Benchmark: export N published pledges as CSV through the platform's streaming download, beside PostgreSQL's own
``COPY (SELECT ...) TO STDOUT WITH CSV`` of the same columns, in the same run.

Usage (PostgreSQL only; the database is created and migrated if needed, the pledges generated once with
bulk_create and reused by later runs)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/p2c_bench .venv/bin/python benchmarks/export_csv.py --pledges 100000

Each measurement runs in a fresh child process: it sets Django up, reads its idle resident memory (VmRSS), resets
the kernel's peak counter (``/proc/self/clear_refs``), runs the export to the end and reads the peak (VmHWM). The
streaming export goes through the real view (``GET /data/pledges.csv``) and consumes its streamed body; COPY
streams the same rows from the server through psycopg's ``copy()``. Targets (issue "open data"): peak RSS growth
of the streaming export <= 64 MB over the idle process, time <= 3 x the COPY.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TITLE_PREFIX = "Benchmark pledge"
PUBLIC_ID_YEAR = 2019


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "p2c.settings.local")
    os.environ.setdefault("DJANGO_DEBUG", "false")  # no query log in memory, as in production
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


def _ensure_database(url: str) -> None:
    """Create the database named in ``url`` (PostgreSQL) when it does not exist yet."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    server = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(server, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")


# --- data ---------------------------------------------------------------------------------------------------


def generate(n: int) -> int:
    """Make sure ``n`` benchmark pledges exist (published, with partners, countries, tags, values, deliverables,
    progress reports); returns how many were created now."""
    import datetime as dt
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from organisations.models import Organisation
    from pledges.models import Deliverable, Pledge, PledgePartner
    from progress.models import ProgressReport
    from reference.models import (
        Country,
        Currency,
        ExchangeRate,
        FocusArea,
        Pillar,
        PledgeType,
        StakeholderType,
    )

    existing = Pledge.objects.filter(title__startswith=TITLE_PREFIX).count()
    if existing >= n:
        return 0
    rng = random.Random(42)  # noqa: S311
    types = list(StakeholderType.objects.all())
    countries = list(Country.objects.all())
    focus_areas, pillars, pledge_types = (
        list(FocusArea.objects.all()),
        list(Pillar.objects.all()),
        list(PledgeType.objects.all()),
    )
    rates = {r.currency_id: r for r in ExchangeRate.objects.order_by("currency", "-date")}
    currencies = [c for c in Currency.objects.filter(code__in=rates)][:10] or list(Currency.objects.all()[:1])
    orgs = list(Organisation.objects.filter(slug__startswith="benchmark-org-"))
    if len(orgs) < 2000:
        Organisation.objects.bulk_create(
            [
                Organisation(
                    name=f"Benchmark organisation {i}",
                    slug=f"benchmark-org-{i}",
                    stakeholder_type=rng.choice(types),
                    country=rng.choice(countries),
                    verification=Organisation.Verification.VERIFIED,
                )
                for i in range(len(orgs), 2000)
            ],
            batch_size=1000,
        )
        orgs = list(Organisation.objects.filter(slug__startswith="benchmark-org-"))
    now = timezone.now()
    reviewed = any(f.name == "status" for f in ProgressReport._meta.fields)
    made = 0
    for start in range(existing, n, 5000):
        with transaction.atomic():
            batch = []
            for i in range(start, min(n, start + 5000)):
                currency = rng.choice(currencies)
                amount = Decimal(rng.randrange(1000, 50_000_000))
                rate = rates.get(currency.code)
                batch.append(
                    Pledge(
                        public_id=f"P2C-{PUBLIC_ID_YEAR}-{i + 1:06d}",
                        lead_organisation=rng.choice(orgs),
                        title=f"{TITLE_PREFIX} {i}: connecting schools, clinics and farms",
                        summary="Broadband for rural schools and clinics, with digital skills training.",
                        description="Connect rural schools and clinics to affordable broadband; train teachers; "
                        "measure use; report yearly. " * 3,
                        status=Pledge.Status.PUBLISHED,
                        published_at=now - dt.timedelta(minutes=i),
                        start_date=dt.date(2024, 1, 1),
                        end_date=dt.date(2027, 12, 31),
                        value_amount=amount,
                        value_currency=currency,
                        value_usd=(amount * rate.usd_per_unit).quantize(Decimal("0.01")) if rate else None,
                        usd_rate=rate,
                    )
                )
            pledges = Pledge.objects.bulk_create(batch)
            through = {
                name: getattr(Pledge, name).through
                for name in ("focus_areas", "pillars", "pledge_types", "beneficiary_countries")
            }
            rows = {name: [] for name in through}
            partners, deliverables, reports = [], [], []
            for p in pledges:
                rows["focus_areas"] += [
                    through["focus_areas"](pledge=p, focusarea=f) for f in rng.sample(focus_areas, 2)
                ]
                rows["pillars"] += [through["pillars"](pledge=p, pillar=x) for x in rng.sample(pillars, 2)]
                rows["pledge_types"] += [
                    through["pledge_types"](pledge=p, pledgetype=rng.choice(pledge_types))
                ]
                rows["beneficiary_countries"] += [
                    through["beneficiary_countries"](pledge=p, country=c) for c in rng.sample(countries, 3)
                ]
                if rng.random() < 0.25:
                    partner = rng.choice(orgs)
                    if partner.pk != p.lead_organisation_id:
                        partners.append(
                            PledgePartner(
                                pledge=p, organisation=partner, status="confirmed", role="implementing"
                            )
                        )
                deliverables.append(
                    Deliverable(pledge=p, title="500 schools connected", unit="schools", target_value=500)
                )
                if rng.random() < 0.3:
                    report = ProgressReport(
                        pledge=p, implementation_status="on_track", percent_complete=40, narrative="On track."
                    )
                    if reviewed:
                        report.status, report.published_at = "published", now
                    reports.append(report)
            for name, objs in rows.items():
                through[name].objects.bulk_create(objs, batch_size=5000)
            PledgePartner.objects.bulk_create(partners, batch_size=5000)
            Deliverable.objects.bulk_create(deliverables, batch_size=5000)
            ProgressReport.objects.bulk_create(reports, batch_size=5000)
            made += len(pledges)
        print(f"  generated {existing + made} / {n} pledges", file=sys.stderr)
    return made


# --- the two exports ----------------------------------------------------------------------------------------


def _tag_cte(name: str, through: str, column: str, table: str, code: str, order: str) -> str:
    return (
        f"{name} AS (SELECT t.pledge_id, string_agg(x.{code}::text, ';' ORDER BY {order}) AS v "  # noqa: S608
        f"FROM {through} t JOIN {table} x ON x.id = t.{column} GROUP BY t.pledge_id)"
    )


def copy_sql(*, progress_status: bool) -> str:
    """The COPY of the same columns as ``/data/pledges.csv``: aggregates per pledge in CTEs, joined once."""
    ctes = [
        "partners AS (SELECT pp.pledge_id, string_agg(po.slug, ';' ORDER BY po.name, pp.id) AS slugs, "
        "string_agg(po.name, ';' ORDER BY po.name, pp.id) AS names, "
        "string_agg(pp.role, ';' ORDER BY po.name, pp.id) AS roles, "
        "string_agg(coalesce(pp.share_percent::text, ''), ';' ORDER BY po.name, pp.id) AS shares "
        "FROM pledges_pledgepartner pp JOIN organisations_organisation po ON po.id = pp.organisation_id "
        "WHERE pp.status = 'confirmed' GROUP BY pp.pledge_id)",
        _tag_cte(
            "fa",
            "pledges_pledge_focus_areas",
            "focusarea_id",
            "reference_focusarea",
            "slug",
            'x."order", x.id',
        ),
        _tag_cte("pil", "pledges_pledge_pillars", "pillar_id", "reference_pillar", "slug", "x.id"),
        _tag_cte(
            "pt",
            "pledges_pledge_pledge_types",
            "pledgetype_id",
            "reference_pledgetype",
            "slug",
            'x."order", x.id',
        ),
        _tag_cte("sdg", "pledges_pledge_sdgs", "sdg_id", "reference_sdg", "number", "x.number"),
        _tag_cte(
            "bg",
            "pledges_pledge_beneficiary_groups",
            "beneficiarygroup_id",
            "reference_beneficiarygroup",
            "slug",
            'x."order", x.id',
        ),
        _tag_cte(
            "ct",
            "pledges_pledge_connectivity_targets",
            "connectivitytarget_id",
            "reference_connectivitytarget",
            "slug",
            'x."order", x.id',
        ),
        _tag_cte(
            "bc", "pledges_pledge_beneficiary_countries", "country_id", "reference_country", "iso2", "x.name"
        ),
        _tag_cte("rg", "pledges_pledge_regions", "region_id", "reference_region", "m49_code", "x.m49_code"),
        "grp AS (SELECT t.pledge_id, "
        "string_agg(c.iso2, ';' ORDER BY c.name) FILTER (WHERE g.code = 'LDC') AS ldc, "
        "string_agg(c.iso2, ';' ORDER BY c.name) FILTER (WHERE g.code = 'LLDC') AS lldc, "
        "string_agg(c.iso2, ';' ORDER BY c.name) FILTER (WHERE g.code = 'SIDS') AS sids "
        "FROM pledges_pledge_beneficiary_countries t JOIN reference_country c ON c.id = t.country_id "
        "JOIN reference_countrygroupmembership m ON m.country_id = c.id "
        "AND (m.valid_from IS NULL OR m.valid_from <= %(today)s::date) "
        "AND (m.valid_until IS NULL OR m.valid_until > %(today)s::date) "
        "JOIN reference_countrygroup g ON g.id = m.group_id GROUP BY t.pledge_id)",
        "dl AS (SELECT pledge_id, count(*) AS n FROM pledges_deliverable GROUP BY pledge_id)",
        "lp AS (SELECT DISTINCT ON (pledge_id) pledge_id, implementation_status, percent_complete, "  # noqa: S608
        + (
            "published_at AS at FROM progress_progressreport WHERE status = 'published' "
            if progress_status
            else "created_at AS at FROM progress_progressreport "
        )
        + "ORDER BY pledge_id, at DESC, id DESC)",
    ]
    return (
        "COPY (WITH "  # noqa: S608
        + ",\n".join(ctes)
        + """
  SELECT p.public_id, %(url)s || p.public_id || '/', p.title, p.summary, p.description, p.website, p.status,
    p.published_at, p.updated_at, p.start_date, p.end_date, o.slug, o.name, st.slug, oc.iso2,
    partners.slugs, partners.names, partners.roles, partners.shares,
    fa.v, pil.v, pt.v, sdg.v, bg.v, ct.v, cp.slug, p.is_global, bc.v, rg.v, grp.ldc, grp.lldc, grp.sids,
    %(today)s::date, p.value_amount, p.value_currency_id, p.value_usd, er.usd_per_unit, er.date, er.source,
    coalesce(dl.n, 0), lp.implementation_status, lp.percent_complete, lp.at
  FROM pledges_pledge p
  JOIN organisations_organisation o ON o.id = p.lead_organisation_id
  JOIN reference_stakeholdertype st ON st.id = o.stakeholder_type_id
  LEFT JOIN reference_country oc ON oc.id = o.country_id
  LEFT JOIN reference_campaign cp ON cp.id = p.campaign_id
  LEFT JOIN reference_exchangerate er ON er.id = p.usd_rate_id
  LEFT JOIN partners ON partners.pledge_id = p.id
  LEFT JOIN fa ON fa.pledge_id = p.id LEFT JOIN pil ON pil.pledge_id = p.id LEFT JOIN pt ON pt.pledge_id = p.id
  LEFT JOIN sdg ON sdg.pledge_id = p.id LEFT JOIN bg ON bg.pledge_id = p.id LEFT JOIN ct ON ct.pledge_id = p.id
  LEFT JOIN bc ON bc.pledge_id = p.id LEFT JOIN rg ON rg.pledge_id = p.id LEFT JOIN grp ON grp.pledge_id = p.id
  LEFT JOIN dl ON dl.pledge_id = p.id LEFT JOIN lp ON lp.pledge_id = p.id
  WHERE p.status IN ('published', 'completion_requested', 'completed', 'closed')
  ORDER BY p.public_id
) TO STDOUT WITH CSV HEADER"""
    )


def measure(kind: str) -> dict:
    """Run one export in this (fresh) process; return rows, bytes, seconds and memory figures."""
    _setup()
    from django.conf import settings
    from django.db import connection
    from django.test import RequestFactory

    from opendata import selectors, views

    connection.ensure_connection()
    idle = _rss_kb("VmRSS")
    _reset_peak()
    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime
    started = time.perf_counter()
    size = lines = 0
    if kind == "streaming":
        request = RequestFactory().get("/data/pledges.csv", REMOTE_ADDR="127.0.0.1")
        request.user = type("Anonymous", (), {"is_authenticated": False})()
        response = views.download(request, dataset="pledges", fmt="csv")
        assert response.status_code == 200, response.status_code
        for piece in response.streaming_content:
            size += len(piece)
            lines += piece.count(b"\n")
    else:
        from progress.models import ProgressReport

        sql = copy_sql(progress_status=any(f.name == "status" for f in ProgressReport._meta.fields))
        params = {"url": settings.SITE_URL + "/pledges/", "today": selectors.groups_date().isoformat()}
        with connection.cursor() as cursor:
            with cursor.cursor.copy(sql, params) as copy:
                for piece in copy:
                    size += len(piece)
                    lines += bytes(piece).count(b"\n")
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak = _rss_kb("VmHWM")
    return {
        "kind": kind,
        "lines": lines,
        "bytes": size,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime - cpu_before, 2),
        "idle_rss_mb": round(idle / 1024, 1),
        "peak_rss_mb": round(peak / 1024, 1),
        "growth_mb": round((peak - idle) / 1024, 1),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pledges", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each export; the fastest counts")
    parser.add_argument("--measure", choices=["streaming", "copy"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (COPY is PostgreSQL's).")
    _ensure_database(os.environ["DATABASE_URL"])
    _setup()
    from django.core.management import call_command
    from django.db import connection

    from pledges.models import Pledge

    call_command("migrate", verbosity=0)
    made = generate(args.pledges)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh planner statistics after the bulk load, as autovacuum would give
    public = Pledge.objects.published().count()
    connection.close()
    print(f"published pledges in the database: {public} ({made} generated now)")
    print(f"load average before: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})")
    runs = {"copy": [], "streaming": []}
    for _ in range(args.repeat):  # interleaved; on a busy machine the fastest run is the least disturbed
        for kind in ("copy", "streaming"):
            out = subprocess.run(  # noqa: S603
                [sys.executable, __file__, "--measure", kind],
                check=True,
                capture_output=True,
                text=True,
                env=os.environ,
            )
            runs[kind].append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    results = {kind: min(found, key=lambda r: r["seconds"]) for kind, found in runs.items()}
    for kind in ("copy", "streaming"):
        r = results[kind]
        print(
            f"{kind:>9}: {r['lines'] - 1} rows, {r['bytes'] / 1e6:.1f} MB in {r['seconds']:.2f} s "
            f"(client CPU {r['cpu_seconds']:.2f} s; all runs: {', '.join(str(x['seconds']) for x in runs[kind])} s); "
            f"RSS idle {r['idle_rss_mb']} MB, peak {r['peak_rss_mb']} MB, growth {r['growth_mb']} MB"
        )
    ratio = results["streaming"]["seconds"] / results["copy"]["seconds"]
    growth = max(r["growth_mb"] for r in runs["streaming"])
    print(f"time: streaming / COPY = {ratio:.2f} (target <= 3)")
    print(f"memory: streaming peak RSS growth {growth} MB (target <= 64 MB)")
    ok = ratio <= 3 and growth <= 64
    print("targets met" if ok else "TARGETS MISSED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

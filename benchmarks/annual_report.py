"""Benchmark of the annual report: time and peak memory for 500 and 5,000 published pledges.

In one run, each in a child process of its own (so that its peak resident memory is its own):

1. the whole annual report (snapshot rows from the database, every figure, charts, the annex of every pledge,
   chunked and merged, PDF/UA) for 500 generated pledges, then for 5,000;
2. the reference: WeasyPrint alone rendering one plain 5,000-row A4 table in a single pass.

The pledges are generated quickly (``bulk_create``) in a throwaway SQLite database in a temporary folder,
migrated from scratch; nothing touches the project's own database. Usage, from the project folder::

    .venv/bin/python benchmarks/annual_report.py                 # 500 and 5,000 pledges, table of 5,000 rows
    .venv/bin/python benchmarks/annual_report.py --sizes 200 --table-rows 1000   # a quicker look

Targets (issue "The Secretariat's annual report"): the 5,000-pledge report takes less time than the plain
5,000-row table in one pass, its peak RSS is at most 300 MB, and its time grows no faster than linearly from
500 to 5,000 pledges. The script prints each figure and whether each target is met; it exits with status 1
when one is not.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEAK_RSS_TARGET_MB = 300


# --- children ---------------------------------------------------------------------------------------------


def _django(db_path: str, media: str) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ["P2C_PRIVATE_MEDIA_ROOT"] = media
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "p2c.settings.local")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def prepare(db_path: str, media: str, size: int, seed: int = 2025) -> None:
    """Migrate a fresh database and add ``size`` published pledges (bulk inserts, a few seconds)."""
    _django(db_path, media)
    import datetime as dt
    from decimal import Decimal

    from django.core.management import call_command

    from organisations.models import Organisation
    from pledges.models import Pledge, PledgePartner
    from progress.models import ProgressReport
    from reference.models import Country, ExchangeRate, FocusArea, Pillar, PledgeType, StakeholderType

    call_command("migrate", verbosity=0)
    rng = random.Random(seed)  # noqa: S311 - generated test data, not secrets
    countries = list(Country.objects.all())
    stakeholder_types = list(StakeholderType.objects.all())
    usd = ExchangeRate.objects.filter(currency_id="USD").first()
    organisations = Organisation.objects.bulk_create(
        Organisation(
            name=f"Benchmark organisation {n}",
            slug=f"benchmark-organisation-{n}",
            stakeholder_type=rng.choice(stakeholder_types),
            country=rng.choice(countries) if n % 9 else None,
            verification=Organisation.Verification.VERIFIED,
        )
        for n in range(max(size // 4, 10))
    )
    published = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    pledges = []
    for n in range(size):
        value = Decimal(rng.randrange(10_000, 50_000_000)) if n % 5 else None
        pledges.append(
            Pledge(
                public_id=f"P2C-2025-{n + 1:05d}",
                lead_organisation=rng.choice(organisations),
                title=f"Connecting rural schools and health centres, phase {n % 7 + 1} ({n})",
                summary="Broadband for schools, clinics and community centres, with digital skills training.",
                status=Pledge.Status.PUBLISHED,
                published_at=published + dt.timedelta(minutes=97 * n % (364 * 24 * 60)),
                submitted_at=published,
                is_global=n % 23 == 0,
                value_amount=value,
                value_currency_id="USD" if value else None,
                value_usd=value,
                usd_rate=usd if value and usd else None,
                start_date=dt.date(2025, 1, 1),
                end_date=dt.date(2028, 12, 31),
            )
        )
    pledges = Pledge.objects.bulk_create(pledges, batch_size=500)
    pledges = list(Pledge.objects.order_by("public_id"))

    def link(name, targets, per_pledge):
        field = Pledge._meta.get_field(name)
        through = field.remote_field.through
        target_fk = next(f for f in through._meta.fields if f.related_model is field.related_model)
        pledge_fk = next(f for f in through._meta.fields if f.related_model is Pledge)
        rows = []
        for pledge in pledges:
            for target in rng.sample(targets, min(rng.randint(1, per_pledge), len(targets))):
                rows.append(through(**{pledge_fk.attname: pledge.pk, target_fk.attname: target.pk}))
        through.objects.bulk_create(rows, batch_size=2000)

    link("focus_areas", list(FocusArea.objects.all()), 2)
    link("pillars", list(Pillar.objects.all()), 2)
    link("pledge_types", list(PledgeType.objects.all()), 2)
    link("beneficiary_countries", countries, 4)
    for name in ("sdgs", "beneficiary_groups"):
        try:
            field = Pledge._meta.get_field(name)
        except Exception:  # noqa: S112 - older pledge models do not record these
            continue
        link(name, list(field.related_model.objects.all()), 3)
    PledgePartner.objects.bulk_create(
        (
            PledgePartner(pledge=p, organisation=o, status=PledgePartner.Status.CONFIRMED)
            for p in pledges[::6]
            for o in [rng.choice(organisations)]
            if o.pk != p.lead_organisation_id
        ),
        batch_size=1000,
    )
    statuses = [c for c, _label in ProgressReport.ImplementationStatus.choices]
    ProgressReport.objects.bulk_create(
        (
            ProgressReport(
                pledge=p,
                implementation_status=rng.choice(statuses),
                percent_complete=rng.randrange(0, 101),
                narrative="Progress in the year.",
            )
            for p in pledges[::3]
        ),
        batch_size=1000,
    )
    ProgressReport.objects.update(created_at=dt.datetime(2025, 11, 30, tzinfo=dt.UTC))


def render_report(db_path: str, media: str, out: str) -> None:
    """Snapshot + figures + PDF of the 2025 report, as the Celery task does (timed by the parent too)."""
    _django(db_path, media)
    import datetime as dt

    from django.conf import settings
    from django.utils import timezone

    from reports import rendering, selectors

    started, cpu = time.perf_counter(), time.process_time()
    cutoff = selectors.report_cutoff(year=2025)
    snapshot = {
        "year": 2025,
        "time_zone": settings.P2C_TIME_ZONE,
        "cutoff": cutoff.isoformat(),
        "previous_cutoff": selectors.report_cutoff(year=2024).isoformat(),
        "generated_at": timezone.now().astimezone(dt.UTC).isoformat(),
        "rows": selectors.pledge_snapshot_rows(cutoff=cutoff),
    }
    snapshot = json.loads(json.dumps(snapshot))  # as stored
    selectors.report_figures(snapshot)
    pdf = rendering.render_annual_report_pdf(snapshot=snapshot, revision=1, language="en")
    Path(out).write_bytes(pdf)
    print(
        json.dumps(
            {
                "seconds": time.perf_counter() - started,
                "cpu": time.process_time() - cpu,
                "rows": len(snapshot["rows"]),
            }
        )
    )


def render_plain_table(rows: int, out: str) -> None:
    """WeasyPrint alone: one plain A4 table of ``rows`` rows, one pass (the reference of FINDINGS.md)."""
    from weasyprint import HTML

    body = "".join(
        f"<tr><td>P2C-2025-{i:05d}</td><td>Connecting rural schools, phase {i % 7}</td>"
        f"<td>Benchmark organisation {i % 1250}</td><td>{i * 1000:,}</td></tr>"
        for i in range(rows)
    )
    html = (
        "<html lang=en><head><title>Plain table</title><style>@page { size: A4 } "
        "table { width: 100%; border-collapse: collapse } td { border-bottom: 1px solid #ccc }</style></head>"
        f"<body><table><thead><tr><th>ID</th><th>Title</th><th>Entity</th><th>Value</th></tr></thead>"
        f"<tbody>{body}</tbody></table></body></html>"
    )
    started, cpu = time.perf_counter(), time.process_time()
    pdf = HTML(string=html).write_pdf()
    Path(out).write_bytes(pdf)
    print(
        json.dumps({"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu, "rows": rows})
    )


# --- parent -----------------------------------------------------------------------------------------------


def _child(*args: str) -> tuple[dict, float, float]:
    """Run this script as a child with ``args``; return its JSON output, wall seconds and peak RSS in MB."""
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - this very script, with our own arguments
        [sys.executable, __file__, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    stdout = process.stdout.read()
    stderr = process.stderr.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.stderr.write(stderr.decode(errors="replace"))
        raise SystemExit(f"child {args[0]} failed")
    lines = [line for line in stdout.decode().splitlines() if line.startswith("{")]
    return (json.loads(lines[-1]) if lines else {}), wall, usage.ru_maxrss / 1024  # KiB on Linux


def _pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(path).pages)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 5000], help="numbers of pledges")
    parser.add_argument("--table-rows", type=int, default=5000, help="rows of the plain reference table")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (PDFs, databases)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="p2c-benchmark-"))
    results = []
    print(f"Benchmark of the annual report; files in {folder}", flush=True)
    for size in args.sizes:
        db = folder / f"pledges-{size}.sqlite3"
        media = folder / f"media-{size}"
        _child("prepare", str(db), str(media), str(size))
        pdf = folder / f"annual-report-{size}.pdf"
        out, wall, rss = _child("report", str(db), str(media), str(pdf))
        results.append(
            {
                "what": f"annual report, {size:,} pledges",
                "size": size,
                "seconds": out["seconds"],
                "cpu": out["cpu"],
                "rss": rss,
                "wall": wall,
                "pages": _pages(pdf),
            }
        )
        print(f"  {results[-1]['what']}: {out['seconds']:.1f} s, peak RSS {rss:.0f} MB", flush=True)
    table_pdf = folder / "plain-table.pdf"
    out, wall, rss = _child("table", str(args.table_rows), str(table_pdf))
    table = {
        "what": f"plain table, {args.table_rows:,} rows, one pass",
        "seconds": out["seconds"],
        "cpu": out["cpu"],
        "rss": rss,
        "wall": wall,
        "pages": _pages(table_pdf),
    }
    print(f"  {table['what']}: {out['seconds']:.1f} s, peak RSS {rss:.0f} MB", flush=True)

    print()
    print(
        "render s / CPU s: the rendering itself (wall clock / processor time); process s: the child process"
    )
    print(
        "from start to exit (Python, Django and WeasyPrint start-up included); peak RSS: the child's maximum."
    )
    print(f"{'what':<40} {'render s':>9} {'CPU s':>7} {'process s':>10} {'peak RSS MB':>12} {'pages':>6}")
    for r in [*results, table]:
        print(
            f"{r['what']:<40} {r['seconds']:>9.1f} {r['cpu']:>7.1f} {r['wall']:>10.1f} {r['rss']:>12.0f} "
            f"{r['pages']:>6}"
        )

    largest = max(results, key=lambda r: r["size"])
    smallest = min(results, key=lambda r: r["size"])
    checks = [
        (
            f"{largest['what']} faster than the plain table (wall {largest['seconds']:.1f} s < "
            f"{table['seconds']:.1f} s, CPU {largest['cpu']:.1f} s < {table['cpu']:.1f} s)",
            largest["seconds"] < table["seconds"] and largest["cpu"] < table["cpu"],
        ),
        (f"{largest['what']}: peak RSS <= {PEAK_RSS_TARGET_MB} MB", largest["rss"] <= PEAK_RSS_TARGET_MB),
    ]
    if largest is not smallest:
        growth = largest["cpu"] / smallest["cpu"]
        pledges = largest["size"] / smallest["size"]
        checks.append(
            (
                f"time grows no faster than linearly ({smallest['size']:,} -> {largest['size']:,} pledges, "
                f"x{pledges:.0f}: CPU time x{growth:.1f}, wall time x{largest['seconds'] / smallest['seconds']:.1f})",
                growth <= pledges,
            )
        )
    print()
    for text, ok in checks:
        print(f"[{'ok' if ok else 'MISSED'}] {text}")
    if not args.keep:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    return 0 if all(ok for _text, ok in checks) else 1


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "prepare":
        prepare(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif len(sys.argv) > 1 and sys.argv[1] == "report":
        render_report(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) > 1 and sys.argv[1] == "table":
        render_plain_table(int(sys.argv[2]), sys.argv[3])
    else:
        sys.exit(main())

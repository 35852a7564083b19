"""Backups: scripts/backup.sh dumps the database and archives the files; scripts/restore.sh puts them into a fresh
database and fresh folders, where the same pledges, organisations, progress reports and files are found.

Runs the real scripts (pg_dump, pg_restore, tar) against the test database, so it needs PostgreSQL.
"""

import io
import os
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone
from PIL import Image

from organisations.models import Membership
from progress.models import Evidence, ProgressReport
from reports.models import AnnualReport
from reports.services import annual_report_start

from ..factories import OrganisationFactory, member, published_pledge

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="backup.sh and restore.sh use pg_dump / pg_restore: run with DATABASE_URL on PostgreSQL",
    ),
]

QUERIES = {
    "pledges": "SELECT public_id, title, status, value_amount, value_currency_id, published_at "
    "FROM pledges_pledge ORDER BY public_id",
    "partners": "SELECT p.public_id, o.slug, pp.status FROM pledges_pledgepartner pp "
    "JOIN pledges_pledge p ON p.id = pp.pledge_id JOIN organisations_organisation o ON o.id = pp.organisation_id "
    "ORDER BY 1, 2",
    "organisations": "SELECT slug, name, logo, verification FROM organisations_organisation ORDER BY slug",
    "progress reports": "SELECT p.public_id, r.status, r.implementation_status, r.percent_complete, r.narrative "
    "FROM progress_progressreport r JOIN pledges_pledge p ON p.id = r.pledge_id ORDER BY 1, 4",
    "evidence": "SELECT r.narrative, e.file, e.original_name FROM progress_evidence e "
    "JOIN progress_progressreport r ON r.id = e.report_id ORDER BY 1",
    "annual reports": "SELECT year, revision, status, pdf, snapshot_json, snapshot_csv FROM reports_annualreport "
    "ORDER BY 1, 2",
}


def database_url(name: str) -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    return f"postgresql://{s['USER']}{password}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{name}"


def read_all(url: str) -> dict:
    with psycopg.connect(url) as conn:
        return {what: conn.execute(sql).fetchall() for what, sql in QUERIES.items()}


def run_script(name: str, *args, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / name), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def png(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def fresh_database():
    name = f"p2c_restore_{uuid.uuid4().hex[:12]}"
    admin_url = database_url("postgres")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield database_url(name)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def platform_data():
    """Organisations with logos, a single and a joint published pledge, progress reports, an annual report."""
    lead, partner = OrganisationFactory(name="Lead ministry"), OrganisationFactory(name="Partner company")
    lead.logo.save("lead.png", ContentFile(png("navy")))
    partner.logo.save("partner.png", ContentFile(png("orange")))
    joint = published_pledge(lead, title="Schools online", value="1250000", partners=[partner])
    other = published_pledge(partner, title="Digital skills for youth", countries=("FJ", "TV"))
    author = member(lead, Membership.Role.OWNER)
    for percent, pledge in ((25, joint), (60, other)):
        report = ProgressReport.objects.create(
            pledge=pledge,
            author=author,
            status=ProgressReport.Status.PUBLISHED,
            published_at=timezone.now(),
            implementation_status="on_track",
            percent_complete=percent,
            narrative=f"{percent}% of the schools are online.",
        )
        evidence = Evidence(
            report=report, original_name="photo.png", kind="image", content_type="image/png", size=1
        )
        evidence.file.save("photo.png", ContentFile(png("green")), save=False)
        evidence.save()
    annual_report_start(year=joint.published_at.year)  # commits; renders the PDF in-process


def test_backup_restores_into_a_fresh_database_with_the_same_records_and_files(
    platform_data, fresh_database, tmp_path
):
    report = AnnualReport.objects.get()
    assert report.status == AnnualReport.Status.READY, report.error
    original = read_all(database_url(connection.settings_dict["NAME"]))
    assert len(original["pledges"]) == 2 and len(original["progress reports"]) == 2
    restored_media, restored_private = tmp_path / "restored-media", tmp_path / "restored-private"

    backup = run_script(
        "backup.sh",
        str(tmp_path / "backups"),
        env={
            "DATABASE_URL": database_url(connection.settings_dict["NAME"]),
            "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "P2C_PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
        },
    )
    assert backup.returncode == 0, backup.stderr
    backup_dir = Path(backup.stdout.strip().splitlines()[-1])
    assert {p.name for p in backup_dir.iterdir()} == {
        "database.dump",
        "media.tar.gz",
        "private_media.tar.gz",
        "SHA256SUMS",
    }
    restore_env = {
        "DATABASE_URL": fresh_database,
        "DJANGO_MEDIA_ROOT": str(restored_media),
        "P2C_PRIVATE_MEDIA_ROOT": str(restored_private),
    }
    restore = run_script("restore.sh", str(backup_dir), env=restore_env)
    assert restore.returncode == 0, restore.stderr

    assert read_all(fresh_database) == original
    files = [(settings.MEDIA_ROOT, restored_media, name) for _, _, name, _ in original["organisations"]]
    files += [
        (settings.PRIVATE_MEDIA_ROOT, restored_private, name)
        for row in original["annual reports"]
        for name in row[3:]
    ]
    files += [(settings.PRIVATE_MEDIA_ROOT, restored_private, name) for _, name, _ in original["evidence"]]
    assert len(files) == 7 and all(name for _, _, name in files)
    for source, target, name in files:
        assert (Path(target) / name).read_bytes() == (Path(source) / name).read_bytes(), name

    again = run_script("restore.sh", str(backup_dir), env=restore_env)  # a database that is not empty
    assert again.returncode == 2 and "--clean" in again.stderr
    (backup_dir / "media.tar.gz").write_bytes(b"corrupted")
    corrupted = run_script("restore.sh", str(backup_dir), "--clean", env=restore_env)
    assert corrupted.returncode != 0 and "FAILED" in corrupted.stdout + corrupted.stderr

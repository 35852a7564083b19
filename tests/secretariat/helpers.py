"""Helpers of the secretariat tests: registry files in the import layout."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile

from secretariat.models import RegistryImport
from secretariat.registry.services import (
    registry_import_check,
    registry_import_run,
    registry_import_start,
    registry_import_upload,
)

DEMO_CSV = "pledges/demo/p2c_public_pledges.csv"
DEMO_PARTNERS = "pledges/demo/partner_organisations.csv"

ROW = {
    "old_platform_id": "1001",
    "old_url": "https://old.example.org/pledges/view/1001",
    "status": "published",
    "published_at": "2023-05-30",
    "pledging_entity": "Kalomi Telecom",
    "entity_type": "Private sector",
    "entity_country_iso2": "KE",
    "entity_website": "https://kalomi.example.com",
    "partner_entities": "",
    "title": "Rural towers in Kenya",
    "summary": "Build 200 rural towers.",
    "focus_areas": "Access",
    "pillars": "",
    "pledge_type": "Financial",
    "value_amount": "1500000",
    "value_currency": "USD",
    "beneficiary_countries_iso2": "KE",
    "start_year": "2023",
    "end_year": "2026",
    "source_url": "",
}


def registry_csv(*rows: dict, columns=None) -> bytes:
    """CSV bytes of ``rows`` (each a dict of ``ROW``'s columns overriding ``ROW``)."""
    columns = list(columns or ROW)
    for row in rows:
        columns += [c for c in row if c not in columns]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        merged = {**ROW, **row}
        writer.writerow([merged.get(c, "") for c in columns])
    return out.getvalue().encode("utf-8")


def demo_bytes() -> tuple[bytes, bytes]:
    with open(DEMO_CSV, "rb") as f, open(DEMO_PARTNERS, "rb") as g:
        return f.read(), g.read()


def dry_run(data: bytes, *, by, partners: bytes | None = None) -> RegistryImport:
    """Upload ``data`` and run its dry run in this process."""
    record = registry_import_upload(
        uploaded=SimpleUploadedFile("registry.csv", data),
        by=by,
        partners_uploaded=SimpleUploadedFile("partners.csv", partners) if partners else None,
        queue=False,
    )
    return registry_import_check(registry_import=record)


def run_import(record: RegistryImport, *, by) -> RegistryImport:
    registry_import_start(registry_import=record, by=by, queue=False)
    return registry_import_run(registry_import=record)


def reasons(record: RegistryImport) -> dict[int, list[str]]:
    """{line: reasons} of the refused rows."""
    return {r["line"]: r["reasons"] for r in record.report if r["reasons"]}

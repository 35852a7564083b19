"""Files and objects the progress tests share: evidence files of each accepted kind, built in memory."""

import datetime as dt
import io
import zipfile
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from organisations.models import Membership
from progress.models import ReportingPeriod
from progress.services import ReportContent
from tests.factories import OrganisationFactory, member, published_pledge

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def image_bytes(fmt="PNG", size=(16, 16), color="navy") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return buffer.getvalue()


def _zip(entries, first_stored=None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if first_stored:
            name, data = first_stored
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_STORED)
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="xml" ContentType="application/xml"/>{extra}</Types>'
)


def ooxml_bytes(main_part="word/document.xml", macro=False) -> bytes:
    extra = (
        '<Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/>'
        if macro
        else ""
    )
    entries = [("[Content_Types].xml", CONTENT_TYPES.format(extra=extra)), (main_part, "<document/>")]
    if macro:
        entries.append(("word/vbaProject.bin", b"\x00" * 16))
    return _zip(entries)


def odf_bytes(mimetype="application/vnd.oasis.opendocument.text") -> bytes:
    return _zip([("content.xml", "<office:document-content/>")], first_stored=("mimetype", mimetype))


def upload(name: str, data: bytes, content_type="application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def reporting_pledge(
    *, weights=(None, None), targets=(Decimal("100"), Decimal("50")), organisation=None, **kwargs
):
    """A published pledge (2024-01-01 to 2026-12-31) with two deliverables, and its organisation's members:
    ``(pledge, {"owner": user, "editor": user, "reporter": user, "viewer": user})``."""
    organisation = organisation or OrganisationFactory()
    kwargs.setdefault("published_at", dt.datetime(2025, 1, 15, 9, 0, tzinfo=dt.UTC))
    pledge = published_pledge(organisation, **kwargs)
    for order, (weight, target) in enumerate(zip(weights, targets, strict=True), start=1):
        pledge.deliverables.create(
            title=f"Deliverable {order}",
            due_date=dt.date(2026, 6, 30),
            target_value=target,
            unit="schools",
            weight=weight,
            order=order,
        )
    users = {role: member(organisation, role) for role in ("owner", "editor", "reporter", "viewer")}
    return pledge, users


def content(pledge=None, **overrides) -> ReportContent:
    """A complete report content (on track, 40%), with figures for the pledge's deliverables if given."""
    values = {
        "implementation_status": "on_track",
        "percent_complete": 40,
        "narrative": "120 schools connected in three districts.",
    }
    values.update(overrides)
    if pledge is not None and "deliverables" not in overrides:
        values["deliverables"] = [
            {"deliverable": d, "status": "on_track", "actual_value": Decimal("40"), "note": ""}
            for d in pledge.deliverables.all()
        ]
    return ReportContent(**values)


def period(
    name="2026 annual report", opens=dt.date(2026, 3, 1), closes=dt.date(2026, 4, 30)
) -> ReportingPeriod:
    return ReportingPeriod.objects.create(name=name, opens_on=opens, closes_on=closes)


ROLES = Membership.Role

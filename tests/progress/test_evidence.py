"""Evidence files are recognised from their bytes: accepted kinds, refused kinds, size, names."""

import pytest
from django.core.exceptions import ValidationError

from progress import evidence
from progress.evidence import MAX_BYTES, clean_evidence_file, detect, display_name

from .helpers import MINIMAL_PDF, image_bytes, odf_bytes, ooxml_bytes, upload


@pytest.mark.parametrize(
    "data,kind,extension",
    [
        (MINIMAL_PDF, "pdf", "pdf"),
        (image_bytes("PNG"), "image", "png"),
        (image_bytes("JPEG"), "image", "jpg"),
        (image_bytes("WEBP"), "image", "webp"),
        (ooxml_bytes("word/document.xml"), "office", "docx"),
        (ooxml_bytes("xl/workbook.xml"), "office", "xlsx"),
        (ooxml_bytes("ppt/presentation.xml"), "office", "pptx"),
        (odf_bytes("application/vnd.oasis.opendocument.text"), "office", "odt"),
        (odf_bytes("application/vnd.oasis.opendocument.spreadsheet"), "office", "ods"),
        (odf_bytes("application/vnd.oasis.opendocument.presentation"), "office", "odp"),
    ],
)
def test_accepted_kinds_are_recognised_from_their_content(data, kind, extension):
    found = detect(data, "whatever.bin")
    assert (found.kind, found.extension) == (kind, extension)


@pytest.mark.parametrize(
    "data",
    [
        b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"MZ\x90\x00\x03\x00\x00\x00",  # a Windows executable
        image_bytes("GIF"),
        image_bytes("BMP"),
        b"PK\x03\x04" + b"not really a zip",
        ooxml_bytes("custom/part.xml"),  # a ZIP with content types but no Word/Excel/PowerPoint part
        odf_bytes("application/x-something-else"),
        b"  %PDF-1.4 header not at the start",
    ],
)
def test_other_files_are_refused_whatever_their_name(data):
    with pytest.raises(ValidationError) as error:
        clean_evidence_file(upload("report.pdf", data, "application/pdf"))
    assert "report.pdf" in error.value.messages[0]
    assert error.value.error_list[0].code == "invalid_type"


def test_a_plain_zip_archive_is_refused():
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    with pytest.raises(ValidationError):
        detect(buffer.getvalue(), "notes.zip")


def test_macro_enabled_office_documents_are_refused_with_a_clear_message():
    with pytest.raises(ValidationError) as error:
        clean_evidence_file(upload("budget.docm", ooxml_bytes(macro=True)))
    assert error.value.error_list[0].code == "macros"
    assert "macros" in error.value.messages[0]


def test_a_file_over_10_mb_is_refused_before_it_is_read():
    big = upload("scan.pdf", MINIMAL_PDF + b"0" * MAX_BYTES)
    with pytest.raises(ValidationError) as error:
        clean_evidence_file(big)
    assert error.value.error_list[0].code == "too_large"
    assert "10 MB" in error.value.messages[0]


def test_a_file_of_exactly_10_mb_is_accepted():
    exact = MINIMAL_PDF + b"0" * (MAX_BYTES - len(MINIMAL_PDF))
    content, detected, _name = clean_evidence_file(upload("scan.pdf", exact))
    assert detected.kind == "pdf" and content.size == MAX_BYTES


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError) as error:
        clean_evidence_file(upload("empty.pdf", b""))
    assert error.value.error_list[0].code == "empty"


def test_a_truncated_image_is_refused():
    data = image_bytes("PNG", size=(64, 64))
    with pytest.raises(ValidationError):
        detect(data[: len(data) // 2], "cut.png")


def test_an_image_with_too_many_pixels_is_refused(monkeypatch):
    monkeypatch.setattr(evidence, "MAX_PIXELS", 100)
    with pytest.raises(ValidationError) as error:
        detect(image_bytes("PNG", size=(20, 20)), "huge.png")
    assert error.value.error_list[0].code == "too_many_pixels"


def test_stored_name_is_generated_and_shown_name_gets_the_detected_extension():
    content, detected, shown = clean_evidence_file(upload("../../etc/Results <2026>.html", MINIMAL_PDF))
    assert content.name.endswith(".pdf") and "Results" not in content.name and len(content.name) == 36
    assert shown == "Results 2026.pdf"
    assert detected.content_type == "application/pdf"


@pytest.mark.parametrize(
    "name,expected",
    [
        ("photo.jpeg", "photo.jpg"),
        ("C:\\Users\\me\\Desktop\\site visit.png", "site visit.png"),
        ('evil"; filename="x.html', "evil filename=x.pdf"),
        ("\u202etxt.exe", "txt.pdf"),
        ("", "evidence.pdf"),
    ],
)
def test_display_names_are_harmless(name, expected):
    extension = expected.rsplit(".", 1)[-1]
    assert display_name(name, extension) == expected

"""Helpers of the annual report tests: dates, PDF text and structure."""

import datetime as dt
import io
import re

from pypdf import PdfReader


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def pdf_reader(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def pdf_text(data: bytes) -> str:
    """All the text of a PDF, page after page (pypdf)."""
    return "\n".join(page.extract_text() or "" for page in pdf_reader(data).pages)


def squeezed(text: str) -> str:
    """``text`` without any whitespace: table cells wrap long words at arbitrary places."""
    return re.sub(r"\s+", "", text)


def embedded_file_names(reader: PdfReader) -> list[str]:
    """Names of the files embedded in the PDF (/EmbeddedFiles name tree, file attachment annotations)."""
    names = list(reader.attachments)
    root = reader.trailer["/Root"]
    if "/Names" in root and "/EmbeddedFiles" in root["/Names"]:
        names.append("/EmbeddedFiles")
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            if annot.get_object().get("/Subtype") == "/FileAttachment":
                names.append("/FileAttachment")
    return names


def image_count(reader: PdfReader) -> int:
    """How many images the PDF's pages draw."""
    return sum(len(page.images) for page in reader.pages)


def font_names(reader: PdfReader) -> set[str]:
    """Base names of the fonts the pages use (subset prefixes removed)."""
    names = set()
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for font in fonts.values():
            base = str(font.get_object().get("/BaseFont", ""))
            names.add(base.split("+", 1)[-1].lstrip("/"))
    return names

"""Evidence files: what they are is read from their content, never from their name or the browser's type.

Accepted (issue "self-reported progress"): PDF (``%PDF-`` header), PNG / JPEG / WebP images (opened and verified
by Pillow), and Office documents: Office Open XML (docx, xlsx, pptx: a ZIP archive with ``[Content_Types].xml``
and the main part of its kind; macro-enabled documents are refused) and OpenDocument (odt, ods, odp: a ZIP
archive whose ``mimetype`` entry names the type). At most ``MAX_BYTES`` (10 MB) each. Pure Python: no libmagic.
Files are stored under a generated name with the detected extension.
"""

import io
import re
import unicodedata
import uuid
import warnings
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
# Images with more pixels than this are refused (Pillow's own bomb guard may refuse smaller ones first).
MAX_PIXELS = 50_000_000
# ZIP archives: refuse those that would expand to absurd sizes or hold absurd numbers of entries.
MAX_ZIP_ENTRIES = 10_000
MAX_ZIP_EXPANDED = 500 * 1024 * 1024
MAX_MANIFEST_BYTES = 1024 * 1024

IMAGE_FORMATS = {"PNG": ("png", "image/png"), "JPEG": ("jpg", "image/jpeg"), "WEBP": ("webp", "image/webp")}
OOXML_MAIN_PARTS = {
    "word/document.xml": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xl/workbook.xml": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "ppt/presentation.xml": (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
}
ODF_TYPES = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}


@dataclass(frozen=True)
class DetectedFile:
    """What an accepted file is: ``kind`` ("pdf", "image", "office"), its extension and content type."""

    kind: str
    extension: str
    content_type: str


def _not_accepted(name: str) -> ValidationError:
    return ValidationError(
        _(
            "“%(name)s” is not a PDF, a PNG, JPEG or WebP image, or an Office document (Word, Excel, PowerPoint "
            "or OpenDocument). Other kinds of files are not accepted."
        )
        % {"name": name},
        code="invalid_type",
    )


def _too_many_pixels(name: str) -> ValidationError:
    return ValidationError(
        _("“%(name)s” has too many pixels. Please upload a smaller image.") % {"name": name},
        code="too_many_pixels",
    )


def _detect_image(data: bytes, name: str) -> DetectedFile | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            fmt = image.format
            if fmt not in IMAGE_FORMATS:
                return None
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise _too_many_pixels(name)
            image.verify()
    except ValidationError:
        raise
    except Image.DecompressionBombError as error:  # Pillow's guard: twice Image.MAX_IMAGE_PIXELS
        raise _too_many_pixels(name) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        return None
    extension, content_type = IMAGE_FORMATS[fmt]
    return DetectedFile("image", extension, content_type)


def _detect_zip_document(data: bytes, name: str) -> DetectedFile | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    if len(infos) > MAX_ZIP_ENTRIES or sum(i.file_size for i in infos) > MAX_ZIP_EXPANDED:
        raise _not_accepted(name)
    names = {i.filename for i in infos}
    try:
        # OpenDocument: the first entry is "mimetype", stored uncompressed, holding the document's type.
        if infos and infos[0].filename == "mimetype" and infos[0].file_size <= 200:
            mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
            if mimetype in ODF_TYPES and "content.xml" in names:
                if any(n.lower().startswith("basic/") or n.lower().startswith("scripts/") for n in names):
                    raise _macros_refused(name)
                return DetectedFile("office", ODF_TYPES[mimetype], mimetype)
            return None
        manifest = next((i for i in infos if i.filename == "[Content_Types].xml"), None)
        if manifest is None or manifest.file_size > MAX_MANIFEST_BYTES:
            return None
        content_types = archive.read(manifest).decode("utf-8", "replace")
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, NotImplementedError):
        return None
    if "macroEnabled" in content_types or any(n.lower().endswith("vbaproject.bin") for n in names):
        raise _macros_refused(name)
    for part, (extension, content_type) in OOXML_MAIN_PARTS.items():
        if part in names:
            return DetectedFile("office", extension, content_type)
    return None


def _macros_refused(name: str) -> ValidationError:
    return ValidationError(
        _("“%(name)s” contains macros. Please save it as an ordinary document without macros.")
        % {"name": name},
        code="macros",
    )


def detect(data: bytes, name: str = "") -> DetectedFile:
    """What the file with content ``data`` is.

    Args:
        data: the whole file (at most ``MAX_BYTES``).
        name: the uploaded name, used in messages only.
    Returns: a ``DetectedFile``.
    Raises:
        ValidationError: the file is not one of the accepted kinds (the message names the file).
    """
    if data.startswith(b"%PDF-"):
        return DetectedFile("pdf", "pdf", "application/pdf")
    if data.startswith(b"PK\x03\x04"):
        found = _detect_zip_document(data, name)
        if found:
            return found
        raise _not_accepted(name)
    found = _detect_image(data, name)
    if found:
        return found
    raise _not_accepted(name)


def display_name(name: str, extension: str) -> str:
    """A harmless file name to show and to offer for download: the uploaded name's stem (no folders, control
    characters or quotes; at most 150 characters) with the detected extension."""
    base = re.split(r"[\\/]", name or "")[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = "".join(c for c in unicodedata.normalize("NFC", stem) if unicodedata.category(c)[0] != "C")
    stem = re.sub(r"[\"'<>:|?*;]", "", stem).strip(" .") or "evidence"
    return f"{stem[:150]}.{extension}"


def clean_evidence_file(uploaded) -> tuple[ContentFile, DetectedFile, str]:
    """Validate one uploaded evidence file.

    Args:
        uploaded: a Django ``UploadedFile`` (or a file object with ``read``, ``name`` and ``size``).
    Returns: ``(content, detected, display_name)``: the bytes as a ``ContentFile`` named ``<random>.<ext>``,
        what it is, and the name to show.
    Raises:
        ValidationError: larger than 10 MB, or not an accepted kind; the message names the file.
    """
    name = getattr(uploaded, "name", "") or ""
    shown = re.split(r"[\\/]", name)[-1][:150] or "file"
    too_large = ValidationError(
        _("“%(name)s” is larger than 10 MB. Please upload a smaller file.") % {"name": shown},
        code="too_large",
    )
    size = getattr(uploaded, "size", None)
    if size is not None and size > MAX_BYTES:
        raise too_large
    if hasattr(uploaded, "seek"):
        uploaded.seek(0)
    data = uploaded.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise too_large
    if not data:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": shown}, code="empty")
    detected = detect(data, shown)
    content = ContentFile(data, name=f"{uuid.uuid4().hex}.{detected.extension}")
    return content, detected, display_name(name, detected.extension)

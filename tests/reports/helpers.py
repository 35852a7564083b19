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


def drawn_text_by_font(data: bytes) -> list[tuple[str, object]]:
    """Every piece of text the PDF's pages draw, with the font dictionary that draws it (pypdf visitor)."""
    pieces = []

    def visit(text, cm, tm, font_dict, font_size):
        if text and text.strip():
            pieces.append((text, font_dict))

    for page in pdf_reader(data).pages:
        page.extract_text(visitor_text=visit)
    return pieces


def embedded_cmap(font_dict) -> tuple[str, set[int]]:
    """The base name and the character map (code points) of an embedded PDF font (fontTools).

    WeasyPrint embeds subsets of the fonts it draws with (TrueType ``/FontFile2`` or OpenType CFF
    ``/FontFile3``); a subset keeps the ``cmap`` of the characters it has glyphs for, so a character missing
    from it is drawn with no glyph (or a wrong one) whatever text extraction says.
    """
    from fontTools.ttLib import TTFont

    font = font_dict.get_object()
    name = str(font.get("/BaseFont", "")).split("+", 1)[-1].lstrip("/")
    descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
    descriptor = descendant["/FontDescriptor"].get_object()
    for key in ("/FontFile2", "/FontFile3", "/FontFile"):
        if key in descriptor:
            ttf = TTFont(io.BytesIO(descriptor[key].get_object().get_data()))
            return name, set(ttf.getBestCmap() or {})
    raise AssertionError(f"font {name} is not embedded")


def installed_font_file(name: str) -> tuple[str, int]:
    """The installed font file (path, index in a collection) whose full name gives the PDF base font ``name``.

    WeasyPrint names an embedded font after its full name with hyphens for spaces ("Noto Sans CJK SC Bold"
    → ``Noto-Sans-CJK-SC-Bold``; "Noto Sans Arabic Regular" → ``Noto-Sans-Arabic``). Found with fontconfig's
    ``fc-list``. Raises AssertionError when no installed font has that name.
    """
    import subprocess

    listing = subprocess.run(
        ["fc-list", "--format", "%{file}|%{index}|%{fullname}\n"], capture_output=True, text=True, check=True
    ).stdout
    for line in listing.splitlines():
        path, index, fullnames = (line.split("|", 2) + ["", ""])[:3]
        for fullname in fullnames.split(","):
            key = fullname.strip().replace(" ", "-")
            if name in (key, key.removesuffix("-Regular")):
                return path, int(index or 0)
    raise AssertionError(f"no installed font is named {name}")


def uncovered_characters(data: bytes) -> dict[str, set[str]]:
    """Characters of the PDF's text that the font drawing them has no glyph for, by font name.

    For each piece of text the pages draw, each character must be in the character map of the embedded
    font that draws it (the subset WeasyPrint embedded), or, for glyphs reached through a font's
    substitutions (a ligature "fi", a locale form of a quote in Noto Sans CJK), in the character map of the
    installed font of that name. A character no font has is drawn as .notdef and is in neither. Whitespace
    is skipped; control, private-use and unassigned code points count as missing (they appear when a
    character no font has is drawn); a compatibility form (e.g. an Arabic presentation form that text extraction may return)
    counts as covered when its NFKC decomposition is.
    """
    import unicodedata

    from fontTools.ttLib import TTFont

    missing: dict[str, set[str]] = {}
    embedded: dict[int, tuple[str, set[int]]] = {}
    installed: dict[str, set[int]] = {}
    for text, font_dict in drawn_text_by_font(data):
        assert font_dict is not None, f"text drawn without a font: {text!r}"
        key = id(font_dict.get_object())
        if key not in embedded:
            embedded[key] = embedded_cmap(font_dict)
        name, cmap = embedded[key]

        def covered(char, name=name, cmap=cmap):
            if ord(char) in cmap:
                return True
            if name not in installed:
                path, index = installed_font_file(name)
                installed[name] = set(TTFont(path, fontNumber=index, lazy=True).getBestCmap())
            return ord(char) in installed[name]

        for char in text:
            if unicodedata.category(char) in ("Cc", "Co", "Cn") and not char.isspace():
                # A control, private-use or unassigned code point in the drawn text: the glyph-to-text
                # mapping is broken, as when WeasyPrint draws a character no font has.
                missing.setdefault(name, set()).add(char)
                continue
            if char.isspace() or covered(char):
                continue
            if all(c.isspace() or covered(c) for c in unicodedata.normalize("NFKC", char)):
                continue
            missing.setdefault(name, set()).add(char)
    return missing


def xmp_metadata(reader: PdfReader) -> str:
    """The document's XMP metadata packet as text ("" without one)."""
    metadata = reader.trailer["/Root"].get("/Metadata")
    return metadata.get_object().get_data().decode("utf-8", "replace") if metadata is not None else ""


def untagged_pages(reader: PdfReader) -> list[int]:
    """Indexes of the pages with no entry in the structure tree's parent tree (no tagged content)."""
    tree = reader.trailer["/Root"]["/StructTreeRoot"].get_object()
    keys = set()
    nums = tree["/ParentTree"].get_object().get("/Nums", [])
    for i in range(0, len(nums), 2):
        keys.add(int(nums[i]))
    return [i for i, page in enumerate(reader.pages) if page.get("/StructParents") not in keys]


def structure_pages(reader: PdfReader) -> set[int]:
    """Indexes of the pages the structure elements point to (``/Pg``)."""
    page_ids = {page.indirect_reference.idnum: i for i, page in enumerate(reader.pages)}
    found, stack, seen = set(), [reader.trailer["/Root"]["/StructTreeRoot"]], set()
    while stack:
        obj = stack.pop()
        if hasattr(obj, "idnum"):
            if obj.idnum in seen:
                continue
            seen.add(obj.idnum)
        obj = obj.get_object()
        if isinstance(obj, dict):
            page = obj.get("/Pg")
            if page is not None and page.idnum in page_ids:
                found.add(page_ids[page.idnum])
            if "/K" in obj:
                stack.append(obj["/K"])
        elif isinstance(obj, list):
            stack.extend(obj)
    return found


def progress_report(pledge, *, status: str, percent: int, at: dt.datetime, published: bool = True):
    """A progress report on ``pledge`` made (and, with ``published``, made public) at ``at``."""
    from progress.models import ProgressReport

    report = ProgressReport.objects.create(
        pledge=pledge,
        implementation_status=status,
        percent_complete=percent,
        narrative="Progress in the year.",
    )
    fields = {"created_at": at}
    if published and hasattr(ProgressReport, "Status"):  # moderated reports: only published ones are public
        fields.update(status=ProgressReport.Status.PUBLISHED, published_at=at)
    ProgressReport.objects.filter(pk=report.pk).update(**fields)
    return report

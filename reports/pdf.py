"""WeasyPrint and pypdf plumbing of the annual report: a URL fetcher that fetches nothing from outside, and
the merge of separately rendered, tagged PDF parts into one tagged document.

Kept apart from ``rendering`` (what the report says) because it is about PDF files only.
"""

import io
import logging

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, NullObject, NumberObject
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

# The report's own resources (its charts) are addressed with this scheme; nothing else is fetched.
RESOURCE_SCHEME = "p2c-report:"
# PDF/UA-1 (ISO 14289-1): tagged PDF with a title and a language, as WeasyPrint 70 writes it.
PDF_VARIANT = "pdf/ua-1"


class ReportURLFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves only the report's own resources, given to it in memory.

    ``resources`` maps URLs of the form ``p2c-report:<name>`` to ``(bytes, content type)``. Every other URL
    (``file:``, ``http(s):``, ``data:``, a redirect...) is refused: WeasyPrint 70's default fetcher would open
    ``file://`` URLs and follow redirects (FINDINGS.md), so a pledge title could otherwise pull a local file
    into the PDF as an image or an attachment. Refused resources are logged by WeasyPrint and left out.
    """

    def __init__(self, resources: dict[str, tuple[bytes, str]] | None = None):
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
        self.resources = dict(resources or {})

    def fetch(self, url, headers=None):
        found = self.resources.get(url)
        if found is None:
            raise ValueError(f"The annual report loads none but its own resources (refused: {url[:200]!r})")
        body, content_type = found
        return URLFetcherResponse(url, body, headers={"Content-Type": content_type})


# The user-agent stylesheet of the annex parts: only what their markup needs (html, body, section, div, p,
# b, h2; the dir attribute; headings as bookmarks), instead of WeasyPrint's whole HTML5 one, which every
# element is matched against: about 15 % of the time of a part of 250 pledges (measured with WeasyPrint 70).
LEAN_UA_STYLESHEET = """
html, body, section, div, p, h2 { display: block }
head, title, meta, style, script { display: none }
b, strong, h2 { font-weight: bold }
h2 { bookmark-level: 2; bookmark-label: content(text); break-after: avoid; break-inside: avoid }
[dir=ltr i] { direction: ltr }
[dir=rtl i] { direction: rtl }
"""


class LeanHTML(HTML):
    """A WeasyPrint document with ``LEAN_UA_STYLESHEET`` as its user-agent stylesheet (for plain markup).

    Overrides WeasyPrint's ``HTML._ua_stylesheets`` (WeasyPrint 70, pinned). Should a later version drop
    that method, the full stylesheet applies again: the same PDF, only slower.
    """

    _lean_ua = None

    def _ua_stylesheets(self, forms=False):
        if LeanHTML._lean_ua is None:
            LeanHTML._lean_ua = CSS(string=LEAN_UA_STYLESHEET)
        return [LeanHTML._lean_ua]


def html_to_pdf(
    html: str,
    *,
    stylesheets: list[str] = (),
    resources: dict[str, tuple[bytes, str]] | None = None,
    pdf_variant: str | None = PDF_VARIANT,
    lean: bool = False,
) -> bytes:
    """Render an HTML document (and extra CSS given as text) to PDF bytes, fetching only ``resources``.

    The PDF's title comes from the document's ``<title>``, its language from ``<html lang>``; by default it
    is tagged as PDF/UA-1 (``pdf_variant``; None for an untagged PDF). ``lean``: use the minimal user-agent
    stylesheet (``LeanHTML``) for markup made of sections, divs, paragraphs, bold and h2 only.
    """
    fetcher = ReportURLFetcher(resources)
    css = [CSS(string=text, url_fetcher=fetcher) for text in stylesheets]
    document = (LeanHTML if lean else HTML)(string=html, url_fetcher=fetcher, base_url=None)
    return document.write_pdf(stylesheets=css, pdf_variant=pdf_variant)


def _number_tree(node) -> tuple[list[tuple[int, object]], list[int]]:
    """(key, value) pairs of a PDF number tree and the object numbers of its nodes (``/Nums``, ``/Kids``)."""
    pairs, nodes, stack = [], [], [node]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            nodes.append(item.idnum)
        item = item.get_object()
        nums = item.get("/Nums")
        if nums is not None:
            nums = nums.get_object()
            pairs.extend((int(nums[i]), nums[i + 1]) for i in range(0, len(nums) - 1, 2))
        stack.extend(reversed(item.get("/Kids") or []))
    return pairs, nodes


def _raw(dictionary, key: str):
    """``dictionary[key]`` without resolving an indirect reference; None when the key is absent."""
    return dictionary.raw_get(key) if key in dictionary else None


def _kids(value) -> list:
    value = value.get_object() if isinstance(value, IndirectObject) else value
    if value is None:
        return []
    return list(value) if isinstance(value, ArrayObject) else [value]


def _remap(obj, mapping: dict[int, int]):
    """``obj`` with every indirect reference renumbered through ``mapping`` (in place for containers)."""
    if isinstance(obj, IndirectObject):
        new = mapping.get(obj.idnum)
        return IndirectObject(new, 0, None) if new is not None else NullObject()
    if isinstance(obj, DictionaryObject):  # streams too; raw values: references are not resolved
        for key, value in list(dict.items(obj)):
            dict.__setitem__(obj, key, _remap(value, mapping))
    elif isinstance(obj, ArrayObject):
        for i in range(len(obj)):
            list.__setitem__(obj, i, _remap(list.__getitem__(obj, i), mapping))
    return obj


class _Output:
    """Writes numbered PDF objects to a byte buffer and remembers where each starts (for the xref table)."""

    def __init__(self):
        self.buffer = io.BytesIO()
        self.buffer.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        self.offsets: dict[int, int] = {}

    def write(self, number: int, obj) -> None:
        self.offsets[number] = self.buffer.tell()
        self.buffer.write(f"{number} 0 obj\n".encode())
        obj.write_to_stream(self.buffer)
        self.buffer.write(b"\nendobj\n")

    def finish(self, trailer: DictionaryObject) -> bytes:
        size = max(self.offsets) + 1
        xref = self.buffer.tell()
        lines = [f"xref\n0 {size}\n0000000000 65535 f\r\n"]
        for number in range(1, size):
            offset = self.offsets.get(number)
            lines.append(f"{offset:010d} 00000 n\r\n" if offset is not None else "0000000000 65535 f\r\n")
        self.buffer.write("".join(lines).encode())
        trailer[NameObject("/Size")] = NumberObject(size)
        self.buffer.write(b"trailer\n")
        trailer.write_to_stream(self.buffer)
        self.buffer.write(f"\nstartxref\n{xref}\n%%EOF\n".encode())
        return self.buffer.getvalue()


def merge_pdfs(parts: list[bytes]) -> bytes:
    """Concatenate tagged PDF documents into one tagged document, one part in memory at a time.

    The first part gives the document's catalogue (title, language, PDF/UA identification, viewer
    preferences). The pages of every part follow one another under one page tree; the structure elements of
    every part are put under one ``/Document`` element, with the parent tree keys (``/StructParents``)
    renumbered, so the merged PDF stays tagged throughout (pypdf's ``PdfWriter.append`` drops the appended
    parts' tags); the parts' bookmarks follow one another. Each part is read with pypdf, its objects
    renumbered and written out at once, so memory holds one part, not the whole report: merging the parts of
    a 5,000-pledge report with ``PdfWriter`` took about 180 MB more.

    Args:
        parts: PDF files as bytes, in order (at least one), as WeasyPrint writes them (tagged or not).
    Returns:
        The merged PDF as bytes (objects uncompressed, streams as the parts had them).
    """
    out = _Output()
    catalog_no, pages_no, struct_no, document_no, outlines_no = 1, 2, 3, 4, 5
    next_no = 6
    page_numbers: list[int] = []
    document_kids: list = []
    parent_tree: list = []
    next_key = 0
    outline_items: list[tuple[int, DictionaryObject]] = []
    first_catalog = first_tree = first_document = info = trailer_id = None
    tagged = True

    for index, data in enumerate(parts):
        reader = PdfReader(io.BytesIO(data))
        trailer = reader.trailer
        catalog_ref = _raw(trailer, "/Root")
        catalog = catalog_ref.get_object()
        skip: dict[int, int | None] = {catalog_ref.idnum: catalog_no}
        pages = reader.pages  # flattened: inherited attributes are copied into each page
        stack = [_raw(catalog, "/Pages")]
        while stack:  # the page tree's inner nodes: replaced by the one page tree of the result
            node = stack.pop()
            skip[node.idnum] = pages_no
            stack.extend(
                k for k in node.get_object().get("/Kids", []) if k.get_object().get("/Type") == "/Pages"
            )
        tree_ref = _raw(catalog, "/StructTreeRoot")
        tree = tree_ref.get_object() if tree_ref is not None else None
        tagged = tagged and tree is not None
        document_ref = None
        if tree is not None:
            skip[tree_ref.idnum] = struct_no
            top = _kids(_raw(tree, "/K"))
            if (
                len(top) == 1
                and isinstance(top[0], IndirectObject)
                and top[0].get_object().get("/S") == "/Document"
            ):
                document_ref = top[0]
                skip[document_ref.idnum] = document_no
                children = _kids(_raw(document_ref.get_object(), "/K"))
            else:
                children = top
            pairs, nodes = _number_tree(_raw(tree, "/ParentTree")) if "/ParentTree" in tree else ([], [])
            skip.update(dict.fromkeys(nodes))
        outlines_ref = _raw(catalog, "/Outlines")
        tops = []
        if outlines_ref is not None:
            skip[outlines_ref.idnum] = outlines_no
            item = _raw(outlines_ref.get_object(), "/First")
            while isinstance(item, IndirectObject) and item.idnum not in {t.idnum for t in tops}:
                tops.append(item)
                item = _raw(item.get_object(), "/Next")
        info_ref = _raw(trailer, "/Info")
        if index == 0:
            first_catalog, first_tree = catalog, tree
            first_document = document_ref.get_object() if document_ref is not None else None
            trailer_id = trailer.get("/ID")
        else:
            for ref in (info_ref, _raw(catalog, "/Metadata")):
                if isinstance(ref, IndirectObject):
                    skip[ref.idnum] = None

        numbers = sorted(set(reader.xref.get(0, {})) | set(reader.xref_objStm))
        mapping: dict[int, int] = {}
        kept = []
        for number in numbers:
            if number in skip:
                if skip[number] is not None:
                    mapping[number] = skip[number]
                continue
            obj = reader.get_object(number)
            if isinstance(obj, DictionaryObject) and obj.get("/Type") in ("/ObjStm", "/XRef"):
                continue
            mapping[number] = next_no
            kept.append((number, next_no))
            next_no += 1

        top_numbers = {t.idnum for t in tops}
        offset = next_key
        for page in pages:
            page_numbers.append(mapping[page.indirect_reference.idnum])
        for number, new in kept:
            obj = _remap(reader.get_object(number), mapping)
            if isinstance(obj, DictionaryObject) and obj.get("/Type") == "/Page":
                obj[NameObject("/Parent")] = IndirectObject(pages_no, 0, None)
                if "/StructParents" in obj:
                    obj[NameObject("/StructParents")] = NumberObject(int(obj["/StructParents"]) + offset)
            if number in top_numbers:
                outline_items.append((new, obj))  # linked to the other parts' bookmarks at the end
                continue
            out.write(new, obj)
        if index == 0:
            if isinstance(info_ref, IndirectObject):
                info = IndirectObject(mapping[info_ref.idnum], 0, None)
            # The catalogue, structure tree root and /Document element are rebuilt from the first part's.
            for obj in (first_catalog, first_tree, first_document):
                if obj is not None:
                    _remap(obj, mapping)
        if tree is not None:
            document_kids.extend(_remap(child, mapping) for child in children)
            for key, value in pairs:
                parent_tree.extend([NumberObject(key + offset), _remap(value, mapping)])
                next_key = max(next_key, key + offset + 1)
        del reader, kept

    # The page tree, the bookmarks, the structure tree and the catalogue of the result.
    page_tree = DictionaryObject()
    page_tree[NameObject("/Type")] = NameObject("/Pages")
    page_tree[NameObject("/Kids")] = ArrayObject(IndirectObject(n, 0, None) for n in page_numbers)
    page_tree[NameObject("/Count")] = NumberObject(len(page_numbers))
    out.write(pages_no, page_tree)
    catalog = DictionaryObject()
    for key, value in dict.items(first_catalog):
        if key not in ("/Pages", "/StructTreeRoot", "/Outlines"):
            catalog[NameObject(key)] = value
    catalog[NameObject("/Pages")] = IndirectObject(pages_no, 0, None)
    if outline_items:
        for i, (number, item) in enumerate(outline_items):
            item[NameObject("/Parent")] = IndirectObject(outlines_no, 0, None)
            for key, neighbour in (("/Prev", i - 1), ("/Next", i + 1)):
                if 0 <= neighbour < len(outline_items):
                    item[NameObject(key)] = IndirectObject(outline_items[neighbour][0], 0, None)
                elif key in item:
                    del item[key]
            out.write(number, item)
        outlines = DictionaryObject()
        outlines[NameObject("/Type")] = NameObject("/Outlines")
        outlines[NameObject("/First")] = IndirectObject(outline_items[0][0], 0, None)
        outlines[NameObject("/Last")] = IndirectObject(outline_items[-1][0], 0, None)
        outlines[NameObject("/Count")] = NumberObject(len(outline_items))
        out.write(outlines_no, outlines)
        catalog[NameObject("/Outlines")] = IndirectObject(outlines_no, 0, None)
    if tagged and first_tree is not None:
        document = DictionaryObject()
        for key, value in dict.items(first_document or {}):
            if key not in ("/K", "/P"):
                document[NameObject(key)] = value
        document[NameObject("/Type")] = NameObject("/StructElem")
        document[NameObject("/S")] = NameObject("/Document")
        document[NameObject("/P")] = IndirectObject(struct_no, 0, None)
        document[NameObject("/K")] = ArrayObject(document_kids)
        out.write(document_no, document)
        root = DictionaryObject()
        for key, value in dict.items(first_tree):
            if key not in ("/K", "/ParentTree", "/ParentTreeNextKey"):
                root[NameObject(key)] = value
        root[NameObject("/K")] = IndirectObject(document_no, 0, None)
        numbers = DictionaryObject()
        numbers[NameObject("/Nums")] = ArrayObject(parent_tree)
        root[NameObject("/ParentTree")] = numbers
        root[NameObject("/ParentTreeNextKey")] = NumberObject(next_key)
        out.write(struct_no, root)
        catalog[NameObject("/StructTreeRoot")] = IndirectObject(struct_no, 0, None)
    elif first_tree is not None:
        logger.warning("Merging untagged PDF parts into a tagged document: the result is not tagged")
        for key in ("/StructTreeRoot", "/MarkInfo"):
            if key in catalog:
                del catalog[key]
    out.write(catalog_no, catalog)
    trailer = DictionaryObject()
    trailer[NameObject("/Root")] = IndirectObject(catalog_no, 0, None)
    if info is not None:
        trailer[NameObject("/Info")] = info
    if trailer_id is not None:
        trailer[NameObject("/ID")] = trailer_id
    return out.finish(trailer)


def page_count(data: bytes) -> int:
    """Number of pages of a PDF given as bytes."""
    return len(PdfReader(io.BytesIO(data)).pages)

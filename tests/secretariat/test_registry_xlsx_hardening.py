"""Crafted or damaged XLSX registry files: refused with a clear message by the upload field, quickly, never a 500
(XML that would hold the parser for minutes, damaged cells, rows past the last row a sheet can have)."""

import html
import io
import time
import zipfile

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from secretariat.models import RegistryImport
from secretariat.registry.files import FileRefused, read_table
from secretariat.registry.layout import REQUIRED_COLUMNS
from secretariat.roles import ADMINISTRATOR
from tests.factories import UserFactory

SHEET = "xl/worksheets/sheet1.xml"
DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
HEADER_ROW = (
    '<row r="1">'
    + "".join(
        f'<c r="{letter}1" t="inlineStr"><is><t>{name}</t></is></c>'
        for letter, name in zip("ABC", ("pledging_entity", "entity_type", "title"), strict=True)
    )
    + "</row>"
)
GOOD_ROW = (
    '<row r="2"><c r="A2" t="inlineStr"><is><t>Kalomi Telecom</t></is></c>'
    '<c r="B2" t="inlineStr"><is><t>Private sector</t></is></c>'
    '<c r="C2" t="inlineStr"><is><t>Rural towers</t></is></c></row>'
)


def _workbook() -> bytes:
    """A workbook as openpyxl writes it (sheet "Sheet"), with a shared strings part."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["pledging_entity", "entity_type", "title"])
    sheet.append(["Kalomi Telecom", "Private sector", "Rural towers"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rewritten(data: bytes, parts: dict[str, bytes]) -> bytes:
    """``data`` with the named parts of its ZIP archive replaced (or added)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, parts.get(info.filename, source.read(info.filename)))
        for name in set(parts) - set(source.namelist()):
            target.writestr(name, parts[name])
    return out.getvalue()


def _sheet(rows: str, *, before: str = "", dimension: str = "") -> bytes:
    return (
        f"{DECLARATION}{before}"
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{dimension}<sheetData>{rows}</sheetData></worksheet>"
    ).encode()


def _with_sheet(rows: str, **kwargs) -> bytes:
    return _rewritten(_workbook(), {SHEET: _sheet(rows, **kwargs)})


def _refusal(data: bytes) -> str:
    with pytest.raises(FileRefused) as caught:
        read_table(data, required=REQUIRED_COLUMNS)
    return str(caught.value.message)


def test_the_generated_workbooks_are_read():
    assert read_table(_workbook(), required=REQUIRED_COLUMNS).rows[0][1]["title"] == "Rural towers"
    table = read_table(_with_sheet(HEADER_ROW + GOOD_ROW), required=REQUIRED_COLUMNS)
    assert table.rows == [
        (2, {"pledging_entity": "Kalomi Telecom", "entity_type": "Private sector", "title": "Rural towers"})
    ]
    # The longest cell Excel allows is well within the limit on text without markup.
    longest = "é" * 32767
    row = f'<row r="2"><c r="A2" t="inlineStr"><is><t>{longest}</t></is></c></row>'
    assert read_table(_with_sheet(HEADER_ROW + row)).rows[0][1]["pledging_entity"] == longest


def test_a_giant_comment_in_the_sheet_is_refused_before_it_is_parsed():
    data = _with_sheet(HEADER_ROW + GOOD_ROW, before="<!--" + "x" * (8 * 1024 * 1024) + "-->")
    started = time.monotonic()
    message = _refusal(data)
    assert time.monotonic() - started < 3
    assert SHEET in message and "comment" in message and "save it again" in message


SHARED_STRINGS = "xl/sharedStrings.xml"
SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def _with_shared_strings(strings: str) -> bytes:
    """A workbook whose data row takes its title from a shared strings part holding ``strings``."""
    data = _workbook()
    types = zipfile.ZipFile(io.BytesIO(data)).read("[Content_Types].xml").decode()
    types = types.replace(
        "</Types>", f'<Override PartName="/{SHARED_STRINGS}" ContentType="{SHARED_STRINGS_TYPE}"/></Types>'
    )
    row = GOOD_ROW.replace(
        '<c r="C2" t="inlineStr"><is><t>Rural towers</t></is></c>', '<c r="C2" t="s"><v>0</v></c>'
    )
    return _rewritten(
        data,
        {
            "[Content_Types].xml": types.encode(),
            SHEET: _sheet(HEADER_ROW + row),
            SHARED_STRINGS: (
                f'{DECLARATION}<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
                f'uniqueCount="1">{strings}</sst>'
            ).encode(),
        },
    )


def test_a_workbook_with_shared_strings_is_read():
    table = read_table(_with_shared_strings("<si><t>Schools online</t></si>"), required=REQUIRED_COLUMNS)
    assert table.rows[0][1]["title"] == "Schools online"


@pytest.mark.parametrize(
    "part,data",
    [
        (SHEET, lambda: _with_sheet(HEADER_ROW + GOOD_ROW, before="<!-- a note -->")),
        (SHEET, lambda: _with_sheet(HEADER_ROW + GOOD_ROW, before='<!DOCTYPE worksheet [<!ENTITY e "x">]>')),
        (SHEET, lambda: _with_sheet(HEADER_ROW.replace("<t>title</t>", "<t><![CDATA[title]]></t>"))),
        (SHARED_STRINGS, lambda: _with_shared_strings("<si><t>Schools<!-- hidden --> online</t></si>")),
        (
            "xl/workbook.xml",
            lambda: _rewritten(
                _workbook(),
                {
                    "xl/workbook.xml": b"<!-- hidden -->"
                    + zipfile.ZipFile(io.BytesIO(_workbook())).read("xl/workbook.xml")
                },
            ),
        ),
    ],
    ids=["comment", "doctype-entity", "cdata", "shared-strings", "workbook"],
)
def test_any_declaration_in_an_xml_part_is_refused(part, data):
    message = _refusal(data())
    assert part in message and "“<!”" in message


def test_more_than_one_megabyte_without_markup_is_refused():
    giant = "A" * (2 * 1024 * 1024)
    as_text = f'<row r="2"><c r="A2" t="inlineStr"><is><t>{giant}</t></is></c></row>'
    as_attribute = f'<row r="2"><c r="A2" s="{giant}"><v>1</v></c></row>'
    for rows in (as_text, as_attribute):
        message = _refusal(_with_sheet(HEADER_ROW + rows))
        assert SHEET in message and "1 MB" in message and "32,767" in message


def test_xml_in_utf16_is_refused():
    sheet = _sheet(HEADER_ROW + GOOD_ROW).decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    message = _refusal(_rewritten(_workbook(), {SHEET: sheet.encode("utf-16")}))
    assert SHEET in message and "UTF-8" in message


@pytest.mark.parametrize(
    "cell",
    [
        '<c r="A2" t="n"><v>abc</v></c>',
        '<c r="A2" t="d"><v>2024-13-45T99:00:00</v></c>',
        '<c r="' + "Z" * 40 + '2" t="inlineStr"><is><t>x</t></is></c>',
        '<c r="A2" t="s"><v>999</v></c>',
    ],
    ids=["number", "date", "reference", "shared-string"],
)
def test_a_damaged_cell_is_a_refusal_naming_the_sheet_and_row(cell):
    message = _refusal(_with_sheet(HEADER_ROW + f'<row r="2">{cell}</row>'))
    assert "sheet “Sheet”, row 2 is damaged" in message


def test_rows_past_the_last_row_of_a_sheet_are_refused_quickly():
    far = '<row r="2000000"><c r="A2000000" t="inlineStr"><is><t>x</t></is></c></row>'
    data = _with_sheet(HEADER_ROW + GOOD_ROW + far)
    started = time.monotonic()
    message = _refusal(data)
    assert time.monotonic() - started < 10
    assert "after row 1,048,576" in message


def test_a_crafted_dimension_does_not_pad_the_rows():
    data = _with_sheet(HEADER_ROW + GOOD_ROW, dimension='<dimension ref="A1:XFD1048576"/>')
    started = time.monotonic()
    table = read_table(data, required=REQUIRED_COLUMNS)
    assert time.monotonic() - started < 5
    assert [line for line, _values in table.rows] == [2]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data,expected",
    [
        (lambda: _with_sheet(HEADER_ROW + GOOD_ROW, before="<!--" + "x" * 300_000 + "-->"), "“<!”"),
        (lambda: _with_sheet(HEADER_ROW + '<row r="2"><c r="A2" t="n"><v>abc</v></c></row>'), "row 2"),
        (lambda: _with_sheet(HEADER_ROW + '<row r="2"><c r="A2" t="s"><v>7</v></c></row>'), "row 2"),
    ],
    ids=["comment", "number", "shared-string"],
)
def test_the_upload_shows_the_refusal_by_the_field(client, data, expected):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=ADMINISTRATOR))
    client.force_login(user)
    response = client.post(
        "/admin/secretariat/registryimport/add/", {"file": SimpleUploadedFile("registry.xlsx", data())}
    )
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert expected in page and 'class="errorlist' in page
    assert not RegistryImport.objects.exists()

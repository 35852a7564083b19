"""Reading uploaded registry files: CSV and XLSX told by content; bad files refused with a clear message."""

import io
import zipfile

import pytest
from openpyxl import Workbook

from secretariat.registry.files import FileRefused, read_table
from secretariat.registry.layout import REQUIRED_COLUMNS

from .helpers import ROW, registry_csv


def _xlsx(rows, *, formula_cell=None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if formula_cell:
        sheet[formula_cell] = "=1+2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _refusal(data: bytes) -> str:
    with pytest.raises(FileRefused) as caught:
        read_table(data, required=REQUIRED_COLUMNS)
    return caught.value.message


def test_a_csv_file_is_read_as_text_with_normalised_headers():
    data = "\ufeffPledging Entity;Entity type;Title;Entity-country-ISO2\nNamibia Telecom;Private sector;Towers;NA\n"
    table = read_table(data.encode("utf-8"), required=REQUIRED_COLUMNS)
    assert table.file_format == "csv"
    assert table.columns == ["pledging_entity", "entity_type", "title", "entity_country_iso2"]
    assert table.rows == [
        (
            2,
            {
                "pledging_entity": "Namibia Telecom",
                "entity_type": "Private sector",
                "title": "Towers",
                "entity_country_iso2": "NA",
            },
        )
    ]


def test_an_xlsx_workbook_is_read_by_its_content_whatever_its_name():
    import datetime as dt

    data = _xlsx(
        [
            [
                "pledging_entity",
                "entity_type",
                "title",
                "value_amount",
                "published_at",
                "entity_country_iso2",
            ],
            ["Namibia Telecom", "Private sector", "Towers", 1500000, dt.datetime(2023, 5, 30), "NA"],
            [None, None, None, None, None, None],
            ["Other", "Government", "Schools", 12.5, dt.date(2024, 1, 2), None],
        ]
    )
    table = read_table(data, required=REQUIRED_COLUMNS)
    assert table.file_format == "xlsx"
    assert [line for line, _values in table.rows] == [2, 4]
    first = table.rows[0][1]
    assert (first["value_amount"], first["published_at"], first["entity_country_iso2"]) == (
        "1500000",
        "2023-05-30",
        "NA",
    )
    assert table.rows[1][1]["value_amount"] == "12.5"


@pytest.mark.parametrize(
    "data,expected",
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "not a CSV or XLSX file"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "not UTF-8"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "old Excel file (.xls)"),
        (
            "pledging_entity,entity_type,title\nSociété Générale,Private sector,Écoles\n".encode("latin-1"),
            "line 2 has a byte (0xE9)",
        ),
        ("pledging_entity,entity_type,title\n".encode("utf-16"), "UTF-16"),
        (b"", "empty"),
        (b"just one line without any separators\n", "names no columns"),
    ],
    ids=["png", "pdf", "xls", "latin-1", "utf-16", "empty", "no-columns"],
)
def test_files_that_are_not_utf8_csv_or_xlsx_are_refused_with_the_reason(data, expected):
    assert expected in _refusal(data)


def test_a_zip_archive_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert "not an Excel workbook" in _refusal(buffer.getvalue())


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.P2C_IMPORT_MAX_BYTES = 1000
    message = _refusal(registry_csv(*[{"old_platform_id": str(n)} for n in range(20)]))
    assert "The file is 4 KB; at most 1 KB can be imported" in message


def test_formulas_are_refused_in_csv_and_in_xlsx():
    csv_message = _refusal(registry_csv({"value_amount": "=1000*1000"}))
    assert "formula" in csv_message and "value_amount" in csv_message and "line 2" in csv_message.lower()
    xlsx_message = _refusal(
        _xlsx([["pledging_entity", "entity_type", "title"], ["A", "Government", "T"]], formula_cell="C2")
    )
    assert "Cell C2 holds a formula (=1+2)" in xlsx_message


def test_missing_required_columns_are_named():
    message = _refusal(b"pledging_entity,summary\nA,B\n")
    assert "entity_type" in message and "title" in message


def test_every_layout_column_is_read():
    table = read_table(registry_csv({}), required=REQUIRED_COLUMNS)
    assert set(table.columns) == set(ROW)

"""Writers of the bulk downloads: CSV (safe to open in a spreadsheet) and JSON, both streamed.

Each writer takes a row generator (``opendata.datasets``) and yields text pieces of roughly ``BATCH_ROWS`` rows, so
a response can be streamed with constant memory.
"""

import csv
import json
import operator
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.utils import timezone

BATCH_ROWS = 500
BOM = "\ufeff"
# A cell starting with one of these is read as a formula by spreadsheets (CSV injection, OWASP): prefix it with '.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_CHARS = frozenset(FORMULA_STARTS)
LIST_SEPARATOR = ";"


def csv_cell(value) -> str:
    """One value as a CSV cell: None → empty, booleans → true/false, lists joined with ``;``, and a text
    starting with ``= + - @``, a tab or a carriage return prefixed with ``'`` so no spreadsheet runs it."""
    if value.__class__ is not str:
        if value is None:
            return ""
        if value is True:
            return "true"
        if value is False:
            return "false"
        if isinstance(value, list):
            value = LIST_SEPARATOR.join("" if v is None else str(v) for v in value)
        else:
            value = str(value)
    if value and value[0] in _FORMULA_CHARS:
        return "'" + value
    return value


class _Line:
    """A file-like object whose ``write`` returns what it was given (for ``csv.writer``)."""

    def write(self, value: str) -> str:
        return value


def csv_stream(rows: Iterable[dict], columns: list) -> Iterator[str]:
    """UTF-8 CSV text with a byte order mark (so Excel reads it as UTF-8), a header of the column names, one
    line per row (CRLF, as RFC 4180 and Excel expect), in pieces of ``BATCH_ROWS`` rows."""
    names = [c.name for c in columns]
    cells = operator.itemgetter(*names)
    writer = csv.writer(_Line())
    yield BOM + writer.writerow(names)
    batch = []
    for row in rows:
        # Inline fast path for plain texts (most cells); everything else through csv_cell.
        batch.append(
            writer.writerow(
                [
                    (("'" + v) if v and v[0] in _FORMULA_CHARS else v) if v.__class__ is str else csv_cell(v)
                    for v in cells(row)
                ]
            )
        )
        if len(batch) >= BATCH_ROWS:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def json_stream(rows: Iterable[dict], columns: list, *, dataset: str, dictionary_url: str) -> Iterator[str]:
    """A JSON object ``{"dataset", "generated_at", "licence", "data_dictionary", "records": [...]}`` with one
    record per row (the column names as keys; lists as arrays; raw values, no spreadsheet escaping)."""
    names = [c.name for c in columns]
    licence = settings.P2C_DATA_LICENCE
    head = {
        "dataset": dataset,
        "generated_at": timezone.now().replace(microsecond=0).isoformat(),
        "licence": {
            "id": licence["id"],
            "name": licence["name"],
            "url": licence["url"],
            "note": str(licence["note"]),
        },
        "data_dictionary": dictionary_url,
    }
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "records": ['
    batch, first = [], True
    for row in rows:
        text = json.dumps({name: row[name] for name in names}, ensure_ascii=False)
        batch.append(("\n" if first else ",\n") + text)
        first = False
        if len(batch) >= BATCH_ROWS:
            yield "".join(batch)
            batch = []
    batch.append("\n]}\n")
    yield "".join(batch)

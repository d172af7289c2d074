"""Reading a legacy export: CSV with any delimiter in UTF-8 or Latin-1, or an Excel workbook's first sheet.

Every cell arrives as text, as the mapping's rules read it; a spreadsheet's date cells as ISO dates.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import PurePath

from openpyxl import load_workbook

from domain.legacy_cases import LegacyRow

_DELIMITERS = ",;\t|"


class UnreadableExport(ValueError):
    """The file is neither a CSV nor an .xlsx Abate can read; the message says why."""


def read_export(name: str, content: bytes) -> list[LegacyRow]:
    """The rows of the export, keyed by the headings of its first row; `name` tells CSV from Excel."""
    if PurePath(name).suffix.lower() == ".xlsx":
        return _read_workbook(content)
    return _read_csv(_decoded(content))


def _decoded(content: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), else Latin-1, which every byte sequence is."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("latin-1")


def _read_csv(text: str) -> list[LegacyRow]:
    heading = text.split("\n", 1)[0]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(heading, delimiters=_DELIMITERS)
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    headings = [h.strip() for h in next(reader, [])]
    if not any(headings):
        raise UnreadableExport("the file is empty: its first row should name the columns")
    rows = []
    for number, cells in enumerate(reader, start=2):
        if any(cell.strip() for cell in cells):
            rows.append(LegacyRow(number, dict(zip(headings, cells, strict=False))))
    return rows


def _read_workbook(content: bytes) -> list[LegacyRow]:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise UnreadableExport(f"not an Excel workbook (.xlsx): {exc}") from None
    sheet = book.worksheets[0]
    lines = sheet.iter_rows(values_only=True)
    headings = [_cell_text(h).strip() for h in next(lines, ())]
    if not any(headings):
        raise UnreadableExport("the first sheet is empty: its first row should name the columns")
    rows = []
    for number, values in enumerate(lines, start=2):
        cells = [_cell_text(v) for v in values]
        if any(c.strip() for c in cells):
            rows.append(LegacyRow(number, dict(zip(headings, cells, strict=False))))
    book.close()
    return rows


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

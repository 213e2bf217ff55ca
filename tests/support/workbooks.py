"""Small xlsx workbooks written on the fly for the suites (xlsxwriter), and the feed date they use."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import xlsxwriter

DAY = dt.date(2026, 11, 20)


def write_xlsx(path: Path, rows: Sequence[Sequence[object]], sheet: str = "Sheet1", first_row: int = 0) -> Path:
    """A one-sheet workbook with `rows` from row `first_row` (0-based); "#N/A" becomes an error cell."""
    return write_workbook(path, {sheet: rows}, first_row=first_row)


def write_workbook(path: Path, sheets: dict[str, Sequence[Sequence[object]]], first_row: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        worksheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value == "#N/A":
                    worksheet.write_formula(first_row + r, c, "=NA()", None, "#N/A")
                elif value is not None:
                    worksheet.write(first_row + r, c, value)
    workbook.close()
    return path

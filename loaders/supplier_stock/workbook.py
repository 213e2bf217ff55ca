"""Read xlsx workbooks with calamine (Rust): rows of cell text, and clear errors for files that are not."""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

import python_calamine as calamine

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # compound file: encrypted OOXML, or a legacy .xls


class WorkbookError(ValueError):
    """A file that cannot be read as the workbook we expect; the message is the reason."""


@dataclass(frozen=True)
class Sheet:
    """One worksheet: its name, size (1-based last row and column) and rows."""

    name: str
    last_row: int
    last_column: int
    _sheet: calamine.CalamineSheet

    def rows(self, first_row: int = 1) -> Iterator[tuple[int, list[object]]]:
        """(1-based row number, cells from column A) for every row from `first_row` on."""
        if self._sheet.start is None:
            return
        first_column = self._sheet.start[1]
        pad = [None] * first_column
        # calamine yields rows from the sheet's first row, and cells from its first used column.
        for index, cells in enumerate(self._sheet.iter_rows()):
            if index + 1 >= first_row:
                yield index + 1, pad + cells if first_column else cells


def cell_text(value: object) -> str | None:
    """A cell as the text it holds: numbers without a spurious `.0`, dates in ISO form, blanks as None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


def cell_at(cells: list[object], column: int | None) -> str | None:
    """Text of the 1-based `column` of a row, None where the row is shorter or the cell blank."""
    if column is None or column > len(cells):
        return None
    return cell_text(cells[column - 1])


def max_sheet_bytes() -> int:
    """Largest uncompressed worksheet XML we read (env ELT_MAX_SHEET_MB, default 512): a guard against zip bombs."""
    return int(float(os.environ.get("ELT_MAX_SHEET_MB", "512")) * 1024 * 1024)


def _check_expanded_size(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sheets = [i for i in archive.infolist() if i.filename.startswith("xl/worksheets/")]
    except zipfile.BadZipFile:
        return  # calamine says what is wrong with it
    expanded, limit = sum(info.file_size for info in sheets), max_sheet_bytes()
    if expanded > limit:
        raise WorkbookError(
            f"its sheets expand to {expanded / 2**20:,.0f} MB, over the {limit / 2**20:,.0f} MB limit "
            f"(ELT_MAX_SHEET_MB): not read"
        )


def open_workbook(data: bytes) -> calamine.CalamineWorkbook:
    """Open workbook bytes, or raise WorkbookError saying why they are not a workbook we can read."""
    if not data:
        raise WorkbookError("the file is empty (0 bytes)")
    if data.startswith(ZIP_MAGIC):
        _check_expanded_size(data)
    try:
        return calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except calamine.PasswordError:
        raise WorkbookError("the workbook is encrypted (password protected)") from None
    except Exception as exc:  # calamine raises several error types for files that are not workbooks
        if data.startswith(OLE_MAGIC) and "EncryptedPackage".encode("utf-16-le") in data:
            raise WorkbookError("the workbook is encrypted (password protected)") from None
        raise WorkbookError(f"not a readable xlsx workbook ({exc})") from None


def read_sheet(workbook: calamine.CalamineWorkbook, name_or_index: str | int) -> Sheet:
    try:
        if isinstance(name_or_index, int):
            sheet = workbook.get_sheet_by_index(name_or_index)
        else:
            sheet = workbook.get_sheet_by_name(name_or_index)
    except calamine.WorksheetNotFound:
        raise WorkbookError(f"it has no sheet {name_or_index!r}") from None
    except Exception as exc:
        raise WorkbookError(f"sheet {name_or_index!r} cannot be read ({exc})") from None
    end = sheet.end
    return Sheet(
        name=sheet.name,
        last_row=end[0] + 1 if end else 0,
        last_column=end[1] + 1 if end else 0,
        _sheet=sheet,
    )


def first_sheet(workbook: calamine.CalamineWorkbook) -> Sheet:
    """The first visible worksheet (hidden sheets and chart sheets are passed over)."""
    for meta in workbook.sheets_metadata:
        if meta.typ == calamine.SheetTypeEnum.WorkSheet and meta.visible == calamine.SheetVisibleEnum.Visible:
            return read_sheet(workbook, meta.name)
    raise WorkbookError("the workbook has no visible worksheet")

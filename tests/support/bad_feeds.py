"""The bad-feed corpus: broken and unusual supplier feeds, each with the outcome it must have (rejected by name
with the reason, or loaded as data). Used by the feed-loader suite, the xlsx reader's parity suite and its fuzz pass."""

from __future__ import annotations

import atexit
import datetime as dt
import io
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter
from msoffcrypto.format.ooxml import OOXMLFile

from loaders.workbooks.settings import ROWS_PER_BATCH
from tests.support.workbooks import write_xlsx

BASE_DAY = dt.date(2026, 10, 1)
_full_height: list[Path] = []  # the 1,048,576-row feed, written once per test session


@dataclass(frozen=True)
class Case:
    """A feed file to write, and what loading it must do."""

    name: str
    write: Callable[[Path], Path]  # writes the file into a folder, returns its path
    status: str  # loaded | rejected
    expect: str | int  # a fragment of the rejection reason, or the number of rows landed


def _bytes(name: str, data: bytes) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        (folder / name).write_bytes(data)
        return folder / name

    return write


def _rows(name: str, rows: list[list[object]], first_row: int = 0) -> Callable[[Path], Path]:
    return lambda folder: write_xlsx(folder / name, rows, first_row=first_row)


def _zip_without_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return buffer.getvalue()


def _encrypted(folder: Path) -> Path:
    plain = write_xlsx(folder / "plain.xlsx", [["Part", "Free Stk"], ["B1", 4]])
    encrypted = io.BytesIO()
    with plain.open("rb") as source:
        OOXMLFile(source).encrypt("s3cret", encrypted)
    plain.unlink()
    (folder / "BET_locked.xlsx").write_bytes(encrypted.getvalue())
    return folder / "BET_locked.xlsx"


def _bomb(folder: Path) -> Path:
    """A small file whose sheet XML expands far beyond its size (the test lowers the limit to 1 MB)."""
    rows = [["Part", "Free Stk"]] + [["B" * 40, 1]] * 40_000
    return write_xlsx(folder / "BET_bomb.xlsx", rows)


def _last_excel_row(folder: Path) -> Path:
    """A sheet as tall as Excel's: 30 rows of stock and a stray cell in row 1,048,576."""
    path = folder / "FPS_full_height.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["Product Code", "Short Description", "MFG Code", "Free Stock Available Flag"])
    for i in range(1, 31):
        sheet.write_row(i, 0, [f"FP{i}", "pad", "m", i])
    sheet.write(1_048_575, 6, "stray cell in the last row Excel has")
    workbook.close()
    return path


EXCEL_ROWS = 1_048_576


def _million_rows(folder: Path) -> Path:
    """An SMP feed that fills every row Excel has: a header and 1,048,575 part numbers (xlsxwriter's
    constant_memory mode; written once per session, about 15 s, and copied where a test wants it)."""
    if not _full_height:
        scratch = Path(tempfile.mkdtemp(prefix="elt-full-height-"))
        atexit.register(shutil.rmtree, scratch, ignore_errors=True)
        workbook = xlsxwriter.Workbook(str(scratch / "SMP_full_height.xlsx"), {"constant_memory": True})
        sheet = workbook.add_worksheet()
        sheet.write_string(0, 0, "PartNumber")
        write = sheet.write_number
        for row in range(1, EXCEL_ROWS):
            write(row, 0, row)
        workbook.close()
        _full_height.append(scratch / "SMP_full_height.xlsx")
    return Path(shutil.copy(_full_height[0], folder / _full_height[0].name))


def _merged(folder: Path) -> Path:
    path = folder / "KLA_merged.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.merge_range(0, 0, 0, 1, "Part Number / Stock Balance (merged header)")
    sheet.merge_range(1, 0, 2, 0, "K1")  # a part number merged over two rows: the value sits in the first
    sheet.write(1, 1, 7)
    sheet.write(2, 1, 9)
    sheet.write_row(3, 0, ["K2", 3])
    workbook.close()
    return path


def _hidden_first_sheet(folder: Path) -> Path:
    path = folder / "JUR_hidden.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    hidden = workbook.add_worksheet("lookup")
    hidden.write_row(0, 0, ["not", "the", "feed"])
    hidden.hide()
    sheet = workbook.add_worksheet("Stock")
    sheet.write_row(0, 0, ["Part", "Free Stk"])
    sheet.write_row(1, 0, ["J1", 2])
    sheet.write_row(2, 0, ["J2", 0])
    sheet.activate()
    workbook.close()
    return path


def _formulas(folder: Path) -> Path:
    path = folder / "BGA_formulas.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["BGA REFERENCE", "Stock"])
    sheet.write(1, 0, "G1")
    sheet.write_formula(1, 1, "=2+3", None, 5)
    sheet.write(2, 0, "G2")
    sheet.write_formula(2, 1, "=NA()", None, "#N/A")
    sheet.write(3, 0, "G3")
    sheet.write_formula(3, 1, "=1/0", None, "#DIV/0!")
    workbook.close()
    return path


def _dates(folder: Path) -> Path:
    path = folder / "MOT_dates.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, ["Part No.", "Stock", ""])
    for i in range(1, 9):
        sheet.write_row(i, 0, [f"M{i}", "x", i])
    sheet.write(9, 0, "M9")
    sheet.write_datetime(9, 2, dt.datetime(2026, 1, 2), date_format)
    workbook.close()
    return path


CASES = [
    Case("not an xlsx", _bytes("BET_random.xlsx", bytes(range(256)) * 8), "rejected", "not a readable xlsx"),
    Case("zero bytes", _bytes("BET_zero.xlsx", b""), "rejected", "empty (0 bytes)"),
    Case("a CSV renamed .xlsx", _bytes("BET_csv.xlsx", b"Part,Free Stk\nB1,4\n"), "rejected", "not a readable xlsx"),
    Case("a zip that is no workbook", _bytes("BET_zip.xlsx", _zip_without_workbook()), "rejected", "not a readable"),
    Case("an encrypted workbook", _encrypted, "rejected", "encrypted (password protected)"),
    Case("a zip-bomb-like huge sheet", _bomb, "rejected", "over the 1 MB limit"),
    Case("an empty workbook", _rows("BET_empty.xlsx", []), "rejected", "the sheet is empty"),
    Case(
        "a header and nothing under it", _rows("BET_header.xlsx", [["Part", "Free Stk"]]), "rejected", "no rows after"
    ),
    Case(
        "the header row missing",
        _rows("BET_noheader.xlsx", [["B1", 4], ["B2", 5], ["B3", 6]]),
        "rejected",
        "is the header row missing?",
    ),
    Case(
        "FAI without its four title rows",
        _rows("FAI_stock.xlsx", [["Part", "Qty"], *[[f"F{i}", i] for i in range(8)]]),
        "rejected",
        "is the header row missing?",
    ),
    Case(
        "columns moved",
        _rows(
            "ELR_moved.xlsx",
            [["Part", "Stock", "Description", "Brand"], *[[f"E{i}", i, "pad", "ELR"] for i in range(9)]],
        ),
        "rejected",
        "have the columns moved?",
    ),
    Case(
        "the stock column empty",
        _rows("FIR_blank.xlsx", [["Part Number", "Available?", "Note"], *[[f"F{i}", None, "n"] for i in range(6)]]),
        "rejected",
        "stock column 2 is empty",
    ),
    Case("columns missing", _rows("ELR_narrow.xlsx", [["Part", "Stock"], ["E1", 4]]), "rejected", "has 2 column(s)"),
    Case(
        "no part numbers at all",
        _rows("BET_noparts.xlsx", [["Part", "Free Stk"], [None, 4], [None, 5]]),
        "rejected",
        "no part numbers",
    ),
    Case(
        "an unknown supplier code",
        _rows("XYZ_stock.xlsx", [["Part", "Qty"], ["X1", 1]]),
        "rejected",
        "unknown supplier",
    ),
    Case("spaces in the name", _rows("APE SF 23 11.xlsx", [["Part", "Stock"], ["A1", "YES"]]), "loaded", 1),
    Case("unicode in the name", _rows("APE_Müller_€_stock.xlsx", [["Part", "Stock"], ["A1", "YES"]]), "loaded", 1),
    Case("path separators in the name", _rows("APE_..\\..\\etc.xlsx", [["Part", "Stock"], ["A1", "no"]]), "loaded", 1),
    Case(
        "SQL and quotes in the name",
        _rows("APE_'; drop table stock_feed_rows; --.xlsx", [["Part", "Stock"], ["A'1", "YES"]]),
        "loaded",
        1,
    ),
    Case("formulas and error cells", _formulas, "loaded", 3),
    Case("dates in the stock column", _dates, "loaded", 9),
    Case("a cell in the last row Excel has", _last_excel_row, "loaded", 30),
    Case("1,048,576 rows", _million_rows, "loaded", EXCEL_ROWS - 1),
    Case("merged cells", _merged, "loaded", 3),
    Case("a hidden first sheet", _hidden_first_sheet, "loaded", 2),
    Case(
        "negative and text stock values",
        _rows("BET_junk.xlsx", [["Part", "Free Stk"], ["B1", -3], ["B2", "lots"], ["B3", 2], ["B4", 1], ["B5", 6]]),
        "loaded",
        5,
    ),
]


def case(name: str) -> Case:
    return next(case for case in CASES if case.name == name)


def written_as(case_name: str, folder: Path, file_name: str) -> Path:
    """A corpus case written under another name (another supplier code), so that several share one folder."""
    scratch = folder / f".scratch-{file_name}"
    scratch.mkdir()
    written = case(case_name).write(scratch)
    target = folder / file_name
    shutil.move(written, target)
    shutil.rmtree(scratch)
    return target


def broken_after_the_first_batch(path: Path) -> Path:
    """A COM feed whose sheet XML breaks off after more rows than the layout checks judge (and than one batch):
    the reader finds it unreadable after rows of it went to dlt."""
    rows = "".join(
        f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>C{i}</t></is></c><c r="C{i}"><v>{i % 9}</v></c></row>'
        for i in range(2, ROWS_PER_BATCH + 5_000)
    )
    header = '<row r="1"><c r="A1" t="inlineStr"><is><t>Part No.</t></is></c><c r="B1" t="inlineStr"><is><t>Stock</t>'
    header += '</is></c><c r="C1" t="inlineStr"><is><t>Qty</t></is></c></row>'
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{main}" xmlns:r="{rels}"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets>'
            "</workbook>",
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rels}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            f'<worksheet xmlns="{main}"><sheetData>{header}{rows}<row r="99999"><c r="A99999"><v>1</v></c>',
        )
    return path

"""A corpus of broken and unusual supplier feeds, each with the outcome it must have: rejected by name with the
reason (console and warehouse), or loaded as data; the rest of the day always loads, and the eBay mart never
changes because of a rejected file."""

from __future__ import annotations

import atexit
import datetime as dt
import io
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import xlsxwriter
from msoffcrypto.format.ooxml import OOXMLFile

from elt.dbt import run_dbt
from elt.targets import Target
from loaders.product_master.source import load_products
from loaders.store_listings.source import load_stores
from loaders.supplier_feeds.source import load_supplier_stock
from loaders.workbooks.settings import ROWS_PER_BATCH
from tests.conftest import query, write_workbook, write_xlsx

BASE_DAY = dt.date(2026, 10, 1)


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
_full_height: list[Path] = []  # the 1,048,576-row feed, written once per test session


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


@pytest.fixture(scope="module")
def corpus_target(tmp_path_factory: pytest.TempPathFactory) -> Target:
    """A warehouse that already holds a good feed (for a day before the corpus)."""
    folder = tmp_path_factory.mktemp("corpus")
    target = Target.from_options("duckdb", folder / "warehouse.duckdb")
    good = write_xlsx(folder / "BET_good.xlsx", [["Part", "Free Stk"], ["B1", 4]])
    assert load_supplier_stock(target, [str(good)], BASE_DAY - dt.timedelta(days=1)).ok
    return target


@pytest.mark.parametrize("index", range(len(CASES)), ids=[case.name for case in CASES])
def test_each_bad_or_odd_feed_has_its_expected_outcome(
    index: int, corpus_target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = CASES[index]
    day = BASE_DAY + dt.timedelta(days=index)
    if case.name.startswith("a zip-bomb"):
        monkeypatch.setenv("ELT_MAX_SHEET_MB", "1")
    path = case.write(tmp_path)
    report = load_supplier_stock(corpus_target, [str(path)], day)

    (result,) = report.results
    assert (result.file_name, result.status) == (path.name, case.status), result.reason
    landed = query(
        corpus_target,
        "select count(*) from raw_supplier_stock.stock_feed_rows where feed_date = ? and file_name = ?",
        [day, path.name],
    )[0][0]
    if case.status == "rejected":
        assert case.expect in result.reason
        assert landed == 0
        errors = query(
            corpus_target,
            "select reason from raw_supplier_stock.load_errors where feed_date = ? and file_name = ?",
            [day, path.name],
        )
        assert errors == [(result.reason,)]
    else:
        assert landed == case.expect == result.rows


def test_rejected_files_never_change_the_ebay_mart(tmp_path: Path) -> None:
    target = Target.from_options("duckdb", tmp_path / "warehouse.duckdb")
    master = ["Custom Label", "Part Number", "Supplier", "Quantity"]
    store = ["Item ID", "Brand", "Custom Label", "Qty", "Title", "Price", "Prefix", "UK/RTG"]
    load_products(
        target,
        str(write_workbook(tmp_path / "master.xlsx", {"Direct": [master, ["L-B1", "B1", "BET", 0]], "FPS": [master]})),
    )
    load_stores(
        target,
        [
            str(
                write_workbook(
                    tmp_path / "AMS Database SpeedSheet.xlsx",
                    {"S": [store, [9001, "b", "L-B1", 1, "t", 1, "AMS-X-BET"]]},
                )
            )
        ],
    )
    write_xlsx(tmp_path / "day1/BET_stock.xlsx", [["Part", "Free Stk"], ["B1", 6]])
    assert load_supplier_stock(target, [str(tmp_path / "day1")], BASE_DAY).ok
    assert run_dbt(["build"], target, quiet=True).success
    before = query(target, "select * from marts.ebay order by all")

    day2 = tmp_path / "day2"
    day2.mkdir()
    for case in CASES:
        if case.status == "rejected" and not case.name.startswith("a zip-bomb"):
            case.write(day2)
    report = load_supplier_stock(target, [str(day2)], BASE_DAY + dt.timedelta(days=1))
    assert report.rejected and not report.rows
    assert run_dbt(["build"], target, quiet=True).success

    assert (
        query(target, "select * from marts.ebay order by all")
        == before
        == [(9001, "AMS", "L-B1", "BET", "t", 6, None, 6, BASE_DAY, None)]
    )


def _case(name: str) -> Case:
    return next(case for case in CASES if case.name == name)


def _written_as(case_name: str, folder: Path, file_name: str) -> Path:
    """A corpus case written under another name (another supplier code), so that several share one folder."""
    scratch = folder / f".scratch-{file_name}"
    scratch.mkdir()
    written = _case(case_name).write(scratch)
    target = folder / file_name
    shutil.move(written, target)
    shutil.rmtree(scratch)
    return target


def _broken_after_the_first_batch(path: Path) -> Path:
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


def test_a_day_of_feeds_reports_every_rejection_on_the_console_and_in_load_errors_and_exits_1(
    tmp_path: Path,
) -> None:
    """`elt load supplier-stock` on a folder of good, broken and duplicate feeds: the good ones land, each rejected
    file is named with its reason on the console and in raw_supplier_stock.load_errors, of two files for one
    supplier and date the last one wins and the other is reported superseded, and the command exits 1."""
    day = tmp_path / "day"
    day.mkdir()
    rejected = {
        "XYZ_stock.xlsx": "unknown supplier code 'XYZ'",
        _written_as("a CSV renamed .xlsx", day, "BET_csv.xlsx").name: "not a readable xlsx workbook",
        _written_as("zero bytes", day, "KLA_zero.xlsx").name: "the file is empty (0 bytes)",
        _written_as("an encrypted workbook", day, "JUR_locked.xlsx").name: "encrypted (password protected)",
        _written_as("an empty workbook", day, "FEB_empty.xlsx").name: "the sheet is empty",
        _written_as("columns moved", day, "ELR_moved.xlsx").name: "have the columns moved?",
        _written_as("FAI without its four title rows", day, "FAI_stock.xlsx").name: "is the header row missing?",
        _written_as("the stock column empty", day, "FIR_blank.xlsx").name: "stock column 2 is empty",
        _broken_after_the_first_batch(day / "COM_broken.xlsx").name: "none of the file is loaded",
    }
    write_xlsx(day / "XYZ_stock.xlsx", [["Part", "Qty"], ["X1", 1]])
    loaded = {
        _written_as("spaces in the name", day, "APE SF 23 11.xlsx").name: 1,
        _written_as("formulas and error cells", day, "BGA_formulas.xlsx").name: 3,
        _written_as("dates in the stock column", day, "MOT_dates.xlsx").name: 9,
        write_xlsx(day / "ROL_b_later.xlsx", [["ROLLCO", "Type", "Comment"], ["R1", "x", "In Stock"]]).name: 1,
    }
    write_xlsx(day / "ROL_a_earlier.xlsx", [["ROLLCO", "Type", "Comment"], ["R1", "x", "no"], ["R2", "x", "no"]])
    duckdb_path = tmp_path / "warehouse.duckdb"
    command = [sys.executable, "-m", "elt.cli", "--duckdb", str(duckdb_path), "load", "supplier-stock", str(day)]
    run = subprocess.run(
        [*command, "--date", BASE_DAY.isoformat()],
        capture_output=True,
        text=True,
        env={**os.environ, "ELT_MAX_SHEET_MB": "512"},
        timeout=600,
    )

    assert run.returncode == 1, run.stderr
    console = run.stdout + run.stderr  # rejections go to stderr
    lines = console.splitlines()
    for name, reason in rejected.items():
        assert any(name in line and "rejected" in line and reason in line for line in lines), (name, console)
    assert any("superseded" in line and "ROL_a_earlier.xlsx" in line and "ROL_b_later.xlsx" in line for line in lines)
    for name, rows in loaded.items():
        assert any(name in line and "loaded" in line and f"{rows} rows" in line for line in lines), (name, console)

    target = Target.from_options("duckdb", duckdb_path)
    errors = query(target, "select file_name, reason, feed_date from raw_supplier_stock.load_errors order by 1")
    assert [e[0] for e in errors] == sorted(rejected)
    for file_name, reason, feed_date in errors:
        assert rejected[file_name] in reason and feed_date == BASE_DAY
    landed = query(target, "select file_name, count(*) from raw_supplier_stock.stock_feed_rows group by 1 order by 1")
    assert landed == sorted(loaded.items())
    assert query(
        target, "select part_number, stock_value from raw_supplier_stock.stock_feed_rows where supplier = 'ROL'"
    ) == [("R1", "In Stock")]

"""A corpus of broken and unusual supplier feeds, each with the outcome it must have: rejected by name with the
reason (console and warehouse), or loaded as data; the rest of the day always loads, and the eBay mart never
changes because of a rejected file."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from elt.dbt import run_dbt
from elt.targets import Target
from loaders.product_master.source import load_products
from loaders.store_listings.source import load_stores
from loaders.supplier_feeds.source import load_supplier_stock
from tests.support.bad_feeds import BASE_DAY, CASES, broken_after_the_first_batch, written_as
from tests.support.today import fixed_today
from tests.support.warehouse import query
from tests.support.workbooks import write_workbook, write_xlsx

_today = fixed_today(BASE_DAY + dt.timedelta(days=len(CASES)))  # every case's date inside the window


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
        # feed age (days from BASE_DAY to the build's date: var stale_as_of unset), stale, not zeroed (policy keep)
        == [
            (
                9001,
                "AMS",
                "L-B1",
                "BET",
                "t",
                6,
                None,
                6,
                (dt.date.today() - BASE_DAY).days,
                True,
                False,
                BASE_DAY,
                None,
            )
        ]
    )


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
        written_as("a CSV renamed .xlsx", day, "BET_csv.xlsx").name: "not a readable xlsx workbook",
        written_as("zero bytes", day, "KLA_zero.xlsx").name: "the file is empty (0 bytes)",
        written_as("an encrypted workbook", day, "JUR_locked.xlsx").name: "encrypted (password protected)",
        written_as("an empty workbook", day, "FEB_empty.xlsx").name: "the sheet is empty",
        written_as("columns moved", day, "ELR_moved.xlsx").name: "have the columns moved?",
        written_as("FAI without its four title rows", day, "FAI_stock.xlsx").name: "is the header row missing?",
        written_as("the stock column empty", day, "FIR_blank.xlsx").name: "stock column 2 is empty",
        broken_after_the_first_batch(day / "COM_broken.xlsx").name: "none of the file is loaded",
    }
    write_xlsx(day / "XYZ_stock.xlsx", [["Part", "Qty"], ["X1", 1]])
    loaded = {
        written_as("spaces in the name", day, "APE SF 23 11.xlsx").name: 1,
        written_as("formulas and error cells", day, "BGA_formulas.xlsx").name: 3,
        written_as("dates in the stock column", day, "MOT_dates.xlsx").name: 9,
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

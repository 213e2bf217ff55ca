"""A loader killed at any point leaves the warehouse able to finish: the rerun lands exactly the files' rows,
with no duplicates; and every loader run twice on the same input leaves the same data."""

from __future__ import annotations

import datetime as dt
import hashlib
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import xlsxwriter

from elt.dbt import run_dbt
from elt.targets import Target
from loaders.product_master.source import load_products
from loaders.store_listings.source import load_stores
from loaders.supplier_feeds.source import load_supplier_stock
from sandboxes.samples import generate
from tests.support.today import fixed_today
from tests.support.warehouse import query

DAY = dt.date(2026, 11, 20)
_today = fixed_today(DAY)
FPS_ROWS = 120_000
LINEAGE = {"_dlt_load_id", "_dlt_id", "loaded_at", "rejected_at"}


def _big_feeds(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(folder / "FPS_stock.xlsx"), {"constant_memory": True})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["Product Code", "Short Description", "MFG Code", "Free Stock Available Flag"])
    for i in range(1, FPS_ROWS + 1):
        sheet.write_row(i, 0, [f"FP{i:07d}", "brake pads", "M", i % 17])
    workbook.close()
    workbook = xlsxwriter.Workbook(str(folder / "APE_SF.xlsx"))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["Part", "In Stock"])
    for i in range(1, 101):
        sheet.write_row(i, 0, [f"A{i}", "YES"])
    workbook.close()
    return folder


def _load_cmd(target: Target, feeds: Path, kill_at: str | None = None) -> list[str]:
    """`elt load supplier-stock` of the feeds, or the same under tests/support/crash.py, SIGKILLed at `kill_at`."""
    runner = ["-m", "tests.support.crash", kill_at] if kill_at else ["-m", "elt.cli"]
    return [sys.executable, *runner, "--duckdb", str(target.duckdb_path), "load", "supplier-stock", str(feeds),
            "--date", DAY.isoformat()]  # fmt: skip


def _counts(target: Target) -> tuple[int, int]:
    return query(
        target,
        "select count(*), count(distinct (supplier, feed_date, row_number)) from raw_supplier_stock.stock_feed_rows",
    )[0]


@pytest.fixture(scope="module")
def feeds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 120,000-row FPS feed (six batches of rows) and a small APE feed, and one clean load of them."""
    folder = _big_feeds(tmp_path_factory.mktemp("big") / "feeds")
    target = Target.from_options("duckdb", folder.parent / "reference.duckdb")
    subprocess.run(_load_cmd(target, folder), check=True, capture_output=True)
    assert _counts(target) == (FPS_ROWS + 100, FPS_ROWS + 100)
    return folder


KILL_POINTS = {
    "extract:2": "mid-file, two of the six batches of rows extracted",
    "normalize": "with the package normalized but not committed",
    "normalize-commit": "between dlt's two normalize commit moves",
    "load:1": "with one load job of the package done and the rest not",
}


@pytest.mark.parametrize("kill_at", list(KILL_POINTS), ids=list(KILL_POINTS.values()))
def test_a_supplier_stock_load_killed_with_sigkill_is_completed_by_the_rerun(
    kill_at: str, feeds: Path, tmp_path: Path
) -> None:
    target = Target.from_options("duckdb", tmp_path / "warehouse.duckdb")
    killed = subprocess.run(_load_cmd(target, feeds, kill_at), capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr

    rerun = subprocess.run(_load_cmd(target, feeds), capture_output=True, text=True)

    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert _counts(target) == (FPS_ROWS + 100, FPS_ROWS + 100)


def test_a_load_killed_mid_file_lands_nothing_of_that_file(feeds: Path, tmp_path: Path) -> None:
    target = Target.from_options("duckdb", tmp_path / "warehouse.duckdb")
    killed = subprocess.run(_load_cmd(target, feeds, "extract:2"), capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL
    assert not target.duckdb_path.exists() or query(
        target,
        "select count(*) from information_schema.tables where table_schema = 'raw_supplier_stock' "
        "and table_name = 'stock_feed_rows'",
    ) == [(0,)]


def _fingerprints(target: Target) -> dict[str, tuple[int, str]]:
    """Row count and a digest of the sorted rows of every raw table and mart, lineage columns left out."""
    out = {}
    tables = query(
        target,
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_schema in ('raw_supplier_stock', 'marts') and table_name not like '\\_dlt%' escape '\\' "
        "order by 1",
    )
    for (table,) in tables:
        columns = [
            c
            for (c,) in query(
                target,
                "select column_name from information_schema.columns "
                "where table_schema || '.' || table_name = ? order by ordinal_position",
                [table],
            )
            if c not in LINEAGE
        ]
        rows = query(target, f"select {', '.join(columns)} from {table} order by all")  # names from the catalog
        out[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return out


def test_every_loader_run_twice_on_the_same_input_leaves_the_same_data(tmp_path: Path) -> None:
    sample = generate(tmp_path / "files", last_day=DAY, days=2)
    target = Target.from_options("duckdb", tmp_path / "warehouse.duckdb")

    def load_everything() -> None:
        assert load_products(target, str(sample.product_master)).ok
        assert load_stores(target, [str(p) for p in sample.store_workbooks]).ok
        for day, folder in sorted(sample.feed_dirs.items()):
            assert load_supplier_stock(target, [str(folder)], day).ok
        assert run_dbt(["build"], target, quiet=True).success

    load_everything()
    first = _fingerprints(target)
    load_everything()
    second = _fingerprints(target)

    assert set(first) >= {
        "raw_supplier_stock.stock_feed_rows",
        "raw_supplier_stock.products",
        "raw_supplier_stock.store_listings",
        "marts.ebay",
        "marts.supplier_feeds",
    }
    assert second == first
    # Every table holds rows but one: what eBay holds (marts.ebay_listings) builds empty until eBay is read, and
    # this test loads the seller's files only (loaders.ebay builds_empty).
    assert {table for table, (count, _) in first.items() if count == 0} == {"marts.ebay_listings"}


@pytest.mark.parametrize("kill_at", ["load:1", "load:2"])
def test_a_load_with_a_rejected_file_killed_mid_load_records_each_rejection_once(kill_at: str, tmp_path: Path) -> None:
    folder = tmp_path / "feeds"
    folder.mkdir()
    (folder / "XYZ_unknown_supplier.xlsx").write_bytes(b"not a workbook")
    workbook = xlsxwriter.Workbook(str(folder / "APE_SF.xlsx"))
    sheet = workbook.add_worksheet()
    for i, row in enumerate([["Part", "In Stock"], *([f"A{n}", "YES"] for n in range(1, 51))]):
        sheet.write_row(i, 0, row)
    workbook.close()
    target = Target.from_options("duckdb", tmp_path / "warehouse.duckdb")

    killed = subprocess.run(_load_cmd(target, folder, kill_at), capture_output=True, text=True)
    rerun = subprocess.run(_load_cmd(target, folder), capture_output=True, text=True)

    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    assert rerun.returncode == 1 and "XYZ_unknown_supplier.xlsx" in rerun.stderr + rerun.stdout
    errors = query(
        target,
        "select file_name, count(*), count(distinct rejected_at) from raw_supplier_stock.load_errors group by 1",
    )
    assert [name for name, _, _ in errors] == ["XYZ_unknown_supplier.xlsx"]
    _, rows, runs = errors[0]
    assert rows == runs  # one row per run that rejected it (the killed run's, loaded by the rerun, and its own)
    assert _counts(target) == (50, 50)

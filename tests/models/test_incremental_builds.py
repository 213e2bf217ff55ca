"""The supplier-stock models are incremental (a daily build redoes only the new feed dates): builds made day by day,
with a feed reloaded for an earlier day, the product master replaced and store listings changed on the way, end
exactly where one full rebuild of the same raw data does."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import openpyxl
import pytest

from elt.build_scope import daily_build_args, untested_feed_dates_since
from elt.dbt import run_dbt
from elt.targets import Target
from loaders.product_master.source import load_products
from loaders.store_listings.source import load_stores
from loaders.supplier_feeds.source import load_supplier_stock
from sandboxes.samples import SampleFiles, generate
from tests.support.today import fixed_today
from tests.support.warehouse import query
from tests.support.workbooks import write_workbook

DAY = dt.date(2026, 11, 20)
_today = fixed_today(DAY)
RETENTION = {"supplier_stock_retention_days": 2}  # short, so that the builds also drop days out of the window
TABLES = (
    "intermediate.int_supplier_stock__latest_feed_rows",
    "intermediate.int_supplier_stock__quantified",
    "intermediate.int_supplier_stock__history",
    "intermediate.int_supplier_stock__ranked",
    "intermediate.int_store_listings__assigned",
    "intermediate.int_products__deduplicated",
    "marts.ebay",
    "marts.supplier_feeds",
)


def _fingerprints(target: Target) -> dict[str, tuple[int, str]]:
    out = {}
    for table in TABLES:
        rows = query(target, f"select * from {table} order by all")  # names are the constants above
        out[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return out


def _build(target: Target, *args: str) -> None:
    command = ["build", "--exclude-resource-type", "unit_test", "--vars", str(RETENTION), *args]
    outcome = run_dbt(command, target, quiet=True)
    assert outcome.success, outcome.failures


def _changed_product_master(original: Path, path: Path) -> Path:
    """The same workbook with every third custom label moved to another label (a new mapping for those parts)."""
    workbook = openpyxl.load_workbook(original, read_only=True)
    sheets = {}
    for sheet in workbook.worksheets:
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        for index, row in enumerate(rows[1:], start=1):
            if index % 3 == 0 and row[0]:
                row[0] = f"{row[0]}-NEW"
        sheets[sheet.title] = rows
    return write_workbook(path, sheets)


def test_daily_incremental_builds_end_where_a_full_rebuild_of_the_same_data_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample = generate(tmp_path / "files", last_day=DAY, days=4)
    later = generate(tmp_path / "later", last_day=DAY, days=1, seed=8)  # other store listings
    target = Target.from_options("duckdb", tmp_path / "warehouse.duckdb")
    days = sorted(sample.feed_dirs)
    assert load_products(target, str(sample.product_master)).ok
    assert load_stores(target, [str(p) for p in sample.store_workbooks]).ok

    for number, day in enumerate(days):
        monkeypatch.setenv("ELT_TODAY", day.isoformat())  # each day's build runs on that day: the window moves
        assert load_supplier_stock(target, [str(sample.feed_dirs[day])], day).ok
        if number == 2:  # a second feed for the day before, with other quantities: the last loaded wins
            assert load_supplier_stock(target, [str(sample.feed_dirs[day])], days[1]).ok
        if number == 3:  # the monthly product master and the weekly store listings change
            changed = _changed_product_master(sample.product_master, tmp_path / "master" / "Stock Feed Master.xlsx")
            assert load_products(target, str(changed)).ok
            assert load_stores(target, [str(p) for p in later.store_workbooks]).ok
        _build(target)
        if number == 2:
            after_reload = _fingerprints(target)
            _build(target, "--full-refresh")
            assert _fingerprints(target) == after_reload
    incremental = _fingerprints(target)

    _build(target, "--full-refresh")

    assert _fingerprints(target) == incremental
    assert query(target, "select count(distinct feed_date) from intermediate.int_supplier_stock__history") == [(2,)]
    assert all(rows > 0 for rows, _ in incremental.values())


def _first_day_loaded(tmp_path: Path) -> tuple[Target, SampleFiles, dt.date, dt.date]:
    """A warehouse holding the product master, the store listings and the first of two days of feeds."""
    sample = generate(tmp_path / "files", last_day=DAY, days=2)
    target = Target.from_options("duckdb", tmp_path / "warehouse.duckdb")
    first, second = sorted(sample.feed_dirs)
    assert load_products(target, str(sample.product_master)).ok
    assert load_stores(target, [str(p) for p in sample.store_workbooks]).ok
    assert load_supplier_stock(target, [str(sample.feed_dirs[first])], first).ok
    return target, sample, first, second


def test_a_daily_build_redoes_only_the_new_feed_dates(tmp_path: Path) -> None:
    target, sample, first, second = _first_day_loaded(tmp_path)
    _build(target)
    quantified = "intermediate.int_supplier_stock__quantified"
    with target.connect() as con:  # mark the built rows, to see which ones the next build replaces
        con.execute(f"update {quantified} set stock_value = 'kept' where feed_row_number = 2")

    assert load_supplier_stock(target, [str(sample.feed_dirs[second])], second).ok
    _build(target)

    kept = query(
        target,
        "select feed_date, count(*) from intermediate.int_supplier_stock__quantified "
        "where stock_value = 'kept' group by 1",
    )
    assert [day for day, _ in kept] == [first]  # the first day was left as it was; the second day was added
    assert query(target, f"select count(distinct feed_date) from {quantified}") == [(2,)]


def test_elt_runs_build_tests_the_feed_dates_loaded_since_the_last_passing_build(tmp_path: Path) -> None:
    target, sample, first, second = _first_day_loaded(tmp_path)
    assert daily_build_args(target) == ["build", "--exclude-resource-type", "unit_test"]  # no build yet: all
    assert run_dbt(daily_build_args(target), target, quiet=True).success

    assert load_supplier_stock(target, [str(sample.feed_dirs[second])], second).ok
    assert untested_feed_dates_since(target) == second
    args = daily_build_args(target)
    assert args[-2:] == ["--vars", f'{{"test_feed_dates_since": "{second}"}}']
    assert run_dbt(args, target, quiet=True).success

    assert load_supplier_stock(target, [str(sample.feed_dirs[first])], first).ok  # a day reloaded: from it on
    assert untested_feed_dates_since(target) == first
    assert load_products(target, str(sample.product_master)).results[0].status == "unchanged"  # the same file
    assert untested_feed_dates_since(target) == first  # so nothing to rebuild or retest for it
    assert load_products(target, str(sample.product_master), force=True).ok  # every date rebuilt: all tested
    assert untested_feed_dates_since(target) is None

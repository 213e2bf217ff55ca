"""Guards for a bad night: a feed that zeroes most listings warns (or fails the build when asked to), and a
failed build blocks the eBay Revise export."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from loaders.dbt import dbt_target_path, run_dbt
from loaders.export import ExportRefused, export_ebay_revise
from loaders.supplier_stock.pipeline import load_products, load_stores, load_supplier_stock
from loaders.warehouse import Target
from tests.conftest import write_workbook, write_xlsx

DAY = dt.date(2026, 11, 1)
PARTS = [f"P{i}" for i in range(20)]


@pytest.fixture
def zeroing_night(tmp_path: Path) -> Target:
    """20 stocked BET listings, then a feed that says none of them is in stock."""
    target = Target.from_options("duckdb", tmp_path / "warehouse.duckdb")
    master = ["Custom Label", "Part Number", "Supplier", "Quantity"]
    store = ["Item ID", "Brand", "Custom Label", "Qty", "Title", "Price", "Prefix", "UK/RTG"]
    products = {"Direct": [master, *[[f"L-{p}", p, "BET", 0] for p in PARTS]], "FPS": [master]}
    listings = {"S": [store, *[[7000 + i, "b", f"L-{p}", 1, "t", 1, "AMS-X-BET"] for i, p in enumerate(PARTS)]]}
    load_products(target, str(write_workbook(tmp_path / "master.xlsx", products)))
    load_stores(target, [str(write_workbook(tmp_path / "AMS Database SpeedSheet.xlsx", listings))])
    write_xlsx(tmp_path / "d1/BET_stock.xlsx", [["Part", "Free Stk"], *[[p, 5] for p in PARTS]])
    write_xlsx(tmp_path / "d2/BET_stock.xlsx", [["Part", "Free Stk"], *[[p, 0] for p in PARTS]])
    load_supplier_stock(target, [str(tmp_path / "d1")], DAY)
    load_supplier_stock(target, [str(tmp_path / "d2")], DAY + dt.timedelta(days=1))
    return target


def _guard_status(target: Target) -> str:
    results = json.loads((dbt_target_path(target) / "run_results.json").read_text())["results"]
    (status,) = [r["status"] for r in results if "assert_newest_feeds_do_not_zero_most_listings" in r["unique_id"]]
    return status


def test_a_feed_zeroing_most_listings_warns_by_default(zeroing_night: Target, tmp_path: Path) -> None:
    outcome = run_dbt(["build"], zeroing_night, quiet=True)

    assert outcome.success and outcome.statuses.get("warn") == 1
    assert _guard_status(zeroing_night) == "warn"
    assert export_ebay_revise(zeroing_night, tmp_path / "out").files["AMS"][1] == 20


def test_a_feed_zeroing_most_listings_fails_the_build_and_blocks_the_export_when_asked(
    zeroing_night: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ELT_FAIL_ON_MASS_ZEROING", "true")
    outcome = run_dbt(["build"], zeroing_night, quiet=True)

    assert not outcome.success
    assert _guard_status(zeroing_night) == "fail"
    with pytest.raises(ExportRefused, match="assert_newest_feeds_do_not_zero_most_listings"):
        export_ebay_revise(zeroing_night, tmp_path / "out")

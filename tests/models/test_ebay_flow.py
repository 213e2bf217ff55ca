"""Two days of small feeds through the loaders and `dbt build`: the ebay mart says what the business rules say,
and the Revise export writes exactly the files eBay accepts."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import pytest

from elt.dbt import dbt_target_path, run_dbt
from elt.export import ExportRefused, export_ebay_revise
from elt.targets import Target
from loaders.product_master.source import load_products
from loaders.store_listings.source import load_stores
from loaders.supplier_feeds.source import load_supplier_stock
from tests.support.today import fixed_today
from tests.support.warehouse import query
from tests.support.workbooks import write_workbook, write_xlsx

DAY1, DAY2 = dt.date(2026, 11, 19), dt.date(2026, 11, 20)
_today = fixed_today(DAY2)
MASTER = ["Custom Label", "Part Number", "Supplier", "Quantity"]
STORE = ["Item ID", "Brand", "Custom Label", "Qty", "Title", "Price", "Prefix", "UK/RTG"]


def _files(root: Path) -> dict[str, Path]:
    write_workbook(
        root / "Stock Feed Master.xlsx",
        {
            "Direct": [
                MASTER,
                ["ape-1", "A1", "APE", 0],
                ["BET-1000", 1000, "BET", 0],  # BET and KLA share part number 1000
                ["KLA-1000", 1000, "KLA", 0],
                ["BET-2", "B2", "BET", 0],
            ],
            "FPS": [MASTER, ["FPS-1", "FP1", "FPS", 0]],
        },
    )
    write_workbook(
        root / "AMS Database SpeedSheet.xlsx",
        {
            "Sheet1": [
                STORE,
                [300000000001, "x", "APE-1", 1, "ape one", 1, "AMS-BRK-APE", ""],
                [300000000002, "x", "BET-1000", 1, "bet", 1, "AMS-BRK-BET", ""],
                [300000000003, "x", "KLA-1000", 1, "kla", 1, "AMS-BRK-KLA", ""],
                [300000000004, "x", "BET-2", 1, "bet two", 1, "AMS-BRK-BET", ""],
                [None, "x", "FPS-1", 1, "no item id", 1, "AMS-BRK-FPS", ""],
            ],
            "Sheet2": [STORE, [300000000005, "x", "FPS-1", 1, "fps", 1, "AMS-SUS-FPS", ""]],
        },
    )
    write_workbook(
        root / "RTG Database SpeedSheet.xlsx",
        {
            "Sheet1": [
                STORE,
                [400000000001, "r", "RTG-1", 20, "r1", 1, "RTG", "RTG"],
                [400000000002, "r", "RTG-2", 20, "r2", 1, "RTG", "RTG"],
            ]
        },
    )
    day1, day2 = root / "feeds" / DAY1.isoformat(), root / "feeds" / DAY2.isoformat()
    write_xlsx(day1 / "APE_SF.xlsx", [["Part", "Stock"], ["a1", "YES"]])
    write_xlsx(day1 / "BET_stock.xlsx", [["Part", "Free Stk"], [1000, 3], ["B2", 4]])
    write_xlsx(day1 / "KLA_stock.xlsx", [["Part Number", "Stock Balance"], [1000.0, 40]])
    write_xlsx(day1 / "FPS_stock.xlsx", [["Product Code", "Desc", "MFG", "Free Stock"], ["FP1", "d", "m", 2]])
    write_xlsx(day1 / "RTG_oos.xlsx", [["Custom label", "Info"], ["RTG-1", "oos"]])
    write_xlsx(day2 / "APE_SF.xlsx", [["Part", "Stock"], ["A1", "no"]])  # decreased to 0
    write_xlsx(day2 / "BET_stock.xlsx", [["Part", "Free Stk"], [1000, 25]])  # B2 missing: keeps 4
    write_xlsx(day2 / "KLA_stock.xlsx", [["Part Number", "Stock Balance"], [1000, 40]])  # unchanged
    write_xlsx(
        day2 / "FPS_stock.xlsx",
        [["Product Code", "Desc", "MFG", "Free Stock"], ["FP1", "d", "m", "#N/A"], ["FP9", "d", "m", 3]],
    )
    write_xlsx(day2 / "RTG_oos.xlsx", [["Custom label", "Info"], ["RTG-2", "oos"]])
    return {"root": root, "day1": day1, "day2": day2}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Target:
    root = tmp_path_factory.mktemp("ebay-flow")
    files = _files(root)
    target = Target.from_options("duckdb", root / "warehouse.duckdb")
    assert load_products(target, str(root / "Stock Feed Master.xlsx")).ok
    assert load_stores(
        target, [str(root / "AMS Database SpeedSheet.xlsx"), str(root / "RTG Database SpeedSheet.xlsx")]
    ).ok
    assert load_supplier_stock(target, [str(files["day1"])], DAY1).ok
    assert load_supplier_stock(target, [str(files["day2"])], DAY2).ok
    outcome = run_dbt(["build"], target, quiet=True)
    assert outcome.success, outcome.failures
    return target


def test_the_ebay_mart_applies_rules_and_deltas(built: Target) -> None:
    rows = query(
        built,
        "select ebay_store, item_id, supplier_store, quantity, previous_quantity, quantity_delta, stock_date "
        "from marts.ebay order by ebay_store, item_id",
    )
    assert rows == [
        ("AMS", 300000000001, "APE", 0, 10, -10, DAY2),  # YES -> no
        ("AMS", 300000000002, "BET", 10, 3, 7, DAY2),  # 25 capped at 10; shared part number maps per supplier
        ("AMS", 300000000003, "KLA", 40, 40, 0, DAY2),  # KLA has no cap; unchanged
        ("AMS", 300000000004, "BET", 4, None, 4, DAY1),  # missing from the newer feed: keeps its last quantity
        ("AMS", 300000000005, "FPS", 0, 2, -2, DAY2),  # #N/A -> 0; the listing without an item id is left out
        ("RTG", 400000000001, "RTG", 20, 0, 20, DAY2),  # listed out of stock on day 1 only
        ("RTG", 400000000002, "RTG", 0, 20, -20, DAY2),  # listed out of stock on day 2
    ]


def test_every_dbt_unit_test_and_data_test_ran_and_passed(built: Target) -> None:
    results = json.loads((dbt_target_path(built) / "run_results.json").read_text())["results"]
    kinds: dict[str, set[str]] = {}
    for result in results:
        kinds.setdefault(result["unique_id"].split(".")[0], set()).add(result["status"])
    assert kinds["unit_test"] == {"pass"}
    assert kinds["test"] == {"pass"}
    assert sum(r["unique_id"].startswith("unit_test.") for r in results) >= 10


def test_revise_files_are_exactly_what_ebay_file_exchange_takes(built: Target, tmp_path: Path) -> None:
    export = export_ebay_revise(built, tmp_path)

    assert (tmp_path / "AMS.csv").read_bytes() == (
        b"Action,ItemID,SiteID,Currency,Quantity\r\n"
        b"Revise,300000000001,UK,GBP,0\r\n"
        b"Revise,300000000002,UK,GBP,10\r\n"
        b"Revise,300000000004,UK,GBP,4\r\n"
        b"Revise,300000000005,UK,GBP,0\r\n"
    )
    assert (tmp_path / "RTG.csv").read_bytes() == (
        b"Action,ItemID,SiteID,Currency,Quantity\r\nRevise,400000000001,UK,GBP,20\r\nRevise,400000000002,UK,GBP,0\r\n"
    )
    assert {store: count for store, (_, count) in export.files.items()} == {"AMS": 4, "RTG": 2}
    with zipfile.ZipFile(export.zip_path) as archive:
        assert sorted(archive.namelist()) == ["AMS.csv", "RTG.csv"]
        assert archive.read("AMS.csv") == (tmp_path / "AMS.csv").read_bytes()


def test_the_export_refuses_before_any_build(target: Target, tmp_path: Path) -> None:
    with pytest.raises(ExportRefused, match="no dbt build has run") as refused:
        export_ebay_revise(target, tmp_path / "out")
    assert f"no dbt build has run on duckdb {target.duckdb_path} yet" in str(refused.value)


def test_the_export_refuses_when_the_last_build_failed(built: Target, tmp_path: Path) -> None:
    results_path = dbt_target_path(built) / "run_results.json"
    saved = results_path.read_text()
    results = json.loads(saved)
    results["results"][0]["status"] = "fail"
    results_path.write_text(json.dumps(results))
    try:
        with pytest.raises(ExportRefused, match="the last dbt build failed") as refused:
            export_ebay_revise(built, tmp_path / "out")
        assert f"the last dbt build failed on duckdb {built.duckdb_path}, so" in str(refused.value)
        assert not (tmp_path / "out").exists()
    finally:
        results_path.write_text(saved)


def test_suppliers_whose_newest_feed_is_older_than_their_cadence_are_stale_and_their_listings_kept(
    built: Target,
) -> None:
    age = (dt.date.today() - DAY2).days  # the build counts feed ages to its own date (var stale_as_of unset)
    freshness = dict(
        (supplier, rest)
        for supplier, *rest in query(
            built,
            "select supplier, newest_feed_date, feed_age_days, is_stale, stale_policy, is_stale_to_zero "
            "from marts.supplier_freshness",
        )
    )
    assert freshness["BET"] == [DAY2, age, age > 1, "keep", False]
    assert freshness["BGA"] == [None, None, True, "keep", False]  # no feed at all: stale, no age
    assert len(freshness) == 17  # every supplier in the seed
    marked = query(
        built,
        "select supplier_store, count(*), min(supplier_feed_age_days), bool_and(is_stale), bool_or(is_stale_to_zero) "
        "from marts.ebay group by 1 order by 1",
    )
    assert marked == [
        (s, n, age, age > 1, False) for s, n in [("APE", 1), ("BET", 2), ("FPS", 1), ("KLA", 1), ("RTG", 2)]
    ]

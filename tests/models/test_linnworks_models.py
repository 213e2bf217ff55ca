"""The Linnworks dbt layer on sandbox data: staging keeps every raw row, the marts hold what the API served (kits
exploded), inventory_positions brings Linnworks, supplier feeds and eBay together, and every mart column is
documented. No network beyond 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from elt.dbt import dbt_target_path, run_dbt
from elt.targets import Target
from loaders.linnworks.pipeline import load_linnworks
from loaders.linnworks.records import parse_timestamp
from loaders.product_master.source import load_products
from loaders.store_listings.source import load_stores
from loaders.supplier_feeds.source import load_supplier_stock
from sandboxes.linnworks import Dataset, running_sandbox, sku_for
from tests.support.today import fixed_today
from tests.support.warehouse import query
from tests.support.workbooks import write_workbook, write_xlsx

WINDOW = 2.0
"""Seconds of the sandbox's (and the loader's) rate-limit window: a shortened minute."""
SANDBOX = {"items": 300, "orders": 400, "rate_window_seconds": WINDOW}
FEED_DAY = dt.date(2026, 11, 20)
_today = fixed_today(FEED_DAY)
MASTER = ["Custom Label", "Part Number", "Supplier", "Quantity"]
STORE = ["Item ID", "Brand", "Custom Label", "Qty", "Title", "Price", "Prefix", "UK/RTG"]
L0, L1, L2, L3 = (sku_for(i) for i in range(4))


@dataclass
class Built:
    """A warehouse with the sandbox and a few supplier files loaded and built, and what dbt said."""

    target: Target
    data: Dataset
    linnworks_results: list[dict[str, Any]]
    supplier_results: list[dict[str, Any]]
    failures: list[str]


def _supplier_files(root: Path) -> Path:
    """A product master, two stores and one day's feeds whose custom labels are the sandbox's first SKUs."""
    write_workbook(
        root / "Stock Feed Master.xlsx",
        {
            "Direct": [MASTER, [L1, "B1", "BET", 0], [L2.lower(), "K2", "KLA", 0], ["SUPPLIER-ONLY-1", "K9", "KLA", 0]],
            "FPS": [MASTER, [L0, "FP0", "FPS", 0], [L1, "FP1", "FPS", 0], [L3, "FP3", "FPS", 0]],
        },
    )
    write_workbook(
        root / "AMS Database SpeedSheet.xlsx",
        {
            "Sheet1": [
                STORE,
                [500000000001, "x", L0, 1, "zero", 1, "AMS-BRK-FPS", ""],
                [500000000002, "x", L1, 1, "one", 1, "AMS-BRK-BET", ""],
                [500000000003, "x", L2, 1, "two", 1, "AMS-BRK-KLA", ""],
                [500000000004, "x", L3, 1, "three", 1, "AMS-BRK-FPS", ""],
            ]
        },
    )
    write_workbook(
        root / "CPO Database SpeedSheet.xlsx",
        {"Sheet1": [STORE, [600000000001, "x", L0, 1, "zero", 1, "CPO-SUS-FPS", ""]]},
    )
    feeds = root / "feeds"
    write_xlsx(
        feeds / "FPS_stock.xlsx",
        [["Product Code", "Desc", "MFG", "Free Stock"], ["FP0", "d", "m", 4], ["FP1", "d", "m", 25]],
    )
    write_xlsx(feeds / "BET_stock.xlsx", [["Part", "Free Stk"], ["B1", 3]])
    write_xlsx(feeds / "KLA_stock.xlsx", [["Part Number", "Stock Balance"], ["K2", 40], ["K9", 7]])
    return root


def _results(target: Target) -> list[dict[str, Any]]:
    return json.loads((dbt_target_path(target) / "run_results.json").read_text())["results"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    root = tmp_path_factory.mktemp("linnworks-models")
    target = Target.from_options("duckdb", root / "warehouse.duckdb")
    with running_sandbox(**SANDBOX) as sandbox, pytest.MonkeyPatch.context() as monkeypatch:
        settings = {**sandbox.credentials, "auth_url": sandbox.url, "rate_limit_window_seconds": WINDOW}
        for name, value in settings.items():
            monkeypatch.setenv(f"SOURCES__LINNWORKS__{name.upper()}", str(value))
        load = load_linnworks(target, echo=lambda _: None)
        assert load.ok, load.error

    # A seller with Linnworks only: the supplier-stock models (and inventory_positions) are left out.
    linnworks_only = run_dbt(["build", "-s", "source:linnworks+"], target, quiet=True)
    linnworks_results = _results(target)

    files = _supplier_files(root / "files")
    assert load_products(target, str(files / "Stock Feed Master.xlsx")).ok
    assert load_stores(
        target, [str(files / "AMS Database SpeedSheet.xlsx"), str(files / "CPO Database SpeedSheet.xlsx")]
    ).ok
    assert load_supplier_stock(target, [str(files / "feeds")], FEED_DAY).ok
    # The supplier side with what it reads: every seed, and the eBay models (empty until eBay is read or pushed to).
    supplier_side = run_dbt(
        ["build", "-s", "source:supplier_stock+", "source:ebay+", "source:ebay_push+", "resource_type:seed"],
        target,
        quiet=True,
    )
    yield Built(
        target=target,
        data=sandbox.data,
        linnworks_results=linnworks_results,
        supplier_results=_results(target),
        failures=[*linnworks_only.failures, *supplier_side.failures],
    )


def count(target: Target, table: str) -> int:
    return query(target, f"select count(*) from {table}")[0][0]  # table names are constants of this module


def test_dbt_builds_the_linnworks_layer_with_every_unit_and_data_test_passing(built: Built) -> None:
    assert built.failures == []
    statuses = {r["status"] for r in [*built.linnworks_results, *built.supplier_results]}
    assert statuses <= {"success", "pass", "no-op"}, statuses  # no-op: the exposure
    unit_tests = [r for r in built.linnworks_results if r["unique_id"].startswith("unit_test.")]
    linnworks_unit_tests = [r for r in unit_tests if "linnworks" in r["unique_id"]]
    assert len(linnworks_unit_tests) >= 4
    assert {r["status"] for r in unit_tests} == {"pass"}
    built_models = {r["unique_id"] for r in built.linnworks_results if r["unique_id"].startswith("model.")}
    assert "model.elt.order_items" in built_models
    assert "model.elt.inventory_positions" not in built_models  # no supplier stock loaded yet
    supplier_ids = {r["unique_id"] for r in built.supplier_results}
    assert "model.elt.inventory_positions" in supplier_ids
    assert "unit_test.elt.inventory_positions.positions_join_every_side_and_flag_overcommitment" in supplier_ids
    tests = [r for r in built.linnworks_results if r["unique_id"].startswith("test.")]
    # every staging model keeps every raw row: 22 tables 1:1, the 7 stock-item sub-collections (JSON text in
    # raw stock_items) one row per element
    assert sum("equal_row_count" in r["unique_id"] for r in tests) == 22
    assert sum("keeps_every_json_element" in r["unique_id"] for r in tests) == 7


def test_staging_models_keep_every_raw_row(built: Built) -> None:
    # a stock item's suppliers land as JSON text in raw stock_items: one staged row per element
    suppliers = query(built.target, "select sum(json_array_length(suppliers)) from raw_linnworks.stock_items")[0][0]
    assert suppliers == count(built.target, "staging.stg_linnworks__stock_item_suppliers") > 0
    pairs = {
        "stock_items": "stg_linnworks__stock_items",
        "stock_levels": "stg_linnworks__stock_levels",
        "order_details__items": "stg_linnworks__order_items",
        "order_details__items__composite_sub_items": "stg_linnworks__order_item_components",
    }
    for raw, staged in pairs.items():
        assert count(built.target, f"raw_linnworks.{raw}") == count(built.target, f"staging.{staged}") > 0


def test_mart_row_counts_match_what_the_sandbox_served(built: Built) -> None:
    counts = built.data.counts()
    lines = [line for order in built.data.processed_orders for line in order.details["Items"]]
    kit_lines = sum(bool(line["CompositeSubItems"]) for line in lines)
    assert kit_lines > 0
    expected = {
        "stock_items": counts["items"],
        "stock_levels": counts["stock_levels"],
        "stock_locations": counts["locations"],
        "item_suppliers": counts["item_suppliers"],
        "stock_item_images": counts["images"],
        "stock_item_prices": counts["channel_prices"],
        "stock_item_extended_properties": counts["extended_properties"],
        "orders": counts["processed_orders"],
        "order_items": counts["order_items"] - kit_lines + counts["order_item_components"],
        "open_orders": counts["open_orders"],
    }
    assert {mart: count(built.target, f"marts.{mart}") for mart in expected} == expected


def close(a: float, b: float) -> bool:
    return abs(a - b) < 1e-6


def test_a_stock_item_and_its_levels_are_what_the_api_said(built: Built) -> None:
    record = built.data.items[0].record
    row = query(
        built.target,
        "select sku, title, barcode, retail_price, purchase_price, created_at, is_composite_parent "
        "from marts.stock_items where stock_item_id = ?",
        [record["StockItemId"]],
    )
    assert len(row) == 1
    sku, title, barcode, retail, purchase, created_at, is_kit = row[0]
    assert (sku, title, barcode, is_kit) == (L0, record["ItemTitle"], record["BarcodeNumber"], False)
    assert close(retail, record["RetailPrice"]) and close(purchase, record["PurchasePrice"])
    expected_created = parse_timestamp(record["CreationDate"]).replace(tzinfo=None)
    assert abs(created_at - expected_created) < dt.timedelta(milliseconds=1)
    levels = query(
        built.target,
        "select location_id, stock_level, available, in_orders, due, minimum_level "
        "from marts.stock_levels where stock_item_id = ? order by location_int_id",
        [record["StockItemId"]],
    )
    assert levels == [
        (
            level["Location"]["StockLocationId"],
            level["StockLevel"],
            level["Available"],
            level["InOrders"],
            level["Due"],
            level["MinimumLevel"],
        )
        for level in sorted(record["StockLevels"], key=lambda lv: lv["Location"]["StockLocationIntId"])
    ]


def test_a_kit_sale_is_exploded_into_its_components_and_keeps_its_money(built: Built) -> None:
    order = next(
        o for o in built.data.processed_orders if any(line["CompositeSubItems"] for line in o.details["Items"])
    )
    kit = next(line for line in order.details["Items"] if line["CompositeSubItems"])
    rows = query(
        built.target,
        "select sku, kit_sku, quantity, line_total, processed_at from marts.order_items "
        "where kit_order_item_id = ? order by order_item_id",
        [kit["RowId"]],
    )
    components = sorted(kit["CompositeSubItems"], key=lambda c: c["RowId"])
    assert [(r[0], r[1], r[2]) for r in rows] == [(c["SKU"], kit["SKU"], c["Quantity"]) for c in components]
    assert close(sum(r[3] for r in rows), kit["PricePerUnit"] * kit["Quantity"] - kit["DiscountValue"])
    processed = parse_timestamp(order.header["dProcessedOn"]).replace(tzinfo=None)
    assert all(abs(r[4] - processed) < dt.timedelta(milliseconds=1) for r in rows)
    header = query(
        built.target,
        "select order_number, source, total_charge, cancelled_at, line_count from marts.orders where order_id = ?",
        [order.id],
    )
    number, source, total, cancelled_at, line_count = header[0]
    assert (number, source, line_count) == (
        order.header["nOrderId"],
        order.header["Source"],
        len(order.details["Items"]),
    )
    assert close(total, order.header["fTotalCharge"])
    assert (cancelled_at is None) == order.header["dCancelledOn"].startswith("0001-01-01")


def test_unset_linnworks_dates_are_null_in_the_marts(built: Built) -> None:
    never_cancelled = sum(o.header["dCancelledOn"].startswith("0001-01-01") for o in built.data.processed_orders)
    assert 0 < never_cancelled < len(built.data.processed_orders)
    assert count(built.target, "marts.orders where cancelled_at is null") == never_cancelled
    assert count(built.target, "marts.orders where cancelled_at < '1900-01-01'") == 0


def test_inventory_positions_bring_linnworks_suppliers_and_ebay_together(built: Built) -> None:
    available = {
        item.record["ItemNumber"]: sum(level["Available"] for level in item.record["StockLevels"])
        for item in built.data.items
    }
    rows = query(
        built.target,
        "select sku, is_in_linnworks, available, supplier_name, supplier_quantity, supplier_quantity_total, "
        "ebay_listings, ebay_stores, ebay_quantity, ebay_quantity_total, is_overcommitted "
        "from marts.inventory_positions where sku in (?, ?, ?, ?, 'SUPPLIER-ONLY-1') order by sku",
        [L0, L1, L2, L3],
    )
    assert {row[0]: row[1:] for row in rows} == {
        L0: (True, available[L0], "FPS", 4, 4, 2, 2, 4, 8, False),
        L1: (True, available[L1], "FPS", 10, 13, 1, 1, 3, 3, False),  # FPS capped at 10; the listing is BET's
        L2: (True, available[L2], "KLA", 40, 40, 1, 1, 40, 40, False),
        L3: (True, available[L3], None, None, None, 1, 1, None, None, False),  # listed, no supplier stock
        "SUPPLIER-ONLY-1": (False, 0, "KLA", 7, 7, 0, 0, None, None, False),
    }
    assert count(built.target, "marts.inventory_positions") == len(available) + 1
    sales = query(
        built.target,
        "select sum(units_sold_30d), max(sales_as_of_date) from marts.inventory_positions",
    )[0]
    newest = max(parse_timestamp(o.header["dProcessedOn"]) for o in built.data.processed_orders).date()
    assert sales[0] > 0 and sales[1] == newest


def _sources_of(manifest: dict[str, Any], unique_id: str) -> set[str]:
    """The raw schemas a node reads, through every model between."""
    if unique_id in manifest["sources"]:
        return {manifest["sources"][unique_id]["schema"]}
    node = manifest["nodes"].get(unique_id, {})
    return {
        schema for parent in node.get("depends_on", {}).get("nodes", []) for schema in _sources_of(manifest, parent)
    }


def test_every_mart_column_is_described(built: Built) -> None:
    outcome = run_dbt(["parse"], built.target, quiet=True)
    assert outcome.success, outcome.failures
    manifest = json.loads((dbt_target_path(built.target) / "manifest.json").read_text())
    marts = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["original_file_path"].startswith("models/marts/")
    ]
    assert {"ebay", "supplier_feeds", "orders", "order_items", "inventory_positions"} <= {n["name"] for n in marts}
    schemas = {name for (name,) in query(built.target, "select schema_name from information_schema.schemata")}
    undescribed, checked = [], []
    for node in marts:
        if not node["description"].strip():
            undescribed.append(node["name"])
        documented = {name.lower(): column["description"].strip() for name, column in node["columns"].items()}
        columns = [
            name
            for (name,) in query(
                built.target,
                "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
                [node["schema"], node["alias"]],
            )
        ]
        if columns:
            checked.append(node["name"])
        else:  # only a mart of a source not loaded here may be missing; its declared columns are checked
            missing_sources = _sources_of(manifest, node["unique_id"]) - schemas
            assert missing_sources, f"{node['schema']}.{node['alias']} was not built"
            columns = list(documented)
        undescribed += [f"{node['name']}.{name}" for name in columns if not documented.get(name.lower())]
    assert undescribed == [], f"mart columns without a description: {', '.join(undescribed)}"
    assert {"ebay", "supplier_feeds", "stock_items", "order_items", "inventory_positions"} <= set(checked)

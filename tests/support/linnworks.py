"""What raw_linnworks must hold after loading a Linnworks sandbox: every table's keys, taken from the
sandbox's own data, and the comparison the reliability tests make (same keys, same row counts, no key twice).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import pytest

from elt.targets import Target
from loaders.linnworks.records import parse_timestamp
from sandboxes.linnworks import Sandbox

DATASET = "raw_linnworks"
Key = tuple[str, ...]

KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "stock_items": ("stock_item_id",),
    "stock_items__suppliers": ("stock_item_id", "supplier_id"),
    "stock_items__item_channel_titles": ("pk_row_id",),
    "stock_items__item_channel_descriptions": ("pk_row_id",),
    "stock_items__item_channel_prices": ("pk_row_id",),
    "stock_items__item_extended_properties": ("pk_row_id",),
    "stock_items__images": ("pk_row_id",),
    "stock_levels": ("stock_item_id", "location__stock_location_id"),
    "stock_item_details": ("stock_item_id",),
    "stock_locations": ("stock_location_id",),
    "stock_location_details": ("stock_location_id",),
    "processed_orders": ("pk_order_id",),
    "order_details": ("order_id",),
    "order_details__items": ("row_id",),
    "order_details__items__composite_sub_items": ("row_id",),
    "order_details__notes": ("order_note_id",),
    "open_orders": ("order_id",),
    "open_orders__items": ("row_id",),
}
"""The columns that identify a row of each table the loader lands (dlt's names for the API's ids)."""

JSON_LISTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "stock_items__suppliers": ("suppliers", ("StockItemId", "SupplierID")),
    "stock_items__item_channel_titles": ("item_channel_titles", ("pkRowId",)),
    "stock_items__item_channel_descriptions": ("item_channel_descriptions", ("pkRowId",)),
    "stock_items__item_channel_prices": ("item_channel_prices", ("pkRowId",)),
    "stock_items__item_extended_properties": ("item_extended_properties", ("pkRowId",)),
    "stock_items__images": ("images", ("pkRowId",)),
}
"""The stock-item sub-collections, landed as JSON text columns of raw stock_items (not child tables): under the
child table's name, the column and the API keys that identify an element. Keys and counts read them unnested."""


def _rows_sql(table: str, columns: Sequence[str] | None = None) -> str:
    """SQL of the rows of `table` of raw_linnworks (a JSON_LISTS name: the unnested elements), with `columns`
    (KEY_COLUMNS' names, or the API keys for a JSON list) as text, or a count when None."""
    if table in JSON_LISTS:
        column, keys = JSON_LISTS[table]
        elements = f"{DATASET}.stock_items cross join unnest(cast({column} as json[])) as elements (element)"
        if columns is None:
            return f"select count(*) from {elements}"
        keys_sql = ", ".join(f"element ->> '$.{key}'" for key in keys)
        return f"select {keys_sql} from {elements}"
    if columns is None:
        return f"select count(*) from {DATASET}.{table}"
    return f"select {', '.join(f'cast({c} as varchar)' for c in columns)} from {DATASET}.{table}"


TABLES_OF: dict[str, tuple[str, ...]] = {
    "stock_items": tuple(t for t in KEY_COLUMNS if t.startswith("stock_items")),
    "stock_levels": ("stock_levels",),
    "stock_item_details": ("stock_item_details",),
    "stock_locations": ("stock_locations",),
    "stock_location_details": ("stock_location_details",),
    "processed_orders": ("processed_orders",),
    "order_details": tuple(t for t in KEY_COLUMNS if t.startswith("order_details")),
    "open_orders": tuple(t for t in KEY_COLUMNS if t.startswith("open_orders")),
}
"""The tables each resource lands (those with keys above)."""


def tables_for(resources: Iterable[str] | None) -> list[str]:
    """The keyed tables the given resources (default all) land."""
    chosen = list(resources) if resources else list(TABLES_OF)
    return [table for resource in chosen for table in TABLES_OF[resource]]


def sandbox_keys(sandbox: Sandbox, processed_since: datetime | None = None) -> dict[str, set[Key]]:
    """Every table's keys as the sandbox holds them (processed orders from `processed_since` on, if given)."""
    data = sandbox.data
    with data.lock:
        items = [item.record for item in data.items]
        processed = [
            order
            for order in data.processed_orders
            if processed_since is None or parse_timestamp(order.header["dProcessedOn"]) >= processed_since  # type: ignore[index]
        ]
        opened = list(data.open_orders)
        locations = list(data.locations)

    def each(records: Iterable[dict[str, Any]], collection: str, *fields: str) -> set[Key]:
        return {tuple(str(row[f]) for f in fields) for record in records for row in record[collection]}

    lines = [line for order in processed for line in order.details["Items"]]
    return {
        "stock_items": {(r["StockItemId"],) for r in items},
        "stock_items__suppliers": each(items, "Suppliers", "StockItemId", "SupplierID"),
        "stock_items__item_channel_titles": each(items, "ItemChannelTitles", "pkRowId"),
        "stock_items__item_channel_descriptions": each(items, "ItemChannelDescriptions", "pkRowId"),
        "stock_items__item_channel_prices": each(items, "ItemChannelPrices", "pkRowId"),
        "stock_items__item_extended_properties": each(items, "ItemExtendedProperties", "pkRowId"),
        "stock_items__images": each(items, "Images", "pkRowId"),
        "stock_levels": {
            (r["StockItemId"], level["Location"]["StockLocationId"]) for r in items for level in r["StockLevels"]
        },
        "stock_item_details": {(r["StockItemId"],) for r in items},
        "stock_locations": {(location["StockLocationId"],) for location in locations},
        "stock_location_details": {(location["StockLocationId"],) for location in locations},
        "processed_orders": {(order.header["pkOrderID"],) for order in processed},  # type: ignore[index]
        "order_details": {(order.id,) for order in processed},
        "order_details__items": {(line["RowId"],) for line in lines},
        "order_details__items__composite_sub_items": each(lines, "CompositeSubItems", "RowId"),
        "order_details__notes": each((order.details for order in processed), "Notes", "OrderNoteId"),
        "open_orders": {(order.id,) for order in opened},
        "open_orders__items": {(line["RowId"],) for order in opened for line in order.details["Items"]},
    }


def warehouse_keys(target: Target, tables: Sequence[str]) -> dict[str, list[Key]]:
    """Every row's key in each of `tables` of raw_linnworks (a table not there yet has none)."""
    out: dict[str, list[Key]] = {table: [] for table in tables}
    if not target.duckdb_path.exists():
        return out
    with target.connect() as con:
        present = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = ?", [DATASET]
            ).fetchall()
        }
        for table in tables:
            if ("stock_items" if table in JSON_LISTS else table) not in present:
                continue
            sql = _rows_sql(table, KEY_COLUMNS[table])  # names from KEY_COLUMNS / JSON_LISTS
            out[table] = [tuple(row) for row in con.execute(sql).fetchall()]
    return out


def differences(
    target: Target, sandbox: Sandbox, tables: Sequence[str], processed_since: datetime | None = None
) -> dict[str, str]:
    """Per table, what is wrong with the warehouse against the sandbox: missing, extra or repeated keys."""
    expected = sandbox_keys(sandbox, processed_since)
    problems = {}
    for table, keys in warehouse_keys(target, tables).items():
        want = expected[table]
        repeated = sorted(key for key, n in Counter(keys).items() if n > 1)
        missing, extra = want - set(keys), set(keys) - want
        if missing or extra or repeated or len(keys) != len(want):
            problems[table] = (
                f"{len(keys)} rows for {len(want)} sandbox keys: {len(missing)} missing (e.g. {sorted(missing)[:2]}), "
                f"{len(extra)} unexpected, {len(repeated)} repeated (e.g. {repeated[:2]})"
            )
    return problems


def assert_lands_exactly(
    target: Target, sandbox: Sandbox, resources: Iterable[str] | None = None, processed_since: datetime | None = None
) -> None:
    """The resources' tables hold exactly the sandbox's rows: each key once, none missing, none extra."""
    tables = tables_for(resources)
    problems = differences(target, sandbox, tables, processed_since)
    assert not problems, problems
    assert all(sandbox_keys(sandbox, processed_since)[table] for table in tables if table != "order_details__notes")


WINDOW = 2.0
"""The rate-limit window the Linnworks suites shorten the sandbox and the loader to."""


def configure(monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox, **settings: object) -> None:
    """Point the loader's dlt config (env SOURCES__LINNWORKS__*) at the sandbox, with fast retries."""
    values: dict[str, object] = {
        **sandbox.credentials,
        "auth_url": sandbox.url,
        "rate_limit_window_seconds": WINDOW,
        "retry_backoff_seconds": 0.05,
        "request_timeout_seconds": 10,
        **settings,
    }
    for name, value in values.items():
        text = json.dumps(value) if isinstance(value, dict) else str(value)
        monkeypatch.setenv(f"SOURCES__LINNWORKS__{name.upper()}", text)


def table_counts(target: Target) -> dict[str, int]:
    """Rows in every table of raw_linnworks (dlt's own tables left out)."""
    with target.connect() as con:
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = ? and table_name not like '_dlt%'",
            [DATASET],
        ).fetchall()
        return {name: con.execute(_rows_sql(name)).fetchone()[0] for (name,) in tables}


def element_counts(target: Target) -> dict[str, int]:
    """The elements of each stock-item sub-collection (JSON text in raw stock_items), under its JSON_LISTS name;
    none before stock_items is there."""
    if "stock_items" not in table_counts(target):
        return {}
    with target.connect() as con:
        return {name: con.execute(_rows_sql(name)).fetchone()[0] for name in JSON_LISTS}

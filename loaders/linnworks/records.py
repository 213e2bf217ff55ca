"""Typing Linnworks records before dlt sees them: timestamps to datetimes, enum ordinals to names.

Linnworks writes UTC timestamps with `Z` and 0-7 fractional digits (`2022-05-23T07:25:47.19Z`,
`2022-03-15T14:31:09.1039999Z`), sometimes with an offset or none at all; such strings do not sort
as the instants they name, so cursors are compared as datetimes. Enums come back as names or, from
some servers, as ordinals: ordinals are mapped to the documented names so a column keeps one type.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

import pyarrow as pa
from dlt.common.json import json
from dlt.common.normalizers.naming.snake_case import NamingConvention

from loaders.linnworks.settings import STOCK_ALLOCATION_TYPE, UPDATE_STATUS

_TIMESTAMP = re.compile(
    r"^\s*(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?)?"
    r"\s*(?P<zone>[Zz]|[+-]\d{2}(?::?\d{2})?)?\s*$"
)


def parse_timestamp(text: str) -> datetime:
    """An aware UTC datetime for a Linnworks timestamp (naive means UTC; digits past 6 are dropped).

    Raises ValueError naming the text when it is not an ISO-8601 date or date-time.
    """
    try:
        moment: datetime | None = datetime.fromisoformat(text)  # 3.11+: `Z`, offsets, 0-7+ fraction digits
    except ValueError:
        moment = None
    if moment is None:
        return _parse_loosely(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _parse_loosely(text: str) -> datetime:
    match = _TIMESTAMP.match(text)
    if match is None:
        raise ValueError(f"not a Linnworks timestamp: {text!r}")
    year, month, day = (int(part) for part in match["date"].split("-"))
    fraction = (match["fraction"] or "")[:6].ljust(6, "0")
    moment = datetime(
        year,
        month,
        day,
        int(match["hour"] or 0),
        int(match["minute"] or 0),
        int(match["second"] or 0),
        int(fraction),
        tzinfo=UTC,
    )
    zone = match["zone"]
    if zone and zone not in ("Z", "z"):
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
        moment = moment.replace(tzinfo=timezone(sign * offset)).astimezone(UTC)
    return moment


def format_timestamp(moment: datetime) -> str:
    """A request timestamp: UTC, microseconds, `Z` (`2024-01-31T09:30:00.000000Z`)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def type_timestamp(record: dict[str, Any], key: str) -> None:
    """Replace `record[key]` by its datetime when it is a timestamp string ("" becomes None)."""
    value = record.get(key)
    if isinstance(value, str):
        record[key] = parse_timestamp(value) if value.strip() else None


def _name_enum(record: Any, key: str, names: Sequence[str]) -> None:
    if not isinstance(record, dict):
        return
    value = record.get(key)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(names):
        record[key] = names[value]


def type_stock_item(item: dict[str, Any]) -> dict[str, Any]:
    """A StockItemFull with `ItemChannelPrices[].UpdateStatus` as a name and every sub-collection (a list or
    object member: Suppliers, ItemChannelPrices with their Rules, Images, …) as JSON text.

    The sub-collections land as JSON text columns of raw stock_items, unnested in dbt staging
    (macros/linnworks_json.sql), not as dlt child tables: unnesting some twenty child rows per item in Python
    was most of the run's time after its last API answer (bench/linnworks.py). Text rather than dlt's json type:
    BigQuery cannot load json columns from parquet files.
    """
    for price in item.get("ItemChannelPrices") or ():
        _name_enum(price, "UpdateStatus", UPDATE_STATUS)
    for key, value in item.items():
        if isinstance(value, (list, dict)):
            item[key] = json.dumps(value)
    return item


_ARROW_TYPES = {
    "text": pa.string(),
    "double": pa.float64(),
    "bigint": pa.int64(),
    "bool": pa.bool_(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}
_NAMING = NamingConvention()
"""dlt's default naming (snake_case), which every column hint of the source is written in."""


@lru_cache(maxsize=4096)
def _column_name(path: tuple[str, ...]) -> str:
    return _NAMING.make_path(*(_NAMING.normalize_identifier(key) for key in path))


def _flatten(record: Mapping[str, Any], path: tuple[str, ...], into: dict[str, Any]) -> dict[str, Any]:
    for key, value in record.items():
        if isinstance(value, Mapping):
            _flatten(value, (*path, key), into)
        elif isinstance(value, list):
            if value:  # an empty list has no rows for dlt either: no column
                into[_column_name((*path, key))] = json.dumps(value)
        else:
            into[_column_name((*path, key))] = value
    return into


def _column(name: str, values: list[Any], data_type: str | None) -> pa.Array:
    if data_type == "timestamp":
        values = [(parse_timestamp(v) if v.strip() else None) if isinstance(v, str) else v for v in values]
    try:
        return pa.array(values, type=_ARROW_TYPES.get(data_type or ""))
    except (pa.ArrowException, OverflowError, TypeError) as error:
        expected = data_type or "one type in every row"
        raise ValueError(f"column {name} ({expected}): {error}") from None


def flat_table(rows: Sequence[Mapping[str, Any]], columns: Mapping[str, Mapping[str, Any]]) -> pa.Table:
    """Flat records as one arrow table, in the shape dlt's own normalizer gives the same rows.

    Nested objects become `parent__child` columns, a non-empty list JSON text (an empty one no column) and
    every name dlt's snake_case (`Location.StockLocationId` -> `location__stock_location_id`). Columns
    hinted in `columns` get the hint's type (timestamps parsed as `parse_timestamp` does); the rest keep
    the type their values have, a column with no value in these rows is left out, as dlt leaves it out.

    Why: dlt normalizes an arrow table by moving its file, where it visits every value of row dicts one by
    one. The stock is what a full sync extracts last, and its normalize came after the last API answer: for
    the sandbox's 32,000 items (192,000 rows with their levels and details) 13.8 s as rows, 0.9 s as arrow
    tables. The tables are built in the extract threads, while the sync waits on GetStockItemsFull's limit.

    Raises ValueError naming the column when a value does not fit its column's type, or the rows mix types
    in an unhinted column.
    """
    flat = [_flatten(row, (), {}) for row in rows]
    names = list(dict.fromkeys(name for row in flat for name in row))
    arrays = [_column(name, [row.get(name) for row in flat], columns.get(name, {}).get("data_type")) for name in names]
    return pa.Table.from_arrays(arrays, names=names)


def type_order(order: dict[str, Any]) -> dict[str, Any]:
    """An OrderDetails with `GeneralInfo.StockAllocationType` as a name."""
    _name_enum(order.get("GeneralInfo"), "StockAllocationType", STOCK_ALLOCATION_TYPE)
    return order

"""Typing Linnworks records before dlt sees them: timestamps to datetimes, enum ordinals to names.

Linnworks writes UTC timestamps with `Z` and 0-7 fractional digits (`2022-05-23T07:25:47.19Z`,
`2022-03-15T14:31:09.1039999Z`), sometimes with an offset or none at all; such strings do not sort
as the instants they name, so cursors are compared as datetimes. Enums come back as names or, from
some servers, as ordinals: ordinals are mapped to the documented names so a column keeps one type.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from dlt.common.json import json

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


def type_order(order: dict[str, Any]) -> dict[str, Any]:
    """An OrderDetails with `GeneralInfo.StockAllocationType` as a name."""
    _name_enum(order.get("GeneralInfo"), "StockAllocationType", STOCK_ALLOCATION_TYPE)
    return order

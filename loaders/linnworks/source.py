"""Linnworks: the dlt source for its REST API, and a faithful local sandbox of that API (sandbox/).

`linnworks()` lands raw Linnworks records in `raw_linnworks` (see `pipeline.load_linnworks` and the
`elt load linnworks` command). Tables and keys:

    stock_items             Stock/GetStockItemsFull, every data requirement but StockLevels   replace
      (sub-collections suppliers, item_channel_titles, item_channel_descriptions,
       item_channel_prices, item_extended_properties, images: JSON text columns, unnested in staging)
    stock_levels            Stock/GetStockLevel_Batch, item x location                         replace
    stock_item_details      Stock/GetStockItemsFullByIds (IsCompositeParent, ...)              replace
    stock_locations         Inventory/GetStockLocations                                        replace
    stock_location_details  Locations/GetLocation per location                                 replace
    processed_orders        ProcessedOrders/SearchProcessedOrders, incremental on dProcessedOn merge
    order_details           Orders/GetOrdersById for those orders (+ __items, kits'
                            __items__composite_sub_items, ...)                                 merge
    open_orders             OpenOrders/GetOpenOrderIds per location + Orders/GetOrdersById     replace

Connection settings (credentials, auth host, rate-limit window, retries) are read by
`client.client_from_config`; this source's own settings are its arguments. Both live under dlt's
`sources.linnworks` (env `SOURCES__LINNWORKS__…`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import dlt
import pyarrow as pa
from dlt.extract import DltResource
from dlt.sources import incremental

from loaders.linnworks import api, settings
from loaders.linnworks.client import LinnworksClient, LinnworksError, chunks, client_from_config
from loaders.linnworks.records import flat_table, parse_timestamp, type_order, type_stock_item, type_timestamp
from loaders.linnworks.settings import RESOURCES

__all__ = ["RESOURCES", "linnworks", "select_resources"]

Record = dict[str, Any]

STOCK_ITEM_COLUMNS: Any = {
    "stock_item_id": {"data_type": "text", "nullable": False},
    "item_number": {"data_type": "text"},
    "item_title": {"data_type": "text"},
    "barcode_number": {"data_type": "text"},
    "meta_data": {"data_type": "text"},
    "purchase_price": {"data_type": "double"},
    "retail_price": {"data_type": "double"},
    "tax_rate": {"data_type": "double"},
    "postal_service_name": {"data_type": "text"},
    "category_name": {"data_type": "text"},
    "package_group_name": {"data_type": "text"},
    "height": {"data_type": "double"},
    "width": {"data_type": "double"},
    "depth": {"data_type": "double"},
    "weight": {"data_type": "double"},
    "creation_date": {"data_type": "timestamp"},
}
"""Typed where the API is loose (nullable members, numbers that may come without a fraction)."""

STOCK_ITEM_DETAIL_COLUMNS: Any = {
    "stock_item_id": {"data_type": "text", "nullable": False},
    "is_composite_parent": {"data_type": "bool"},
    **{
        name: STOCK_ITEM_COLUMNS[name]
        for name in (
            "purchase_price",
            "retail_price",
            "tax_rate",
            "height",
            "width",
            "depth",
            "weight",
            "creation_date",
        )
    },
}
"""GetStockItemsFullByIds has the listing's loose members too (no sub-collections are asked for)."""

STOCK_LEVEL_COLUMNS: Any = {
    "stock_item_id": {"data_type": "text", "nullable": False},
    "location__stock_location_id": {"data_type": "text", "nullable": False},
    "location__location_tag": {"data_type": "text"},
    "location__bin_rack": {"data_type": "text"},
    "stock_value": {"data_type": "double"},
    "unit_cost": {"data_type": "double"},
    "stock_item_purchase_price": {"data_type": "double"},
    "last_update_date": {"data_type": "timestamp"},
}

ORDER_COLUMNS: Any = {
    "order_id": {"data_type": "text", "nullable": False},
    "processed_date_time": {"data_type": "timestamp"},
    "paid_date_time": {"data_type": "timestamp"},
    "general_info__received_date": {"data_type": "timestamp"},
    "general_info__despatch_by_date": {"data_type": "timestamp"},
    "general_info__stock_allocation_type": {"data_type": "text"},
    "totals_info__subtotal": {"data_type": "double"},
    "totals_info__total_charge": {"data_type": "double"},
    "totals_info__tax": {"data_type": "double"},
    "totals_info__postage_cost": {"data_type": "double"},
    "totals_info__total_discount": {"data_type": "double"},
}
"""Shared by order_details and open_orders (open orders have no ProcessedDateTime)."""

PROCESSED_ORDER_COLUMNS: Any = {
    "pk_order_id": {"data_type": "text", "nullable": False},
    "d_processed_on": {"data_type": "timestamp"},
    "d_received_date": {"data_type": "timestamp"},
    "d_paid_on": {"data_type": "timestamp"},
    "d_cancelled_on": {"data_type": "timestamp"},
    "f_total_charge": {"data_type": "double"},
    "subtotal": {"data_type": "double"},
    "f_tax": {"data_type": "double"},
    "f_postage_cost": {"data_type": "double"},
    "c_currency": {"data_type": "text"},
    "source": {"data_type": "text"},
    "sub_source": {"data_type": "text"},
}


PROCESSED_ON: incremental[datetime] = incremental("dProcessedOn")
"""The processed_orders cursor; the source passes one with its start date and lookback."""


def select_resources(names: Sequence[str] | None) -> list[str]:
    """The resources to load, in RESOURCES order (all when `names` is empty).

    Raises ValueError for an unknown name, or for a transformer asked for without the resource whose
    pages feed it (stock_item_details needs stock_items; order_details needs processed_orders, whose
    cursor it shares).
    """
    wanted = {name.strip() for name in names or () if name.strip()} or set(RESOURCES)
    unknown = sorted(wanted - set(RESOURCES))
    if unknown:
        raise ValueError(f"unknown Linnworks resource(s) {', '.join(unknown)}: choose from {', '.join(RESOURCES)}")
    for child, parent in settings.FED_BY.items():
        if child in wanted and parent not in wanted:
            raise ValueError(f"{child} is fed by the pages of {parent}: select {parent} too")
    return [name for name in RESOURCES if name in wanted]


# -- stock ------------------------------------------------------------------------------------------------
def _stock_table(client: LinnworksClient, method: str, rows: list[Record], columns: Any) -> Any:
    """The stock's rows as an arrow table (records.flat_table: the stock's normalize is then a file move, see
    there); [] when there are none. A row that fits no column type fails the run naming `method`."""
    if not rows:
        return []
    try:
        return flat_table(rows, columns)
    except ValueError as error:
        message = f"Linnworks {method} answered a value that does not fit: {error}"
        raise client.fail(LinnworksError(message, method)) from None


def _item_ids(items: Any) -> list[str]:
    """The ids on a page of stock items: arrow from stock_items, records from stock_item_ids."""
    if isinstance(items, pa.Table):
        return [str(item_id) for item_id in items.column("stock_item_id").to_pylist() if item_id]
    return api.stock_item_ids(items)


@dlt.resource(
    name="stock_items",
    primary_key="stock_item_id",
    write_disposition="replace",
    columns=STOCK_ITEM_COLUMNS,
    parallelized=True,
)
def stock_items(client: LinnworksClient) -> Iterator[Any]:
    """The whole active catalogue, kits and variation parents included: pages of 200 StockItemFull, each an
    arrow table (`_stock_table`).

    Every data requirement but StockLevels (suppliers, channel titles / descriptions / prices, extended
    properties, images become JSON text columns). The API has no change tracking: each run is a snapshot.
    """
    with client.guard():
        for page in api.stock_item_pages(client, settings.STOCK_ITEMS_DATA_REQUIREMENTS):
            client.add_rows("stock_items", len(page))
            rows = [type_stock_item(item) for item in page]
            yield _stock_table(client, api.GET_STOCK_ITEMS_FULL, rows, STOCK_ITEM_COLUMNS)


@dlt.resource(name="stock_item_ids", selected=False, parallelized=True)
def stock_item_ids(client: LinnworksClient) -> Iterator[list[Record]]:
    """Not loaded: the catalogue paged with no data requirements (cheap), to feed stock_levels alone."""
    with client.guard():
        yield from api.stock_item_pages(client, ())


@dlt.transformer(
    name="stock_levels",
    primary_key=("stock_item_id", "location__stock_location_id"),
    write_disposition="replace",
    columns=STOCK_LEVEL_COLUMNS,
    parallelized=True,
)
def stock_levels(items: Any, client: LinnworksClient) -> Any:
    """Stock per item and location (Stock/GetStockLevel_Batch, 200 ids a call), `Location` flattened."""
    with client.guard():
        ids = _item_ids(items)
        rows = [row for batch in chunks(ids, settings.IDS_PER_CALL) for row in api.stock_levels(client, batch)]
        table = _stock_table(client, api.GET_STOCK_LEVEL_BATCH, rows, STOCK_LEVEL_COLUMNS)
    client.add_rows("stock_levels", len(rows))
    return table


@dlt.transformer(
    name="stock_item_details",
    primary_key="stock_item_id",
    write_disposition="replace",
    columns=STOCK_ITEM_DETAIL_COLUMNS,
    parallelized=True,
)
def stock_item_details(items: Any, client: LinnworksClient) -> Any:
    """Stock/GetStockItemsFullByIds for each page of items: the fields the listing lacks (IsCompositeParent)."""
    with client.guard():
        ids = _item_ids(items)
        rows = [row for batch in chunks(ids, settings.IDS_PER_CALL) for row in api.stock_items_by_ids(client, batch)]
        table = _stock_table(client, api.GET_STOCK_ITEMS_FULL_BY_IDS, rows, STOCK_ITEM_DETAIL_COLUMNS)
    client.add_rows("stock_item_details", len(rows))
    return table


@dlt.resource(name="stock_locations", primary_key="stock_location_id", write_disposition="replace")
def stock_locations(client: LinnworksClient) -> Iterator[list[Record]]:
    """Every stock location (Inventory/GetStockLocations); `Default` has the all-zero id."""
    with client.guard():
        rows = [dict(row) for row in api.stock_locations(client)]
    client.add_rows("stock_locations", len(rows))
    yield rows


@dlt.transformer(
    name="stock_location_details",
    primary_key="stock_location_id",
    write_disposition="replace",
    parallelized=True,
)
def stock_location_details(locations: list[Record], client: LinnworksClient) -> list[Record]:
    """Locations/GetLocation for every location."""
    with client.guard():
        ids = [str(row["StockLocationId"]) for row in locations if row.get("StockLocationId")]
        rows = client.map(lambda location_id: api.location(client, location_id), ids)
    client.add_rows("stock_location_details", len(rows))
    return rows


# -- orders -----------------------------------------------------------------------------------------------
@dlt.resource(
    name="processed_orders",
    primary_key="pk_order_id",
    write_disposition="merge",
    columns=PROCESSED_ORDER_COLUMNS,
    parallelized=True,
)
def processed_orders(
    client: LinnworksClient,
    processed_on: incremental[datetime] = PROCESSED_ON,
) -> Iterator[list[Record]]:
    """Processed orders by processed date, oldest first, pages of 200 (ProcessedOrders/SearchProcessedOrders).

    Incremental on `dProcessedOn` (parsed to a datetime): each run asks from the cursor minus the
    lookback (`lag`), or from `start_date` the first time; merge on `pkOrderID` makes re-reads no-ops.
    """
    since = processed_on.start_value
    until = datetime.now(UTC) + timedelta(days=settings.ORDERS_TO_DATE_AHEAD_DAYS)
    with client.guard():
        for page in api.processed_order_pages(client, since, until):
            for row in page:
                type_timestamp(row, "dProcessedOn")
            client.add_rows("processed_orders", len(page))
            yield page


def _order_details(order_ids: Sequence[str], client: LinnworksClient) -> list[Record]:
    with client.guard():
        batches = chunks([str(order_id) for order_id in order_ids], settings.IDS_PER_CALL)
        return [type_order(order) for batch in batches for order in api.orders_by_id(client, batch)]


@dlt.transformer(
    name="order_details",
    primary_key="order_id",
    write_disposition="merge",
    columns=ORDER_COLUMNS,
    parallelized=True,
)
def order_details(orders: list[Record], client: LinnworksClient) -> list[Record]:
    """Orders/GetOrdersById for each page of processed orders: lines (kits with `CompositeSubItems`),
    totals, customer, shipping, notes."""
    rows = _order_details([row["pkOrderID"] for row in orders if row.get("pkOrderID")], client)
    client.add_rows("order_details", len(rows))
    return rows


@dlt.resource(name="open_order_ids", selected=False, parallelized=True)
def open_order_ids(client: LinnworksClient, view_id: int = settings.OPEN_ORDERS_VIEW_ID) -> Iterator[list[str]]:
    """Not loaded: pages of open order ids from OpenOrders/GetOpenOrderIds, for every stock location."""
    with client.guard():
        locations = api.stock_locations(client)
        location_ids = [str(row["StockLocationId"]) for row in locations if row.get("StockLocationId")]
        yield from api.open_order_id_pages(client, location_ids, view_id)


@dlt.transformer(
    name="open_orders",
    primary_key="order_id",
    write_disposition="replace",
    columns=ORDER_COLUMNS,
    parallelized=True,
)
def open_orders(order_ids: list[str], client: LinnworksClient) -> list[Record]:
    """Orders/GetOrdersById for the open orders: the same shape as order_details, replaced every run."""
    rows = _order_details(order_ids, client)
    client.add_rows("open_orders", len(rows))
    return rows


# -- the source -------------------------------------------------------------------------------------------
# root_key: every child table carries `_dlt_root_id`, the key of its root record (dlt adds it by itself only to merge
# resources); the open-order child tables need it as the processed-order ones have it.
@dlt.source(name="linnworks", root_key=True)
def linnworks(
    start_date: str | None = None,
    orders_lookback_seconds: float = settings.ORDERS_LOOKBACK_SECONDS,
    open_orders_view_id: int = settings.OPEN_ORDERS_VIEW_ID,
    resources: list[str] | None = None,
    client: LinnworksClient | None = None,
) -> list[DltResource]:
    """The Linnworks resources named in `resources` (default all of RESOURCES).

    Args:
        start_date: ISO date or date-time the first processed-orders load starts from (default 365 days back).
        orders_lookback_seconds: how far before the cursor later processed-order loads start reading.
        open_orders_view_id: the open-orders view GetOpenOrderIds lists (4: all open orders).
        resources: which resources to extract; stock_levels alone pages the catalogue without data
            requirements, with stock_items it is fed by the item pages as they arrive.
        client: the run's API client (default: `client_from_config()`); close it after extracting.
    """
    selected = select_resources(resources)
    client = client or client_from_config()
    start = datetime.now(UTC) - timedelta(days=settings.START_DAYS_BACK)
    if start_date:
        try:
            start = parse_timestamp(start_date)
        except ValueError:
            raise ValueError(
                f"sources.linnworks.start_date {start_date!r} is not an ISO date or date-time (e.g. 2024-01-31)"
            ) from None

    chosen: list[DltResource] = []
    if {"stock_items", "stock_levels", "stock_item_details"} & set(selected):
        pages = stock_items(client) if "stock_items" in selected else stock_item_ids(client)
        chosen.append(pages)
        if "stock_levels" in selected:
            chosen.append(pages | stock_levels(client=client))
        if "stock_item_details" in selected:
            chosen.append(pages | stock_item_details(client=client))
    if {"stock_locations", "stock_location_details"} & set(selected):
        locations = stock_locations(client)
        locations.selected = "stock_locations" in selected
        chosen.append(locations)
        if "stock_location_details" in selected:
            chosen.append(locations | stock_location_details(client=client))
    if "processed_orders" in selected:
        cursor = incremental(
            "dProcessedOn",
            initial_value=start,
            lag=orders_lookback_seconds,
            on_cursor_value_missing="include",
            primary_key=(),
        )
        orders = processed_orders(client, processed_on=cursor)
        chosen.append(orders)
        if "order_details" in selected:
            chosen.append(orders | order_details(client=client))
    if "open_orders" in selected:
        chosen.append(open_order_ids(client, view_id=open_orders_view_id) | open_orders(client=client))
    return chosen

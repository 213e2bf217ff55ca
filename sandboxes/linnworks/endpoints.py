"""The Linnworks methods the sandbox serves: routing table, rate limits and one handler per method.

Handlers are plain functions of the bound parameters and the dataset; they return the JSON-able answer
or raise `ApiError` (HTTP status + Linnworks error body). Authorisation, sessions, rate limits and
faults are the server's business (server.py).

Behaviour that docs/sources/linnworks.md leaves open is decided here, and said in each handler's docstring.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from loaders.linnworks.settings import (
    STOCK_INFORMATION_DATA_REQUIREMENTS,
    STOCK_INFORMATION_SEARCH_TYPES,
    STOCK_ITEM_FULL_EXTENDED_DATA_REQUIREMENTS,
)

from .binding import Params, to_enum, to_enum_list, to_guid, to_guids, to_list
from .data import Dataset, Order, StockItem
from .timefmt import parse_ticks
from .vocab import ZERO_GUID

MAX_ENTRIES_PER_PAGE = 200
"""GetStockItemsFull: "The amount of entries you require. Maximum 200." (SPEC)."""
MAX_IDS_PER_CALL = 200
"""GetStockItemsFullByIds / GetStockLevel_Batch / GetOrdersById: undocumented; peers chunk at 200."""
MAX_RESULTS_PER_PAGE = 500
"""SearchProcessedOrders: undocumented; Airbyte and linnapi ask for 500."""
NO_ITEMS_MESSAGE = "No items found with given filter."

STOCK_INFORMATION_REQUIREMENTS = STOCK_INFORMATION_DATA_REQUIREMENTS
"""`StockInformationDataRequirement`, the enum of GetStockItemsFull's `dataRequirements` (the loader's list: one
fact, docs/sources/linnworks.md §3.1)."""
FULL_EXTENDED_REQUIREMENTS = STOCK_ITEM_FULL_EXTENDED_DATA_REQUIREMENTS
"""`StockItemFullExtendedDataRequirement`, GetStockItemsFullByIds' own enum (1 = Supplier here!)."""
SEARCH_TYPES = STOCK_INFORMATION_SEARCH_TYPES
DATE_FIELDS = ("processed", "payment", "cancelled", "received")
SEARCH_FIELDS = ("Source", "SubSource", "ItemIdentifier")

_COLLECTIONS = {
    "StockLevels": "StockLevels",
    "Supplier": "Suppliers",
    "ChannelTitle": "ItemChannelTitles",
    "ChannelDescription": "ItemChannelDescriptions",
    "ChannelPrice": "ItemChannelPrices",
    "ExtendedProperties": "ItemExtendedProperties",
    "Images": "Images",
}
_PRICING_BLANK = {"PurchasePrice": 0.0, "RetailPrice": 0.0, "TaxRate": 0.0}
_SHIPPING_BLANK = {
    "PostalServiceId": ZERO_GUID,
    "PostalServiceName": "",
    "PackageGroupId": ZERO_GUID,
    "PackageGroupName": None,
    "Height": 0.0,
    "Width": 0.0,
    "Depth": 0.0,
    "Weight": 0.0,
}


class ApiError(Exception):
    """An error answer: HTTP `status` with body `{"Code": code, "Message": message}`."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code

    def body(self) -> dict[str, Any]:
        return {"Code": self.code, "Message": self.message}


Handler = Callable[[Params, Dataset], Any]


@dataclass(frozen=True)
class Endpoint:
    controller: str
    name: str
    rate_limit: int
    """Calls per window (per minute on the live API), from the Swagger specs."""
    handler: Handler | None
    """None for AuthorizeByApplication, which the server answers itself."""

    @property
    def path(self) -> str:
        return f"{self.controller}/{self.name}"


def _shape_item(item: StockItem, wanted: set[str], blank_scalars: bool) -> dict[str, Any]:
    """The item's record with unrequested sub-collections emptied.

    With the GetStockItemsFull enum (`blank_scalars`), `Pricing` and `ShippingInformation` are taken to
    load the scalar price and postal/dimension fields (docs/sources/linnworks.md §3.1); without them those read 0 / "".
    """
    shaped = dict(item.record)
    for requirement, key in _COLLECTIONS.items():
        if requirement not in wanted:
            shaped[key] = []
    if blank_scalars:
        if "Pricing" not in wanted:
            shaped.update(_PRICING_BLANK)
        if "ShippingInformation" not in wanted:
            shaped.update(_SHIPPING_BLANK)
    return shaped


def _requirements(value: Any, names: tuple[str, ...]) -> set[str]:
    return {names[n] for n in to_enum_list(value, names)}


def _ids_param(params: Params, name: str) -> list[str]:
    ids = to_guids(params.get(name))
    if len(ids) > MAX_IDS_PER_CALL:
        raise ApiError(400, f"Too many {name}: {len(ids)} given, at most {MAX_IDS_PER_CALL} per call.")
    return list(dict.fromkeys(ids))


def get_stock_items_full(params: Params, data: Dataset) -> list[dict[str, Any]]:
    """Stock/GetStockItemsFull: a bare array, 1-based pages of at most 200, in StockItemIntId order.

    Past the last page (or when nothing matches) the API answers 400 "No items found with given filter.".
    `loadCompositeParents` / `loadVariationParents` default to false like the .NET binder: kits are
    listed only when `loadCompositeParents` is true. `keyword` matches SKU, title and/or barcode
    (substring, any case) per `searchTypes` (all three when none given).
    """
    per_page = params.get_int("entriesPerPage")
    if per_page is None or not 1 <= per_page <= MAX_ENTRIES_PER_PAGE:
        raise ApiError(400, f"entriesPerPage must be between 1 and {MAX_ENTRIES_PER_PAGE}.")
    page = max(1, params.get_int("pageNumber", 1) or 1)
    wanted = _requirements(params.get("dataRequirements"), STOCK_INFORMATION_REQUIREMENTS)
    search_types = to_enum_list(params.get("searchTypes"), SEARCH_TYPES) or [0, 1, 2]
    keyword = params.get_str("keyword").strip().lower()
    load_kits = params.get_bool("loadCompositeParents")
    load_variations = params.get_bool("loadVariationParents")
    fields = [("ItemNumber", "ItemTitle", "BarcodeNumber")[n] for n in search_types]

    def matches(item: StockItem) -> bool:
        if item.is_kit and not load_kits:
            return False
        if item.record["IsVariationParent"] and not load_variations:
            return False
        return not keyword or any(keyword in str(item.record[f]).lower() for f in fields)

    with data.lock:
        selected = [item for item in data.items if matches(item)]
    chunk = selected[(page - 1) * per_page : page * per_page]
    if not chunk:
        raise ApiError(400, NO_ITEMS_MESSAGE)
    return [_shape_item(item, wanted, blank_scalars=True) for item in chunk]


def get_stock_items_full_by_ids(params: Params, data: Dataset) -> dict[str, Any]:
    """Stock/GetStockItemsFullByIds: `{"StockItemsFullExtended": [...]}` for the known ids, in request order.

    DataRequirements use their own enum (0 StockLevels, 1 Supplier, ... 6 Images). Unknown ids are left out.
    """
    ids = _ids_param(params, "StockItemIds")
    wanted = _requirements(params.get("DataRequirements"), FULL_EXTENDED_REQUIREMENTS)
    result = []
    for item_id in ids:
        item = data.items_by_id.get(item_id)
        if item is None:
            continue
        shaped = _shape_item(item, wanted, blank_scalars=False)
        del shaped["IsVariationParent"]
        shaped["IsCompositeParent"] = item.is_kit
        result.append(shaped)
    return {"StockItemsFullExtended": result}


def get_stock_level_batch(params: Params, data: Dataset) -> list[dict[str, Any]]:
    """Stock/GetStockLevel_Batch: one `{pkStockItemId, StockItemLevels}` per known id (a row per location)."""
    result = []
    for item_id in _ids_param(params, "StockItemIds"):
        item = data.items_by_id.get(item_id)
        if item is not None:
            result.append({"pkStockItemId": item_id, "StockItemLevels": item.record["StockLevels"]})
    return result


def get_stock_locations(params: Params, data: Dataset) -> list[dict[str, Any]]:
    """Inventory/GetStockLocations: every location, `Default` (zero GUID, IntId 0) first."""
    return data.locations


def get_location(params: Params, data: Dataset) -> dict[str, Any]:
    """Locations/GetLocation?pkStockLocationId=…: one location; 400 when the id is unknown."""
    raw = params.get("pkStockLocationId")
    if raw is None or raw == "":
        raise ApiError(400, "pkStockLocationId is required.")
    location_id = to_guid(raw)
    location = data.locations_by_id.get(location_id)
    if location is None:
        raise ApiError(400, f"Location {location_id} not found.")
    return location


_DATE_TICKS: dict[str, Callable[[Order], int]] = {
    "processed": lambda order: order.processed,
    "payment": lambda order: order.paid,
    "cancelled": lambda order: order.cancelled,
    "received": lambda order: order.received,
}
_SORT_TICKS = {
    "dprocessedon": "processed",
    "dpaidon": "payment",
    "dcancelledon": "cancelled",
    "dreceiveddate": "received",
}


def _order_matches(order: Order, term: str, filters: list[tuple[str, str]]) -> bool:
    header = order.header or {}
    if term:
        haystack = (
            str(header["nOrderId"]),
            header["ReferenceNum"],
            header["SecondaryReference"],
            header["ExternalReference"],
            header["cFullName"],
            header["cEmailAddress"],
            header["cPostCode"],
            header["PostalTrackingNumber"],
        )
        if not any(term in str(value).lower() for value in haystack):
            return False
    for field, value in filters:
        if field == "ItemIdentifier":
            codes = {
                str(line.get(key) or "").lower()
                for line in order.details["Items"]
                for key in ("SKU", "ItemNumber", "ChannelSKU", "BarcodeNumber")
            }
            if value not in codes:
                return False
        elif str(header[field]).lower() != value:
            return False
    return True


def search_processed_orders(params: Params, data: Dataset) -> dict[str, Any]:
    """ProcessedOrders/SearchProcessedOrders: the GenericPagedResult envelope under `ProcessedOrders`.

    `DateField` (processed|payment|cancelled|received, or 0-3) with `FromDate` / `ToDate` filters
    inclusively at both ends; without `DateField` the dates are ignored. `ResultsPerPage` must be 1-500.
    `SearchSorting.SortField` is any ProcessedOrderWeb field (default `dProcessedOn`), `SortDirection`
    ASC|DESC (default DESC, newest first); ties go by `nOrderId`. A page past the end has empty `Data`.
    """
    per_page = params.get_int("ResultsPerPage")
    if per_page is None or not 1 <= per_page <= MAX_RESULTS_PER_PAGE:
        raise ApiError(400, f"ResultsPerPage must be between 1 and {MAX_RESULTS_PER_PAGE}.")
    page = max(1, params.get_int("PageNumber", 1) or 1)
    date_field = params.get("DateField")
    low, high = None, None
    if date_field not in (None, ""):
        date_field = DATE_FIELDS[to_enum(date_field, DATE_FIELDS)]
        try:
            low = parse_ticks(str(params.get("FromDate"))) if params.get("FromDate") else None
            high = parse_ticks(str(params.get("ToDate"))) if params.get("ToDate") else None
        except ValueError as error:
            raise ApiError(400, "The request is invalid.") from error
    term = params.get_str("SearchTerm").strip().lower()
    filters = []
    for entry in to_list(params.get("SearchFilters")):
        if not isinstance(entry, dict):
            raise ApiError(400, "The request is invalid.")
        field = SEARCH_FIELDS[to_enum(entry.get("searchfield"), SEARCH_FIELDS)]
        filters.append((field, str(entry.get("searchterm") or "").strip().lower()))
    sorting = params.get_object("SearchSorting")
    sort_field = str(sorting.get("sortfield") or "dProcessedOn").strip()
    descending = str(sorting.get("sortdirection") or "DESC").strip().upper() != "ASC"

    with data.lock:
        orders = list(data.processed_orders)
    if date_field:
        ticks_of = _DATE_TICKS[date_field]
        orders = [o for o in orders if (low is None or ticks_of(o) >= low) and (high is None or ticks_of(o) <= high)]
    if term or filters:
        orders = [o for o in orders if _order_matches(o, term, filters)]

    date_sort = _SORT_TICKS.get(sort_field.lower())
    header_keys = {key.lower(): key for key in (orders[0].header or {})} if orders else {}
    if date_sort:
        ticks_of = _DATE_TICKS[date_sort]
        orders.sort(key=lambda o: (ticks_of(o), o.details["NumOrderId"]), reverse=descending)
    elif sort_field.lower() in header_keys:
        key = header_keys[sort_field.lower()]

        def by_header(order: Order) -> tuple[bool, Any, int]:
            value = (order.header or {}).get(key)
            return value is not None, value if value is not None else 0, order.details["NumOrderId"]

        orders.sort(key=by_header, reverse=descending)
    else:
        orders.sort(key=lambda o: (o.processed, o.details["NumOrderId"]), reverse=descending)

    total = len(orders)
    chunk = orders[(page - 1) * per_page : page * per_page]
    return {
        "ProcessedOrders": {
            "PageNumber": page,
            "EntriesPerPage": per_page,
            "TotalEntries": total,
            "TotalPages": math.ceil(total / per_page),
            "Data": [order.header for order in chunk],
        }
    }


def get_orders_by_id(params: Params, data: Dataset) -> list[dict[str, Any]]:
    """Orders/GetOrdersById: OrderDetails (open or processed) in request order; unknown ids left out."""
    ids = _ids_param(params, "pkOrderIds")
    with data.lock:
        found = [data.orders_by_id.get(order_id) for order_id in ids]
    return [order.details for order in found if order is not None]


def get_open_order_ids(params: Params, data: Dataset) -> dict[str, Any]:
    """OpenOrders/GetOpenOrderIds: GenericPagedResult<Guid> of the open orders at `LocationId`.

    Request (SDK `GetOpenOrdersRequest`): `ViewId` (any view shows every open order here), `LocationId`
    (default the zero-GUID Default location, like the .NET binder; ~10% of open orders are at the FBA
    location), `EntriesPerPage` (> 0), `PageNumber` (1-based), optional `OrderIds` filter. Ordered by
    `NumOrderId`; a page past the end has empty `Data`.
    """
    per_page = params.get_int("EntriesPerPage")
    if per_page is None or per_page < 1:
        raise ApiError(400, "EntriesPerPage must be greater than 0.")
    page = max(1, params.get_int("PageNumber", 1) or 1)
    raw_location = params.get("LocationId")
    location_id = to_guid(raw_location) if raw_location not in (None, "") else ZERO_GUID
    only = set(to_guids(params.get("OrderIds")))
    with data.lock:
        orders = [o for o in data.open_orders if o.location_id == location_id and (not only or o.id in only)]
    orders.sort(key=lambda o: o.details["NumOrderId"])
    chunk = orders[(page - 1) * per_page : page * per_page]
    return {
        "PageNumber": page,
        "EntriesPerPage": per_page,
        "TotalEntries": len(orders),
        "TotalPages": math.ceil(len(orders) / per_page),
        "Data": [order.id for order in chunk],
    }


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("Auth", "AuthorizeByApplication", 150, None),
    Endpoint("Stock", "GetStockItemsFull", 150, get_stock_items_full),
    Endpoint("Stock", "GetStockItemsFullByIds", 250, get_stock_items_full_by_ids),
    Endpoint("Stock", "GetStockLevel_Batch", 250, get_stock_level_batch),
    Endpoint("Inventory", "GetStockLocations", 150, get_stock_locations),
    Endpoint("Locations", "GetLocation", 150, get_location),
    Endpoint("ProcessedOrders", "SearchProcessedOrders", 150, search_processed_orders),
    Endpoint("Orders", "GetOrdersById", 250, get_orders_by_id),
    Endpoint("OpenOrders", "GetOpenOrderIds", 150, get_open_order_ids),
)
"""Rate limits: Swagger specs (rate_limits.tsv); GetOpenOrderIds is not in them, 150 per a peer's note."""

ROUTES: dict[tuple[str, str], Endpoint] = {(e.controller.lower(), e.name.lower()): e for e in ENDPOINTS}

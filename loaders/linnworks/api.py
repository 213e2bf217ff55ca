"""The Linnworks methods the loader calls: their request shapes, paging and the unwrapping of answers.

Request shapes follow docs/sources/linnworks.md §2 and §3: methods with a `request` parameter get `{"request": {...}}`,
the others flat JSON; enums are sent by name (GetStockItemsFullByIds has its own enum, so names avoid
the ordinal trap); verbs as in the Swagger specs.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from loaders.linnworks import settings
from loaders.linnworks.client import LinnworksClient, LinnworksError
from loaders.linnworks.paging import prefetch
from loaders.linnworks.records import format_timestamp

GET_STOCK_ITEMS_FULL = "Stock/GetStockItemsFull"
GET_STOCK_ITEMS_FULL_BY_IDS = "Stock/GetStockItemsFullByIds"
GET_STOCK_LEVEL_BATCH = "Stock/GetStockLevel_Batch"
GET_STOCK_LOCATIONS = "Inventory/GetStockLocations"
GET_LOCATION = "Locations/GetLocation"
SEARCH_PROCESSED_ORDERS = "ProcessedOrders/SearchProcessedOrders"
GET_ORDERS_BY_ID = "Orders/GetOrdersById"
GET_OPEN_ORDER_IDS = "OpenOrders/GetOpenOrderIds"

Record = dict[str, Any]


def _expect(client: LinnworksClient, method: str, answer: Any, kind: type) -> Any:
    if not isinstance(answer, kind):
        got = type(answer).__name__
        raise client.fail(LinnworksError(f"Linnworks {method} answered a {got} where a {kind.__name__} was expected"))
    return answer


def _records(client: LinnworksClient, method: str, answer: Any) -> list[Record]:
    return [row for row in _expect(client, method, answer or [], list) if isinstance(row, dict)]


# -- stock ----------------------------------------------------------------------------------------------
def stock_items_page(client: LinnworksClient, page: int, requirements: Sequence[str]) -> list[Record]:
    """Page `page` (1-based) of Stock/GetStockItemsFull with `requirements`; [] past the last page."""
    body = {
        "keyword": "",
        "loadCompositeParents": True,
        "loadVariationParents": True,
        "entriesPerPage": settings.STOCK_PAGE_SIZE,
        "pageNumber": page,
        "dataRequirements": list(requirements),
        "searchTypes": list(settings.STOCK_INFORMATION_SEARCH_TYPES),
    }
    answer = client.post(GET_STOCK_ITEMS_FULL, body, end_of_data=settings.NO_ITEMS_MESSAGE)
    return _records(client, GET_STOCK_ITEMS_FULL, answer)


def stock_item_pages(client: LinnworksClient, requirements: Sequence[str]) -> Iterator[list[Record]]:
    """Every page of the catalogue (kits and variation parents included), several pages at once.

    The listing has no total: it ends with a short page or the 400 "No items found with given filter.",
    so pages are asked for ahead of knowing they exist (starting with two, up to PAGES_IN_FLIGHT).
    """
    pages = prefetch(
        client,
        lambda number: stock_items_page(client, number, requirements),
        itertools.count(1),
        settings.PAGES_IN_FLIGHT,
        is_last=lambda page: len(page) < settings.STOCK_PAGE_SIZE,
        start=2,
    )
    for page in pages:
        if page:
            yield page


def stock_item_ids(items: Sequence[Record]) -> list[str]:
    return [str(item["StockItemId"]) for item in items if item.get("StockItemId")]


def stock_levels(client: LinnworksClient, item_ids: Sequence[str]) -> list[Record]:
    """Stock/GetStockLevel_Batch: one row per item and location, `StockItemId` taken from the request.

    (Live rows may carry `StockItemIntId: 0`; `pkStockItemId` is the id we asked about.)
    """
    answer = client.post(GET_STOCK_LEVEL_BATCH, {"request": {"StockItemIds": list(item_ids)}})
    rows = []
    for entry in _records(client, GET_STOCK_LEVEL_BATCH, answer):
        for level in entry.get("StockItemLevels") or ():
            if isinstance(level, dict):
                rows.append({**level, "StockItemId": entry.get("pkStockItemId") or level.get("StockItemId")})
    return rows


def stock_items_by_ids(client: LinnworksClient, item_ids: Sequence[str]) -> list[Record]:
    """Stock/GetStockItemsFullByIds without sub-collections: the item fields the listing lacks."""
    body = {"request": {"StockItemIds": list(item_ids), "DataRequirements": []}}
    answer = _expect(client, GET_STOCK_ITEMS_FULL_BY_IDS, client.post(GET_STOCK_ITEMS_FULL_BY_IDS, body), dict)
    return _records(client, GET_STOCK_ITEMS_FULL_BY_IDS, answer.get("StockItemsFullExtended"))


def stock_locations(client: LinnworksClient) -> list[Record]:
    """Inventory/GetStockLocations, asked once per run however many resources need it."""
    return client.once(
        GET_STOCK_LOCATIONS, lambda: _records(client, GET_STOCK_LOCATIONS, client.get(GET_STOCK_LOCATIONS))
    )


def location(client: LinnworksClient, location_id: str) -> Record:
    """Locations/GetLocation for one location."""
    answer = client.get(GET_LOCATION, {"pkStockLocationId": location_id})
    return _expect(client, GET_LOCATION, answer, dict)  # type: ignore[no-any-return]


# -- orders ---------------------------------------------------------------------------------------------
def _paged(client: LinnworksClient, method: str, answer: Any) -> tuple[list[Any], int | None]:
    """(Data, TotalPages or None) of a GenericPagedResult."""
    result = _expect(client, method, answer, dict)
    data = result.get("Data") or []
    total = result.get("TotalPages")
    if not isinstance(total, int):
        entries, per_page = result.get("TotalEntries"), result.get("EntriesPerPage")
        total = math.ceil(entries / per_page) if isinstance(entries, int) and per_page else None
    return _expect(client, method, data, list), total


def _all_pages(
    client: LinnworksClient, fetch: Any, page_size: int, first: tuple[list[Any], int | None]
) -> Iterator[list[Any]]:
    """Page 1's data, then pages 2.. (by TotalPages, or until a short page when it is missing)."""
    data, total = first
    if total is not None:
        numbers: Any = range(2, total + 1)
    elif len(data) >= page_size:
        numbers = itertools.count(2)
    else:
        numbers = ()
    # started before page 1 is handed on, so the next pages are on their way while it is processed
    rest = prefetch(
        client, lambda n: fetch(n)[0], numbers, settings.PAGES_IN_FLIGHT, lambda rows: len(rows) < page_size
    )
    if data:
        yield data
    for page in rest:
        if page:
            yield page


def processed_order_pages(client: LinnworksClient, since: datetime, until: datetime) -> Iterator[list[Record]]:
    """ProcessedOrders/SearchProcessedOrders: orders processed in [since, until], oldest first, by page."""

    def fetch(page: int) -> tuple[list[Any], int | None]:
        body = {
            "request": {
                "DateField": "processed",
                "FromDate": format_timestamp(since),
                "ToDate": format_timestamp(until),
                "PageNumber": page,
                "ResultsPerPage": settings.ORDERS_PAGE_SIZE,
                "SearchSorting": {"SortField": "dProcessedOn", "SortDirection": "ASC"},
            }
        }
        answer = _expect(client, SEARCH_PROCESSED_ORDERS, client.post(SEARCH_PROCESSED_ORDERS, body), dict)
        return _paged(client, SEARCH_PROCESSED_ORDERS, answer.get("ProcessedOrders"))

    for page in _all_pages(client, fetch, settings.ORDERS_PAGE_SIZE, fetch(1)):
        yield [row for row in page if isinstance(row, dict)]


def orders_by_id(client: LinnworksClient, order_ids: Sequence[str]) -> list[Record]:
    """Orders/GetOrdersById (unwrapped `pkOrderIds`): OrderDetails of open or processed orders."""
    return _records(client, GET_ORDERS_BY_ID, client.post(GET_ORDERS_BY_ID, {"pkOrderIds": list(order_ids)}))


def open_order_id_pages(client: LinnworksClient, location_ids: Sequence[str], view_id: int) -> Iterator[list[str]]:
    """OpenOrders/GetOpenOrderIds for every location: pages of open order ids (each id once)."""
    seen: set[str] = set()

    def fetcher(location_id: str) -> Any:
        def fetch(page: int) -> tuple[list[Any], int | None]:
            request = {
                "ViewId": view_id,
                "LocationId": location_id,
                "EntriesPerPage": settings.OPEN_ORDERS_PAGE_SIZE,
                "PageNumber": page,
            }
            return _paged(client, GET_OPEN_ORDER_IDS, client.post(GET_OPEN_ORDER_IDS, {"request": request}))

        return fetch

    firsts = prefetch(
        client, lambda location_id: (location_id, fetcher(location_id)(1)), location_ids, settings.PAGES_IN_FLIGHT
    )
    for location_id, first in firsts:
        for page in _all_pages(client, fetcher(location_id), settings.OPEN_ORDERS_PAGE_SIZE, first):
            ids = [str(order_id) for order_id in page if order_id and str(order_id) not in seen]
            seen.update(ids)
            if ids:
                yield ids

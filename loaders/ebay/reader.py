"""One store's read: every page of its ActiveList (Trading API GetMyeBaySelling), as rows for `raw_ebay`.

A read is what one store's seller listed at one moment: `read_id` (the store and the read's UTC time) and
`read_at` on every row, and one `reads` row saying how many listings and pages it found, so that a listing
absent from the newest read can be told from one never read. Pages are asked for in order, 200 entries each
(the most eBay allows); an item that comes back on two pages (a listing that moved while the pages were read)
is kept once, at its first page, and a read during which the list changed is read again (`read_store`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from xml.etree.ElementTree import Element

from loaders.ebay import settings
from loaders.ebay.client import EbayError, TradingClient, TradingResponse, element, text_of

Row = dict[str, Any]


@dataclass
class StoreRead:
    """What one store's read found (rows for `active_listings` and `reads`)."""

    store: str
    read_at: datetime
    listings: list[Row] = field(default_factory=list)
    pages: int = 0
    total_entries: int = 0
    """eBay's TotalNumberOfEntries on the last page."""
    changed: bool = False
    """TotalNumberOfEntries differed between pages: the ActiveList changed while it was read."""

    @property
    def read_id(self) -> str:
        return read_id(self.store, self.read_at)

    def reads_row(self) -> Row:
        return {
            "store": self.store,
            "read_id": self.read_id,
            "read_at": self.read_at,
            "listings": len(self.listings),
            "pages": self.pages,
            "total_entries": self.total_entries,
        }


def read_id(store: str, read_at: datetime) -> str:
    """`AMS:2025-06-01T12:00:00.123456Z`: a read's id, the same for a replay of that read."""
    return f"{store}:{read_at.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ}"


def page_request(page: int, entries: int = settings.ENTRIES_PER_PAGE) -> str:
    """The elements of a GetMyeBaySelling request for one ActiveList page."""
    pagination = element("Pagination", children=[element("EntriesPerPage", entries), element("PageNumber", page)])
    return element("ActiveList", children=[element("Include", "true"), pagination])


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def listing_row(item: Element, read: StoreRead) -> Row:
    """One ActiveList `Item` as a row. QuantityAvailable is eBay's when it sends it, else Quantity - QuantitySold
    (what is for sale: docs/sources/ebay.md §2.3)."""
    quantity = _int(text_of(item, "Quantity"))
    sold = _int(text_of(item, "SellingStatus/QuantitySold")) or 0
    available = _int(text_of(item, "QuantityAvailable"))
    if available is None and quantity is not None:
        available = quantity - sold
    return {
        "store": read.store,
        "item_id": text_of(item, "ItemID"),
        "sku": text_of(item, "SKU") or None,
        "quantity": quantity,
        "quantity_available": available,
        "quantity_sold": sold,
        "listing_type": text_of(item, "ListingType"),
        "listing_status": text_of(item, "SellingStatus/ListingStatus"),
        "title": text_of(item, "Title"),
        "read_at": read.read_at,
        "read_id": read.read_id,
    }


def _page(client: TradingClient, page: int) -> TradingResponse:
    answer = client.call("GetMyeBaySelling", page_request(page))
    if answer.find("ActiveList") is None and page == 1:
        raise EbayError(
            "no_active_list", "Error", "GetMyeBaySelling answered without an ActiveList", store=client.store,
            call_name="GetMyeBaySelling",
        )  # fmt: skip
    return answer


def items(answer: TradingResponse) -> Iterator[Element]:
    yield from answer.findall("ActiveList/ItemArray/Item")


def _read_once(client: TradingClient, read_at: datetime) -> StoreRead:
    read = StoreRead(client.store, read_at)
    seen: set[str] = set()
    page, pages = 1, 1
    while page <= pages:
        answer = _page(client, page)
        pages = _int(answer.text("ActiveList/PaginationResult/TotalNumberOfPages")) or 0
        total = _int(answer.text("ActiveList/PaginationResult/TotalNumberOfEntries")) or 0
        read.changed |= page > 1 and total != read.total_entries
        read.total_entries = total
        read.pages = max(read.pages, page if pages else 0)
        for item in items(answer):
            row = listing_row(item, read)
            if row["item_id"] and row["item_id"] not in seen:
                seen.add(row["item_id"])
                read.listings.append(row)
        page += 1
    return read


def read_store(client: TradingClient, read_at: datetime | None = None, attempts: int = 2) -> StoreRead:
    """Every page of the store's ActiveList; raises EbayError / TokenRejected when the store cannot be read.

    A listing that ends while the pages are read shifts the later pages by one, so one listing can slip
    between two pages: a read during which TotalNumberOfEntries changed, or that found fewer listings than
    eBay counted, is read again (up to `attempts` reads in all). The last read is kept either way; its `reads`
    row holds both counts."""
    moment = read_at or datetime.now(UTC)
    read = _read_once(client, moment)
    for _ in range(attempts - 1):
        if not read.changed and len(read.listings) >= read.total_entries:
            break
        read = _read_once(client, moment)
    return read

"""The eBay dlt source: the stores' reads (reader.py) landed in `raw_ebay`.

    active_listings   one row per (store, item id, read): what the ActiveList said   merge on (store, item_id, read_id)
    reads             one row per store read: read_at, listings, pages               merge on (store, read_id)

Every read is kept (history: staging picks each store's newest); merging on the read's id makes a replay of a
read (a rerun of a load package after a crash, or the same read loaded twice) add nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import dlt
from dlt.extract import DltResource

from loaders.ebay import settings
from loaders.ebay.reader import Row, StoreRead


def _timestamp(nullable: bool = True) -> dict[str, Any]:
    return {"data_type": "timestamp", "timezone": False, "nullable": nullable}


LISTING_COLUMNS: Any = {
    "store": {"data_type": "text", "nullable": False},
    "item_id": {"data_type": "text", "nullable": False},
    "sku": {"data_type": "text"},
    "quantity": {"data_type": "bigint"},
    "quantity_available": {"data_type": "bigint"},
    "quantity_sold": {"data_type": "bigint"},
    "listing_type": {"data_type": "text"},
    "listing_status": {"data_type": "text"},
    "title": {"data_type": "text"},
    "read_at": _timestamp(False),
    "read_id": {"data_type": "text", "nullable": False},
}
READ_COLUMNS: Any = {
    "store": {"data_type": "text", "nullable": False},
    "read_id": {"data_type": "text", "nullable": False},
    "read_at": _timestamp(False),
    "listings": {"data_type": "bigint", "nullable": False},
    "pages": {"data_type": "bigint", "nullable": False},
    "total_entries": {"data_type": "bigint"},
}


@dlt.source(name=settings.SOURCE_NAME)
def ebay(reads: Sequence[StoreRead]) -> list[DltResource]:
    """The listings and the read records of `reads` (each a whole store's read)."""

    @dlt.resource(
        name="active_listings",
        primary_key=("store", "item_id", "read_id"),
        write_disposition={"disposition": "merge", "strategy": "delete-insert"},
        columns=LISTING_COLUMNS,
    )
    def active_listings() -> Iterator[list[Row]]:
        for read in reads:
            if read.listings:
                yield read.listings

    @dlt.resource(
        name="reads",
        primary_key=("store", "read_id"),
        write_disposition={"disposition": "merge", "strategy": "delete-insert"},
        columns=READ_COLUMNS,
    )
    def reads_table() -> Iterator[list[Row]]:
        yield [read.reads_row() for read in reads]

    return [active_listings(), reads_table()]

"""`elt load ebay`: read each store's active listings (its own seller, its own token), land them in `raw_ebay`.

The stores are read in parallel (each is its own seller with its own call limits), each whole (every page),
then every store read is landed in one load. A store that cannot be read (its refresh token rejected, eBay
failing past the retries) fails by name and lands nothing; the other stores' reads land. A store without a
refresh token is left out, saying so.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from loaders import pipeline as runs
from loaders.contract import Warehouse
from loaders.ebay import settings
from loaders.ebay.client import EbayError, EbaySettings, TradingClient, select_stores
from loaders.ebay.reader import StoreRead, read_store
from loaders.ebay.source import ebay

Echo = Callable[[str], None]
MAX_PARALLEL_STORES = 4


@dataclass
class EbayLoad:
    """What `load_ebay` did: rows per table, stores read, failed (with why) and skipped."""

    ok: bool = False
    error: str | None = None
    row_counts: dict[str, int] = field(default_factory=dict)
    stores_read: dict[str, int] = field(default_factory=dict)
    """Store -> listings its read found."""
    stores_failed: dict[str, str] = field(default_factory=dict)
    stores_skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(self.row_counts.values())


def known_stores(warehouse: Warehouse) -> list[str]:
    """The stores of the store workbooks already loaded (raw_supplier_stock.store_listings), [] when none."""
    try:
        with warehouse.connect() as con:
            rows = con.execute("select distinct ebay_store from raw_supplier_stock.store_listings").fetchall()
    except Exception:  # no warehouse, no store workbooks loaded yet: only the configured stores are read
        return []
    return sorted(str(row[0]).upper() for row in rows if row[0])


def _read(ebay_settings: EbaySettings, store: str, read_at: datetime) -> StoreRead:
    with TradingClient(ebay_settings, store) as client:
        return read_store(client, read_at)


def load_ebay(
    target: Warehouse,
    stores: Iterable[str] | None = None,
    ebay_settings: EbaySettings | None = None,
    now: datetime | None = None,
    echo: Echo = print,
) -> EbayLoad:
    """Read `stores` (default: every store with a refresh token, and the store workbooks' stores, which are
    skipped, saying so, when they have none) into `raw_ebay` on `target`. `now` is the reads' time (a replay of
    the same reads, with the same `now`, adds nothing). Never raises for eBay or warehouse failures."""
    started = time.monotonic()
    result = EbayLoad()
    try:
        ebay_settings = ebay_settings or EbaySettings.from_config()
    except ValueError as error:
        result.error = str(error)
        echo(f"ebay: {result.error}")
        return result
    asked: Sequence[str] | None = list(stores) if stores is not None else None
    chosen, skipped = select_stores(ebay_settings, asked, () if asked else known_stores(target))
    result.stores_skipped = skipped
    for message in skipped:
        echo(f"ebay: {message}")
    missing = ebay_settings.missing()
    if not chosen or missing:
        result.error = (
            f"eBay is not configured: set {', '.join(missing)}"
            if missing
            else "no eBay store to read: set SOURCES__EBAY__<STORE>__REFRESH_TOKEN for at least one store"
        )
        echo(f"ebay: {result.error}")
        result.seconds = time.monotonic() - started
        return result
    read_at = now or datetime.now(UTC)
    echo(f"ebay: reading {', '.join(chosen)} -> {settings.DATASET_NAME} ({ebay_settings.api_url})")
    reads: list[StoreRead] = []
    with ThreadPoolExecutor(min(MAX_PARALLEL_STORES, len(chosen)), thread_name_prefix="ebay-read") as pool:
        futures = {store: pool.submit(_read, ebay_settings, store, read_at) for store in chosen}
        for store, future in futures.items():
            try:
                read = future.result()
            except EbayError as error:
                result.stores_failed[store] = str(error)
                echo(f"ebay: store {store} failed: {error}")
                continue
            except Exception as error:  # an answer the reader cannot take: that store fails, the others go on
                result.stores_failed[store] = f"eBay store {store}: {type(error).__name__}: {error}"
                echo(f"ebay: store {store} failed: {result.stores_failed[store]}")
                continue
            reads.append(read)
            result.stores_read[store] = len(read.listings)
            echo(f"ebay: store {store}: {len(read.listings):,} active listings in {read.pages} pages")
    try:
        if reads:
            pipeline = target.pipeline(settings.PIPELINE_NAME, settings.DATASET_NAME)
            landed = runs.load(pipeline, ebay(reads), echo)
            runs.add_rows(result.row_counts, landed.row_counts)
        result.ok = not result.stores_failed
        if result.stores_failed:
            result.error = "; ".join(result.stores_failed.values())
    except Exception as error:
        result.error = runs.error_message(error, ())
        echo(f"ebay: failed to land the reads: {result.error}")
    result.seconds = time.monotonic() - started
    echo(f"ebay: loaded {result.rows:,} rows in {result.seconds:.1f} s")
    for table, rows in sorted(result.row_counts.items()):
        echo(f"    {table:<24} {rows:>9,}")
    return result

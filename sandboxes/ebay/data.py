"""The eBay sandbox's stores and listings: one seller account per store, seeded from store workbooks.

Each store workbook row (item id, custom label, quantity, title, price; the SpeedSheet layout sandboxes/samples.py
writes and loaders/store_listings reads) becomes one listing of that store's seller. From a seeded random draw:

- most listings hold the workbook's quantity (`current_quantity`) for sale;
- some have drifted: sales or a manual edit in Seller Hub left eBay holding another quantity (`DRIFT_SHARE`);
- some have ended (`ENDED_SHARE`): they are no longer in the ActiveList, and revising one is refused (291);
- a few are auctions (`AUCTION_SHARE`): listed, but ReviseInventoryStatus refuses them (21916286);
- many have sold some units already: eBay's `Quantity` is then what was listed in all, and what is for sale
  (QuantityAvailable) is `Quantity - QuantitySold` (docs/sources/ebay.md §2.3).

The same rows and seed give the same listings.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

DRIFT_SHARE = 0.12
ENDED_SHARE = 0.04
AUCTION_SHARE = 0.01
SOLD_SHARE = 0.3
FIXED_PRICE = "FixedPriceItem"
AUCTION = "Chinese"
ACTIVE, COMPLETED = "Active", "Completed"


@dataclass
class Listing:
    """One eBay listing as the sandbox holds it (the fields GetMyeBaySelling and ReviseInventoryStatus touch)."""

    store: str
    item_id: str
    sku: str
    title: str
    quantity: int
    """Listed in all: what is for sale plus what sold (eBay's `Item.Quantity`)."""
    quantity_sold: int
    start_price: Decimal
    currency: str = "GBP"
    listing_type: str = FIXED_PRICE
    listing_status: str = ACTIVE
    workbook_quantity: int | None = None
    """The store workbook's current_quantity the listing was seeded from."""
    revisions: dict[str, int] = field(default_factory=dict)
    """Revisions that changed something, per calendar day (UTC, `YYYY-MM-DD`)."""

    @property
    def quantity_available(self) -> int:
        return self.quantity - self.quantity_sold

    @property
    def is_active(self) -> bool:
        return self.listing_status == ACTIVE

    @property
    def drifted(self) -> bool:
        return self.workbook_quantity is not None and self.quantity_available != self.workbook_quantity


@dataclass
class Store:
    """One eBay seller account: its name (the store code), user id, refresh token and listings by item id."""

    name: str
    user_id: str
    refresh_token: str
    listings: dict[str, Listing] = field(default_factory=dict)

    def active(self) -> list[Listing]:
        """The ActiveList: active listings, oldest item id first (the order pages are cut in)."""
        return sorted((x for x in self.listings.values() if x.is_active), key=lambda x: int(x.item_id))


@dataclass
class EbayData:
    """Every store the sandbox serves; `lock` guards the listings while calls change them."""

    stores: dict[str, Store]
    lock: threading.RLock = field(default_factory=threading.RLock)

    def store_of(self, item_id: str) -> Store | None:
        return next((store for store in self.stores.values() if item_id in store.listings), None)

    def counts(self) -> dict[str, dict[str, int]]:
        """Per store: listings, active, ended, drifted, auctions."""
        with self.lock:
            return {
                name: {
                    "listings": len(store.listings),
                    "active": sum(x.is_active for x in store.listings.values()),
                    "ended": sum(not x.is_active for x in store.listings.values()),
                    "drifted": sum(x.drifted and x.is_active for x in store.listings.values()),
                    "auctions": sum(x.listing_type != FIXED_PRICE for x in store.listings.values()),
                }
                for name, store in self.stores.items()
            }


WorkbookRow = Sequence[object]
"""[item id, brand, custom label, quantity, title, price, ...]: the SpeedSheet columns (sandboxes/samples.py)."""


def refresh_token_for(store: str, seed: int) -> str:
    """The refresh token the sandbox issues a store's seller (eBay's `v^1.1#i^1#...` shape, made up)."""
    rng = random.Random(f"ebay-refresh:{seed}:{store}")
    return f"v^1.1#i^1#r^1#p^3#I^3#f^0#t^{rng.getrandbits(128):032x}{store}"


def _int(value: object, default: int = 0) -> int:
    try:
        return int(float(str(value)))
    except (TypeError, ValueError):
        return default


def build_stores(rows_by_store: dict[str, Iterable[WorkbookRow]], seed: int = 1) -> EbayData:
    """Stores and listings from workbook rows (see the module docstring). Rows without an item id, and repeats
    of an item id, are left out as the store-listings loader leaves them out."""
    rng = random.Random(f"ebay:{seed}")
    stores: dict[str, Store] = {}
    for name, rows in rows_by_store.items():
        store = Store(name, f"testuser_{name.lower()}", refresh_token_for(name, seed))
        for row in rows:
            cells = [*row, *[None] * 6][:6]
            item_id = str(_int(cells[0], 0)) if cells[0] not in (None, "") else ""
            if not item_id or item_id == "0" or item_id in store.listings:
                continue
            workbook_quantity = max(0, _int(cells[3]))
            available = workbook_quantity
            roll = rng.random()
            if roll < DRIFT_SHARE:
                available = max(0, workbook_quantity + rng.choice((-3, -2, -1, 1, 2, 4, 7)))
            sold = rng.randint(1, 6) if rng.random() < SOLD_SHARE else 0
            status = COMPLETED if rng.random() < ENDED_SHARE else ACTIVE
            kind = AUCTION if rng.random() < AUCTION_SHARE else FIXED_PRICE
            try:
                price = Decimal(str(cells[5])).quantize(Decimal("0.01"))
            except ArithmeticError:
                price = Decimal("9.99")
            store.listings[item_id] = Listing(
                store=name,
                item_id=item_id,
                sku=str(cells[2] or ""),
                title=str(cells[4] or "")[:80],
                quantity=available + sold,
                quantity_sold=sold,
                start_price=price,
                listing_type=kind,
                listing_status=status,
                workbook_quantity=workbook_quantity,
            )
        stores[name] = store
    return EbayData(stores)


def sample_rows(seed: int = 7) -> dict[str, list[WorkbookRow]]:
    """The rows of the demo's store SpeedSheets (sandboxes/samples.py with the same seed), without writing them."""
    from sandboxes.samples import store_listing_rows

    return store_listing_rows(seed)


def workbook_rows(paths: Iterable[Path]) -> dict[str, list[WorkbookRow]]:
    """The rows of store workbooks (`<STORE> Database SpeedSheet.xlsx`, every sheet, header row skipped); the
    store is the start of the file name, as loaders/store_listings reads it."""
    from openpyxl import load_workbook

    rows: dict[str, list[WorkbookRow]] = {}
    for path in paths:
        store = Path(path).name.split()[0].upper()
        book = load_workbook(path, read_only=True, data_only=True)
        try:
            for sheet in book.worksheets:
                rows.setdefault(store, []).extend(
                    list(row) for row in sheet.iter_rows(min_row=2, max_col=6, values_only=True)
                )
        finally:
            book.close()
    return rows

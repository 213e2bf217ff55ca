"""The sandbox's dataset: a deterministic, realistic car-parts seller's Linnworks account built from a seed.

`generate_dataset(seed=..., items=500, orders=1000)` makes stock locations (the all-zero-GUID `Default`
first), stock items with every sub-collection (stock levels per location, suppliers, channel titles,
descriptions and prices, extended properties spelt `ProperyName`, images with both `CheckSumValue` and
`ChecksumValue`), kits (composite parents) whose order lines carry `CompositeSubItems`, processed orders
spread over the 90 days before `now`, and a few open orders. Records are stored in their API shape.

Item SKUs come from `sku_for(i)` alone (not the seed), so other sample data can refer to item `i`.
"""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from . import vocab
from .timefmt import TICKS_PER_SECOND, UNSET, format_ticks, ticks_from_datetime
from .vocab import ZERO_GUID

KIT_EVERY = 20
"""Every 20th item (index 19, 39, ...) is a kit (composite parent)."""

ORDER_HISTORY_DAYS = 90
FIRST_ORDER_NUMBER = 100_001
_HOUR = 3600 * TICKS_PER_SECOND
_DAY = 24 * _HOUR


def is_kit_index(i: int) -> bool:
    """Whether stock item `i` is a kit (composite parent)."""
    return i % KIT_EVERY == KIT_EVERY - 1


def sku_for(i: int) -> str:
    """The SKU (`ItemNumber`) of stock item `i` (0-based): a car-parts custom label like `FPS-BRK1234`.

    brand code - category code + a 4-digit number (unique for i < 9000, 5+ digits beyond); kits end `-KIT`.
    Depends on `i` only, never on the seed.
    """
    if i < 0:
        raise ValueError(f"item index must be >= 0, got {i}")
    category = vocab.CATEGORIES[i % len(vocab.CATEGORIES)][0]
    brand = vocab.BRANDS[(i // len(vocab.CATEGORIES)) % len(vocab.BRANDS)][0]
    number = 1000 + (i * 4973) % 9000 if i < 9000 else 10_000 + i
    sku = f"{brand}-{category}{number}"
    return f"{sku}-KIT" if is_kit_index(i) else sku


@dataclass
class StockItem:
    """One inventory item: its full API record plus what the generator knows about it."""

    index: int
    record: dict[str, Any]
    """StockItemFull with every sub-collection populated (endpoints blank what was not requested)."""
    is_kit: bool = False
    components: list[tuple[int, int]] = field(default_factory=list)
    """For kits: (item index, quantity per kit)."""

    @property
    def id(self) -> str:
        return self.record["StockItemId"]


@dataclass
class Order:
    """One order: `details` is its OrderDetails record; `header` its ProcessedOrderWeb row if processed."""

    details: dict[str, Any]
    header: dict[str, Any] | None
    received: int
    processed: int
    paid: int
    cancelled: int
    location_id: str

    @property
    def id(self) -> str:
        return self.details["OrderId"]

    @property
    def is_processed(self) -> bool:
        return self.header is not None


@dataclass
class Dataset:
    """Everything the sandbox serves. Mutations and multi-step reads hold `lock`."""

    seed: int
    now: datetime
    locations: list[dict[str, Any]]
    items: list[StockItem]
    processed_orders: list[Order]
    open_orders: list[Order]
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _generator: _Generator | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.items_by_id = {item.id: item for item in self.items}
        self.orders_by_id = {order.id: order for order in [*self.processed_orders, *self.open_orders]}
        self.locations_by_id = {location["StockLocationId"]: location for location in self.locations}

    def counts(self) -> dict[str, int]:
        """Row counts of every collection, to compare with what a loader landed."""
        with self.lock:
            records = [item.record for item in self.items]
            processed_lines = [line for order in self.processed_orders for line in order.details["Items"]]
            open_lines = [line for order in self.open_orders for line in order.details["Items"]]
            return {
                "items": len(records),
                "kits": sum(item.is_kit for item in self.items),
                "locations": len(self.locations),
                "stock_levels": sum(len(r["StockLevels"]) for r in records),
                "item_suppliers": sum(len(r["Suppliers"]) for r in records),
                "channel_titles": sum(len(r["ItemChannelTitles"]) for r in records),
                "channel_descriptions": sum(len(r["ItemChannelDescriptions"]) for r in records),
                "channel_prices": sum(len(r["ItemChannelPrices"]) for r in records),
                "extended_properties": sum(len(r["ItemExtendedProperties"]) for r in records),
                "images": sum(len(r["Images"]) for r in records),
                "processed_orders": len(self.processed_orders),
                "order_items": len(processed_lines),
                "order_item_components": sum(len(line["CompositeSubItems"]) for line in processed_lines),
                "open_orders": len(self.open_orders),
                "open_order_items": len(open_lines),
            }

    def add_processed_orders(self, count: int, processed_at: datetime | None = None) -> list[Order]:
        """Add `count` processed orders processed at `processed_at` (default: the real current time).

        Their `dProcessedOn` is never earlier than the newest existing one (+1 ms steps), so an incremental
        loader whose cursor is `dProcessedOn` always sees them as new.
        """
        if count < 0:
            raise ValueError(f"count must be >= 0, got {count}")
        assert self._generator is not None
        moment = ticks_from_datetime(processed_at or datetime.now(UTC))
        with self.lock:
            newest = max((order.processed for order in self.processed_orders), default=UNSET)
            added = []
            for _ in range(count):
                moment = max(moment, newest + 10_000)
                newest = moment
                order = self._generator.processed_order_at(moment)
                self.processed_orders.append(order)
                self.orders_by_id[order.id] = order
                added.append(order)
            return added


def generate_dataset(
    seed: int = 1,
    items: int = 500,
    orders: int = 1000,
    open_orders: int | None = None,
    now: datetime | None = None,
    unlinked_rate: float = 0.01,
) -> Dataset:
    """Build the dataset. Same arguments (with a fixed `now`) give identical data.

    `open_orders` defaults to 5% of `orders` (at least 1 when there are orders); `unlinked_rate` is the
    share of order lines not linked to a stock item (`IsUnlinked`, null `SKU`), as real channels produce.
    """
    if items < 1:
        raise ValueError(f"items must be >= 1, got {items}")
    if orders < 0:
        raise ValueError(f"orders must be >= 0, got {orders}")
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    generator = _Generator(seed, ticks_from_datetime(moment), unlinked_rate)
    locations = generator.locations()
    stock_items = [generator.stock_item(i, locations) for i in range(items)]
    generator.link_kits(stock_items)
    generator.items = stock_items
    processed = generator.processed_orders(orders)
    open_count = open_orders if open_orders is not None else (max(1, orders // 20) if orders else 0)
    opened = generator.open_orders(open_count)
    return Dataset(
        seed=seed,
        now=moment,
        locations=locations,
        items=stock_items,
        processed_orders=processed,
        open_orders=opened,
        _generator=generator,
    )


def _money(value: float) -> float:
    """Money as the API shows it: not rounded to pennies (27.99 / 1.2 = 23.325), without float noise."""
    return round(value, 6)


def _ean13(rng: random.Random) -> str:
    digits = "50" + "".join(str(rng.randrange(10)) for _ in range(10))
    total = sum(int(d) * (3 if n % 2 else 1) for n, d in enumerate(digits))
    return digits + str((10 - total % 10) % 10)


class _Generator:
    """Stateful helper that draws every value from one seeded RNG, in a fixed order."""

    def __init__(self, seed: int, now: int, unlinked_rate: float) -> None:
        self.rng = random.Random(seed)
        self.now = now
        self.unlinked_rate = unlinked_rate
        self.items: list[StockItem] = []
        self.locations_list: list[dict[str, Any]] = []
        self.next_order_number = FIRST_ORDER_NUMBER
        self.category_ids = {code: self.guid() for code, *_ in vocab.CATEGORIES}
        self.supplier_ids = [self.guid() for _ in vocab.SUPPLIERS]
        self.postal_ids = [self.guid() for _ in vocab.POSTAL_SERVICES]
        self.payment_ids = {name: self.guid() for name in vocab.PAYMENT_METHODS}
        self.country_id = self.guid()

    # -- small helpers -------------------------------------------------------------------------------
    def guid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def stamp(self, ticks: int) -> int:
        """`ticks` truncated to whole seconds plus a fraction of 0-7 significant digits, like live data."""
        digits = self.rng.choices((0, 1, 2, 3, 4, 5, 6, 7), weights=(10, 8, 18, 34, 4, 4, 4, 18))[0]
        whole = ticks - ticks % TICKS_PER_SECOND
        if digits == 0:
            return whole
        fraction = self.rng.randrange(1, 10**digits)
        if fraction % 10 == 0:
            fraction += 1
        return whole + fraction * 10 ** (7 - digits)

    def between(self, start: int, end: int) -> int:
        return self.stamp(self.rng.randrange(start, max(start + 1, end)))

    # -- locations -----------------------------------------------------------------------------------
    def locations(self) -> list[dict[str, Any]]:
        leeds = {"Address1": "Unit 7, Riverside Park", "City": "Leeds", "County": "West Yorkshire",
                 "ZipCode": "LS1 4AB", "Country": "United Kingdom"}  # fmt: skip
        # (name, StockLocationIntId, LocationTag, IsFulfillmentCenter, IsNotTrackable, address)
        specs = [
            ("Default", 0, "", False, False, {}),
            ("Overflow - Unit 7", 1, "OVERFLOW", False, False, leeds),
            ("Amazon FBA UK", 2, "FBA", True, False, {"Country": "United Kingdom"}),
            ("Returns & Damaged", 3, "RETURNS", False, True, leeds),
        ]
        result = []
        for name, int_id, tag, fulfilment_centre, untracked, address in specs:
            result.append(
                {
                    "StockLocationId": ZERO_GUID if int_id == 0 else self.guid(),
                    "LocationName": name,
                    "Address1": address.get("Address1", ""),
                    "Address2": "",
                    "City": address.get("City", ""),
                    "County": address.get("County", ""),
                    "Country": address.get("Country", ""),
                    "ZipCode": address.get("ZipCode", ""),
                    "IsNotTrackable": untracked,
                    "LocationTag": tag,
                    "IsFulfillmentCenter": fulfilment_centre,
                    "CountInOrderUntilAcknowledgement": True,
                    "FulfilmentCenterDeductStockWhenProcessed": fulfilment_centre,
                    "IsWarehouseManaged": False,
                    "StockLocationIntId": int_id,
                }
            )
        self.locations_list = result
        return result

    # -- stock items ---------------------------------------------------------------------------------
    def stock_item(self, i: int, locations: Sequence[dict[str, Any]]) -> StockItem:
        rng = self.rng
        code, category, parts, weights, prices = vocab.CATEGORIES[i % len(vocab.CATEGORIES)]
        brand = vocab.BRANDS[(i // len(vocab.CATEGORIES)) % len(vocab.BRANDS)][1]
        sku = sku_for(i)
        kit = is_kit_index(i)
        part = rng.choice(parts)
        vehicle = rng.choice(vocab.VEHICLES)
        title = f"{brand} {part}{' Service Kit' if kit else ''} for {vehicle}"
        item_id = self.guid()
        int_id = 1000 + i
        purchase = round(rng.uniform(*prices) * (2.2 if kit else 1.0), 2)
        retail = round(purchase * rng.uniform(1.45, 2.1)) - 0.01
        weight = round(rng.uniform(*weights) * (2 if kit else 1), 3)
        created = self.between(self.now - 5 * 365 * _DAY, self.now - 100 * _DAY)
        own = {"StockItemId": item_id, "StockItemIntId": int_id}
        mpn = f"{code}{rng.randrange(10000, 99999)}{rng.choice('ABCDEFGHJK')}"

        suppliers = []
        for n, s in enumerate(rng.sample(range(len(vocab.SUPPLIERS)), rng.choice((1, 1, 2)))):
            cost = round(purchase * rng.uniform(0.93, 1.08), 2)
            suppliers.append(
                {
                    "IsDefault": n == 0,
                    "Supplier": vocab.SUPPLIERS[s][0],
                    "SupplierID": self.supplier_ids[s],
                    "Code": f"{vocab.SUPPLIERS[s][0][:3].upper()}-{rng.randrange(10000, 99999)}",
                    "SupplierBarcode": _ean13(rng),
                    "LeadTime": rng.choice((1, 2, 3, 5, 7, 14)),
                    "PurchasePrice": cost,
                    "MinPrice": round(cost * 0.95, 2),
                    "MaxPrice": round(cost * 1.1, 2),
                    "AveragePrice": round(cost * 1.02, 4),
                    "AverageLeadTime": round(rng.uniform(1, 10), 1),
                    "SupplierMinOrderQty": rng.choice((1, 1, 5, 10)),
                    "SupplierPackSize": rng.choice((1, 1, 2, 4)),
                    "SupplierCurrency": vocab.SUPPLIERS[s][1],
                    **own,
                }
            )

        levels = []
        for location in locations:
            tag = location["LocationTag"]
            if location["StockLocationIntId"] == 0:
                stock = rng.randrange(0, 120)
            elif tag == "FBA":
                stock = rng.choice((0, 0, rng.randrange(1, 30)))
            elif tag == "RETURNS":
                stock = rng.choice((0, 0, 0, 1, 2))
            else:
                stock = rng.choice((0, rng.randrange(0, 40)))
            in_orders = min(stock, rng.choice((0, 0, 0, 1, 2, 3)))
            bin_rack = f"{rng.choice('ABCDEFG')}{rng.randrange(1, 20)}-{rng.randrange(1, 12):02d}"
            levels.append(
                {
                    "Location": {
                        "StockLocationId": location["StockLocationId"],
                        "StockLocationIntId": location["StockLocationIntId"],
                        "LocationName": location["LocationName"],
                        "IsFulfillmentCenter": location["IsFulfillmentCenter"],
                        "LocationTag": location["LocationTag"],
                        "BinRack": bin_rack if location["StockLocationIntId"] in (0, 1) else None,
                        "IsWarehouseManaged": location["IsWarehouseManaged"],
                    },
                    "StockLevel": stock,
                    "StockValue": _money(stock * purchase),
                    "MinimumLevel": rng.choice((0, 2, 5, 10)),
                    "InOrderBook": in_orders,
                    "Due": rng.choice((0, 0, 0, 6, 12)),
                    "JIT": False,
                    "InOrders": in_orders,
                    "Available": stock - in_orders,
                    "UnitCost": purchase,
                    "SKU": sku,
                    "AutoAdjust": True,
                    "LastUpdateDate": format_ticks(self.between(created, self.now - _HOUR)),
                    "LastUpdateOperation": rng.choice(
                        (
                            "DIRECT ADJUSTMENT BY admin",
                            "Order processed",
                            "Purchase order delivered",
                            "Stock count",
                        )
                    ),
                    "rowid": self.guid(),
                    "PendingUpdate": False,
                    "StockItemPurchasePrice": purchase,
                    **own,
                }
            )

        channel_titles, channel_descriptions, channel_prices = [], [], []
        for source, sub_source in vocab.CHANNELS:
            if rng.random() < 0.2:
                continue
            suffix = " - Genuine Quality" if source == "EBAY" else ""
            channel_titles.append(
                {
                    "pkRowId": self.guid(),
                    "Source": source,
                    "SubSource": sub_source,
                    "Title": f"{title}{suffix}"[:80],
                    **own,
                }
            )
            channel_descriptions.append(
                {
                    "pkRowId": self.guid(),
                    "Source": source,
                    "SubSource": sub_source,
                    "Description": f"<p>{title}.</p><p>Manufacturer part number {mpn}. Please check fitment "
                    "with your registration before ordering.</p>",
                    **own,
                }
            )
            price_id = self.guid()
            rules = []
            if rng.random() < 0.15:
                rules.append(
                    {
                        "pkRowId": rng.randrange(1, 5000),
                        "fkStockPricingId": price_id,
                        "Type": "Quantity",
                        "LowerBound": rng.choice((2, 4, 10)),
                        "Value": round(retail * 0.9, 2),
                    }
                )
            markup = {"EBAY": 1.06, "AMAZON": 1.12, "SHOPIFY": 1.0}[source]
            channel_prices.append(
                {
                    "Rules": rules,
                    "pkRowId": price_id,
                    "Source": source,
                    "SubSource": sub_source,
                    "Price": round(retail * markup, 2),
                    "Tag": "",
                    "UpdateStatus": rng.choices(
                        ("NoChange", "Pending", "SentNotConfirmed", "Success", "Error"),
                        weights=(80, 4, 4, 10, 2),
                    )[0],
                    **own,
                }
            )

        properties = [
            ("Brand", brand, "Attribute"),
            ("Manufacturer Part Number", mpn, "Attribute"),
            ("Placement on Vehicle", rng.choice(vocab.PLACEMENTS), "Attribute"),
            ("Warranty", rng.choice(("12 Months", "2 Years", "3 Years")), "Specification"),
        ]
        if rng.random() < 0.5:
            properties.append(("Fitment Notes", f"Fits {vehicle}", "Other"))
        extended = [
            {
                "pkRowId": self.guid(),
                "fkStockItemId": item_id,
                "ProperyName": name,
                "PropertyValue": value,
                "PropertyType": kind,
            }
            for name, value, kind in properties
        ]

        images = []
        for n in range(rng.choice((0, 1, 1, 2, 3, 4))):
            image_id = self.guid()
            checksum = f"{rng.getrandbits(64):016x}"
            images.append(
                {
                    "Source": f"https://images.lwsandbox.invalid/thumbs/{image_id}.jpg",
                    "FullSource": f"https://images.lwsandbox.invalid/full/{image_id}.jpg",
                    "CheckSumValue": checksum,
                    "pkRowId": image_id,
                    "IsMain": n == 0,
                    "SortOrder": n,
                    "ChecksumValue": checksum,
                    "RawChecksum": None,
                    **own,
                }
            )

        postal = rng.randrange(len(vocab.POSTAL_SERVICES)) if rng.random() < 0.6 else None
        record: dict[str, Any] = {
            "Suppliers": suppliers,
            "StockLevels": levels,
            "ItemChannelDescriptions": channel_descriptions,
            "ItemExtendedProperties": extended,
            "ItemChannelTitles": channel_titles,
            "ItemChannelPrices": channel_prices,
            "Images": images,
            "ItemNumber": sku,
            "ItemTitle": title,
            "BarcodeNumber": _ean13(rng),
            "MetaData": f"{part} ({category}). MPN {mpn}.",
            "IsVariationParent": False,
            "isBatchedStockType": False,
            "PurchasePrice": purchase,
            "RetailPrice": retail,
            "TaxRate": 20.0,
            "PostalServiceId": self.postal_ids[postal] if postal is not None else ZERO_GUID,
            "PostalServiceName": vocab.POSTAL_SERVICES[postal][1] if postal is not None else "",
            "CategoryId": self.category_ids[code],
            "CategoryName": category,
            "PackageGroupId": ZERO_GUID,
            "PackageGroupName": None,
            "Height": round(rng.uniform(2, 40), 1),
            "Width": round(rng.uniform(2, 40), 1),
            "Depth": round(rng.uniform(1, 30), 1),
            "Weight": weight,
            "CreationDate": format_ticks(created),
            "InventoryTrackingType": 0,
            "BatchNumberScanRequired": False,
            "SerialNumberScanRequired": False,
            **own,
        }
        return StockItem(index=i, record=record, is_kit=kit)

    def link_kits(self, items: list[StockItem]) -> None:
        """Give each kit 2-3 components, preferring plain items of the same category."""
        plain = [item for item in items if not item.is_kit]
        for kit in (item for item in items if item.is_kit):
            same = [item for item in plain if item.index % len(vocab.CATEGORIES) == kit.index % len(vocab.CATEGORIES)]
            pool = same if len(same) >= 2 else plain
            chosen = self.rng.sample(pool, min(len(pool), self.rng.choice((2, 2, 3))))
            kit.components = [(item.index, self.rng.choice((1, 1, 2, 4))) for item in chosen]

    # -- orders --------------------------------------------------------------------------------------
    def processed_orders(self, count: int) -> list[Order]:
        start = self.now - ORDER_HISTORY_DAYS * _DAY
        received = sorted(self.between(start, self.now - 2 * _HOUR) for _ in range(count))
        orders = []
        for moment in received:
            latest = min(moment + 36 * _HOUR, self.now - 60 * TICKS_PER_SECOND)
            processed = self.between(moment + 10 * 60 * TICKS_PER_SECOND, latest)
            orders.append(self.order(moment, processed))
        return orders

    def open_orders(self, count: int) -> list[Order]:
        start = self.now - 3 * _DAY
        received = sorted(self.between(start, self.now - 60 * TICKS_PER_SECOND) for _ in range(count))
        return [self.order(moment, None) for moment in received]

    def processed_order_at(self, processed: int) -> Order:
        received = self.between(processed - 6 * _HOUR, processed - 5 * 60 * TICKS_PER_SECOND)
        return self.order(received, processed, exact_processed=True)

    def order(self, received: int, processed: int | None, exact_processed: bool = False) -> Order:
        rng = self.rng
        number = self.next_order_number
        self.next_order_number += 1
        order_id = self.guid()
        source, sub_source = rng.choices(vocab.CHANNELS, weights=(30, 20, 15, 25, 10))[0]
        first, last = rng.choice(vocab.FIRST_NAMES), rng.choice(vocab.LAST_NAMES)
        full_name = f"{first} {last}"
        town, region, area = rng.choice(vocab.TOWNS)
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        postcode = f"{area}{rng.randrange(1, 30)} {rng.randrange(1, 10)}{rng.choice(letters)}{rng.choice(letters)}"
        address1 = f"{rng.randrange(1, 240)} {rng.choice(vocab.STREETS)}"
        email = f"{first.lower()}.{last.lower().replace(chr(39), '')}{rng.randrange(1, 99)}@example.com"
        phone = f"07700 900{rng.randrange(0, 1000):03d}"
        buyer = f"{first.lower()}_{last.lower().replace(chr(39), '')}{rng.randrange(10, 9999)}"
        vendor, service, service_code, postage = rng.choices(vocab.POSTAL_SERVICES, weights=(50, 25, 10, 15))[0]
        postal_id = self.postal_ids[vocab.POSTAL_SERVICES.index((vendor, service, service_code, postage))]
        currency, conversion = ("GBP", 1.0) if rng.random() < 0.95 else ("EUR", 0.85)
        paid = received + rng.randrange(1, 90) * TICKS_PER_SECOND
        cancelled = UNSET
        hold_or_cancel = False
        if processed is not None and rng.random() < 0.02:
            cancelled = self.between(received, processed)
            hold_or_cancel = True
        location = self.locations_list[0]
        if processed is None and len(self.locations_list) > 2 and rng.random() < 0.1:
            location = self.locations_list[2]
        if processed is not None and not exact_processed:
            processed = min(max(processed, paid + TICKS_PER_SECOND), self.now - 1)

        reference = {
            "EBAY": f"{rng.randrange(10, 27)}-{rng.randrange(10000, 99999)}-{rng.randrange(10000, 99999)}",
            "AMAZON": f"20{rng.randrange(2, 7)}-{rng.randrange(10**6, 10**7)}-{rng.randrange(10**6, 10**7)}",
            "SHOPIFY": f"#{rng.randrange(1000, 99999)}",
        }[source]

        lines = []
        for _ in range(rng.choices((1, 2, 3), weights=(70, 22, 8))[0]):
            lines.append(self.order_line(order_id, source, sub_source, received, location["StockLocationId"]))
        subtotal = _money(sum(line["Cost"] for line in lines))
        item_tax = sum(line["Tax"] for line in lines)
        postage_ex = _money(postage / 1.2)
        tax = _money(item_tax + postage - postage_ex)
        total = _money(subtotal + postage_ex + tax)
        discount = _money(sum(line["DiscountValue"] for line in lines))
        unit_costs = sum(line["UnitCost"] * line["Quantity"] for line in lines)
        profit = _money((subtotal - unit_costs) / subtotal * 100) if subtotal else 0.0
        weight = round(sum(line["Weight"] * line["Quantity"] for line in lines), 3)
        tracking = f"{rng.choice(('JH', 'JV', 'TT'))}{rng.randrange(10**8, 10**9)}GB"
        payment = rng.choice(vocab.PAYMENT_METHODS)
        address = {
            "EmailAddress": email,
            "Address1": address1,
            "Address2": "",
            "Address3": "",
            "Town": town,
            "Region": region,
            "PostCode": postcode,
            "Country": "United Kingdom",
            "Continent": "Europe",
            "FullName": full_name,
            "Company": "",
            "PhoneNumber": phone,
            "CountryId": self.country_id,
        }
        notes = []
        if rng.random() < 0.1:
            note_date = self.between(received, processed or self.now)
            notes.append(
                {
                    "OrderNoteId": self.guid(),
                    "OrderId": order_id,
                    "NoteDate": format_ticks(note_date),
                    "Internal": rng.random() < 0.7,
                    "Note": rng.choice(vocab.NOTES),
                    "CreatedBy": "admin",
                    "NoteTypeId": None,
                }
            )
        extended = []
        if source == "EBAY" and rng.random() < 0.5:
            extended.append(
                {
                    "RowId": self.guid(),
                    "Name": "eBayPaymentReference",
                    "Value": f"{rng.getrandbits(40):010X}",
                    "Type": "Info",
                }
            )
        details: dict[str, Any] = {
            "OrderId": order_id,
            "NumOrderId": number,
            "Processed": processed is not None,
            "ProcessedDateTime": format_ticks(processed) if processed is not None else None,
            "FulfilmentLocationId": location["StockLocationId"],
            "GeneralInfo": {
                "Status": 1,
                "LabelPrinted": processed is not None,
                "LabelError": "",
                "InvoicePrinted": processed is not None,
                "InvoicePrintError": None,
                "PickListPrinted": processed is not None,
                "PickListPrintError": None,
                "IsRuleRun": True,
                "Notes": len(notes),
                "PartShipped": False,
                "Marker": rng.choice((0, 0, 0, 1, 3)),
                "IsParked": False,
                "Identifiers": [],
                "ReferenceNum": reference,
                "SecondaryReference": reference if source != "SHOPIFY" else "",
                "ExternalReferenceNum": str(rng.randrange(10**12, 10**13)),
                "ReceivedDate": format_ticks(received),
                "Source": source,
                "SubSource": sub_source,
                "SiteCode": "UK" if source != "SHOPIFY" else "",
                "HoldOrCancel": hold_or_cancel,
                "DespatchByDate": format_ticks(received - received % _DAY + 3 * _DAY - TICKS_PER_SECOND),
                "ScheduledDelivery": {},
                "HasScheduledDelivery": False,
                "Location": location["StockLocationId"],
                "NumItems": sum(line["Quantity"] for line in lines),
                "PickwaveIds": [],
                "StockAllocationType": "Full" if processed is None else None,
            },
            "ShippingInfo": {
                "Vendor": vendor,
                "PostalServiceId": postal_id,
                "PostalServiceName": service,
                "TotalWeight": weight,
                "ItemWeight": weight,
                "PackageCategoryId": ZERO_GUID,
                "PackageCategory": "Default",
                "PackageTypeId": ZERO_GUID,
                "PackageType": "Default",
                "PostageCost": postage,
                "PostageCostExTax": postage_ex,
                "TrackingNumber": tracking if processed is not None else "",
                "ManualAdjust": False,
            },
            "CustomerInfo": {"ChannelBuyerName": buyer, "Address": address, "BillingAddress": dict(address)},
            "TotalsInfo": {
                "pkOrderId": order_id,
                "Subtotal": subtotal,
                "PostageCost": postage,
                "PostageCostExTax": postage_ex,
                "Tax": tax,
                "TotalCharge": total,
                "PaymentMethod": payment,
                "PaymentMethodId": self.payment_ids[payment],
                "ProfitMargin": profit,
                "TotalDiscount": discount,
                "Currency": currency,
                "CountryTaxRate": 20.0,
                "ConversionRate": conversion,
            },
            "ExtendedProperties": extended,
            "FolderName": ["Priority"] if rng.random() < 0.05 else [],
            "Items": lines,
            "Notes": notes,
            "PaidDateTime": format_ticks(paid),
            "TaxId": "",
        }
        header = None
        if processed is not None:
            header = {
                "pkOrderID": order_id,
                "cShippingAddress": "\r\n".join((full_name, address1, town, region, postcode, "United Kingdom")),
                "dReceivedDate": format_ticks(received),
                "dProcessedOn": format_ticks(processed),
                "timeDiff": (processed - received) / _DAY,
                "fPostageCost": postage,
                "fTotalCharge": total,
                "PostageCostExTax": postage_ex,
                "Subtotal": subtotal,
                "fTax": tax,
                "TotalDiscount": discount,
                "ProfitMargin": profit,
                "CountryTaxRate": 20.0,
                "nOrderId": number,
                "nStatus": 1,
                "cCurrency": currency,
                "PostalTrackingNumber": tracking,
                "cCountry": "United Kingdom",
                "Source": source,
                "PostalServiceName": service,
                "PostalServiceCode": service_code,
                "Vendor": vendor,
                "BillingEmailAddress": None,
                "ReferenceNum": reference,
                "SecondaryReference": details["GeneralInfo"]["SecondaryReference"],
                "ExternalReference": details["GeneralInfo"]["ExternalReferenceNum"],
                "Address1": address1,
                "Address2": "",
                "Address3": "",
                "Town": town,
                "Region": region,
                "BuyerPhoneNumber": phone,
                "Company": "",
                "SubSource": sub_source,
                "ChannelBuyerName": buyer,
                "AccountName": "Default",
                "cFullName": full_name,
                "cEmailAddress": email,
                "cPostCode": postcode,
                "dPaidOn": format_ticks(paid),
                "dCancelledOn": format_ticks(cancelled),
                "PackageCategory": "Default",
                "PackageTitle": "Default",
                "ItemWeight": weight,
                "TotalWeight": weight,
                "FolderCollection": None,
                "cBillingAddress": None,
                "BillingName": None,
                "BillingCompany": None,
                "BillingAddress1": None,
                "BillingAddress2": None,
                "BillingAddress3": None,
                "BillingTown": None,
                "BillingRegion": None,
                "BillingPostCode": None,
                "BillingCountryName": None,
                "BillingPhoneNumber": None,
                "HoldOrCancel": hold_or_cancel,
                "IsResend": False,
                "IsExchange": False,
                "TaxId": "",
                "FulfilmentLocationName": location["LocationName"],
            }
        return Order(
            details=details,
            header=header,
            received=received,
            processed=processed if processed is not None else UNSET,
            paid=paid,
            cancelled=cancelled,
            location_id=location["StockLocationId"],
        )

    def order_line(self, order_id: str, source: str, sub_source: str, received: int, location_id: str) -> dict:
        rng = self.rng
        quantity = rng.choices((1, 2, 3, 4), weights=(75, 15, 6, 4))[0]
        added = received + rng.randrange(1, 5 * TICKS_PER_SECOND)
        if rng.random() < self.unlinked_rate:
            channel_sku = f"LEGACY-{rng.randrange(1000, 9999)}"
            price = round(rng.uniform(5, 60), 2) - 0.01
            return self.line_record(
                None,
                order_id,
                quantity,
                price,
                0.0,
                added,
                ZERO_GUID,
                location_id,
                source,
                channel_sku,
                f"Discontinued listing {channel_sku}",
            )
        # Popular items sell more: weight falls with the index, kits sell steadily.
        index = min(int(rng.paretovariate(1.1)) - 1, len(self.items) - 1)
        index = rng.randrange(len(self.items)) if rng.random() < 0.6 else index
        item = self.items[index]
        record = item.record
        price = next(
            (p["Price"] for p in record["ItemChannelPrices"] if (p["Source"], p["SubSource"]) == (source, sub_source)),
            record["RetailPrice"],
        )
        discount = 10.0 if rng.random() < 0.08 else 0.0
        title = next((t["Title"] for t in record["ItemChannelTitles"] if t["Source"] == source), record["ItemTitle"])
        line = self.line_record(
            item,
            order_id,
            quantity,
            price,
            discount,
            added,
            ZERO_GUID,
            location_id,
            source,
            record["ItemNumber"],
            title,
        )
        for component_index, per_kit in item.components:
            component = self.items[component_index]
            line["CompositeSubItems"].append(
                self.line_record(
                    component,
                    order_id,
                    quantity * per_kit,
                    0.0,
                    0.0,
                    added,
                    line["RowId"],
                    location_id,
                    source,
                    component.record["ItemNumber"],
                    component.record["ItemTitle"],
                )
            )
        return line

    def line_record(
        self,
        item: StockItem | None,
        order_id: str,
        quantity: int,
        price: float,
        discount_pct: float,
        added: int,
        parent_row_id: str,
        location_id: str,
        source: str,
        channel_sku: str,
        channel_title: str,
    ) -> dict[str, Any]:
        """One OrderItem. Component lines (parent_row_id set) carry no money, as the live API does."""
        record = item.record if item else None
        gross = price * quantity
        discount_value = _money(gross * discount_pct / 100)
        cost_inc_tax = _money(gross - discount_value)
        cost = _money(cost_inc_tax / 1.2)
        levels = record["StockLevels"] if record else []
        bin_rack = next(
            (lv["Location"]["BinRack"] for lv in levels if lv["Location"]["StockLocationId"] == location_id),
            None,
        )
        image = record["Images"][0]["pkRowId"] if record and record["Images"] else None
        return {
            "ItemId": record["StockItemId"] if record else ZERO_GUID,
            "ItemNumber": record["ItemNumber"] if record else channel_sku,
            "SKU": record["ItemNumber"] if record else None,
            "ItemSource": source,
            "Title": record["ItemTitle"] if record else channel_title,
            "Quantity": quantity,
            "CategoryId": record["CategoryId"] if record else ZERO_GUID,
            "CategoryName": record["CategoryName"] if record else "Default",
            "CompositeAvailablity": None,
            "StockLevelsSpecified": False,
            "OnOrder": 0,
            "InOrderBook": None,
            "Level": 0,
            "MinimumLevel": None,
            "AvailableStock": 0,
            "PricePerUnit": price,
            "UnitCost": record["PurchasePrice"] if record else 0.0,
            "DespatchStockUnitCost": record["PurchasePrice"] if record else 0.0,
            "Discount": discount_pct,
            "Tax": _money(cost_inc_tax - cost),
            "TaxRate": 20.0,
            "Cost": cost,
            "CostIncTax": cost_inc_tax,
            "CompositeSubItems": [],
            "IsService": False,
            "SalesTax": 0.0,
            "TaxCostInclusive": True,
            "PartShipped": False,
            "Weight": record["Weight"] if record else 0.0,
            "BarcodeNumber": record["BarcodeNumber"] if record else "",
            "Market": 0,
            "ChannelSKU": channel_sku,
            "ChannelTitle": channel_title,
            "DiscountValue": discount_value,
            "HasImage": image is not None,
            "ImageId": image,
            "AdditionalInfo": [],
            "StockLevelIndicator": 2 if record else 0,
            "ShippingCost": 0.0,
            "PartShippedQty": 0,
            "ItemName": record["ItemTitle"] if record else channel_title,
            "BatchNumberScanRequired": False,
            "SerialNumberScanRequired": False,
            "BinRack": bin_rack,
            "BinRacks": [
                {
                    "Quantity": quantity,
                    "BinRack": bin_rack or "",
                    "Location": location_id,
                    "BatchId": None,
                    "OrderItemBatchId": None,
                }
            ]
            if record
            else [],
            "InventoryTrackingType": 0,
            "isBatchedStockItem": False,
            "IsWarehouseManaged": False,
            "IsUnlinked": record is None,
            "ParentItemId": parent_row_id,
            "StockItemIntId": record["StockItemIntId"] if record else 0,
            "Boxes": [],
            "AddedDate": format_ticks(self.stamp(added)),
            "RowId": self.guid(),
            "OrderId": order_id,
            "StockItemId": record["StockItemId"] if record else ZERO_GUID,
            "StockId": record["StockItemId"] if record else ZERO_GUID,
        }

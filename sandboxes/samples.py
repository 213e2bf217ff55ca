"""Generate a realistic, deterministic sample of the seller's files: product master, store SpeedSheets, feeds.

Every supplier layout in seeds/suppliers.csv gets a feed per day, written the way that supplier writes it
(header texts, title rows, numeric part numbers, junk cells); quantities change from day to day.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import xlsxwriter

from loaders.supplier_feeds.layouts import FeedLayout, feed_layouts
from sandboxes.linnworks import sku_for

STORES = ("AMS", "CPO", "RTG")
RTG_STORE = "RTG"

# Header texts as the suppliers send them; a layout's stock column gets the quantity whatever its header.
HEADERS: dict[str, list[str]] = {
    "APE": ["Part", "In Stock"],
    "BET": ["Part", "Free Stk", "Cond Ind"],
    "BGA": ["BGA REFERENCE", "Stock"],
    "COM": ["Part No.", "Stock", ""],
    "ELR": ["Part", "Description", "Brand", "Stock"],
    "FAI": ["Part", "Qty"],
    "FEB": ["partNumber", "description", "stockAvailability"],
    "FIR": ["Part Number", "Available?"],
    "FPS": ["Product Code", "Short Description", "MFG Code", "Free Stock Available Flag", "Price"],
    "JUR": ["Part", "Free Stk", "Cond Ind"],
    "KLA": ["Part Number", "Stock Balance"],
    "KYB": ["Part number", "Stock"],
    "MOT": ["Part No.", "Stock", ""],
    "RFX": [" Part No", " Part Description", " RRP", " Stock Qty", " VAT %", " Barcode"],
    "ROL": ["ROLLCO", "Type", "Comment"],
    "RTG": ["Custom label", "Info"],
    "SMP": ["PartNumber", "Desc"],
}
FLAG_VALUES = {
    "APE": ("YES", "no"),
    "FIR": ("Y", "N"),
    "KYB": ("Y", "N"),
    "ROL": ("In Stock", "Out of Stock"),
}
NUMERIC_PART_NUMBERS = {"FEB", "KYB"}
PARTS_PER_SUPPLIER = {"FPS": 400}
DEFAULT_PARTS = 60


@dataclass
class SampleFiles:
    """Where the generated files are, and what they hold."""

    root: Path
    product_master: Path
    store_workbooks: list[Path]
    feed_dirs: dict[dt.date, Path]
    listings_per_store: dict[str, int] = field(default_factory=dict)


def part_number(supplier: str, index: int) -> str | int:
    if supplier in NUMERIC_PART_NUMBERS:
        return 100_000 + index * 7
    return f"{supplier[:2]}{index:05d}"


# The demo's Linnworks sandbox holds this many items; that many custom labels are its SKUs, so that the
# convergence mart (inventory_positions) has Linnworks, supplier and eBay figures for the same SKUs.
LINNWORKS_ITEMS = 500


@cache
def _label_offsets() -> dict[str, int]:
    offsets, total = {}, 0
    for supplier in feed_layouts():
        if supplier != "RTG":
            offsets[supplier] = total
            total += PARTS_PER_SUPPLIER.get(supplier, DEFAULT_PARTS)
    return offsets


def custom_label(supplier: str, index: int) -> str:
    """The seller's SKU for a supplier's part: a Linnworks sandbox SKU for the first LINNWORKS_ITEMS parts."""
    position = _label_offsets()[supplier] + index
    return sku_for(position) if position < LINNWORKS_ITEMS else f"{supplier}-{index:05d}"


def _stock_cell(supplier: str, layout_rule: str, rng: random.Random) -> object:
    if supplier in FLAG_VALUES:
        yes, no = FLAG_VALUES[supplier]
        return yes if rng.random() < 0.6 else no
    if layout_rule == "listed":
        return "listed"
    roll = rng.random()
    if roll < 0.03:
        return "#N/A"
    if roll < 0.05:
        return -rng.randint(1, 5)
    if roll < 0.06:
        return "call"
    return rng.randint(0, 30)


def _write_feed(path: Path, layout: FeedLayout, rows: list[list[object]]) -> None:
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    sheet = workbook.add_worksheet("Sheet1")
    top = layout.header_row - 1
    if top:
        sheet.write(0, 0, f"{layout.supplier} stock report")
        sheet.write(1, 0, "Generated for the demo")
    sheet.write_row(top, 0, HEADERS[layout.supplier])
    for offset, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if value == "#N/A":
                sheet.write_formula(top + offset, column, "=NA()", None, "#N/A")
            elif value is not None:
                sheet.write(top + offset, column, value)
    workbook.close()


CHANGE_RATE = 0.15  # share of a supplier's parts whose stock changes from one day to the next
LOOKBACK_DAYS = 30


def _part_rng(seed: int, supplier: str, key: object, day: dt.date) -> random.Random:
    """A random source for one part on one day that only changes on the days the part's stock changes, so
    feeds drift from day to day (about CHANGE_RATE of parts) instead of being redrawn."""
    for back in range(LOOKBACK_DAYS):
        changed = day - dt.timedelta(days=back)
        if random.Random(f"{seed}-{supplier}-{key}-{changed}").random() < CHANGE_RATE:
            return random.Random(f"{seed}-{supplier}-{key}-{changed}-value")
    return random.Random(f"{seed}-{supplier}-{key}-base")


def _feed_rows(layout: FeedLayout, parts: int, rtg_labels: list[str], seed: int, day: dt.date) -> list[list[object]]:
    supplier = layout.supplier
    width = max(len(HEADERS[supplier]), layout.columns_needed)
    rows: list[list[object]] = []
    if supplier == "RTG":  # the RTG feed lists the custom labels that are out of stock
        for label in rtg_labels:
            if _part_rng(seed, supplier, label, day).random() < 0.3:
                rows.append([label, "out of stock"])
        return rows
    rule = "listed" if supplier == "SMP" else "numeric"
    for index in range(parts):
        rng = _part_rng(seed, supplier, index, day)
        if supplier == "SMP" and rng.random() < 0.3:
            continue  # SMP lists only what it has
        row: list[object] = [None] * width
        row[layout.part_number_column - 1] = part_number(supplier, index)
        if layout.stock_column:
            row[layout.stock_column - 1] = _stock_cell(supplier, rule, rng)
        if width > 1 and row[1] is None:
            row[1] = f"{supplier} part {index}"
        rows.append(row)
    if supplier == "BET":
        rows.append([None, 3, "N"])  # a row without a part number
    return rows


def _write_product_master(path: Path, layouts: dict[str, FeedLayout]) -> None:
    workbook = xlsxwriter.Workbook(str(path))
    for sheet_name in ("Direct", "FPS"):
        sheet = workbook.add_worksheet(sheet_name)
        sheet.write_row(0, 0, ["Custom Label", "Part Number", "Supplier", "Quantity"])
        row = 1
        for supplier in layouts:
            if supplier == "RTG" or (supplier == "FPS") != (sheet_name == "FPS"):
                continue
            for index in range(PARTS_PER_SUPPLIER.get(supplier, DEFAULT_PARTS)):
                label = custom_label(supplier, index)
                sheet.write_row(row, 0, [label.lower() if index % 9 == 0 else label, part_number(supplier, index)])
                sheet.write_row(row, 2, [supplier, 0])
                row += 1
        sheet.write_row(row, 0, ["ORPHAN-1", None, "FPS", 0])  # no part number: dropped by dbt
    workbook.close()


def _store_listings(layouts: dict[str, FeedLayout], rng: random.Random) -> dict[str, list[list[object]]]:
    listings: dict[str, list[list[object]]] = {store: [] for store in STORES}
    item_id = 110_000_000_000
    suppliers = [s for s in layouts if s != "RTG"]
    for store in ("AMS", "CPO"):
        for supplier in suppliers:
            for index in range(PARTS_PER_SUPPLIER.get(supplier, DEFAULT_PARTS)):
                if rng.random() < 0.5:
                    continue
                item_id += rng.randint(1, 999)
                prefix = f"{store}-{'BRK' if index % 2 else 'SUS'}-{supplier}"
                listings[store].append(
                    [
                        item_id,
                        "Brand",
                        custom_label(supplier, index),
                        5,
                        f"{supplier} part {index}",
                        19.99,
                        prefix,
                        "",
                    ]
                )
        listings[store].append(
            [None, "Brand", custom_label(suppliers[0], 1), 5, "no item id", 9.99, f"{store}-X-APE", ""]
        )
    for index in range(80):
        item_id += rng.randint(1, 999)
        label = f"RTG-{index:05d}"
        listings[RTG_STORE].append([item_id, "RTG", label, 20, f"RTG part {index}", 29.99, "RTG-ENG", "RTG"])
    return listings


def store_listing_rows(seed: int = 7) -> dict[str, list[list[object]]]:
    """The rows `generate(..., seed=seed)` writes into each store's SpeedSheet, per store (the eBay sandbox's
    listings are seeded from them)."""
    return _store_listings(feed_layouts(), random.Random(seed))


def _write_store(path: Path, rows: list[list[object]]) -> None:
    workbook = xlsxwriter.Workbook(str(path))
    header = [
        "Item ID", "Brand", "Custom Label", "Quantity", "Title", "Price", "Prefix", "UK/RTG",
        "FPS/WDS/DIR", "Payment Profile", "Shipping Profile", "Return Profile",
    ]  # fmt: skip
    half = (len(rows) + 1) // 2
    for sheet_index, chunk in enumerate((rows[:half], rows[half:]), start=1):
        sheet = workbook.add_worksheet(f"Listings {sheet_index}")
        sheet.write_row(0, 0, header)
        for offset, row in enumerate(chunk, start=1):
            sheet.write_row(offset, 0, [*row, "", "PayPal", "Royal Mail", "30 days"])
    workbook.close()


def generate(root: Path, last_day: dt.date, days: int = 3, seed: int = 7) -> SampleFiles:
    """Write the sample under `root`: product master, one workbook per store, feeds for `days` days."""
    layouts = feed_layouts()
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    product_master = root / "Stock Feed Master.xlsx"
    _write_product_master(product_master, layouts)
    listings = _store_listings(layouts, rng)
    store_workbooks = []
    for store, rows in listings.items():
        path = root / f"{store} Database SpeedSheet.xlsx"
        _write_store(path, rows)
        store_workbooks.append(path)
    rtg_labels = [row[2] for row in listings[RTG_STORE]]
    feed_dirs = {}
    for day_index in range(days):
        day = last_day - dt.timedelta(days=days - 1 - day_index)
        folder = root / "feeds" / day.isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        for supplier, layout in layouts.items():
            parts = PARTS_PER_SUPPLIER.get(supplier, DEFAULT_PARTS)
            _write_feed(
                folder / f"{supplier}_stock_{day:%Y%m%d}.xlsx",
                layout,
                _feed_rows(layout, parts, rtg_labels, seed, day),
            )
        feed_dirs[day] = folder
    return SampleFiles(
        root=root,
        product_master=product_master,
        store_workbooks=store_workbooks,
        feed_dirs=feed_dirs,
        listings_per_store={store: len(rows) for store, rows in listings.items()},
    )

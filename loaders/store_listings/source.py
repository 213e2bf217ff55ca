"""eBay store listings: the seller's SpeedSheet workbooks (`<STORE> Database SpeedSheet.xlsx`, every sheet),
upserted per (store, item id) in `raw_supplier_stock.store_listings`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import dlt
import pyarrow as pa

from loaders.contract import Warehouse
from loaders.supplier_feeds.layouts import code_from_file_name
from loaders.workbooks.files import InputFile
from loaders.workbooks.landing import batches, now, whole_file
from loaders.workbooks.pipeline import find_inputs, fingerprints_loaded, land, unchanged
from loaders.workbooks.reader import Sheet, cell_text, open_workbook
from loaders.workbooks.report import FileResult, LoadReport

# In a folder, store workbooks are the files named like "<STORE> Database SpeedSheet.xlsx".
STORE_WORKBOOK_MARK = "speedsheet"
STORE_COLUMNS = (
    "item_id",
    "brand",
    "custom_label",
    "current_quantity",
    "title",
    "current_price",
    "prefix",
    "uk_rtg",
    "fps_wds_dir",
    "payment_profile_name",
    "shipping_profile_name",
    "return_profile_name",
)
STORE_SCHEMA = pa.schema(
    [("ebay_store", pa.string()), ("file_name", pa.string()), ("sheet_name", pa.string())]
    + [("row_number", pa.int64())]
    + [(name, pa.string()) for name in STORE_COLUMNS]
    + [("loaded_at", pa.timestamp("us", tz="UTC")), ("file_fingerprint", pa.string())]
)


def _store_batches(store: str, file: InputFile, result: FileResult) -> Iterator[pa.Table]:
    with open_workbook(file) as workbook:
        rows = _store_rows(workbook.worksheets(), result)
        yield from batches(
            rows,
            STORE_SCHEMA,
            ebay_store=store,
            file_name=file.name,
            loaded_at=now(),
            file_fingerprint=file.fingerprint,
        )


def _store_rows(sheets: Sequence[Sheet], result: FileResult) -> Iterator[tuple[object, ...]]:
    """(sheet name, row number, the 12 store columns as text) per listing, the first of each item id."""
    seen = set()
    for sheet in sheets:
        for row_number, cells in sheet.rows(first_row=2, columns=len(STORE_COLUMNS)):
            values = [cell_text(value) for value in cells]
            item_id = values[0]
            if item_id is None or item_id in seen:
                result.skipped_rows += any(values)
                continue
            seen.add(item_id)
            result.rows += 1
            yield sheet.name, row_number, *values


@dlt.resource(
    name="store_listings",
    primary_key=("ebay_store", "item_id"),
    write_disposition={"disposition": "merge", "strategy": "upsert"},
)
def store_listings(files: Sequence[InputFile], report: LoadReport) -> Iterator[pa.Table]:
    """eBay store listings from SpeedSheet workbooks (all worksheets, first 12 columns), upserted per listing.

    The store code is the start of the file name (`AMS Database SpeedSheet.xlsx` -> AMS). Rows without an
    item id cannot be keyed and are counted as skipped.
    """
    for file in files:
        store = code_from_file_name(file.name)
        result = FileResult(file.name, "stores", store)
        file_batches = whole_file(_store_batches(store, file, result), file, result)
        if file_batches is not None:
            yield from file_batches
        report.add(result)


def load_stores(target: Warehouse, paths: Sequence[str], force: bool = False) -> LoadReport:
    """Upsert eBay store listings from SpeedSheet workbooks (or folders: their `*SpeedSheet*.xlsx` files); a
    workbook whose size and modification time match a load of its store's listings is left out unless `force`."""
    report = LoadReport(table="store_listings")
    files = find_inputs(paths, "stores", report, folder_names_contain=STORE_WORKBOOK_MARK)
    if not force:
        loaded = fingerprints_loaded(target, "store_listings")
        for file in [file for file in files if (code_from_file_name(file.name), file.fingerprint) in loaded]:
            unchanged(report, file, "stores", code_from_file_name(file.name))
            files.remove(file)

    def resource_for(unreadable: set[str], attempt: LoadReport) -> object:
        return store_listings([file for file in files if file.url not in unreadable], attempt)

    land(target, resource_for, report)
    return report

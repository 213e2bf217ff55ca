"""The product master: one workbook (sheets Direct and FPS) mapping custom labels to supplier part numbers,
replaced whole in `raw_supplier_stock.products` on each load."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial

import dlt
import pyarrow as pa

from loaders.contract import Warehouse
from loaders.workbooks.files import InputFile
from loaders.workbooks.landing import FileUnreadable, batches, now, reject
from loaders.workbooks.pipeline import find_inputs, fingerprints_loaded, land, unchanged
from loaders.workbooks.reader import Sheet, WorkbookError, cell_text, open_workbook
from loaders.workbooks.report import FileResult, LoadReport

PRODUCT_SHEETS = ("Direct", "FPS")
PRODUCT_COLUMNS = ("custom_label", "part_number", "supplier", "quantity")

# The product master and store workbooks are reloaded only when they change (pipeline.py): their rows keep the
# fingerprint of the file they came from.
PRODUCT_SCHEMA = pa.schema(
    [("file_name", pa.string()), ("sheet_name", pa.string()), ("row_number", pa.int64())]
    + [(name, pa.string()) for name in PRODUCT_COLUMNS]
    + [("loaded_at", pa.timestamp("us", tz="UTC")), ("file_fingerprint", pa.string())]
)


def product_master_sheets(file: InputFile) -> list[str]:
    """Check, before anything is replaced, that the product master opens and has its sheets (WorkbookError
    when not); their names."""
    with open_workbook(file) as workbook:
        return [workbook.sheet(name).name for name in PRODUCT_SHEETS]


@dlt.resource(name="products", primary_key=("sheet_name", "row_number"), write_disposition="replace")
def products(file: InputFile, report: LoadReport) -> Iterator[pa.Table]:
    """The product master (sheets Direct and FPS): custom label, part number, supplier, quantity as text.

    The whole table is replaced on each load; check the workbook with `product_master_sheets` first. A workbook
    found unreadable while it is streamed raises FileUnreadable, which drops the extract: nothing is replaced.
    """
    result = report.add(FileResult(file.name, "products"))

    def rows(sheets: Sequence[Sheet]) -> Iterator[tuple[object, ...]]:
        for sheet in sheets:
            for row_number, cells in sheet.rows(first_row=2, columns=len(PRODUCT_COLUMNS)):
                values = [cell_text(value) for value in cells]
                if not any(values):
                    continue
                result.rows += 1
                yield sheet.name, row_number, *values

    try:
        with open_workbook(file) as workbook:
            sheets = [workbook.sheet(name) for name in PRODUCT_SHEETS]
            constants = {"file_name": file.name, "loaded_at": now(), "file_fingerprint": file.fingerprint}
            yield from batches(rows(sheets), PRODUCT_SCHEMA, **constants)
    except WorkbookError as exc:
        raise FileUnreadable(file, result.kind, result.code, str(exc)) from None


def _products_unless_unreadable(file: InputFile, unreadable: set[str], attempt: LoadReport) -> object:
    return None if unreadable else products(file, attempt)


def load_products(target: Warehouse, path: str, force: bool = False) -> LoadReport:
    """Replace the product master with the workbook at `path`, unless it is the file loaded last (same size and
    modification time) and not `force`: then nothing changes, and the models need not rebuild every feed date."""
    report = LoadReport(table="products")
    for file in find_inputs([path], "products", report)[:1]:
        if not force and ("", file.fingerprint) in fingerprints_loaded(target, "products"):
            unchanged(report, file, "products", None)
            continue
        try:
            product_master_sheets(file)
        except WorkbookError as exc:
            reject(report, FileResult(file.name, "products"), str(exc))
            land(target, None, report)
        else:
            land(target, partial(_products_unless_unreadable, file), report)
    return report

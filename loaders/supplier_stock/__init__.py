"""dlt resources for the seller's own files: supplier stock feeds, the product master and eBay store listings.

They land cell values as text with lineage (file, row, feed date, load time); dbt applies every business rule.
Workbooks are streamed (workbook.py): memory does not grow with a file's rows, only with its shared strings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import dlt
import pyarrow as pa

from loaders.report import REJECTED, SUPERSEDED, FileResult, LoadReport
from loaders.supplier_stock.checks import Row, checked_feed_rows
from loaders.supplier_stock.files import InputFile
from loaders.supplier_stock.layouts import FeedLayout, code_from_file_name
from loaders.supplier_stock.settings import PRODUCT_COLUMNS, PRODUCT_SHEETS, ROWS_PER_BATCH, STORE_COLUMNS
from loaders.supplier_stock.workbook import Sheet, WorkbookError, cell_text, open_workbook

FEED_ROWS_SCHEMA = pa.schema(
    [
        ("supplier", pa.string()),
        ("feed_date", pa.date32()),
        ("file_name", pa.string()),
        ("row_number", pa.int64()),
        ("part_number", pa.string()),
        ("stock_value", pa.string()),
        ("loaded_at", pa.timestamp("us", tz="UTC")),
    ]
)
# The product master and store workbooks are reloaded only when they change (pipeline.py): their rows keep the
# fingerprint of the file they came from.
PRODUCT_SCHEMA = pa.schema(
    [("file_name", pa.string()), ("sheet_name", pa.string()), ("row_number", pa.int64())]
    + [(name, pa.string()) for name in PRODUCT_COLUMNS]
    + [("loaded_at", pa.timestamp("us", tz="UTC")), ("file_fingerprint", pa.string())]
)
STORE_SCHEMA = pa.schema(
    [("ebay_store", pa.string()), ("file_name", pa.string()), ("sheet_name", pa.string())]
    + [("row_number", pa.int64())]
    + [(name, pa.string()) for name in STORE_COLUMNS]
    + [("loaded_at", pa.timestamp("us", tz="UTC")), ("file_fingerprint", pa.string())]
)


@dataclass(frozen=True)
class Feed:
    """A supplier stock feed file to load for one feed date."""

    file: InputFile
    layout: FeedLayout
    feed_date: dt.date


class FileUnreadable(Exception):
    """A file found unreadable after some of its rows went to dlt: the extract is dropped and redone without
    it (pipeline.py), so that no part of the file lands."""

    def __init__(self, file: InputFile, kind: str, code: str | None, reason: str) -> None:
        super().__init__(f"{file.name}: {reason}")
        self.file, self.kind, self.code, self.reason = file, kind, code, reason


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _batches(rows: Iterable[tuple[object, ...]], schema: pa.Schema, **constants: object) -> Iterator[pa.Table]:
    """Arrow tables of up to ROWS_PER_BATCH rows. `rows` are tuples of the columns of `schema` that are not in
    `constants` (in schema order); the constants fill the others. Columns are built whole, not row by row."""
    varying = [field for field in schema if field.name not in constants]
    fixed = {name: pa.array([value] * ROWS_PER_BATCH, schema.field(name).type) for name, value in constants.items()}

    def table(batch: list[tuple[object, ...]]) -> pa.Table:
        columns = {field.name: pa.array([row[i] for row in batch], field.type) for i, field in enumerate(varying)}
        size = len(batch)
        return pa.Table.from_arrays(
            [columns[f.name] if f.name in columns else fixed[f.name].slice(0, size) for f in schema], schema=schema
        )

    batch: list[tuple[object, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == ROWS_PER_BATCH:
            yield table(batch)
            batch = []
    if batch:
        yield table(batch)


def reject(report: LoadReport, result: FileResult, reason: str) -> None:
    """Record a file as rejected, with the reason."""
    result.status, result.reason = REJECTED, reason
    report.add(result)


def _whole_file(batches: Iterator[pa.Table], file: InputFile, result: FileResult) -> Iterator[pa.Table] | None:
    """One file's batches; None when the file proves unreadable before its first batch (`result` then says
    why). Once a batch has gone to dlt, an unreadable rest raises FileUnreadable instead."""
    try:
        first = next(batches, None)
    except WorkbookError as exc:
        result.status, result.reason = REJECTED, str(exc)
        return None

    def rest() -> Iterator[pa.Table]:
        if first is None:
            return
        yield first
        try:
            yield from batches
        except WorkbookError as exc:
            raise FileUnreadable(file, result.kind, result.code, str(exc)) from None

    return rest()


def _feed_batches(feed: Feed, result: FileResult) -> Iterator[pa.Table]:
    """Open the feed, check its layout on its first rows, then stream its rows in batches."""
    layout = feed.layout
    with open_workbook(feed.file) as workbook:
        rows = checked_feed_rows(workbook.first_visible_sheet(), layout)
        yield from _batches(
            _feed_rows(layout, rows, result),
            FEED_ROWS_SCHEMA,
            supplier=layout.supplier,
            feed_date=feed.feed_date,
            file_name=feed.file.name,
            loaded_at=_now(),
        )


def _feed_rows(layout: FeedLayout, rows: Iterable[Row], result: FileResult) -> Iterator[tuple[object, ...]]:
    """(row number, part number, stock value) as text for every row with either."""
    part_column, stock_column = layout.part_number_column, layout.stock_column or 0
    previous = layout.header_row
    for row_number, cells in rows:
        result.skipped_rows += row_number - previous - 1  # blank rows in between: skipped too
        previous = row_number
        part_number = cells[part_column - 1] if part_column <= len(cells) else None
        if part_number.__class__ is not str or not part_number:  # text is the common case: no call for it
            part_number = cell_text(part_number)
        stock_value = cells[stock_column - 1] if 0 < stock_column <= len(cells) else None
        if stock_value.__class__ is not str or not stock_value:
            stock_value = cell_text(stock_value)
        if part_number is None and stock_value is None:
            result.skipped_rows += 1
            continue
        result.rows += 1
        yield row_number, part_number, stock_value


def _store_batches(store: str, file: InputFile, result: FileResult) -> Iterator[pa.Table]:
    with open_workbook(file) as workbook:
        rows = _store_rows(workbook.worksheets(), result)
        yield from _batches(
            rows,
            STORE_SCHEMA,
            ebay_store=store,
            file_name=file.name,
            loaded_at=_now(),
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
    name="stock_feed_rows",
    # The merge key alone: with a primary key too, dlt deletes rows matching either key (`pk OR mk`), which
    # DuckDB runs as a nested loop (hours for a 236k-row feed reloaded). Rows of one feed are unique by
    # (supplier, feed_date, row_number), and dbt tests that key.
    merge_key=("supplier", "feed_date"),
    write_disposition={"disposition": "merge", "strategy": "delete-insert"},
    # Warehouses loaded before kept the old primary-key hints in their stored schema: drop them explicitly.
    columns={name: {"primary_key": False} for name in ("supplier", "feed_date", "row_number")},
)
def stock_feed_rows(feeds: Sequence[Feed], report: LoadReport) -> Iterator[pa.Table]:
    """Every row under the header of each feed: part number and stock cell as text.

    Loading a supplier's feed for a date replaces what was loaded for that supplier and date before. A feed
    that does not fit its layout, or cannot be read, is rejected before any of its rows is handed on.
    """
    for feed in feeds:
        result = FileResult(feed.file.name, "supplier-stock", feed.layout.supplier)
        batches = _whole_file(_feed_batches(feed, result), feed.file, result)
        if batches is None:
            report.add(result)
            continue
        yield from batches
        if result.rows == 0:
            result.status, result.reason = REJECTED, "no part numbers or stock values under the header row"
        report.add(result)


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
            constants = {"file_name": file.name, "loaded_at": _now(), "file_fingerprint": file.fingerprint}
            yield from _batches(rows(sheets), PRODUCT_SCHEMA, **constants)
    except WorkbookError as exc:
        raise FileUnreadable(file, result.kind, result.code, str(exc)) from None


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
        batches = _whole_file(_store_batches(store, file, result), file, result)
        if batches is not None:
            yield from batches
        report.add(result)


# merge, not append: a load a kill cut short is loaded again from the start (loaders/recovery.py)
@dlt.resource(
    name="load_errors",
    primary_key=("file_name", "kind", "reason", "rejected_at"),
    write_disposition={"disposition": "merge", "strategy": "upsert"},
)
def load_errors(report: LoadReport, feed_date: dt.date | None = None) -> Iterator[dict[str, object]]:
    """One row per rejected file: what it was, why it was rejected, when."""
    rejected_at = _now()
    for result in report.rejected:
        yield {
            "file_name": result.file_name,
            "kind": result.kind,
            "code": result.code,
            "feed_date": feed_date,
            "reason": result.reason,
            "rejected_at": rejected_at,
        }


def feeds_for(
    files: Sequence[InputFile], layouts: dict[str, FeedLayout], feed_date: dt.date, report: LoadReport
) -> list[Feed]:
    """Match files to supplier layouts, rejecting unknown codes; of two files for a supplier the last wins."""
    chosen: dict[str, Feed] = {}
    for file in files:
        code = code_from_file_name(file.name)
        layout = layouts.get(code)
        if layout is None:
            known = ", ".join(sorted(layouts))
            reject(
                report,
                FileResult(file.name, "supplier-stock", code or None),
                f"unknown supplier code {code!r} (the file name starts with it); known codes: {known}",
            )
            continue
        if code in chosen:
            earlier = chosen[code].file.name
            report.add(FileResult(earlier, "supplier-stock", code, SUPERSEDED, reason=f"{file.name} is loaded instead"))
        chosen[code] = Feed(file=file, layout=layout, feed_date=feed_date)
    return list(chosen.values())

"""Supplier stock feeds: one xlsx per supplier and day, landed row by row in `raw_supplier_stock.stock_feed_rows`.

Part number and stock cell land as text with lineage (file, row, feed date, load time); dbt applies every
quantity rule. Which supplier a file is from and where its columns sit: layouts.py (seeds/suppliers.csv).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import dlt
import pyarrow as pa

from loaders.contract import Warehouse
from loaders.supplier_feeds.checks import Row, checked_feed_rows
from loaders.supplier_feeds.layouts import FeedLayout, code_from_file_name, feed_layouts
from loaders.supplier_feeds.window import FeedDateWindow
from loaders.workbooks.files import InputFile
from loaders.workbooks.landing import batches, now, reject, whole_file
from loaders.workbooks.pipeline import find_inputs, land
from loaders.workbooks.reader import cell_text, open_workbook
from loaders.workbooks.report import REJECTED, SUPERSEDED, FileResult, LoadReport

log = logging.getLogger(__name__)

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


@dataclass(frozen=True)
class Feed:
    """A supplier stock feed file to load for one feed date."""

    file: InputFile
    layout: FeedLayout
    feed_date: dt.date


def _feed_batches(feed: Feed, result: FileResult) -> Iterator[pa.Table]:
    """Open the feed, check its layout on its first rows, then stream its rows in batches."""
    layout = feed.layout
    with open_workbook(feed.file) as workbook:
        rows = checked_feed_rows(workbook.first_visible_sheet(), layout)
        yield from batches(
            _feed_rows(layout, rows, result),
            FEED_ROWS_SCHEMA,
            supplier=layout.supplier,
            feed_date=feed.feed_date,
            file_name=feed.file.name,
            loaded_at=now(),
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
        file_batches = whole_file(_feed_batches(feed, result), feed.file, result)
        if file_batches is None:
            report.add(result)
            log.info("  read       %-5s %s: rejected (%s)", result.code, result.file_name, result.reason)
            continue
        yield from file_batches
        if result.rows == 0:
            result.status, result.reason = REJECTED, "no part numbers or stock values under the header row"
        report.add(result)
        log.info("  read       %-5s %s: %s", result.code, result.file_name, result.reason or f"{result.rows} rows")


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


def load_supplier_stock(target: Warehouse, paths: Sequence[str], feed_date: dt.date) -> LoadReport:
    """Load stock feed files (or folders of them) for one feed date. A feed date outside the window
    (loaders.supplier_feeds.window) rejects every file, with the reason, and nothing lands."""
    report = LoadReport(table="stock_feed_rows")
    files = find_inputs(paths, "supplier-stock", report)
    out_of_window = FeedDateWindow.current().refusal(feed_date)
    if out_of_window:
        for file in files:
            code = code_from_file_name(file.name) or None
            reject(report, FileResult(file.name, "supplier-stock", code), out_of_window)
        return report
    feeds = feeds_for(files, feed_layouts(), feed_date, report)

    def resource_for(unreadable: set[str], attempt: LoadReport) -> object:
        return stock_feed_rows([feed for feed in feeds if feed.file.url not in unreadable], attempt)

    land(target, resource_for, report, feed_date)
    return report

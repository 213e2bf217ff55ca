"""Run the supplier-stock resources through a dlt pipeline into `raw_supplier_stock` on the chosen target."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from dlt.common.pipeline import LoadInfo

from loaders.report import REJECTED, FileResult, LoadReport
from loaders.supplier_stock import (
    feeds_for,
    load_errors,
    product_master_sheets,
    products,
    reject,
    stock_feed_rows,
    store_listings,
)
from loaders.supplier_stock.files import InputFile, find_files
from loaders.supplier_stock.layouts import feed_layouts
from loaders.supplier_stock.settings import DATASET_NAME, FEED_SUFFIXES, PIPELINE_NAME, STORE_WORKBOOK_MARK
from loaders.supplier_stock.workbook import WorkbookError
from loaders.warehouse import Target


def _find(paths: Sequence[str], kind: str, report: LoadReport, folder_names_contain: str = "") -> list[InputFile]:
    files: list[InputFile] = []
    for path in paths:
        try:
            files.extend(find_files([path], FEED_SUFFIXES, folder_names_contain))
        except (FileNotFoundError, OSError) as exc:
            report.add(FileResult(path, kind, status=REJECTED, reason=str(exc)))
    return files


def _run(target: Target, resource: object, report: LoadReport, feed_date: dt.date | None = None) -> LoadInfo:
    """Extract the resource (and the rejected files, if any), then normalize and load once."""
    pipeline = target.pipeline(PIPELINE_NAME, DATASET_NAME)
    if resource is not None:
        pipeline.extract(resource, loader_file_format="parquet")
    if report.rejected:
        pipeline.extract(load_errors(report, feed_date), loader_file_format="parquet")
    pipeline.normalize()
    return pipeline.load()


def load_supplier_stock(target: Target, paths: Sequence[str], feed_date: dt.date) -> LoadReport:
    """Load stock feed files (or folders of them) for one feed date."""
    report = LoadReport()
    feeds = feeds_for(_find(paths, "supplier-stock", report), feed_layouts(), feed_date, report)
    _run(target, stock_feed_rows(feeds, report), report, feed_date)
    return report


def load_products(target: Target, path: str) -> LoadReport:
    """Replace the product master with the workbook at `path`."""
    report = LoadReport()
    for file in _find([path], "products", report)[:1]:
        try:
            sheets = product_master_sheets(file)
        except WorkbookError as exc:
            reject(report, FileResult(file.name, "products"), str(exc))
            _run(target, None, report)
        else:
            _run(target, products(file, sheets, report), report)
    return report


def load_stores(target: Target, paths: Sequence[str]) -> LoadReport:
    """Upsert eBay store listings from SpeedSheet workbooks (or folders: their `*SpeedSheet*.xlsx` files)."""
    report = LoadReport()
    files = _find(paths, "stores", report, folder_names_contain=STORE_WORKBOOK_MARK)
    _run(target, store_listings(files, report), report)
    return report

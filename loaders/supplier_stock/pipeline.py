"""Run the supplier-stock resources through a dlt pipeline into `raw_supplier_stock` on the chosen target."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from functools import partial

from dlt.common.pipeline import LoadInfo
from dlt.pipeline.exceptions import PipelineStepFailed

from loaders.report import REJECTED, UNCHANGED, FileResult, LoadReport
from loaders.supplier_stock import (
    FileUnreadable,
    feeds_for,
    load_errors,
    product_master_sheets,
    products,
    reject,
    stock_feed_rows,
    store_listings,
)
from loaders.supplier_stock.files import InputFile, find_files
from loaders.supplier_stock.layouts import code_from_file_name, feed_layouts
from loaders.supplier_stock.settings import DATASET_NAME, FEED_SUFFIXES, PIPELINE_NAME, STORE_WORKBOOK_MARK
from loaders.supplier_stock.workbook import WorkbookError
from loaders.warehouse import Target

# Builds the resource to extract for one attempt: from the files not found unreadable so far, reporting into
# the attempt's report; None when there is nothing to extract.
ResourceFor = Callable[[set[str], LoadReport], object]


def _find(paths: Sequence[str], kind: str, report: LoadReport, folder_names_contain: str = "") -> list[InputFile]:
    files: list[InputFile] = []
    for path in paths:
        try:
            files.extend(find_files([path], FEED_SUFFIXES, folder_names_contain))
        except (FileNotFoundError, OSError) as exc:
            report.add(FileResult(path, kind, status=REJECTED, reason=str(exc)))
    return files


def _unreadable(exc: BaseException) -> FileUnreadable | None:
    """The FileUnreadable behind a failed extract, if that is what failed it."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, FileUnreadable):
            return current
        pending.extend([current.__cause__, current.__context__, getattr(current, "exception", None)])
    return None


def _run(
    target: Target, resource_for: ResourceFor | None, report: LoadReport, feed_date: dt.date | None = None
) -> LoadInfo:
    """Extract the resource (and the rejected files, if any), then normalize and load once.

    A file found unreadable midway (after some of its rows went to dlt) fails the extract; dlt keeps each
    extract apart until it succeeds, so the attempt is dropped and made again without that file, which is
    rejected: no part of it lands, and the other files still do.
    """
    pipeline = target.pipeline(PIPELINE_NAME, DATASET_NAME)
    unreadable: set[str] = set()
    midway: list[FileResult] = []
    attempt = LoadReport()
    while resource_for is not None:
        attempt = LoadReport()
        resource = resource_for(unreadable, attempt)
        if resource is None:
            break
        try:
            pipeline.extract(resource, loader_file_format="parquet")
            break
        except PipelineStepFailed as exc:
            broken = _unreadable(exc)
            if broken is None or broken.file.url in unreadable:
                raise
            unreadable.add(broken.file.url)
            reason = f"{broken.reason} (found while reading it: none of the file is loaded)"
            midway.append(FileResult(broken.file.name, broken.kind, broken.code, REJECTED, reason=reason))
    report.results.extend(attempt.results)
    report.results.extend(midway)
    if report.rejected:
        pipeline.extract(load_errors(report, feed_date), loader_file_format="parquet")
    pipeline.normalize()
    return pipeline.load()


def load_supplier_stock(target: Target, paths: Sequence[str], feed_date: dt.date) -> LoadReport:
    """Load stock feed files (or folders of them) for one feed date."""
    report = LoadReport()
    feeds = feeds_for(_find(paths, "supplier-stock", report), feed_layouts(), feed_date, report)

    def resource_for(unreadable: set[str], attempt: LoadReport) -> object:
        return stock_feed_rows([feed for feed in feeds if feed.file.url not in unreadable], attempt)

    _run(target, resource_for, report, feed_date)
    return report


def _fingerprints_loaded(target: Target, table: str) -> set[tuple[str, str]]:
    """(code, file fingerprint) pairs in a raw table (`products`: code ''); empty while the table is not there."""
    code = "ebay_store" if table == "store_listings" else "''"
    try:
        with target.connect() as con:  # table is one of the two names above
            sql = f"select distinct {code}, file_fingerprint from {DATASET_NAME}.{table}"
            rows = con.execute(f"{sql} where file_fingerprint is not null").fetchall()
    except Exception:  # not loaded yet, or loaded before fingerprints were kept: load
        return set()
    return {(str(c), str(f)) for c, f in rows}


def _unchanged(report: LoadReport, file: InputFile, kind: str, code: str | None) -> None:
    reason = f"unchanged since it was loaded ({file.fingerprint}): not loaded again (--force reloads it)"
    report.add(FileResult(file.name, kind, code, UNCHANGED, reason=reason))


def _products_unless_unreadable(file: InputFile, unreadable: set[str], attempt: LoadReport) -> object:
    return None if unreadable else products(file, attempt)


def load_products(target: Target, path: str, force: bool = False) -> LoadReport:
    """Replace the product master with the workbook at `path`, unless it is the file loaded last (same size and
    modification time) and not `force`: then nothing changes, and the models need not rebuild every feed date."""
    report = LoadReport()
    for file in _find([path], "products", report)[:1]:
        if not force and ("", file.fingerprint) in _fingerprints_loaded(target, "products"):
            _unchanged(report, file, "products", None)
            continue
        try:
            product_master_sheets(file)
        except WorkbookError as exc:
            reject(report, FileResult(file.name, "products"), str(exc))
            _run(target, None, report)
        else:
            _run(target, partial(_products_unless_unreadable, file), report)
    return report


def load_stores(target: Target, paths: Sequence[str], force: bool = False) -> LoadReport:
    """Upsert eBay store listings from SpeedSheet workbooks (or folders: their `*SpeedSheet*.xlsx` files); a
    workbook whose size and modification time match a load of its store's listings is left out unless `force`."""
    report = LoadReport()
    files = _find(paths, "stores", report, folder_names_contain=STORE_WORKBOOK_MARK)
    if not force:
        loaded = _fingerprints_loaded(target, "store_listings")
        for file in [file for file in files if (code_from_file_name(file.name), file.fingerprint) in loaded]:
            _unchanged(report, file, "stores", code_from_file_name(file.name))
            files.remove(file)

    def resource_for(unreadable: set[str], attempt: LoadReport) -> object:
        return store_listings([file for file in files if file.url not in unreadable], attempt)

    _run(target, resource_for, report)
    return report

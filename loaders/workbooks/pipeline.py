"""Run a workbook loader's resource through the `supplier_stock` dlt pipeline into `raw_supplier_stock`: find the
files, extract (dropping and redoing an attempt that met a file unreadable midway), record rejected files,
normalize and load once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from dlt.common.pipeline import LoadInfo
from dlt.pipeline.exceptions import PipelineStepFailed

from loaders.contract import Warehouse
from loaders.pipeline import linked_errors
from loaders.workbooks.files import InputFile, find_files
from loaders.workbooks.landing import FileUnreadable, load_errors
from loaders.workbooks.report import REJECTED, UNCHANGED, FileResult, LoadReport
from loaders.workbooks.settings import DATASET_NAME, PIPELINE_NAME, WORKBOOK_SUFFIXES

# Builds the resource to extract for one attempt: from the files not found unreadable so far, reporting into
# the attempt's report; None when there is nothing to extract.
ResourceFor = Callable[[set[str], LoadReport], object]


def find_inputs(paths: Sequence[str], kind: str, report: LoadReport, folder_names_contain: str = "") -> list[InputFile]:
    files: list[InputFile] = []
    for path in paths:
        try:
            files.extend(find_files([path], WORKBOOK_SUFFIXES, folder_names_contain))
        except (FileNotFoundError, OSError) as exc:
            report.add(FileResult(path, kind, status=REJECTED, reason=str(exc)))
    return files


def _unreadable(exc: BaseException) -> FileUnreadable | None:
    """The FileUnreadable behind a failed extract, if that is what failed it."""
    return next((e for e in linked_errors(exc) if isinstance(e, FileUnreadable)), None)


def land(
    target: Warehouse, resource_for: ResourceFor | None, report: LoadReport, feed_date: dt.date | None = None
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


def fingerprints_loaded(target: Warehouse, table: str) -> set[tuple[str, str]]:
    """(code, file fingerprint) pairs in a raw table (`products`: code ''); empty while the table is not there."""
    code = "ebay_store" if table == "store_listings" else "''"
    try:
        with target.connect() as con:  # table is one of the two names above
            sql = f"select distinct {code}, file_fingerprint from {DATASET_NAME}.{table}"
            rows = con.execute(f"{sql} where file_fingerprint is not null").fetchall()
    except Exception:  # not loaded yet, or loaded before fingerprints were kept: load
        return set()
    return {(str(c), str(f)) for c, f in rows}


def unchanged(report: LoadReport, file: InputFile, kind: str, code: str | None) -> None:
    reason = f"unchanged since it was loaded ({file.fingerprint}): not loaded again (--force reloads it)"
    report.add(FileResult(file.name, kind, code, UNCHANGED, reason=reason))

"""What the three workbook loaders share while streaming rows to dlt: arrow batches, whole-file rejection, and
the record of rejected files (`raw_supplier_stock.load_errors`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

import dlt
import pyarrow as pa

from loaders.workbooks.files import InputFile
from loaders.workbooks.reader import WorkbookError
from loaders.workbooks.report import REJECTED, FileResult, LoadReport
from loaders.workbooks.settings import ROWS_PER_BATCH


class FileUnreadable(Exception):
    """A file found unreadable after some of its rows went to dlt: the extract is dropped and redone without
    it (pipeline.py), so that no part of the file lands."""

    def __init__(self, file: InputFile, kind: str, code: str | None, reason: str) -> None:
        super().__init__(f"{file.name}: {reason}")
        self.file, self.kind, self.code, self.reason = file, kind, code, reason


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def batches(rows: Iterable[tuple[object, ...]], schema: pa.Schema, **constants: object) -> Iterator[pa.Table]:
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


def whole_file(batches: Iterator[pa.Table], file: InputFile, result: FileResult) -> Iterator[pa.Table] | None:
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


# merge, not append: a load a kill cut short is loaded again from the start (loaders/recovery.py)
@dlt.resource(
    name="load_errors",
    primary_key=("file_name", "kind", "reason", "rejected_at"),
    write_disposition={"disposition": "merge", "strategy": "upsert"},
)
def load_errors(report: LoadReport, feed_date: dt.date | None = None) -> Iterator[dict[str, object]]:
    """One row per rejected file: what it was, why it was rejected, when."""
    rejected_at = now()
    for result in report.rejected:
        yield {
            "file_name": result.file_name,
            "kind": result.kind,
            "code": result.code,
            "feed_date": feed_date,
            "reason": result.reason,
            "rejected_at": rejected_at,
        }

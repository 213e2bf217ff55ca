"""Uploaded feeds: safe file names, storage by feed date (local folder or any fsspec URL such as gs://), and
one background worker that loads them and rebuilds the marts, one job at a time."""

from __future__ import annotations

import datetime as dt
import io
import multiprocessing
import os
import queue
import re
import resource
import threading
import unicodedata
import uuid
import zipfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, TypeVar

import fsspec

from elt.dbt import run_dbt
from elt.lock import warehouse_lock
from elt.runs import record_run
from elt.targets import Target
from loaders.pipeline import linked_errors
from loaders.supplier_feeds.layouts import code_from_file_name, feed_layouts
from loaders.supplier_feeds.source import load_supplier_stock
from loaders.supplier_feeds.window import FeedDateWindow
from loaders.workbooks.reader import OLE_MAGIC, ZIP_MAGIC
from loaders.workbooks.report import LoadReport
from loaders.workbooks.settings import WORKBOOK_SUFFIXES

T = TypeVar("T")
_UNSAFE = re.compile(r"[^\w .()+&@€£-]", flags=re.UNICODE)
MAX_NAME_LENGTH = 120
# A stored name's most UTF-8 bytes: file systems allow 255 per name (ext4, and gs:// object names 1,024 in all).
MAX_NAME_BYTES = 200


class UploadRejected(ValueError):
    """An upload that is refused before it is stored (type, size or name); the message says why."""

    status_code = 400


def max_upload_bytes() -> int:
    return int(float(os.environ.get("ELT_MAX_UPLOAD_MB", "25")) * 1024 * 1024)


def load_memory_mb() -> int:
    """The memory the child process that reads an upload's files may take: ELT_UPLOAD_MEMORY_MB, default 2048
    (0: no limit). A normal day's feeds need about 250 MB."""
    return int(float(os.environ.get("ELT_UPLOAD_MEMORY_MB", "2048")))


class OutOfMemory(RuntimeError):
    """The child process hit its memory limit (or died of it)."""


def safe_file_name(name: str) -> str:
    """The last path part of an uploaded name, without control characters or anything outside a plain set;
    never a path. Raises UploadRejected for names that are empty or not .xlsx/.xlsm."""
    base = re.split(r"[/\\]", unicodedata.normalize("NFC", name or ""))[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = _UNSAFE.sub("_", base).strip(" .")
    if not base or base.startswith("."):
        raise UploadRejected(f"{name!r}: not a usable file name")
    if not base.lower().endswith(WORKBOOK_SUFFIXES):
        raise UploadRejected(f"{base}: only .xlsx or .xlsm feeds are accepted")
    stem, _, suffix = base.rpartition(".")
    stem = stem[: MAX_NAME_LENGTH - len(suffix) - 1]
    room = MAX_NAME_BYTES - len(suffix.encode()) - 1
    # Cut by UTF-8 bytes, never inside a character: a 609-byte name once answered 500 and lost its upload.
    stem = stem.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip(" .")
    if not stem:
        raise UploadRejected(f"{name[:80]!r}: not a usable file name")
    return f"{stem}.{suffix}"


def upload_root(target: Target) -> str:
    """Where uploads are kept: ELT_UPLOAD_URL (a folder or gs://bucket/prefix), else beside the warehouse."""
    return (os.environ.get("ELT_UPLOAD_URL") or str(target.state_dir / "uploads")).rstrip("/")


def expire_uploads(target: Target, keep_from: dt.date | None = None) -> list[str]:
    """Delete the stored uploads of feed dates before `keep_from` (default: the first date of the feed-date
    window: older ones can no longer be loaded, and the stock history has dropped them); returns the folders
    deleted."""
    first = FeedDateWindow.current().first if keep_from is None else keep_from
    fs, root = fsspec.core.url_to_fs(upload_root(target))
    if not fs.exists(root):
        return []
    expired = []
    for entry in fs.ls(root, detail=False):
        name = str(entry).rstrip("/").rsplit("/", 1)[-1]
        try:
            day = dt.date.fromisoformat(name)
        except ValueError:
            continue  # not a feed date's folder: not ours to delete
        if day < first:
            fs.rm(entry, recursive=True)
            expired.append(name)
    return sorted(expired)


def remove_rejected(job: UploadJob) -> None:
    """Delete the stored files the load rejected: nothing of them is in the warehouse, so nothing to replay."""
    rejected = {result.file_name for result in (job.report.rejected if job.report else [])}
    for url in job.paths:
        if url.rsplit("/", 1)[-1] in rejected:
            fs, path = fsspec.core.url_to_fs(url)
            if fs.exists(path):
                fs.rm(path)


def check_supplier_code(name: str) -> None:
    """Raise UploadRejected unless the name starts with a supplier code of seeds/suppliers.csv: a file the
    loader would reject is never stored."""
    layouts = feed_layouts()
    code = code_from_file_name(name)
    if code not in layouts:
        raise UploadRejected(
            f"{name}: unknown supplier code {code!r} (the file name starts with it); known codes: "
            f"{', '.join(sorted(layouts))}"
        )


def check_workbook_content(name: str, data: bytes) -> None:
    """Raise UploadRejected unless `data` looks like an xlsx workbook: a zip archive (what .xlsx and .xlsm are),
    whatever the file name says."""
    if not data:
        raise UploadRejected(f"{name}: the file is empty (0 bytes)")
    if data.startswith(OLE_MAGIC):
        raise UploadRejected(
            f"{name}: an encrypted (password-protected) workbook or an old-format .xls, not an .xlsx: "
            "save it as a plain .xlsx workbook and upload it again"
        )
    if not data.startswith(ZIP_MAGIC) or not zipfile.is_zipfile(io.BytesIO(data)):
        raise UploadRejected(
            f"{name}: not an .xlsx workbook (an .xlsx file is a zip archive; this one is not): "
            "save it from Excel as .xlsx and upload it again"
        )


def store_upload(target: Target, feed_date: dt.date, name: str, data: bytes) -> str:
    """Write an upload under `<root>/<feed date>/<safe name>` once its name, size and content pass; returns its
    path or URL. The name the browser sent is never used as a path: only its sanitised last part is."""
    safe_name = safe_file_name(name)
    if len(data) > max_upload_bytes():
        raise UploadRejected(
            f"{safe_name}: {len(data) / 2**20:.1f} MB is over the {max_upload_bytes() / 2**20:.0f} MB limit"
        )
    check_workbook_content(safe_name, data)
    check_supplier_code(safe_name)
    url = f"{upload_root(target)}/{feed_date.isoformat()}/{safe_name}"
    fs, path = fsspec.core.url_to_fs(url)
    fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
    with fs.open(path, "wb") as handle:
        handle.write(data)
    return url


@dataclass
class UploadJob:
    """One upload: its files, where it got to, and what the load and the build said."""

    feed_date: dt.date
    paths: list[str]
    rejected_uploads: list[str] = field(default_factory=list)
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    status: str = "queued"  # queued | loading | building | done | failed
    report: LoadReport | None = None
    dbt_success: bool | None = None
    dbt_statuses: dict[str, int] = field(default_factory=dict)
    dbt_failures: list[str] = field(default_factory=list)
    error: str | None = None
    created_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    finished_at: dt.datetime | None = None

    @property
    def finished(self) -> bool:
        """Done or failed, and recorded in the run history (the warehouse is free again)."""
        return self.finished_at is not None

    @property
    def outcome(self) -> str:
        """The job in a few words, for the list of recent uploads."""
        if not self.finished or self.status == "failed":
            return self.status
        notes = []
        rejected = len(self.rejected_uploads) + len(self.report.rejected if self.report else [])
        if rejected:
            notes.append(f"{rejected} file{'s' if rejected > 1 else ''} rejected")
        if self.dbt_success is None:
            notes.append("nothing loaded")
        elif not self.dbt_success:
            notes.append("build failed")
        return "done" + (f": {', '.join(notes)}" if notes else ", build passed")

    def summary(self) -> dict[str, Any]:
        report = self.report or LoadReport()
        return {
            "ok": self.status == "done" and report.ok and bool(self.dbt_success) and not self.rejected_uploads,
            "feed_date": self.feed_date.isoformat(),
            "rows_per_table": {"raw_supplier_stock.stock_feed_rows": report.rows},
            "rejected_files": [{"file": r.file_name, "reason": r.reason} for r in report.rejected],
            "dbt": {"success": self.dbt_success, "results": self.dbt_statuses, "failures": self.dbt_failures},
            "failures": [f"not stored: {reason}" for reason in self.rejected_uploads]
            + ([self.error] if self.error else []),
        }


def max_waiting_uploads() -> int:
    """How many uploads may wait or run at once (ELT_MAX_WAITING_UPLOADS, default 5); more are refused unstored."""
    return int(os.environ.get("ELT_MAX_WAITING_UPLOADS", "5"))


class UploadWorker:
    """Processes upload jobs one after another in a background thread (the warehouse lock is held per job).
    At most max_waiting_uploads() wait (the page refuses more before storing them); the last KEEP_JOBS finished
    jobs are remembered for their pages."""

    KEEP_JOBS = 100

    def __init__(self, target: Target) -> None:
        self.target = target
        self.jobs: dict[str, UploadJob] = {}
        self._queue: queue.Queue[UploadJob] = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="upload-worker", daemon=True)
        self._thread.start()

    def waiting(self) -> int:
        """Uploads queued or being processed."""
        return sum(not job.finished for job in list(self.jobs.values()))

    def submit(self, job: UploadJob) -> UploadJob:
        self.jobs[job.id] = job
        finished = sorted((j for j in list(self.jobs.values()) if j.finished), key=lambda j: j.created_at)
        for old in finished[: max(0, len(finished) - self.KEEP_JOBS)]:
            self.jobs.pop(old.id, None)
        self._queue.put(job)
        return job

    def recent(self, limit: int = 10) -> list[UploadJob]:
        return sorted(self.jobs.values(), key=lambda j: j.created_at, reverse=True)[:limit]

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            with warehouse_lock(self.target):
                try:
                    self._process(job)
                except Exception as exc:  # shown on the job's page and kept in the run history
                    job.status, job.error = "failed", f"{type(exc).__name__}: {exc}"
                finally:
                    try:
                        remove_rejected(job)
                        expire_uploads(self.target)
                    except Exception as exc:  # housekeeping: the job's outcome stands
                        job.error = job.error or f"could not tidy the stored uploads: {exc}"
                    try:
                        run_in_child(record_run, self.target, "web upload", job.created_at, job.summary())
                    except Exception as exc:
                        job.error = job.error or f"could not record the run: {exc}"
                    job.finished_at = dt.datetime.now(dt.UTC)

    def _process(self, job: UploadJob) -> None:
        job.status = "loading"
        memory_mb = load_memory_mb()
        try:
            job.report = (
                run_in_child(load_supplier_stock, self.target, job.paths, job.feed_date, memory_mb=memory_mb)
                if job.paths
                else None
            )
        except OutOfMemory:
            raise OutOfMemory(
                f"reading the feeds took more than the {memory_mb:,} MB the upload may use (ELT_UPLOAD_MEMORY_MB): "
                "nothing of this upload was loaded; check the files (one may be hostile or far larger than a feed)"
            ) from None
        if not any(r.status == "loaded" for r in (job.report.results if job.report else [])):
            job.status = "done"  # nothing landed, so nothing to rebuild: the last build still stands
            return
        job.status = "building"
        outcome = run_in_child(run_dbt, ["build"], self.target, True)
        job.dbt_success, job.dbt_statuses, job.dbt_failures = outcome.success, outcome.statuses, outcome.failures
        job.status = "done"


def limit_memory(megabytes: int) -> None:
    """Cap this process's data segment (heap and private anonymous mappings: what Python objects, expat and
    pyarrow allocate) at `megabytes` (RLIMIT_DATA: unlike RLIMIT_AS it leaves the address space the threads and
    DuckDB reserve without using). Past it, allocations fail with MemoryError."""
    limit = megabytes * 2**20
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def _caused_by_memory(exc: BaseException) -> bool:
    """Whether a MemoryError is behind `exc` (dlt wraps what fails in a step, pyarrow says "malloc … failed")."""
    return any(
        isinstance(e, MemoryError) or re.search(r"\bmalloc of size \d+ failed", str(e)) for e in linked_errors(exc)
    )


def _out_of_memory_said(memory_mb: int, function: Callable[..., T], *args: Any) -> T:
    """`function(*args)` in the limited child, any failure that ran out of memory raised as OutOfMemory."""
    try:
        return function(*args)
    except BaseException as exc:
        if _caused_by_memory(exc):
            raise OutOfMemory(f"the child process ran out of its {memory_mb:,} MB ({type(exc).__name__})") from None
        raise


def run_in_child(function: Callable[..., T], *args: Any, memory_mb: int = 0) -> T:
    """Run `function` in a short-lived process: DuckDB lets one process write a file at a time, and dbt keeps
    its connection open for the life of a process, so the web server itself never holds the warehouse.
    `memory_mb` (0: none) caps the child's memory (limit_memory); hitting it raises OutOfMemory here."""
    context = multiprocessing.get_context("spawn")
    limit: dict[str, Any] = {"initializer": limit_memory, "initargs": (memory_mb,)} if memory_mb > 0 else {}
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=context, max_tasks_per_child=1, **limit) as pool:
            if memory_mb > 0:
                return pool.submit(_out_of_memory_said, memory_mb, function, *args).result()
            return pool.submit(function, *args).result()
    except MemoryError:
        raise OutOfMemory(f"the child process ran out of its {memory_mb:,} MB") from None
    except BrokenProcessPool:
        if memory_mb > 0:  # it died: most likely an allocation that failed where no MemoryError could be raised
            raise OutOfMemory(f"the child process died, most likely of its {memory_mb:,} MB limit") from None
        raise

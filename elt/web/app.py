"""The seller's web page: FastAPI with server-rendered pages over the warehouse the CLI uses."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import secrets
import tempfile
import zipfile
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from fastapi.templating import Jinja2Templates

from elt.export import ExportRefused, export_ebay_revise
from elt.guard import build_refusal
from elt.lock import WarehouseBusy, warehouse_lock
from elt.runs import recent_runs
from elt.targets import Target, TargetError
from elt.web.forms import MAX_FILES_PER_UPLOAD, max_upload_total_bytes, read_upload_form
from elt.web.refresh import REFRESH_SECONDS, BadApiRefresher, configured_base_url, countdown
from elt.web.uploads import UploadJob, UploadRejected, UploadWorker, max_upload_bytes, store_upload

T = TypeVar("T")
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
PAGE_REFRESH_SECONDS = REFRESH_SECONDS  # the Stock page reloads itself every five minutes
READ_WAIT_SECONDS = 3.0  # how long a page waits for a load or build to release the warehouse
NOT_BUILT = "not built yet: load the data and run “elt transform” (or upload the day's feeds)"
# A table (or its schema/dataset) that does not exist: DuckDB's catalog error, BigQuery's 404. Nothing else.
_MISSING_TABLE = re.compile(
    r"Catalog Error: Table with name \S+ does not exist|Not found: (Table|Dataset) \S+", flags=re.IGNORECASE
)
_DUCKDB_LOCKED = "Could not set lock on file"
_basic = HTTPBasic(auto_error=False)


def _password_guard(credentials: Annotated[HTTPBasicCredentials | None, Depends(_basic)]) -> None:
    """With ELT_WEB_PASSWORD set, every page needs it (HTTP basic auth, any user name)."""
    password = os.environ.get("ELT_WEB_PASSWORD")
    if not password:
        return
    given = credentials.password if credentials else ""
    if not secrets.compare_digest(given.encode(), password.encode()):
        raise HTTPException(401, "password required", headers={"WWW-Authenticate": 'Basic realm="elt"'})


def is_missing_table(exc: BaseException) -> bool:
    """True only for "this table does not exist" (not built yet); a wrong column or bad SQL is a bug to show."""
    return bool(_MISSING_TABLE.search(str(exc)))


class Warehouse:
    """Queries for the pages, each under the warehouse lock (a page never opens DuckDB while a load or a build
    writes it). A missing table becomes "not built yet"; a busy warehouse shows the last answer to the same
    query, saying so; any other error is raised."""

    CACHE_SIZE = 32

    def __init__(self, target: Target) -> None:
        self.target = target
        self._answers: OrderedDict[tuple[Any, ...], tuple[Any, dt.datetime]] = OrderedDict()

    @contextmanager
    def reading(self) -> Iterator[None]:
        with warehouse_lock(self.target, wait_seconds=READ_WAIT_SECONDS):
            yield

    def read(self, key: tuple[Any, ...], produce: Callable[[], T], empty: T) -> tuple[T, str | None]:
        try:
            with self.reading():
                value = produce()
        except WarehouseBusy:
            return self._busy(key, empty)
        except TargetError as exc:
            return empty, str(exc)
        except Exception as exc:
            if is_missing_table(exc):
                return empty, NOT_BUILT
            if _DUCKDB_LOCKED in str(exc):  # another program (a SQL client) holds the DuckDB file
                return self._busy(key, empty)
            raise
        self._answers[key] = (value, dt.datetime.now(dt.UTC))
        self._answers.move_to_end(key)
        while len(self._answers) > self.CACHE_SIZE:
            self._answers.popitem(last=False)
        return value, None

    def rows(self, sql: str, params: list[Any] | None = None) -> tuple[list[dict[str, Any]], str | None]:
        def produce() -> list[dict[str, Any]]:
            with self.target.connect() as con:
                cursor = con.execute(sql, params or [])
                columns = [d[0] for d in cursor.description]
                return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

        return self.read(("sql", sql, tuple(params or ())), produce, [])

    def _busy(self, key: tuple[Any, ...], empty: T) -> tuple[T, str | None]:
        if key in self._answers:
            value, at = self._answers[key]
            return value, f"the warehouse is busy with a load or a build; shown as it was at {at:%H:%M:%S} UTC"
        return empty, "the warehouse is busy with a load or a build; this page shows it when that has finished"


def create_app(target: Target, refresh_badapi: bool | None = None) -> FastAPI:
    """The app over `target`. `refresh_badapi` (default: when the bad API is configured) starts the bad API's
    five-minute refresh with the app (elt.web.refresh)."""
    base_url = configured_base_url()
    refresher = BadApiRefresher(target, base_url) if base_url and refresh_badapi is not False else None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if refresher is not None:
            refresher.start()
        try:
            yield
        finally:
            if refresher is not None:
                refresher.stop()

    app = FastAPI(
        title="elt: supplier stock and eBay",
        dependencies=[Depends(_password_guard)],
        lifespan=lifespan,
        docs_url=None,  # FastAPI's own pages would sit outside the password: the app has no API to document
        redoc_url=None,
        openapi_url=None,
    )
    app.state.refresher = refresher
    warehouse = Warehouse(target)
    worker = UploadWorker(target)
    app.state.worker = worker

    def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        return TEMPLATES.TemplateResponse(request, name, {"target": target, **context}, status_code=status_code)

    @app.get("/", include_in_schema=False)
    def index() -> RedirectResponse:
        return RedirectResponse("/upload", status_code=303)

    def upload_page(request: Request, error: str | None = None, status_code: int = 200) -> HTMLResponse:
        return page(
            request,
            "upload.html",
            status_code=status_code,
            today=dt.date.today().isoformat(),
            jobs=worker.recent(),
            error=error,
            max_mb=max_upload_bytes() / 2**20,
            max_total_mb=max_upload_total_bytes() / 2**20,
            max_files=MAX_FILES_PER_UPLOAD,
        )

    @app.get("/upload", response_class=HTMLResponse)
    def upload_form(request: Request) -> HTMLResponse:
        return upload_page(request)

    @app.post("/upload")
    async def upload(request: Request) -> Response:
        """Feed files and a feed date; too big an upload is refused before (or as soon as) it is read."""
        try:
            form = await read_upload_form(request)
        except UploadRejected as exc:
            return upload_page(request, error=str(exc), status_code=exc.status_code)
        try:
            try:
                feed_date = dt.date.fromisoformat(form.fields.get("feed_date", "").strip())
            except ValueError:
                return upload_page(request, error="pick the feed date (YYYY-MM-DD)", status_code=400)
            if not form.files:
                return upload_page(request, error="choose one or more .xlsx feed files", status_code=400)
            paths, refused = [], []
            for uploaded in form.files:
                try:
                    data = await run_in_threadpool(uploaded.read)
                    paths.append(await run_in_threadpool(store_upload, target, feed_date, uploaded.filename, data))
                except UploadRejected as exc:
                    refused.append(str(exc))
        finally:
            form.close()
        if not paths:
            return upload_page(request, error="; ".join(refused), status_code=400)
        job = worker.submit(UploadJob(feed_date=feed_date, paths=paths, rejected_uploads=refused))
        return RedirectResponse(f"/jobs/{job.id}", status_code=303)

    @app.get("/jobs/{job_id}", response_class=HTMLResponse)
    def job_page(request: Request, job_id: str) -> HTMLResponse:
        job = worker.jobs.get(job_id)
        if job is None:
            raise HTTPException(404, "no such upload")
        feeds: dict[str, dict[str, Any]] = {}
        message = None
        if job.finished and job.report:
            names = [r.file_name for r in job.report.results]
            if names:
                marks = ", ".join("?" for _ in names)
                rows, message = warehouse.rows(
                    "select supplier, file_name, feed_rows, junk_stock_values, blank_part_numbers, parts_in_stock "
                    f"from marts.supplier_feeds where feed_date = ? and file_name in ({marks})",
                    [job.feed_date, *names],
                )
                feeds = {row["file_name"]: row for row in rows}
        return page(request, "job.html", job=job, feeds=feeds, message=message)

    @app.get("/ebay", response_class=HTMLResponse)
    def ebay(request: Request) -> HTMLResponse:
        stores, message = warehouse.rows(
            "select ebay_store, count(*) as listings, "
            "count(case when quantity_delta <> 0 then 1 end) as to_revise, max(stock_date) as newest_stock_date "
            "from marts.ebay group by ebay_store order by ebay_store"
        )
        changes, _ = warehouse.rows(
            "select ebay_store, item_id, custom_label, title, previous_quantity, quantity, quantity_delta "
            "from marts.ebay where quantity_delta <> 0 order by abs(quantity_delta) desc, ebay_store, item_id limit 25"
        )
        refusal = build_refusal(target)
        return page(request, "ebay.html", stores=stores, changes=changes, message=message, refusal=refusal)

    @app.get("/ebay/revise.zip")
    def revise_zip() -> Response:
        """The files `elt export ebay-revise` writes, zipped the same way; 409 with the reason when refused."""
        with tempfile.TemporaryDirectory(prefix="elt-revise-") as folder:
            try:
                with warehouse.reading():
                    export = export_ebay_revise(target, Path(folder))
            except ExportRefused as exc:
                raise HTTPException(409, f"eBay Revise export refused: {exc}") from None
            except WarehouseBusy:
                raise HTTPException(
                    503, "the warehouse is busy with a load or a build: try again in a minute", {"Retry-After": "60"}
                ) from None
            if export.zip_path is None:  # nothing changed: an empty zip says so as clearly as a file can
                buffer = io.BytesIO()
                zipfile.ZipFile(buffer, "w").close()
                data = buffer.getvalue()
            else:
                data = export.zip_path.read_bytes()
        headers = {"Content-Disposition": 'attachment; filename="ebay-revise.zip"'}
        return Response(data, media_type="application/zip", headers=headers)

    @app.get("/stock", response_class=HTMLResponse)
    def stock(request: Request, sku: str = "") -> HTMLResponse:
        needle = f"%{sku.strip().upper()}%"
        positions, message = warehouse.rows(
            "select sku, title, supplier_name, available, supplier_quantity, coverable_quantity, ebay_listings, "
            "ebay_stores, ebay_quantity_total, units_sold_7d, supplier_stock_date, is_overcommitted "
            "from marts.inventory_positions where upper(sku) like ? "
            "order by is_overcommitted desc, sku limit 200",
            [needle],
        )
        overcommitted, _ = warehouse.rows(
            "select count(*) as skus from marts.inventory_positions where upper(sku) like ? and is_overcommitted",
            [needle],
        )
        products, products_message = warehouse.rows(
            "select category, product_name, colours, price, manufacturer, availability, refreshed_at "
            "from marts.product_availability order by category, product_name, product_id"
        )
        loads, _ = warehouse.rows(
            "select max(checked_at) as loaded_at from raw_badapi.checks "
            "where endpoint = 'availability' and outcome in ('changed', 'not_modified')"
        )
        categories: dict[str, list[dict[str, Any]]] = {}
        for row in products:
            categories.setdefault(str(row["category"]), []).append(row)
        last_refresh = max((r["refreshed_at"] for r in products if r["refreshed_at"]), default=None)
        clock = countdown(refresher, last_refresh, loads[0]["loaded_at"] if loads else None)
        return page(
            request,
            "stock.html",
            sku=sku,
            positions=positions,
            overcommitted=overcommitted[0]["skus"] if overcommitted else 0,
            message=message,
            categories=categories,
            products_message=products_message,
            clock=clock,
            now=dt.datetime.now(dt.UTC),
            page_refresh_seconds=PAGE_REFRESH_SECONDS,
            refresh_minutes=REFRESH_SECONDS // 60,
        )

    @app.get("/runs", response_class=HTMLResponse)
    def runs(request: Request) -> HTMLResponse:
        rows, message = warehouse.read(("runs",), lambda: recent_runs(target, 30), [])
        return page(request, "runs.html", runs=rows, message=message)

    return app

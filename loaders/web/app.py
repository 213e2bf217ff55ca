"""The seller's web page: FastAPI with server-rendered pages over the warehouse the CLI uses."""

from __future__ import annotations

import datetime as dt
import io
import os
import secrets
import tempfile
import zipfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from fastapi.templating import Jinja2Templates

from loaders.dbt import last_build_failures
from loaders.export import ExportRefused, export_ebay_revise
from loaders.runs import recent_runs
from loaders.warehouse import Target, TargetError
from loaders.web.uploads import UploadJob, UploadRejected, UploadWorker, max_upload_bytes, store_upload

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
REFRESH_SECONDS = 300  # the stock page and the bad-API tables refresh every five minutes
_basic = HTTPBasic(auto_error=False)


def _password_guard(credentials: Annotated[HTTPBasicCredentials | None, Depends(_basic)]) -> None:
    """With ELT_WEB_PASSWORD set, every page needs it (HTTP basic auth, any user name)."""
    password = os.environ.get("ELT_WEB_PASSWORD")
    if not password:
        return
    given = credentials.password if credentials else ""
    if not secrets.compare_digest(given.encode(), password.encode()):
        raise HTTPException(401, "password required", headers={"WWW-Authenticate": 'Basic realm="elt"'})


class Warehouse:
    """Read-only queries for the pages; a missing table or a busy warehouse becomes a message, not a crash."""

    def __init__(self, target: Target) -> None:
        self.target = target

    def rows(self, sql: str, params: list[Any] | None = None) -> tuple[list[dict[str, Any]], str | None]:
        if self.target.name == "bigquery":
            sql = sql.replace("?", "%s")
        try:
            with self.target.connect() as con:
                cursor = con.execute(sql, params or [])
                columns = [d[0] for d in cursor.description]
                return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()], None
        except TargetError as exc:
            return [], str(exc)
        except Exception as exc:
            text = str(exc)
            if "does not exist" in text or "not found" in text.lower():
                return [], "not built yet: run the loaders and `elt transform` (or upload feeds)"
            if "lock" in text.lower():
                return [], "the warehouse is busy with a run; this page will show it when the run has finished"
            raise


def create_app(target: Target) -> FastAPI:
    app = FastAPI(title="elt: supplier stock and eBay", dependencies=[Depends(_password_guard)])
    warehouse = Warehouse(target)
    worker = UploadWorker(target)

    def page(request: Request, name: str, **context: Any) -> HTMLResponse:
        return TEMPLATES.TemplateResponse(request, name, {"target": target, **context})

    @app.get("/", include_in_schema=False)
    def index() -> RedirectResponse:
        return RedirectResponse("/upload", status_code=303)

    @app.get("/upload", response_class=HTMLResponse)
    def upload_form(request: Request, error: str | None = None) -> HTMLResponse:
        return page(
            request,
            "upload.html",
            today=dt.date.today().isoformat(),
            jobs=worker.recent(),
            error=error,
            max_mb=max_upload_bytes() // 2**20,
        )

    @app.post("/upload")
    async def upload(
        request: Request,
        feed_date: Annotated[dt.date, Form()],
        files: Annotated[list[UploadFile], File()],
    ) -> Response:
        paths, refused = [], []
        for upload_file in files:
            data = await upload_file.read(max_upload_bytes() + 1)
            try:
                paths.append(store_upload(target, feed_date, upload_file.filename or "", data))
            except UploadRejected as exc:
                refused.append(str(exc))
        if not paths and refused:
            return upload_form(request, error="; ".join(refused))
        job = worker.submit(UploadJob(feed_date=feed_date, paths=paths, rejected_uploads=refused))
        return RedirectResponse(f"/jobs/{job.id}", status_code=303)

    @app.get("/jobs/{job_id}", response_class=HTMLResponse)
    def job_page(request: Request, job_id: str) -> HTMLResponse:
        job = worker.jobs.get(job_id)
        if job is None:
            raise HTTPException(404, "no such upload")
        feeds: dict[str, dict[str, Any]] = {}
        if job.finished and job.report:
            names = [r.file_name for r in job.report.results]
            if names:
                marks = ", ".join("?" for _ in names)
                rows, _ = warehouse.rows(
                    "select supplier, file_name, feed_rows, junk_stock_values, blank_part_numbers, parts_in_stock "
                    f"from marts.supplier_feeds where feed_date = ? and file_name in ({marks})",
                    [job.feed_date, *names],
                )
                feeds = {row["file_name"]: row for row in rows}
        return page(request, "job.html", job=job, feeds=feeds)

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
        failures = last_build_failures(target)
        refusal = (
            "no dbt build has run on this warehouse yet"
            if failures is None
            else f"the last build failed {len(failures)} check(s): {failures[0]}"
            if failures
            else None
        )
        return page(request, "ebay.html", stores=stores, changes=changes, message=message, refusal=refusal)

    @app.get("/ebay/revise.zip")
    def revise_zip() -> Response:
        with tempfile.TemporaryDirectory(prefix="elt-revise-") as folder:
            try:
                export = export_ebay_revise(target, Path(folder))
            except ExportRefused as exc:
                raise HTTPException(409, f"eBay Revise export refused: {exc}") from None
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
            "select * from marts.inventory_positions where upper(sku) like ? "
            "order by is_overcommitted desc, sku limit 200",
            [needle],
        )
        products, products_message = warehouse.rows(
            "select * from marts.product_availability order by category, name limit 5000"
        )
        categories: dict[str, list[dict[str, Any]]] = {}
        for row in products:
            categories.setdefault(str(row.get("category")), []).append(row)
        refreshed = max((r["refreshed_at"] for r in products if r.get("refreshed_at")), default=None)
        return page(
            request,
            "stock.html",
            sku=sku,
            positions=positions,
            message=message,
            categories=categories,
            products_message=products_message,
            refreshed_at=refreshed,
            refresh_seconds=REFRESH_SECONDS,
        )

    @app.get("/runs", response_class=HTMLResponse)
    def runs(request: Request) -> HTMLResponse:
        return page(request, "runs.html", runs=recent_runs(target, 30))

    return app

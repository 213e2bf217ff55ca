"""Upload: the day's feed files and their feed date in; each upload a job that loads them and rebuilds the marts."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from elt.web.forms import MAX_FILES_PER_UPLOAD, max_upload_total_bytes, read_upload_form
from elt.web.site import Site, site
from elt.web.uploads import UploadJob, UploadRejected, max_upload_bytes, max_waiting_uploads, store_upload
from loaders.supplier_feeds.window import FeedDateWindow, today

router = APIRouter()
Shared = Annotated[Site, Depends(site)]


@router.get("/", include_in_schema=False)
def index() -> RedirectResponse:
    return RedirectResponse("/upload", status_code=303)


def upload_page(request: Request, shared: Site, error: str | None = None, status_code: int = 200) -> HTMLResponse:
    window = FeedDateWindow.current()
    return shared.page(
        request,
        "upload.html",
        status_code=status_code,
        today=today().isoformat(),
        window=window,
        jobs=shared.worker.recent(),
        error=error,
        max_mb=max_upload_bytes() / 2**20,
        max_total_mb=max_upload_total_bytes() / 2**20,
        max_files=MAX_FILES_PER_UPLOAD,
    )


@router.get("/upload", response_class=HTMLResponse)
def upload_form(request: Request, shared: Shared) -> HTMLResponse:
    return upload_page(request, shared)


@router.post("/upload")
async def upload(request: Request, shared: Shared) -> Response:
    """Feed files and a feed date; too big an upload is refused before (or as soon as) it is read, and one that
    would wait behind too many others before it is stored."""
    waiting, limit = shared.worker.waiting(), max_waiting_uploads()
    if waiting >= limit:
        error = (
            f"{waiting} uploads are waiting to be processed (at most {limit}, ELT_MAX_WAITING_UPLOADS): "
            "nothing of this one was stored; send it again when they are done"
        )
        response = upload_page(request, shared, error=error, status_code=503)
        response.headers["Retry-After"] = "60"
        return response
    try:
        form = await read_upload_form(request)
    except UploadRejected as exc:
        return upload_page(request, shared, error=str(exc), status_code=exc.status_code)
    try:
        try:
            feed_date = dt.date.fromisoformat(form.fields.get("feed_date", "").strip())
        except ValueError:
            return upload_page(request, shared, error="pick the feed date (YYYY-MM-DD)", status_code=400)
        out_of_window = FeedDateWindow.current().refusal(feed_date)
        if out_of_window:  # refused before a byte is stored
            return upload_page(request, shared, error=out_of_window, status_code=400)
        if not form.files:
            return upload_page(request, shared, error="choose one or more .xlsx feed files", status_code=400)
        paths, refused = [], []
        for uploaded in form.files:
            try:
                data = await run_in_threadpool(uploaded.read)
                paths.append(await run_in_threadpool(store_upload, shared.target, feed_date, uploaded.filename, data))
            except UploadRejected as exc:
                refused.append(str(exc))
    finally:
        form.close()
    if not paths:
        return upload_page(request, shared, error="; ".join(refused), status_code=400)
    job = shared.worker.submit(UploadJob(feed_date=feed_date, paths=paths, rejected_uploads=refused))
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, job_id: str, shared: Shared) -> HTMLResponse:
    job = shared.worker.jobs.get(job_id)
    if job is None:
        raise HTTPException(404, "no such upload")
    feeds: dict[str, dict[str, Any]] = {}
    message = None
    if job.finished and job.report:
        names = [r.file_name for r in job.report.results]
        if names:
            marks = ", ".join("?" for _ in names)
            rows, message = shared.warehouse.rows(
                "select supplier, file_name, feed_rows, junk_stock_values, blank_part_numbers, parts_in_stock "
                f"from marts.supplier_feeds where feed_date = ? and file_name in ({marks})",
                [job.feed_date, *names],
            )
            feeds = {row["file_name"]: row for row in rows}
    return shared.page(request, "job.html", job=job, feeds=feeds, message=message)

"""eBay: per store what eBay holds, the targets and what `elt push ebay` will send, and the "Send to eBay" action
(a confirmation step, then a job page with progress and each store's results with eBay's messages); the listings
the newest feeds revise and the Revise zip for sellers who upload files in Seller Hub. Sending and the zip are
refused, with the reason, unless the last complete build passed (elt.guard)."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import threading
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from elt.export import ExportRefused, export_ebay_revise
from elt.guard import build_refusal
from elt.lock import WarehouseBusy, warehouse_lock
from elt.push import PushRefused, PushReport, StoreFailed, push_ebay
from elt.targets import Target
from elt.web.site import Site, site

router = APIRouter()
Shared = Annotated[Site, Depends(site)]

PUSH_STORES_SQL = """
    select ebay_store, count(*) as listings,
        count(case when ebay_quantity_source = 'ebay_read' then 1 end) as read_from_ebay,
        count(case when ebay_quantity = target_quantity then 1 end) as at_target,
        count(case when must_send then 1 end) as to_send,
        sum(target_quantity) as target_units,
        sum(case when ebay_quantity is not null then ebay_quantity end) as ebay_units
    from marts.ebay_revisions group by ebay_store order by ebay_store
"""
TO_SEND_SQL = """
    select ebay_store, item_id, custom_label, title, ebay_quantity, ebay_quantity_source, target_quantity, reason
    from marts.ebay_revisions where must_send order by ebay_store, item_id limit 50
"""


@dataclass
class PushJob:
    """One "Send to eBay" from the page: its store (None: every store), state and the push's live report."""

    id: str
    store: str | None
    created_at: dt.datetime
    status: str = "waiting"  # waiting | sending | done | failed
    report: PushReport | None = None
    error: str | None = None
    finished_at: dt.datetime | None = None

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")


class PushJobs:
    """Pushes started from the page, one at a time, each in a background thread holding the warehouse lock (as
    `elt push ebay` does); a second "Send" while one runs is shown that one."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.jobs: dict[str, PushJob] = {}
        self._lock = threading.Lock()

    def running(self) -> PushJob | None:
        return next((job for job in self.jobs.values() if not job.finished), None)

    def start(self, store: str | None) -> PushJob:
        with self._lock:
            current = self.running()
            if current is not None:
                return current
            job = PushJob(id=uuid.uuid4().hex[:12], store=store, created_at=dt.datetime.now(dt.UTC))
            self.jobs[job.id] = job
        threading.Thread(target=self._run, args=(job,), name=f"ebay-push-{job.id}", daemon=True).start()
        return job

    def _run(self, job: PushJob) -> None:
        def started(report: PushReport) -> None:
            job.report, job.status = report, "sending"

        try:
            with warehouse_lock(self.target):
                job.report = push_ebay(self.target, store=job.store, started=started)
            job.status = "done"
        except (PushRefused, StoreFailed, WarehouseBusy) as exc:
            job.status, job.error = "failed", str(exc)
        except Exception as exc:  # shown on the job's page
            job.status, job.error = "failed", f"{type(exc).__name__}: {exc}"
        finally:
            job.finished_at = dt.datetime.now(dt.UTC)


def push_jobs(request: Request) -> PushJobs:
    """The app's push jobs, made on first use."""
    state = request.app.state
    if getattr(state, "ebay_pushes", None) is None:
        state.ebay_pushes = PushJobs(state.site.target)
    return state.ebay_pushes  # type: ignore[no-any-return]


Jobs = Annotated[PushJobs, Depends(push_jobs)]


@router.get("/ebay", response_class=HTMLResponse)
def ebay(request: Request, shared: Shared) -> HTMLResponse:
    stores, message = shared.warehouse.rows(
        "select ebay_store, count(*) as listings, "
        "count(case when quantity_delta <> 0 then 1 end) as to_revise, max(stock_date) as newest_stock_date "
        "from marts.ebay group by ebay_store order by ebay_store"
    )
    changes, _ = shared.warehouse.rows(
        "select ebay_store, item_id, custom_label, title, previous_quantity, quantity, quantity_delta "
        "from marts.ebay where quantity_delta <> 0 order by abs(quantity_delta) desc, ebay_store, item_id limit 25"
    )
    push_stores, _ = shared.warehouse.rows(PUSH_STORES_SQL)
    to_send, _ = shared.warehouse.rows(TO_SEND_SQL)
    refusal = build_refusal(shared.target)
    return shared.page(
        request, "ebay.html", stores=stores, changes=changes, message=message, refusal=refusal,
        push_stores=push_stores, to_send=to_send,
    )  # fmt: skip


@router.get("/ebay/push", response_class=HTMLResponse)
def push_confirm(request: Request, shared: Shared, jobs: Jobs, store: str | None = None) -> HTMLResponse:
    """The confirmation step: what will be sent, per store, and the form that sends it."""
    push_stores, message = shared.warehouse.rows(PUSH_STORES_SQL)
    if store:
        push_stores = [row for row in push_stores if row["ebay_store"] == store.upper()]
    return shared.page(
        request, "ebay_push_confirm.html", push_stores=push_stores, store=store.upper() if store else None,
        refusal=build_refusal(shared.target), running=jobs.running(), message=message,
    )  # fmt: skip


@router.post("/ebay/push")
def push_start(shared: Shared, jobs: Jobs, store: Annotated[str, Form()] = "") -> Response:
    refusal = build_refusal(shared.target)
    if refusal:
        raise HTTPException(409, f"not sent to eBay: {refusal}")
    job = jobs.start(store.strip().upper() or None)
    return RedirectResponse(f"/ebay/push/{job.id}", status_code=303)


@router.get("/ebay/push/{job_id}", response_class=HTMLResponse)
def push_job(request: Request, job_id: str, shared: Shared, jobs: Jobs) -> HTMLResponse:
    job = jobs.jobs.get(job_id)
    if job is None:
        raise HTTPException(404, "no such push")
    stores: list[dict[str, Any]] = []
    for name, report in sorted((job.report.stores if job.report else {}).items()):
        problems = [o for o in list(report.outcomes) if o.outcome in ("failed", "skipped")]
        stores.append({
            "store": name, "to_send": report.to_send, "done": len(report.outcomes), "calls": report.calls,
            "confirmed_before": report.confirmed_before, "error": report.error,
            **{kind: report.count(kind) for kind in ("revised", "unchanged", "failed", "skipped")},
            "problems": problems[:50], "more": max(0, len(problems) - 50),
        })  # fmt: skip
    left_out = job.report.left_out if job.report else {}
    return shared.page(request, "ebay_push_job.html", job=job, stores=stores, left_out=left_out)


@router.get("/ebay/revise.zip")
def revise_zip(shared: Shared) -> Response:
    """The files `elt export ebay-revise` writes, zipped the same way; 409 with the reason when refused."""
    with tempfile.TemporaryDirectory(prefix="elt-revise-") as folder:
        try:
            with shared.warehouse.reading():
                export = export_ebay_revise(shared.target, Path(folder))
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

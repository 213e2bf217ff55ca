"""Runs: the history of `elt run`, the demo, uploads and bad-API refreshes (raw_elt.runs), and the eBay pushes
(raw_ebay.revisions, one row per push and store)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from elt.runs import recent_runs
from elt.web.site import Site, site

router = APIRouter()
Shared = Annotated[Site, Depends(site)]

PUSH_HISTORY_SQL = """
    select push_id, build_id, ebay_store, min(recorded_at) as started_at, max(recorded_at) as finished_at,
        count(distinct case when outcome = 'revised' then item_id end) as revised,
        count(distinct case when outcome = 'unchanged' then item_id end) as unchanged,
        count(distinct case when outcome = 'failed' then item_id end) as failed,
        count(distinct case when outcome = 'skipped' then item_id end) as skipped,
        max(case when outcome = 'failed' then error_code end) as an_error_code,
        max(case when outcome = 'failed' then error_message end) as an_error_message
    from raw_ebay.revisions
    group by push_id, build_id, ebay_store
    order by started_at desc, ebay_store
    limit 60
"""


@router.get("/runs", response_class=HTMLResponse)
def runs(request: Request, shared: Shared) -> HTMLResponse:
    rows, message = shared.warehouse.read(("runs",), lambda: recent_runs(shared.target, 30), [])
    pushes, _ = shared.warehouse.rows(PUSH_HISTORY_SQL)  # none until the first push: the table is not there
    return shared.page(request, "runs.html", runs=rows, message=message, pushes=pushes)

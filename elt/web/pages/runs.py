"""Runs: the history of `elt run`, the demo, uploads and bad-API refreshes (raw_elt.runs)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from elt.runs import recent_runs
from elt.web.site import Site, site

router = APIRouter()
Shared = Annotated[Site, Depends(site)]


@router.get("/runs", response_class=HTMLResponse)
def runs(request: Request, shared: Shared) -> HTMLResponse:
    rows, message = shared.warehouse.read(("runs",), lambda: recent_runs(shared.target, 30), [])
    return shared.page(request, "runs.html", runs=rows, message=message)

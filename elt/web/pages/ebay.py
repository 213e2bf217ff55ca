"""eBay: per store, the listings the newest feeds revise and the largest changes; the Revise zip for sellers who
upload files in Seller Hub. Both refused, with the reason, unless the last complete build passed (elt.guard)."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from elt.export import ExportRefused, export_ebay_revise
from elt.guard import build_refusal
from elt.lock import WarehouseBusy
from elt.web.site import Site, site

router = APIRouter()
Shared = Annotated[Site, Depends(site)]


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
    refusal = build_refusal(shared.target)
    return shared.page(request, "ebay.html", stores=stores, changes=changes, message=message, refusal=refusal)


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

"""Stock: Linnworks and supplier stock per SKU against what eBay lists, 50 to a page and filtered (by default what
needs attention: over-committed SKUs and SKUs listed from a stale supplier; over-committed first), a warning for
every supplier whose newest feed is older than its cadence, and the bad API's products by category with the time
of the last refresh and a countdown to the next."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from elt.freshness import STALE_SQL, stale_message
from elt.web.refresh import REFRESH_SECONDS, countdown
from elt.web.site import Site, site

router = APIRouter()
Shared = Annotated[Site, Depends(site)]
PAGE_REFRESH_SECONDS = REFRESH_SECONDS  # the Stock page reloads itself every five minutes


PAGE_SIZE = 50
SHOWS = {
    "attention": "needs attention (over-committed, or listed from a stale supplier)",
    "overcommitted": "over-committed",
    "stale": "listed from a stale supplier",
    "all": "every SKU",
}
# SKUs whose eBay listings take their quantity from a stale supplier (marts.ebay is_stale).
_STALE_SKUS = "select upper(custom_label) from marts.ebay where is_stale"
_FILTERS = {
    "attention": f"(is_overcommitted or upper(sku) in ({_STALE_SKUS}))",
    "overcommitted": "is_overcommitted",
    "stale": f"upper(sku) in ({_STALE_SKUS})",
    "all": "true",
}


@router.get("/stock", response_class=HTMLResponse)
def stock(request: Request, shared: Shared, sku: str = "", show: str = "attention", page: int = 1) -> HTMLResponse:
    show = show if show in SHOWS else "attention"
    needle = f"%{sku.strip().upper()}%"
    where = f"upper(sku) like ? and {_FILTERS[show]}"  # the filter is one of the constants above
    counts, _ = shared.warehouse.rows(
        "select count(*) as skus, count(case when is_overcommitted then 1 end) as overcommitted "
        f"from marts.inventory_positions where {where}",
        [needle],
    )
    total = int(counts[0]["skus"]) if counts else 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    positions, message = shared.warehouse.rows(
        "select sku, title, supplier_name, available, supplier_quantity, coverable_quantity, ebay_listings, "
        "ebay_stores, ebay_quantity_total, units_sold_7d, supplier_stock_date, is_overcommitted, "
        f"upper(sku) in ({_STALE_SKUS}) as is_stale "
        f"from marts.inventory_positions where {where} "
        f"order by is_overcommitted desc, sku limit {PAGE_SIZE} offset {(page - 1) * PAGE_SIZE}",
        [needle],
    )
    stale, _ = shared.warehouse.rows(STALE_SQL)
    products, products_message = shared.warehouse.rows(
        "select category, product_name, colours, price, manufacturer, availability, refreshed_at "
        "from marts.product_availability order by category, product_name, product_id"
    )
    loads, _ = shared.warehouse.rows(
        "select max(checked_at) as loaded_at from raw_badapi.checks "
        "where endpoint = 'availability' and outcome in ('changed', 'not_modified')"
    )
    categories: dict[str, list[dict[str, Any]]] = {}
    for row in products:
        categories.setdefault(str(row["category"]), []).append(row)
    last_refresh = max((r["refreshed_at"] for r in products if r["refreshed_at"]), default=None)
    clock = countdown(shared.refresher, last_refresh, loads[0]["loaded_at"] if loads else None)
    return shared.page(
        request,
        "stock.html",
        sku=sku,
        show=show,
        shows=SHOWS,
        page=page,
        pages=pages,
        page_size=PAGE_SIZE,
        total=total,
        positions=positions,
        overcommitted=int(counts[0]["overcommitted"] or 0) if counts else 0,
        message=message,
        stale=[stale_message(row) for row in stale],
        categories=categories,
        products_message=products_message,
        clock=clock,
        now=dt.datetime.now(dt.UTC),
        page_refresh_seconds=PAGE_REFRESH_SECONDS,
        refresh_minutes=REFRESH_SECONDS // 60,
    )

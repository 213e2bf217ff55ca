"""Stock: Linnworks and supplier stock per SKU against what eBay lists (over-committed SKUs first), a warning for
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


@router.get("/stock", response_class=HTMLResponse)
def stock(request: Request, shared: Shared, sku: str = "") -> HTMLResponse:
    needle = f"%{sku.strip().upper()}%"
    positions, message = shared.warehouse.rows(
        "select sku, title, supplier_name, available, supplier_quantity, coverable_quantity, ebay_listings, "
        "ebay_stores, ebay_quantity_total, units_sold_7d, supplier_stock_date, is_overcommitted "
        "from marts.inventory_positions where upper(sku) like ? "
        "order by is_overcommitted desc, sku limit 200",
        [needle],
    )
    overcommitted, _ = shared.warehouse.rows(
        "select count(*) as skus from marts.inventory_positions where upper(sku) like ? and is_overcommitted",
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
        positions=positions,
        overcommitted=overcommitted[0]["skus"] if overcommitted else 0,
        message=message,
        stale=[stale_message(row) for row in stale],
        categories=categories,
        products_message=products_message,
        clock=clock,
        now=dt.datetime.now(dt.UTC),
        page_refresh_seconds=PAGE_REFRESH_SECONDS,
        refresh_minutes=REFRESH_SECONDS // 60,
    )

"""Supplier feeds: for a chosen day, which suppliers delivered (rows, junk share, parts in stock) and which did
not, each supplier's freshness against its cadence, and a chart over the retention window (feeds per day, parts in
stock) drawn on the server (elt.web.chart)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from elt.web.chart import Point, bar_and_line_svg
from elt.web.site import Site, site

router = APIRouter()
Shared = Annotated[Site, Depends(site)]


@router.get("/suppliers", response_class=HTMLResponse)
def suppliers(request: Request, shared: Shared, day: str = "") -> HTMLResponse:
    days, message = shared.warehouse.rows(
        "select feed_date, count(*) as feeds, sum(parts_in_stock) as parts_in_stock "
        "from marts.supplier_feeds group by feed_date order by feed_date"
    )
    newest = days[-1]["feed_date"] if days else None
    try:
        chosen = dt.date.fromisoformat(day) if day else newest
        error = None
    except ValueError:
        chosen, error = newest, f"“{day}” is not a date (YYYY-MM-DD): showing the newest feed day"
    rows: list[dict[str, Any]] = []
    if chosen is not None:
        rows, _ = shared.warehouse.rows(
            "select freshness.supplier, feeds.file_name, feeds.feed_rows, feeds.junk_stock_values, "
            "feeds.blank_part_numbers, feeds.parts_in_stock, feeds.parts_in_product_master, "
            "freshness.newest_feed_date, freshness.feed_age_days, freshness.expected_cadence_days, "
            "freshness.is_stale, freshness.stale_policy "
            "from marts.supplier_freshness as freshness "
            "left join marts.supplier_feeds as feeds "
            "on freshness.supplier = feeds.supplier and feeds.feed_date = ? "
            "order by feeds.supplier is null, freshness.supplier",
            [chosen],
        )
    for row in rows:
        feed_rows = row["feed_rows"] or 0
        row["junk_share"] = (row["junk_stock_values"] or 0) / feed_rows if feed_rows else None
    chart = bar_and_line_svg(
        [Point(str(d["feed_date"]), int(d["feeds"]), int(d["parts_in_stock"] or 0)) for d in days],
        "supplier feeds",
        "parts in stock",
    )
    return shared.page(
        request,
        "suppliers.html",
        day=chosen,
        days=[d["feed_date"] for d in days],
        rows=rows,
        delivered=sum(1 for r in rows if r["feed_rows"] is not None),
        chart=Markup(chart),  # built from numbers and escaped labels only (elt.web.chart)
        message=message,
        error=error,
    )

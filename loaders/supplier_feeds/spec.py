"""Supplier stock feeds, declared for the application: `elt load supplier-stock`, and the day's folder `elt run`
loads (`SOURCES__SUPPLIER_STOCK__FEEDS_URL`, `{date}` replaced by the feed date)."""

from __future__ import annotations

import datetime as dt

import click

from loaders.contract import Echo, LoadResult, Run, Source, Warehouse
from loaders.workbooks import spec
from loaders.workbooks.settings import DATASET_NAME


@click.command("supplier-stock")
@click.argument("paths", nargs=-1, required=True, metavar="PATH…")
@click.option(
    "--date",
    "feed_date",
    type=click.DateTime(["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="Feed date (default today), within the retention window up to tomorrow.",
)
def command(warehouse: Warehouse, echo: Echo, paths: tuple[str, ...], feed_date: dt.datetime | None) -> LoadResult:
    """Stock feed files or folders of them (local paths or URLs such as gs://bucket/feeds/)."""
    from loaders.supplier_feeds.source import load_supplier_stock
    from loaders.supplier_feeds.window import FeedDateWindow, today

    day = feed_date.date() if feed_date else today()
    out_of_window = FeedDateWindow.current().refusal(day)
    if out_of_window:  # refused before a file is opened or the warehouse written
        raise click.BadParameter(out_of_window, param_hint="'--date'")
    echo(f"supplier stock for {day}")
    return load_supplier_stock(warehouse, paths, day)


def daily(warehouse: Warehouse, run: Run) -> LoadResult:
    from loaders.supplier_feeds.source import load_supplier_stock

    url = str(spec.setting("feeds_url")).replace("{date}", run.feed_date.isoformat())
    return load_supplier_stock(warehouse, [url], run.feed_date)


SOURCE = Source(
    name="supplier-stock",
    dataset=DATASET_NAME,
    dbt_source="supplier_stock",
    summary="the day's supplier stock feeds (xlsx)",
    command=command,
    daily=daily,
    missing=lambda: spec.missing("feeds_url"),
)

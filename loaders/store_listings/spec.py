"""Store listings, declared for the application: `elt load stores`, and the folder of SpeedSheets `elt run` loads
(`SOURCES__SUPPLIER_STOCK__STORES_URL`)."""

from __future__ import annotations

import click

from loaders.contract import Echo, LoadResult, Run, Source, Warehouse
from loaders.workbooks import spec
from loaders.workbooks.settings import DATASET_NAME


@click.command("stores")
@click.argument("paths", nargs=-1, required=True, metavar="PATH…")
@click.option("--force", is_flag=True, help="Load the files even when it is what was loaded (same size and time).")
def command(warehouse: Warehouse, echo: Echo, paths: tuple[str, ...], force: bool) -> LoadResult:
    """eBay store SpeedSheet workbooks (`<STORE> Database SpeedSheet.xlsx`) or folders of them; unchanged ones are
    left out."""
    from loaders.store_listings.source import load_stores

    echo("store listings")
    return load_stores(warehouse, paths, force)


def daily(warehouse: Warehouse, run: Run) -> LoadResult:
    from loaders.store_listings.source import load_stores

    return load_stores(warehouse, [str(spec.setting("stores_url"))])


SOURCE = Source(
    name="stores",
    dataset=DATASET_NAME,
    dbt_source="supplier_stock",
    summary="the eBay store SpeedSheet workbooks (one per store)",
    command=command,
    daily=daily,
    missing=lambda: spec.missing("stores_url"),
)

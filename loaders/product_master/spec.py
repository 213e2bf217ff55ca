"""The product master, declared for the application: `elt load products`, and the workbook `elt run` loads
(`SOURCES__SUPPLIER_STOCK__PRODUCTS_URL`)."""

from __future__ import annotations

import click

from loaders.contract import Echo, LoadResult, Run, Source, Warehouse
from loaders.workbooks import spec
from loaders.workbooks.settings import DATASET_NAME


@click.command("products")
@click.argument("path", metavar="PATH", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Load the file even when it is the one loaded last (same size and time).")
def command(warehouse: Warehouse, echo: Echo, path: str, force: bool) -> LoadResult:
    """The product master workbook (sheets Direct and FPS); replaces the previous one unless it is unchanged."""
    from loaders.product_master.source import load_products

    echo("products")
    return load_products(warehouse, path, force)


def daily(warehouse: Warehouse, run: Run) -> LoadResult:
    from loaders.product_master.source import load_products

    return load_products(warehouse, str(spec.setting("products_url")))


SOURCE = Source(
    name="products",
    dataset=DATASET_NAME,
    dbt_source="supplier_stock",
    summary="the product master workbook (custom label -> supplier part)",
    command=command,
    daily=daily,
    missing=lambda: spec.missing("products_url"),
)

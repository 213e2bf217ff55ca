"""What Drops Now, declared for the application: `elt load wdn`, how `elt run` loads it, when it is configured.

One rule for both commands: What Drops Now is read only when `SOURCES__WDN__BASE_URL` is set (the public API is
`https://www.whatdropsnow.com/api/v1`, the sandbox's `…/api/v1`). `elt run` skips it otherwise, saying so, and
`elt load wdn` refuses, naming the setting: a seller who does not use it never calls it by accident.
"""

from __future__ import annotations

import click

from loaders.contract import Echo, LoadResult, Run, Source, Warehouse, missing_settings
from loaders.wdn.settings import BASE_URL, BRANDS, DATASET_NAME, SOURCE_NAME


@click.command("wdn")
@click.option(
    "--brands",
    "-b",
    multiple=True,
    metavar="NAME[,NAME…]",
    help=f"Brands to load, comma-separated or repeated [default: {', '.join(BRANDS)}].",
)
@click.option("--refresh", is_flag=True, help="Fetch everything again, even what was fetched in the last day.")
def command(warehouse: Warehouse, echo: Echo, brands: tuple[str, ...], refresh: bool) -> LoadResult:
    """What Drops Now API -> raw_wdn: brands, their products, offers and retailers (SOURCES__WDN__BASE_URL)."""
    from loaders.wdn.options import WdnOptions
    from loaders.wdn.pipeline import load_wdn

    if missing():
        raise click.UsageError(
            f"What Drops Now is not configured: set {' and '.join(missing())} (the public API is {BASE_URL})"
        )
    try:
        options = WdnOptions.from_config(fresh_for_hours=0.0 if refresh else None)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    return load_wdn(warehouse, brands, options, echo=echo)


def daily(warehouse: Warehouse, run: Run) -> LoadResult:
    from loaders.wdn.pipeline import load_wdn

    return load_wdn(warehouse, echo=run.echo)


def missing() -> list[str]:
    return missing_settings(SOURCE_NAME, ["base_url"])


SOURCE = Source(
    name="wdn",
    dataset=DATASET_NAME,
    dbt_source="wdn",
    summary="What Drops Now: sneaker brands, products, retailer offers",
    command=command,
    daily=daily,
    missing=missing,
    sandbox="sandboxes.wdn.cli:sandbox",
    demo="sandboxes.wdn.cli:serving",
)

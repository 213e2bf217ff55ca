"""eBay, declared for the application: `elt load ebay`, how `elt run` loads it, when it is configured."""

from __future__ import annotations

import click

from loaders.contract import Echo, LoadResult, Run, Source, Warehouse, missing_settings
from loaders.ebay.settings import DATASET_NAME, SOURCE_NAME


@click.command("ebay")
@click.option(
    "--stores",
    "-s",
    multiple=True,
    metavar="STORE[,STORE…]",
    help="Stores to read, comma-separated or repeated [default: every store with a refresh token].",
)
def command(warehouse: Warehouse, echo: Echo, stores: tuple[str, ...]) -> LoadResult:
    """eBay Trading API -> raw_ebay: each store's active listings (GetMyeBaySelling, every page). Settings:
    SOURCES__EBAY__CLIENT_ID, …__CLIENT_SECRET, …__API_URL, …__SITE_ID, …__<STORE>__REFRESH_TOKEN."""
    from loaders.ebay.pipeline import load_ebay

    return load_ebay(warehouse, stores or None, echo=echo)


def daily(warehouse: Warehouse, run: Run) -> LoadResult:
    from loaders.ebay.pipeline import load_ebay

    return load_ebay(warehouse, echo=run.echo)


def missing() -> list[str]:
    from loaders.ebay.client import configured_refresh_tokens

    absent = missing_settings(SOURCE_NAME, ["client_id", "client_secret"], secret=True)
    return absent + ([] if configured_refresh_tokens() else ["SOURCES__EBAY__<STORE>__REFRESH_TOKEN"])


SOURCE = Source(
    name="ebay",
    dataset=DATASET_NAME,
    dbt_source="ebay",
    summary="eBay: each store's active listings (Trading API GetMyeBaySelling)",
    command=command,
    daily=daily,
    missing=missing,
    sandbox="sandboxes.ebay.cli:sandbox",
    demo="sandboxes.ebay.cli:serving",
    builds_empty=True,
)

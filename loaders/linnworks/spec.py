"""Linnworks, declared for the application: `elt load linnworks`, how `elt run` loads it, when it is configured."""

from __future__ import annotations

import click

from loaders.contract import Echo, LoadResult, Run, Source, Warehouse, missing_settings
from loaders.linnworks.settings import DATASET_NAME, RESOURCES

CREDENTIALS = ("application_id", "application_secret", "token")


def _names(values: tuple[str, ...]) -> list[str]:
    """`--resources a,b --resources c` -> [a, b, c]."""
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


def _resources(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> list[str]:
    from loaders.linnworks.source import select_resources

    try:
        return select_resources(_names(values))
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@click.command("linnworks")
@click.option(
    "--resources",
    "-r",
    multiple=True,
    metavar="NAME[,NAME…]",
    callback=_resources,
    help=f"Resources to load, comma-separated or repeated (default all): {', '.join(RESOURCES)}.",
)
@click.option(
    "--full-refresh",
    is_flag=True,
    help="Drop the chosen resources' tables and cursors first (processed orders reload from start_date).",
)
def command(warehouse: Warehouse, echo: Echo, resources: list[str], full_refresh: bool) -> LoadResult:
    """Linnworks API -> raw_linnworks (credentials: SOURCES__LINNWORKS__APPLICATION_ID, …_SECRET, …_TOKEN)."""
    from loaders.linnworks.pipeline import load_linnworks

    return load_linnworks(warehouse, resources, full_refresh=full_refresh, echo=echo)


def daily(warehouse: Warehouse, run: Run) -> LoadResult:
    from loaders.linnworks.pipeline import load_linnworks

    return load_linnworks(warehouse, echo=run.echo)


def missing() -> list[str]:
    return missing_settings("linnworks", CREDENTIALS, secret=True)


SOURCE = Source(
    name="linnworks",
    dataset=DATASET_NAME,
    dbt_source="linnworks",
    summary="Linnworks stock, locations, item details, processed and open orders",
    command=command,
    daily=daily,
    missing=missing,
    sandbox="sandboxes.linnworks.cli:sandbox",
    demo="sandboxes.linnworks.cli:serving",
)

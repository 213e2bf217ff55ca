"""`elt load linnworks`: the click command that runs the Linnworks loader on the chosen target."""

from __future__ import annotations

import sys

import click

from loaders.linnworks.settings import RESOURCES
from loaders.lock import WarehouseBusy, warehouse_lock
from loaders.warehouse import Target, TargetError


def _names(values: tuple[str, ...]) -> list[str]:
    """`--resources a,b --resources c` -> [a, b, c]."""
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


@click.command("linnworks")
@click.option(
    "--resources",
    "-r",
    "resource_options",
    multiple=True,
    metavar="NAME[,NAME…]",
    help=f"Resources to load, comma-separated or repeated (default all): {', '.join(RESOURCES)}.",
)
@click.option(
    "--full-refresh",
    is_flag=True,
    help="Drop the chosen resources' tables and cursors first (processed orders reload from start_date).",
)
@click.pass_context
def linnworks(ctx: click.Context, resource_options: tuple[str, ...], full_refresh: bool) -> None:
    """Linnworks API -> raw_linnworks (credentials: SOURCES__LINNWORKS__APPLICATION_ID, …_SECRET, …_TOKEN)."""
    from loaders.linnworks import select_resources
    from loaders.linnworks.pipeline import load_linnworks

    options = ctx.obj or {}
    try:
        target = Target.from_options(options.get("target"), options.get("duckdb"))
    except TargetError as error:
        raise click.UsageError(str(error)) from None
    try:
        names = select_resources(_names(resource_options))
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--resources") from None
    try:
        with warehouse_lock(target, on_wait=lambda message: click.echo(message, err=True)):
            result = load_linnworks(target, names, full_refresh=full_refresh, echo=click.echo)
    except WarehouseBusy as error:  # raised only while acquiring the lock
        raise click.ClickException(str(error)) from None
    if not result.ok:
        click.echo(f"error: {result.error}", err=True)
        sys.exit(1)

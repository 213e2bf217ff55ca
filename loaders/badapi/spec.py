"""The bad API, declared for the application: `elt load badapi`, how `elt run` loads it, when it is configured."""

from __future__ import annotations

import click

from loaders.badapi.settings import DATASET_NAME, SOURCE_NAME
from loaders.contract import Echo, LoadResult, Run, Source, Warehouse, missing_settings


@click.command("badapi")
@click.option("--refresh", is_flag=True, help="Ask for every listing in full, ignoring the ETags of the last answers.")
@click.option(
    "--force-error-mode",
    multiple=True,
    metavar="MANUFACTURER",
    help="Drill: ask MANUFACTURER's availability with `x-force-error-mode: all` (repeatable).",
)
def command(warehouse: Warehouse, echo: Echo, refresh: bool, force_error_mode: tuple[str, ...]) -> LoadResult:
    """Reaktor bad API -> raw_badapi: products of gloves, facemasks, beanies and their availability."""
    from loaders.badapi.options import BadApiOptions
    from loaders.badapi.pipeline import load_badapi

    try:
        options = BadApiOptions.from_config()
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    return load_badapi(warehouse, options, use_etags=not refresh, force_error_mode=force_error_mode, echo=echo)


def daily(warehouse: Warehouse, run: Run) -> LoadResult:
    from loaders.badapi.pipeline import load_badapi

    return load_badapi(warehouse, echo=run.echo)


def missing() -> list[str]:
    return missing_settings(SOURCE_NAME, ["base_url"])


SOURCE = Source(
    name="badapi",
    dataset=DATASET_NAME,
    dbt_source="badapi",
    summary="the warehouse bad API: gloves, facemasks, beanies and their availability",
    command=command,
    daily=daily,
    missing=missing,
    sandbox="sandboxes.badapi.cli:sandbox",
    demo="sandboxes.badapi.cli:serving",
)

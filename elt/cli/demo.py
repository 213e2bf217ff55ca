"""`elt demo`: sample files and the API sandboxes through every loader, dbt and the export (development install)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from elt import logs
from elt.cli import main
from elt.cli.common import exit_for, locked, target


@main.command()
@click.option(
    "--workdir", type=click.Path(file_okay=False, path_type=Path), metavar="PATH", help="Where sample files go."
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out/ebay-revise"),
    show_default=True,
    metavar="PATH",
    help="Where the eBay Revise files go.",
)
@click.option("--days", type=click.IntRange(2, 31), default=3, show_default=True, help="Days of feeds.")
@click.option("--yes", is_flag=True, help="Load the sample even into a warehouse holding other data, or BigQuery.")
@click.pass_context
def demo(ctx: click.Context, workdir: Path | None, out_dir: Path, days: int, yes: bool) -> None:
    """Sample files -> every loader -> dbt build -> eBay Revise files, with a summary.

    Refuses a warehouse that holds data the demo did not make, or one that is not a local DuckDB file, unless
    --yes.

    \b
    Example:
      elt demo
      elt demo --duckdb /tmp/try.duckdb --days 5
    """
    from elt.demo import DemoUnavailable, demo_refusal, run_demo

    refusal = demo_refusal(target(ctx))
    if refusal and not yes:
        raise click.ClickException(f"{refusal}. Use another --duckdb PATH, or --yes to load it anyway.")
    if workdir is None:
        workdir = Path(tempfile.mkdtemp(prefix="elt-demo-"))
    try:
        with locked(ctx) as chosen:
            ok = run_demo(chosen, workdir, out_dir.resolve(), days=days, echo=logs.echo)
    except DemoUnavailable as error:
        raise click.ClickException(str(error)) from None
    exit_for(ok)

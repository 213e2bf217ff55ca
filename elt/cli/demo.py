"""`elt demo`: sample files and the API sandboxes through every loader, dbt and the export (development install)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from elt.cli import main
from elt.cli.common import exit_for, locked


@main.command()
@click.option(
    "--workdir", type=click.Path(file_okay=False, path_type=Path), metavar="PATH", help="Where sample files go."
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out/ebay-revise"),
    metavar="PATH",
)
@click.option("--days", type=click.IntRange(2, 31), default=3, show_default=True, help="Days of feeds.")
@click.pass_context
def demo(ctx: click.Context, workdir: Path | None, out_dir: Path, days: int) -> None:
    """Sample files -> every loader -> dbt build -> eBay Revise files, with a summary."""
    from elt.demo import DemoUnavailable, run_demo

    if workdir is None:
        workdir = Path(tempfile.mkdtemp(prefix="elt-demo-"))
    try:
        with locked(ctx) as target:
            ok = run_demo(target, workdir, out_dir, days=days, echo=click.echo)
    except DemoUnavailable as error:
        raise click.ClickException(str(error)) from None
    exit_for(ok)

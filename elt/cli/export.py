"""`elt export ebay-revise`: the File Exchange Revise files for sellers who upload them by hand."""

from __future__ import annotations

from pathlib import Path

import click

from elt import logs
from elt.cli import main
from elt.cli.common import locked


@main.group()
def export() -> None:
    """Write files for other systems from the marts.

    \b
    Example:
      elt export ebay-revise --out out/ebay-revise
    """


@export.command("ebay-revise")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    metavar="PATH",
    help="Folder for the CSVs and the zip.",
)
@click.pass_context
def export_ebay_revise_cmd(ctx: click.Context, out_dir: Path) -> None:
    """One File Exchange Revise CSV per eBay store (listings whose quantity changed), plus a zip.

    Refused unless the last complete `dbt build` passed and made marts.ebay.

    \b
    Example:
      elt export ebay-revise --out out/ebay-revise
    """
    from elt.export import ExportRefused, export_ebay_revise
    from elt.targets import TargetError

    try:
        with locked(ctx) as target:
            result = export_ebay_revise(target, out_dir)
    except (ExportRefused, TargetError) as exc:
        raise click.ClickException(f"eBay Revise export refused: {exc}") from None
    for store, (path, count) in sorted(result.files.items()):
        logs.echo(f"  {store:<5} {count:>6} listings  {path}")
    logs.echo(f"zip: {result.zip_path}" if result.zip_path else "no listing changed quantity: nothing to revise")

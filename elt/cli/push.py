"""`elt push ebay`: send the new quantities to eBay and record every listing's outcome."""

from __future__ import annotations

import click

from elt import logs
from elt.cli import main
from elt.cli.common import exit_for, locked


@main.group()
def push() -> None:
    """Send quantities from the marts to the sales channels.

    \b
    Example:
      elt push ebay --dry-run
    """


@push.command("ebay")
@click.option("--store", metavar="CODE", help="Only this store (e.g. AMS); default every store with a token.")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send and record nothing.")
@click.pass_context
def push_ebay_cmd(ctx: click.Context, store: str | None, dry_run: bool) -> None:
    """ReviseInventoryStatus for every listing of marts.ebay_revisions that must be sent (4 a call); every
    listing's outcome kept in raw_ebay.revisions. Exits 1 when any listing or store failed.

    \b
    Example:
      elt push ebay --dry-run
      elt push ebay --store AMS
    """
    from elt.push import PushRefused, StoreFailed, push_ebay
    from elt.targets import TargetError

    try:
        with locked(ctx) as target:
            report = push_ebay(target, store=store, dry_run=dry_run, echo=logs.echo)
    except (PushRefused, StoreFailed, TargetError) as exc:
        raise click.ClickException(f"eBay push refused: {exc}") from None
    title = "eBay push (dry run: nothing sent)" if dry_run else f"eBay push {report.push_id}"
    logs.echo(f"{title}, build {report.build_id}, {report.elapsed_seconds:.1f} s:")
    for line in report.lines():
        logs.echo(line)
    exit_for(report.ok)

"""What every `elt` command shares: the chosen warehouse (announced on the command's first line), the lock, the
exit status. The warehouse options themselves are the root group's (elt.cli.EltGroup), given before or after the
subcommand."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from elt import logs
from elt.lock import WarehouseBusy, warehouse_lock
from elt.targets import Target, TargetError


def target(ctx: click.Context, announce: bool = True) -> Target:
    """The warehouse the options (or ELT_TARGET / ELT_DUCKDB_PATH) name; the first call prints it
    (`target: duckdb /abs/path/warehouse.duckdb`) so every command's first line says where it works."""
    root = ctx.find_root()
    root.ensure_object(dict)
    obj = root.obj
    try:
        chosen = Target.from_options(obj.get("target"), obj.get("duckdb"))
    except TargetError as exc:
        raise click.UsageError(str(exc)) from None
    if announce and not obj.get("announced"):
        obj["announced"] = True
        logs.echo(f"target: {chosen.describe()}", target=chosen.name, warehouse=chosen.describe())
    return chosen


@contextmanager
def locked(ctx: click.Context) -> Iterator[Target]:
    """The target, held for this command alone (a second command waits, then refuses)."""
    chosen = target(ctx)
    try:
        with warehouse_lock(chosen, on_wait=logs.warn):
            yield chosen
    except WarehouseBusy as exc:  # raised only while acquiring the lock
        raise click.ClickException(str(exc)) from None


def exit_for(ok: bool) -> None:
    if not ok:
        sys.exit(1)

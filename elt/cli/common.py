"""What every `elt` command shares: the warehouse options (before or after the subcommand), the lock, exit status."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from elt.lock import WarehouseBusy, warehouse_lock
from elt.targets import TARGETS, Target, TargetError


def target(ctx: click.Context) -> Target:
    """The warehouse the options (or ELT_TARGET / ELT_DUCKDB_PATH) name."""
    obj = ctx.find_root().obj or {}
    try:
        return Target.from_options(obj.get("target"), obj.get("duckdb"))
    except TargetError as exc:
        raise click.UsageError(str(exc)) from None


@contextmanager
def locked(ctx: click.Context) -> Iterator[Target]:
    """The target, held for this command alone (a second command waits, then refuses)."""
    chosen = target(ctx)
    try:
        with warehouse_lock(chosen, on_wait=lambda message: click.echo(message, err=True)):
            yield chosen
    except WarehouseBusy as exc:  # raised only while acquiring the lock
        raise click.ClickException(str(exc)) from None


def target_params() -> list[click.Parameter]:
    """`--target` and `--duckdb` for a subcommand: the same as before it (`elt run --target bigquery`)."""
    return [
        click.Option(["--target", "sub_target"], type=click.Choice(TARGETS), help="Warehouse (env ELT_TARGET)."),
        click.Option(["--duckdb", "sub_duckdb"], metavar="PATH", help="DuckDB file (env ELT_DUCKDB_PATH)."),
    ]


def take_target_options(sub_target: str | None, sub_duckdb: str | None) -> None:
    """Options given after the subcommand win over those before it."""
    obj = click.get_current_context().find_root().obj
    if sub_target:
        obj["target"] = sub_target
    if sub_duckdb:
        obj["duckdb"] = sub_duckdb


def target_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator: the subcommand takes `--target` and `--duckdb` too."""

    @functools.wraps(command)
    def wrapper(*args: object, sub_target: str | None = None, sub_duckdb: str | None = None, **kwargs: object) -> Any:
        take_target_options(sub_target, sub_duckdb)
        return command(*args, **kwargs)

    wrapper.__click_params__ = [*getattr(command, "__click_params__", []), *reversed(target_params())]  # type: ignore[attr-defined]
    return wrapper


def exit_for(ok: bool) -> None:
    if not ok:
        sys.exit(1)

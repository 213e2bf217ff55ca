"""`elt transform` (`dbt build` on the target) and `elt dbt` (any dbt command with the project's profile)."""

from __future__ import annotations

import click

from elt.cli import main
from elt.cli.common import exit_for, locked

PASS_THROUGH = {"ignore_unknown_options": True, "allow_extra_args": True}


@main.command(context_settings=PASS_THROUGH)
@click.argument("dbt_args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def transform(ctx: click.Context, dbt_args: tuple[str, ...]) -> None:
    """`dbt build` on the chosen target (extra arguments go to dbt, e.g. `-s marts.ebay+`)."""
    from elt.dbt import run_dbt

    with locked(ctx) as target:
        outcome = run_dbt(["build", *dbt_args], target)
    exit_for(outcome.success)


@main.command(context_settings=PASS_THROUGH)
@click.argument("dbt_args", nargs=-1, required=True, type=click.UNPROCESSED)
@click.pass_context
def dbt(ctx: click.Context, dbt_args: tuple[str, ...]) -> None:
    """Any dbt command with the project's profile and target, e.g. `elt dbt docs generate`."""
    from elt.dbt import run_dbt

    with locked(ctx) as target:
        outcome = run_dbt(list(dbt_args), target)
    exit_for(outcome.success)

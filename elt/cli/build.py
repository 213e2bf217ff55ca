"""`elt transform` (`dbt build` on the target) and `elt dbt` (any dbt command with the project's profile)."""

from __future__ import annotations

from contextlib import nullcontext

import click

from elt import logs
from elt.cli import main
from elt.cli.common import exit_for, locked, target

PASS_THROUGH = {"ignore_unknown_options": True, "allow_extra_args": True}


def _report(outcome: object) -> None:
    from elt.dbt import NO_SOURCES_LOADED, DbtOutcome

    assert isinstance(outcome, DbtOutcome)
    if NO_SOURCES_LOADED in outcome.failures:
        logs.warn(f"{NO_SOURCES_LOADED}; the build was not run and does not count as a passing build")
    elif outcome.error:
        logs.error(f"dbt: {outcome.error}")


@main.command(context_settings=PASS_THROUGH)
@click.argument("dbt_args", nargs=-1, type=click.UNPROCESSED, metavar="[DBT_ARGS]…")
@click.pass_context
def transform(ctx: click.Context, dbt_args: tuple[str, ...]) -> None:
    """`dbt build` on the chosen target (extra arguments go to dbt).

    \b
    Example:
      elt transform                      # the complete build the export trusts
      elt transform -s marts.ebay+       # a selection (does not vouch for the export)
    """
    from elt.dbt import run_dbt

    with locked(ctx) as chosen:
        outcome = run_dbt(["build", *dbt_args], chosen, quiet=ctx.obj.get("verbosity", 0) < 0)
    _report(outcome)
    exit_for(outcome.success)


@main.command(context_settings={**PASS_THROUGH, "help_option_names": []}, add_help_option=False)
@click.argument("dbt_args", nargs=-1, required=True, type=click.UNPROCESSED, metavar="DBT_ARGS…")
@click.pass_context
def dbt(ctx: click.Context, dbt_args: tuple[str, ...]) -> None:
    """Any dbt command with the project's profile and target: dbt's own output, errors, --help and --version.

    elt adds --project-dir, --profiles-dir, --target, --target-path and --log-path only where that dbt command
    accepts them and you did not give your own. Read-only commands (docs serve, ls, compile, parse, debug,
    show, any --help) do not take the warehouse lock.

    \b
    Example:
      elt dbt docs generate && elt dbt docs serve --port 8081
      elt dbt test -s marts.ebay --target bigquery
    """
    from elt.dbt import is_read_only, run_dbt

    args = list(dbt_args)
    read_only = is_read_only(args)
    chosen = target(ctx)
    with nullcontext(chosen) if read_only else locked(ctx):
        outcome = run_dbt(args, chosen)
    _report(outcome)
    exit_for(outcome.success)

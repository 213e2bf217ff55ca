"""`elt`: thin commands over the sources (loaders.registry), dbt, the exports, the daily run and the web page.

One module per command group; each registers itself on `main` when imported below. What every command shares
lives in `EltGroup`: the warehouse options (`--target`, `--duckdb`) and `-q`/`-v` mean the same before or after
the subcommand (inside `elt dbt`/`elt transform` arguments, `--target`/`-t` and `--duckdb` are elt's too; dbt's
own `-q`/`-v` stay dbt's), one logging setup (elt.logs), and no traceback reaching a user.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import click

from elt.targets import TARGETS

VALUE_OPTIONS = {"--target", "--duckdb"}
FLAG_OPTIONS = {"-q", "--quiet", "-v", "--verbose", "-vv"}
PASS_THROUGH = {"dbt", "transform"}
COMMON_HELP = (
    "Common options, before or after the command: --target duckdb|bigquery (env ELT_TARGET), --duckdb PATH "
    "(env ELT_DUCKDB_PATH), -q/--quiet, -v/--verbose."
)


def hoist_common_options(args: Sequence[str]) -> list[str]:
    """`args` with the common options moved in front of the subcommand, wherever they were given (the last
    one given wins). After `--`, nothing moves."""
    front: list[str] = []
    rest: list[str] = []
    passing_through = False  # inside `elt dbt …` / `elt transform …`: dbt's own flags stay where they are
    index = 0
    while index < len(args):
        arg = args[index]
        name = arg.split("=", 1)[0]
        if arg == "--":
            rest.extend(args[index:])
            break
        if name == "-t" and passing_through:
            name = arg = "--target" + arg[2:]
        if name in VALUE_OPTIONS:
            if "=" in arg:
                front.append(arg)
            elif index + 1 < len(args):
                front.extend([name, args[index + 1]])
                index += 1
            else:
                rest.append(arg)  # click says the value is missing
        elif arg in FLAG_OPTIONS and not passing_through:
            front.append(arg)
        else:
            if not arg.startswith("-") and not any(not a.startswith("-") for a in rest):
                passing_through = arg in PASS_THROUGH  # the first word is the subcommand
            rest.append(arg)
        index += 1
    return front + rest


class EltGroup(click.Group):
    """The root command: common options anywhere, logging set up once, expected failures as one or two lines."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_common_options(args))

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.Abort, click.ClickException, SystemExit):
            raise
        except KeyboardInterrupt:
            from elt.logs import error

            error("interrupted")
            sys.exit(130)
        except Exception as exc:
            if (ctx.obj or {}).get("verbosity", 0) >= 2:
                raise
            from elt.logs import error

            error(f"{type(exc).__name__}: {exc}".splitlines()[0])
            error("This is a bug in elt or an unexpected state: rerun with -vv for the traceback.")
            sys.exit(1)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("elt")
    except PackageNotFoundError:  # pragma: no cover - a source tree without an install
        return "unknown"


@click.group(cls=EltGroup, context_settings={"help_option_names": ["-h", "--help"]}, epilog=COMMON_HELP)
@click.option("--target", type=click.Choice(TARGETS), envvar="ELT_TARGET", help="Warehouse (env ELT_TARGET).")
@click.option(
    "--duckdb", "duckdb_path", envvar="ELT_DUCKDB_PATH", metavar="PATH", help="DuckDB file (env ELT_DUCKDB_PATH)."
)
@click.option("-q", "--quiet", is_flag=True, help="Warnings and errors only.")
@click.option("-v", "--verbose", count=True, help="More detail (-v libraries' INFO, -vv DEBUG and tracebacks).")
@click.version_option(version=None, package_name="elt", message="elt %(version)s", prog_name="elt")
@click.pass_context
def main(ctx: click.Context, target: str | None, duckdb_path: str | None, quiet: bool, verbose: int) -> None:
    """Load Linnworks and supplier stock into the warehouse, build the marts, write the eBay files.

    \b
    Example:
      elt demo                       # the whole flow on sample data and the sandboxes
      elt load supplier-stock feeds/ --date 2026-11-01
      elt transform --target bigquery
    """
    from elt import logs
    from elt.targets import dlt_config_dir

    dlt_config_dir()  # dlt reads the project's .dlt/ wherever elt runs (unless this folder has its own)
    verbosity = -1 if quiet else verbose
    logs.setup(verbosity)
    ctx.ensure_object(dict)
    ctx.obj.update(target=target, duckdb=duckdb_path, verbosity=verbosity)


def _add_common_help(command: click.Command) -> None:
    """Every command's --help ends with the common options (they are taken before or after it)."""
    if command.epilog is None:
        command.epilog = COMMON_HELP
    if isinstance(command, click.Group) and command.name != "sandbox":
        for sub in command.commands.values():
            _add_common_help(sub)


from elt.cli import build, demo, doctor, export, load, run, sandbox, serve, status  # noqa: E402  (each adds commands)

_add_common_help(main)

__all__ = ["build", "demo", "doctor", "export", "load", "main", "run", "sandbox", "serve", "status"]

if __name__ == "__main__":
    main()

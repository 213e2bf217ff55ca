"""`elt load <source>`: one command per source in loaders.registry, each with the source's own options plus
`--every` (repeat until stopped) and `--build` (rebuild that source's models after each load)."""

from __future__ import annotations

from typing import Any

import click

from elt import logs
from elt.cli import main
from elt.cli.common import exit_for, locked
from loaders.contract import LoadResult, Source
from loaders.registry import SOURCES


@main.group()
def load() -> None:
    """Land raw data with one loader (`elt load NAME --help` for its options).

    \b
    Example:
      elt load supplier-stock feeds/ --date 2026-11-01
      elt load linnworks --build
    """


def _interval(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    from elt.schedule import parse_interval

    if value is None:
        return None
    try:
        return parse_interval(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


EXAMPLES = {
    "products": ("master.xlsx",),
    "stores": ("stores/", "'AMS Database SpeedSheet.xlsx' --reload"),
    "supplier-stock": ("feeds/ --date 2026-11-01", "gs://my-bucket/feeds/2026-11-01/ --build"),
    "linnworks": ("", "--resources stock_items,stock_levels --every 15m"),
    "wdn": ("", "--reload --build"),
    "badapi": ("", "--every 5m --build"),
}
"""Example arguments per source for `elt load <name> --help` (a source not listed shows `--build`)."""
RELOAD_FLAGS = ("force", "refresh")
"""The sources' own names for "load it again" (files loaded last, answers fetched lately): `--reload` for all."""


def _print(result: LoadResult, options: dict[str, Any]) -> bool:
    """Print what the load did; False when nothing was there to load (a warning, and a failed command)."""
    lines = getattr(result, "lines", None)
    if lines is None:  # an API loader: its own progress lines said what it loaded
        if not result.ok:
            logs.error(str(result.error))
        return True
    results = result.results  # type: ignore[attr-defined]
    for line in lines():
        logs.echo(line, "ERROR" if line.lstrip().startswith("rejected") else "INFO")
    if not results:
        named = ", ".join(str(p) for p in options.get("paths") or [options.get("path", "")])
        logs.warn(f"nothing to load: no .xlsx workbook in {named} (other files are ignored in folders)")
        return False
    logs.echo(f"{result.rows} rows from {sum(r.status == 'loaded' for r in results)} file(s)")
    return True


def _reload_alias(param: click.Parameter) -> click.Parameter:
    """A source's "load it again" flag (`--force`, `--refresh`) also answers to `--reload`."""
    if not (isinstance(param, click.Option) and param.is_flag and param.name in RELOAD_FLAGS):
        return param
    return click.Option(["--reload", *param.opts, str(param.name)], is_flag=True, help=param.help)


def _load_command(source: Source) -> click.Command:
    declared: click.Command = source.command

    @click.pass_context
    def callback(
        ctx: click.Context,
        every: float | None,
        build: bool,
        **options: Any,
    ) -> None:
        from elt.dbt import run_dbt

        def once() -> bool:
            with locked(ctx) as target:
                result = declared.callback(target, logs.echo, **options)  # type: ignore[misc]
                if not _print(result, options):
                    return False
                if not (result.ok and build):
                    return bool(result.ok)
                args = ["build", "-s", f"source:{source.dbt_source}+"]
                outcome = run_dbt(args, target, quiet=True)
                logs.echo(f"{source.name}: dbt {' '.join(args)} {'passed' if outcome.success else 'FAILED'}")
                for failure in outcome.failures:
                    logs.error(f"  {failure}")
                return outcome.success

        if every is None:
            exit_for(once())
            return
        from elt.schedule import run_every

        def guarded() -> bool:
            try:
                return once()
            except click.ClickException as error:  # the warehouse was busy: this tick fails, the cadence goes on
                logs.error(error.format_message())
                return False

        runs, failures = run_every(every, guarded, echo=logs.echo)
        logs.echo(f"{source.name}: {runs} runs, {failures} failed")

    params = [
        *(_reload_alias(param) for param in declared.params),
        click.Option(
            ["--every"],
            callback=_interval,
            metavar="INTERVAL",
            help="Repeat the load every INTERVAL (e.g. 5m, 30s, 1h) until Ctrl-C or SIGTERM.",
        ),
        click.Option(
            ["--build"],
            is_flag=True,
            help=f"After each load, rebuild the models that read it (`dbt build -s source:{source.dbt_source}+`).",
        ),
    ]
    example = "\n".join(f"  elt load {source.name} {args}".rstrip() for args in EXAMPLES.get(source.name, ("--build",)))
    return click.Command(
        source.name, callback=callback, params=params, help=f"{declared.help}\n\n\b\nExample:\n{example}"
    )


for _source in SOURCES:
    load.add_command(_load_command(_source))

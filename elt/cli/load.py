"""`elt load <source>`: one command per source in loaders.registry, each with the source's own options plus
`--every` (repeat until stopped) and `--build` (rebuild that source's models after each load)."""

from __future__ import annotations

from typing import Any

import click

from elt.cli import main
from elt.cli.common import exit_for, locked
from loaders.contract import LoadResult, Source
from loaders.registry import SOURCES


@main.group()
def load() -> None:
    """Land raw data with one loader."""


def _interval(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    from elt.schedule import parse_interval

    if value is None:
        return None
    try:
        return parse_interval(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def _print(result: LoadResult) -> None:
    lines = getattr(result, "lines", None)
    if lines is not None:  # a file loader's report: one line per file
        click.echo(f"{result.rows} rows from {sum(r.status == 'loaded' for r in result.results)} file(s)")  # type: ignore[attr-defined]
        for line in lines():
            click.echo(line, err=line.lstrip().startswith("rejected"))
    elif not result.ok:
        click.echo(f"error: {result.error}", err=True)


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
                result = declared.callback(target, click.echo, **options)  # type: ignore[misc]
                _print(result)
                if not (result.ok and build):
                    return bool(result.ok)
                args = ["build", "-s", f"source:{source.dbt_source}+"]
                outcome = run_dbt(args, target, quiet=True)
                click.echo(f"{source.name}: dbt {' '.join(args)} {'passed' if outcome.success else 'FAILED'}")
                for failure in outcome.failures:
                    click.echo(f"  {failure}", err=True)
                return outcome.success

        if every is None:
            exit_for(once())
            return
        from elt.schedule import run_every

        def guarded() -> bool:
            try:
                return once()
            except click.ClickException as error:  # the warehouse was busy: this tick fails, the cadence goes on
                click.echo(f"error: {error.format_message()}", err=True)
                return False

        runs, failures = run_every(every, guarded, echo=click.echo)
        click.echo(f"{source.name}: {runs} runs, {failures} failed")

    params = [
        *declared.params,
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
    return click.Command(source.name, callback=callback, params=params, help=declared.help)


for _source in SOURCES:
    load.add_command(_load_command(_source))

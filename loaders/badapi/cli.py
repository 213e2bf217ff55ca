"""Click commands for the bad API: `badapi` loads it (`elt load badapi`), `badapi_sandbox` serves it
(`elt sandbox badapi`)."""

from __future__ import annotations

import sys
import threading

import click

from loaders.badapi import settings
from loaders.lock import WarehouseBusy, warehouse_lock
from loaders.warehouse import Target, TargetError


def _interval(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    from loaders.badapi.schedule import parse_interval

    if value is None:
        return None
    try:
        return parse_interval(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@click.command("badapi")
@click.option(
    "--every",
    callback=_interval,
    metavar="INTERVAL",
    help=f"Repeat the load every INTERVAL (e.g. {settings.EVERY_DEFAULT}, 30s, 1h) until Ctrl-C or SIGTERM.",
)
@click.option("--refresh", is_flag=True, help="Ask for every listing in full, ignoring the ETags of the last answers.")
@click.option(
    "--build",
    "build_models",
    is_flag=True,
    help="After each load, rebuild the bad-API models (`dbt build -s source:badapi+`) so marts show the new data.",
)
@click.option(
    "--force-error-mode",
    "force_error_mode",
    multiple=True,
    metavar="MANUFACTURER",
    help="Drill: ask MANUFACTURER's availability with `x-force-error-mode: all` (repeatable).",
)
@click.pass_context
def badapi(
    ctx: click.Context, every: float | None, refresh: bool, build_models: bool, force_error_mode: tuple[str, ...]
) -> None:
    """Reaktor bad API -> raw_badapi: products of gloves, facemasks, beanies and their availability."""
    from loaders.badapi.options import BadApiOptions
    from loaders.badapi.pipeline import load_badapi
    from loaders.badapi.schedule import run_every
    from loaders.dbt import run_dbt

    options = ctx.obj or {}
    try:
        target = Target.from_options(options.get("target"), options.get("duckdb"))
        run_options = BadApiOptions.from_config()
    except (TargetError, ValueError) as error:
        raise click.UsageError(str(error)) from None

    def once() -> bool:
        try:
            with warehouse_lock(target, on_wait=lambda message: click.echo(message, err=True)):
                result = load_badapi(
                    target, run_options, use_etags=not refresh, force_error_mode=force_error_mode, echo=click.echo
                )
                if result.ok and build_models:
                    outcome = run_dbt(list(settings.MODELS_BUILD), target, quiet=True)
                    verdict = "passed" if outcome.success else "FAILED"
                    click.echo(f"badapi: dbt {' '.join(settings.MODELS_BUILD)} {verdict}")
                    for failure in outcome.failures:
                        click.echo(f"  {failure}", err=True)
                    if not outcome.success:
                        return False
        except WarehouseBusy as error:
            click.echo(f"error: {error}", err=True)
            return False
        if not result.ok:
            click.echo(f"error: {result.error}", err=True)
        return result.ok

    if every is None:
        sys.exit(0 if once() else 1)
    runs, failures = run_every(every, once, echo=click.echo)
    click.echo(f"badapi: {runs} runs, {failures} failed")


@click.command("badapi")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback only by default).")
@click.option("--port", default=8767, show_default=True, type=click.IntRange(0, 65535), help="0 = any free port.")
@click.option("--seed", default=1, show_default=True, type=int, help="Dataset and error-mode seed.")
@click.option("--products-per-category", default=2500, show_default=True, type=click.IntRange(1))
@click.option(
    "--error-rate",
    default=0.1,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="Share of availability calls answered in error mode.",
)
@click.option(
    "--cache-seconds",
    default=300.0,
    show_default=True,
    type=click.FloatRange(min=0.001),
    help="How long an answer and its ETag stay the same (availability changes after).",
)
@click.option("--latency", "latency_seconds", default=0.5, show_default=True, type=click.FloatRange(0))
@click.option("--allow-remote", is_flag=True, help="Allow binding a non-loopback address.")
@click.option("--verbose", "-v", is_flag=True, help="Print one line per API call.")
def badapi_sandbox(
    host: str,
    port: int,
    seed: int,
    products_per_category: int,
    error_rate: float,
    cache_seconds: float,
    latency_seconds: float,
    allow_remote: bool,
    verbose: bool,
) -> None:
    """Serve the bad-API sandbox on HOST:PORT until Ctrl-C."""
    from loaders.badapi.sandbox import BadApiSandbox

    try:
        server = BadApiSandbox(
            host=host,
            port=port,
            seed=seed,
            products_per_category=products_per_category,
            error_rate=error_rate,
            cache_seconds=cache_seconds,
            latency_seconds=latency_seconds,
            allow_remote=allow_remote,
            log=(lambda line: click.echo(line, err=True)) if verbose else None,
        )
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    try:
        server.start()
    except OSError as error:
        raise click.ClickException(f"cannot listen on {host}:{port}: {error}. Try another --port.") from None
    counts = server.data.counts()
    click.echo(f"bad-API sandbox listening on {server.url}/v2")
    click.echo(
        f"  data: {counts['products']:,} products in {len(settings.CATEGORIES)} categories, "
        f"{counts['manufacturers']} manufacturers (seed {seed}); error mode on {error_rate:.0%} of availability calls"
    )
    click.echo(f"  load it: SOURCES__BADAPI__BASE_URL={server.url} elt load badapi")
    click.echo(f"  stats: {server.url}/_sandbox/stats    Ctrl-C to stop")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        click.echo("stopping")
    finally:
        server.stop()

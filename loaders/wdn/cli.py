"""Click commands for What Drops Now: `wdn` loads it (`elt load wdn`), `wdn_sandbox` serves it (`elt sandbox wdn`)."""

from __future__ import annotations

import sys
import threading

import click

from loaders.lock import WarehouseBusy, warehouse_lock
from loaders.warehouse import Target, TargetError
from loaders.wdn import settings


def _check_faults(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from loaders.linnworks.sandbox import parse_faults

    try:
        parse_faults(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    return value


@click.command("wdn")
@click.option(
    "--brands",
    "-b",
    "brand_options",
    multiple=True,
    metavar="NAME[,NAME…]",
    help=f"Brands to load, comma-separated or repeated [default: {', '.join(settings.BRANDS)}].",
)
@click.option("--refresh", is_flag=True, help="Fetch everything again, even what was fetched in the last day.")
@click.pass_context
def wdn(ctx: click.Context, brand_options: tuple[str, ...], refresh: bool) -> None:
    """What Drops Now API -> raw_wdn: brands, their products, offers and retailers (SOURCES__WDN__BASE_URL)."""
    from loaders.wdn.options import WdnOptions
    from loaders.wdn.pipeline import load_wdn

    options = ctx.obj or {}
    try:
        target = Target.from_options(options.get("target"), options.get("duckdb"))
        run_options = WdnOptions.from_config(fresh_for_hours=0.0 if refresh else None)
    except (TargetError, ValueError) as error:
        raise click.UsageError(str(error)) from None
    try:
        with warehouse_lock(target, on_wait=lambda message: click.echo(message, err=True)):
            result = load_wdn(target, brand_options, run_options, echo=click.echo)
    except WarehouseBusy as error:
        raise click.ClickException(str(error)) from None
    if not result.ok:
        click.echo(f"error: {result.error}", err=True)
        sys.exit(1)


@click.command("wdn")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback only by default).")
@click.option("--port", default=8766, show_default=True, type=click.IntRange(0, 65535), help="0 = any free port.")
@click.option("--seed", default=1, show_default=True, type=int, help="Dataset and random-fault seed.")
@click.option("--products-per-brand", default=300, show_default=True, type=click.IntRange(1))
@click.option("--retailers", default=40, show_default=True, type=click.IntRange(6))
@click.option("--offerless-share", default=0.4, show_default=True, type=click.FloatRange(0, 0.99))
@click.option("--missing-retailer-share", default=0.15, show_default=True, type=click.FloatRange(0, 0.99))
@click.option("--max-concurrency", default=5, show_default=True, type=click.IntRange(1), help="More at once: 429.")
@click.option("--latency", "latency_seconds", default=0.02, show_default=True, type=click.FloatRange(0))
@click.option(
    "--faults",
    default=None,
    callback=_check_faults,
    help="Faults to inject, e.g. 'offers#40+=500' or '*@0.05=503' (targets brand_search, products, offers, "
    "retailer; actions a 4xx/5xx status, 429:S, drop, slow:S, badjson, nonjson).",
)
@click.option("--allow-remote", is_flag=True, help="Allow binding a non-loopback address.")
@click.option("--verbose", "-v", is_flag=True, help="Print one line per API call.")
def wdn_sandbox(
    host: str,
    port: int,
    seed: int,
    products_per_brand: int,
    retailers: int,
    offerless_share: float,
    missing_retailer_share: float,
    max_concurrency: int,
    latency_seconds: float,
    faults: str | None,
    allow_remote: bool,
    verbose: bool,
) -> None:
    """Serve the What Drops Now sandbox API on HOST:PORT until Ctrl-C."""
    from loaders.wdn.sandbox import WdnSandbox

    try:
        server = WdnSandbox(
            host=host,
            port=port,
            seed=seed,
            products_per_brand=products_per_brand,
            retailers=retailers,
            offerless_share=offerless_share,
            missing_retailer_share=missing_retailer_share,
            max_concurrency=max_concurrency,
            latency_seconds=latency_seconds,
            faults=faults,
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
    click.echo(f"What Drops Now sandbox listening on {server.base_url}")
    click.echo(
        f"  data: {counts['brands']} brands, {counts['products']} products, {counts['offers']} offers, "
        f"{counts['retailers']} retailers ({counts['missing_retailers']} answer 404) (seed {seed})"
    )
    click.echo(f"  load it: SOURCES__WDN__BASE_URL={server.base_url} elt load wdn")
    if faults:
        click.echo(f"  faults: {faults}")
    click.echo(f"  stats: {server.url}/_sandbox/stats    Ctrl-C to stop")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        click.echo("stopping")
    finally:
        server.stop()

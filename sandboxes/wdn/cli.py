"""`elt sandbox wdn`: serve the What Drops Now sandbox until Ctrl-C; `serving()`: one for the demo."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import click

from sandboxes.faults import parse_faults


@contextmanager
def serving(products_per_brand: int = 40) -> Iterator[dict[str, str]]:
    """A small What Drops Now sandbox on 127.0.0.1; yields the settings that point the loader at it."""
    from sandboxes.wdn.server import running_wdn_sandbox

    with running_wdn_sandbox(products_per_brand=products_per_brand) as server:
        yield {"SOURCES__WDN__BASE_URL": server.base_url}


def _check_faults(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    try:
        parse_faults(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    return value


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
def sandbox(
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
    from sandboxes.wdn.server import WdnSandbox

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

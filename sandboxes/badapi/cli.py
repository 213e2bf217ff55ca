"""`elt sandbox badapi`: serve the bad-API sandbox until Ctrl-C; `serving()`: one for the demo."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import click

from loaders.badapi import settings


@contextmanager
def serving(products_per_category: int = 400) -> Iterator[dict[str, str]]:
    """A small bad-API sandbox on 127.0.0.1; yields the settings that point the loader at it."""
    from sandboxes.badapi.server import running_badapi_sandbox

    with running_badapi_sandbox(products_per_category=products_per_category) as server:
        yield {"SOURCES__BADAPI__BASE_URL": server.url}


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
def sandbox(
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
    from sandboxes.badapi.server import BadApiSandbox

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

"""`elt sandbox badapi`: serve the bad-API sandbox until Ctrl-C; `serving()`: one for the demo."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from loaders.badapi import settings
from sandboxes.cli import listen_options, serve_until_interrupted


@contextmanager
def serving(products_per_category: int = 400) -> Iterator[dict[str, str]]:
    """A small bad-API sandbox on 127.0.0.1; yields the settings that point the loader at it."""
    from sandboxes.badapi.server import running_badapi_sandbox

    with running_badapi_sandbox(products_per_category=products_per_category) as server:
        yield {"SOURCES__BADAPI__BASE_URL": server.url}


@click.command("badapi")
@listen_options(port=8767, seed_help="Dataset and error-mode seed.")
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
def sandbox(verbose: bool, **options: Any) -> None:
    """Serve the bad-API sandbox on HOST:PORT until Ctrl-C."""
    from sandboxes.badapi.server import BadApiSandbox

    def banner(server: BadApiSandbox) -> Iterator[str]:
        counts = server.data.counts()
        yield f"bad-API sandbox listening on {server.url}/v2"
        yield (
            f"  data: {counts['products']:,} products in {len(settings.CATEGORIES)} categories, "
            f"{counts['manufacturers']} manufacturers (seed {server.seed}); "
            f"error mode on {server.error_rate:.0%} of availability calls"
        )
        yield f"  load it: SOURCES__BADAPI__BASE_URL={server.url} elt load badapi"

    serve_until_interrupted(BadApiSandbox, banner, verbose=verbose, **options)

"""`elt sandbox wdn`: serve the What Drops Now sandbox until Ctrl-C; `serving()`: one for the demo."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from sandboxes.cli import check_faults, listen_options, serve_until_interrupted


@contextmanager
def serving(products_per_brand: int = 40) -> Iterator[dict[str, str]]:
    """A small What Drops Now sandbox on 127.0.0.1; yields the settings that point the loader at it."""
    from sandboxes.wdn.server import running_wdn_sandbox

    with running_wdn_sandbox(products_per_brand=products_per_brand) as server:
        yield {"SOURCES__WDN__BASE_URL": server.base_url}


@click.command("wdn")
@listen_options(port=8766, seed_help="Dataset and random-fault seed.")
@click.option("--products-per-brand", default=300, show_default=True, type=click.IntRange(1))
@click.option("--retailers", default=40, show_default=True, type=click.IntRange(6))
@click.option("--offerless-share", default=0.4, show_default=True, type=click.FloatRange(0, 0.99))
@click.option("--missing-retailer-share", default=0.15, show_default=True, type=click.FloatRange(0, 0.99))
@click.option("--max-concurrency", default=5, show_default=True, type=click.IntRange(1), help="More at once: 429.")
@click.option("--latency", "latency_seconds", default=0.02, show_default=True, type=click.FloatRange(0))
@click.option(
    "--faults",
    default=None,
    callback=check_faults,
    help="Faults to inject, e.g. 'offers#40+=500' or '*@0.05=503' (targets brand_search, products, offers, "
    "retailer; actions a 4xx/5xx status, 429:S, drop, slow:S, badjson, nonjson).",
)
@click.option("--allow-remote", is_flag=True, help="Allow binding a non-loopback address.")
@click.option("--verbose", "-v", is_flag=True, help="Print one line per API call.")
def sandbox(verbose: bool, **options: Any) -> None:
    """Serve the What Drops Now sandbox API on HOST:PORT until Ctrl-C."""
    from sandboxes.wdn.server import WdnSandbox

    def banner(server: WdnSandbox) -> Iterator[str]:
        counts = server.data.counts()
        yield f"What Drops Now sandbox listening on {server.base_url}"
        yield (
            f"  data: {counts['brands']} brands, {counts['products']} products, {counts['offers']} offers, "
            f"{counts['retailers']} retailers ({counts['missing_retailers']} answer 404) (seed {server.seed})"
        )
        yield f"  load it: SOURCES__WDN__BASE_URL={server.base_url} elt load wdn"
        if options["faults"]:
            yield f"  faults: {options['faults']}"

    serve_until_interrupted(WdnSandbox, banner, verbose=verbose, **options)

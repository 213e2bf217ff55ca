"""`elt sandbox` (and `elt sandbox linnworks`): serve the Linnworks sandbox API until Ctrl-C; `serving()`: one for
the demo."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import click

from sandboxes.cli import check_faults, listen_options, serve_until_interrupted
from sandboxes.linnworks.server import DEFAULT_APPLICATION_ID, DEFAULT_APPLICATION_SECRET, DEFAULT_TOKEN, Sandbox

DEMO_ORDERS = 1_500


@contextmanager
def serving(items: int | None = None, orders: int = DEMO_ORDERS) -> Iterator[dict[str, str]]:
    """A Linnworks sandbox on 127.0.0.1 holding the demo's SKUs; yields the settings that point the loader at it."""
    from sandboxes.linnworks.server import running_sandbox
    from sandboxes.samples import LINNWORKS_ITEMS

    with running_sandbox(items=items or LINNWORKS_ITEMS, orders=orders) as sandbox:
        yield sandbox.settings()


def _parse_now(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO-8601 date-time, e.g. 2025-06-01T12:00:00Z") from None


@click.command(name="sandbox")
@listen_options(port=8765, seed_help="Dataset and random-fault seed.")
@click.option("--items", default=500, show_default=True, type=click.IntRange(1), help="Stock items.")
@click.option("--orders", default=1000, show_default=True, type=click.IntRange(0), help="Processed orders.")
@click.option("--open-orders", default=None, type=click.IntRange(0), help="Open orders [default: 5% of --orders].")
@click.option("--now", default=None, callback=_parse_now, help="Fixed 'now' for the order history (ISO-8601).")
@click.option(
    "--rate-window-seconds",
    default=60.0,
    show_default=True,
    type=click.FloatRange(min=0.001),
    help="Length of the per-method rate-limit window (150/250 calls per window).",
)
@click.option("--ttl-seconds", default=1800, show_default=True, type=click.IntRange(1), help="Session lifetime.")
@click.option(
    "--faults",
    default=None,
    callback=check_faults,
    help="Faults to inject: comma-separated METHOD#N=ACTION, METHOD#N-M=, METHOD#N+=, METHOD@RATE= rules; "
    "ACTION is a 4xx/5xx status, 429:S, quota:S, drop, slow:S, truncate, badjson, nonjson or expire. "
    "E.g. 'GetStockItemsFull#3=503,auth#1-2=503,*@0.05=drop' (details in faults.py).",
)
@click.option("--application-id", default=DEFAULT_APPLICATION_ID, show_default=True)
@click.option("--application-secret", default=DEFAULT_APPLICATION_SECRET, show_default=True)
@click.option("--token", default=DEFAULT_TOKEN, show_default=True, help="The installation token accepted.")
@click.option("--allow-remote", is_flag=True, help="Allow binding a non-loopback address.")
@click.option(
    "--auth-host",
    default=None,
    help="Another name for the bound address (e.g. localhost) that serves only the auth call; sessions' "
    "Server is then the bound address, and data calls sent to this name get 404, as on Linnworks.",
)
@click.option("--verbose", "-v", is_flag=True, help="Print one line per API call.")
def sandbox(verbose: bool, **options: Any) -> None:
    """Serve the Linnworks sandbox API on HOST:PORT until Ctrl-C."""

    def banner(server: Sandbox) -> Iterator[str]:
        counts, credentials = server.data.counts(), server.credentials
        yield f"Linnworks sandbox listening on {server.url}"
        yield f"  auth URL:           {server.auth_url}/api/Auth/AuthorizeByApplication"
        if server.auth_host is not None:
            yield f"  data URL (Server):  {server.url}  (data calls to {server.auth_host} get 404)"
        yield f"  application id:     {credentials['application_id']}"
        yield f"  application secret: {credentials['application_secret']}"
        yield f"  token:              {credentials['token']}"
        yield (
            f"  data: {counts['items']} items, {counts['locations']} locations, "
            f"{counts['processed_orders']} processed orders, {counts['open_orders']} open orders (seed {server.seed})"
        )
        if options["faults"]:
            yield f"  faults: {options['faults']}"

    serve_until_interrupted(Sandbox, banner, verbose=verbose, **options)

"""`elt serve`: the seller's web page over the warehouse."""

from __future__ import annotations

import click

from elt.cli import main
from elt.cli.common import target


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """The seller's web page: upload feeds, download the eBay files, see stock and runs.

    Binds to loopback; any other address needs ELT_WEB_PASSWORD set (HTTP basic auth for every page).
    """
    import ipaddress
    import os

    import uvicorn

    from elt.web.app import create_app

    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback and not os.environ.get("ELT_WEB_PASSWORD"):
        raise click.UsageError(
            f"refusing to serve on {host} without a password: set ELT_WEB_PASSWORD, or use 127.0.0.1"
        )
    chosen = target(ctx)
    click.echo(f"serving on http://{host}:{port} (warehouse: {chosen.describe()})")
    uvicorn.run(create_app(chosen), host=host, port=port, log_level="warning")

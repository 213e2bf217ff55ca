"""`elt serve`: the seller's web page over the warehouse."""

from __future__ import annotations

import socket

import click

from elt import logs
from elt.cli import main
from elt.cli.common import target


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free).")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """The seller's web page: upload feeds, download the eBay files, see stock and runs.

    Binds to loopback; any other address needs ELT_WEB_PASSWORD set (HTTP basic auth for every page). The URL
    is printed once the port is bound (with --port 0, the port the system chose).

    \b
    Example:
      elt serve --port 8080
      ELT_WEB_PASSWORD=… elt serve --host 0.0.0.0
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
    sock = bind(host, port)
    bound_port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    logs.echo(f"serving on http://{shown}:{bound_port} (Ctrl-C stops)", url=f"http://{shown}:{bound_port}")
    server = uvicorn.Server(uvicorn.Config(create_app(chosen), log_level="warning"))
    server.run(sockets=[sock])


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything says where it listens (port 0: the port the system chose)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {error.strerror or error}. Try another --port (0 picks a free one)."
        ) from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock

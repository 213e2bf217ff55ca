"""What the `elt sandbox <source>` click commands share: the listening options (`listen_options`), the
`--faults` check (`check_faults`) and serving a sandbox until Ctrl-C (`serve_until_interrupted`)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import click

from sandboxes.faults import parse_faults
from sandboxes.server import SandboxServer

SandboxT = TypeVar("SandboxT", bound=SandboxServer[Any])
CommandT = TypeVar("CommandT", bound=Callable[..., Any])


def listen_options(port: int, seed_help: str) -> Callable[[CommandT], CommandT]:
    """`--host`, `--port` (default `port`) and `--seed`, the first options of every sandbox command."""

    def decorate(command: CommandT) -> CommandT:
        options = (
            click.option(
                "--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback only by default)."
            ),
            click.option(
                "--port", default=port, show_default=True, type=click.IntRange(0, 65535), help="0 = any free port."
            ),
            click.option("--seed", default=1, show_default=True, type=int, help=seed_help),
        )
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def check_faults(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A `--faults` callback: the spec as given, once it parses (sandboxes/faults.py)."""
    try:
        parse_faults(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    return value


def _echo_call(line: str) -> None:
    click.echo(line, err=True)


def serve_until_interrupted(
    sandbox_class: Callable[..., SandboxT],
    banner: Callable[[SandboxT], Iterable[str]],
    *,
    verbose: bool,
    **options: Any,
) -> None:
    """Serve `sandbox_class(**options)` until Ctrl-C (SIGINT), printing `banner(sandbox)` and the stats URL.

    An option the sandbox refuses (a non-loopback `--host`) is a usage error; a port it cannot listen on an
    error that says to try another `--port`. `verbose` prints one line per API call on stderr. Ctrl-C, even
    while the banner is printed, prints `stopping` and stops the server.
    """
    try:
        sandbox = sandbox_class(log=_echo_call if verbose else None, **options)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    try:
        sandbox.start()
    except OSError as error:
        raise click.ClickException(
            f"cannot listen on {sandbox.host}:{sandbox.port}: {error}. Try another --port."
        ) from None
    try:
        for line in banner(sandbox):
            click.echo(line)
        click.echo(f"  stats: {sandbox.url}/_sandbox/stats    Ctrl-C to stop")
        threading.Event().wait()
    except KeyboardInterrupt:
        click.echo("stopping")
    finally:
        sandbox.stop()

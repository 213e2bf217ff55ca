"""`elt sandbox [<source>]`: serve a source's local imitation on 127.0.0.1 (the development-only `sandboxes`
package; `elt sandbox` alone serves Linnworks)."""

from __future__ import annotations

import click

from elt.cli import main
from loaders.contract import Source, resolve
from loaders.registry import SOURCES

DEFAULT = "linnworks"


def _sandboxed() -> list[Source]:
    return [source for source in SOURCES if source.sandbox]


class SandboxGroup(click.Group):
    """Subcommands imported only when listed or run, so `elt --help` does not load the sandboxes."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [source.name for source in _sandboxed()]

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """`elt sandbox [options]` is `elt sandbox linnworks [options]`."""
        if not args or (args[0] not in self.list_commands(ctx) and args[0] not in ctx.help_option_names):
            args = [DEFAULT, *args]
        return super().parse_args(ctx, args)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        for source in _sandboxed():
            if source.name == name:
                return _import(source)
        return None


def _import(source: Source) -> click.Command:
    try:
        command: click.Command = resolve(str(source.sandbox))
    except ModuleNotFoundError as error:
        raise click.ClickException(
            f"the {source.name} sandbox is not installed ({error.name}): sandboxes are part of the development "
            "install (`make install` in a clone of the repository), not of the production image"
        ) from None
    return command


@main.group("sandbox", cls=SandboxGroup)
def sandbox() -> None:
    """Serve a source's API sandbox on 127.0.0.1 until Ctrl-C: `elt sandbox` (or `elt sandbox linnworks`) serves
    Linnworks, `elt sandbox wdn`, `elt sandbox badapi` and `elt sandbox ebay` the others; `elt sandbox NAME
    --help` lists each one's options.

    
    Example:
      elt sandbox --port 8765
      elt sandbox ebay --help
    """

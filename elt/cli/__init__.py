"""`elt`: thin commands over the sources (loaders.registry), dbt, the exports, the daily run and the web page.

One module per command group; each registers itself on `main` when imported below.
"""

from __future__ import annotations

import click

from elt.targets import TARGETS


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--target", type=click.Choice(TARGETS), envvar="ELT_TARGET", help="Warehouse (env ELT_TARGET).")
@click.option(
    "--duckdb", "duckdb_path", envvar="ELT_DUCKDB_PATH", metavar="PATH", help="DuckDB file (env ELT_DUCKDB_PATH)."
)
@click.pass_context
def main(ctx: click.Context, target: str | None, duckdb_path: str | None) -> None:
    """Load Linnworks and supplier stock into the warehouse, build the marts, write the eBay files."""
    ctx.ensure_object(dict)
    ctx.obj.update(target=target, duckdb=duckdb_path)


from elt.cli import build, demo, export, load, push, run, sandbox, serve  # noqa: E402  (each adds its commands to main)

__all__ = ["build", "demo", "export", "load", "main", "push", "run", "sandbox", "serve"]

if __name__ == "__main__":
    main()

"""`elt`: thin commands that run the loaders, dbt and the exports on the chosen target."""

from __future__ import annotations

import datetime as dt
import functools
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from loaders.dbt import run_dbt
from loaders.export import ExportRefused, export_ebay_revise
from loaders.lock import WarehouseBusy, warehouse_lock
from loaders.report import LoadReport
from loaders.warehouse import TARGETS, Target, TargetError


def _target(ctx: click.Context) -> Target:
    try:
        return Target.from_options(ctx.obj.get("target"), ctx.obj.get("duckdb"))
    except TargetError as exc:
        raise click.UsageError(str(exc)) from None


@contextmanager
def _locked(ctx: click.Context) -> Iterator[Target]:
    """The target, held for this command alone (a second command waits, then refuses)."""
    target = _target(ctx)
    try:
        with warehouse_lock(target, on_wait=lambda message: click.echo(message, err=True)):
            yield target
    except WarehouseBusy as exc:  # raised only while acquiring the lock
        raise click.ClickException(str(exc)) from None


def target_options(command: Callable[..., None]) -> Callable[..., None]:
    """`--target` and `--duckdb` after the subcommand too (`elt run --target bigquery`), as before it."""

    @click.option("--target", "sub_target", type=click.Choice(TARGETS), help="Warehouse (env ELT_TARGET).")
    @click.option("--duckdb", "sub_duckdb", help="DuckDB file (env ELT_DUCKDB_PATH).")
    @functools.wraps(command)
    def wrapper(*args: object, sub_target: str | None = None, sub_duckdb: str | None = None, **kwargs: object) -> None:
        obj = click.get_current_context().obj
        if sub_target:
            obj["target"] = sub_target
        if sub_duckdb:
            obj["duckdb"] = sub_duckdb
        command(*args, **kwargs)

    return wrapper


def _print_report(title: str, report: LoadReport) -> None:
    click.echo(f"{title}: {report.rows} rows from {sum(r.status == 'loaded' for r in report.results)} file(s)")
    for line in report.lines():
        click.echo(line, err=line.lstrip().startswith("rejected"))


def _exit_for(ok: bool) -> None:
    if not ok:
        sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--target", type=click.Choice(TARGETS), envvar="ELT_TARGET", help="Warehouse (env ELT_TARGET).")
@click.option("--duckdb", "duckdb_path", envvar="ELT_DUCKDB_PATH", help="DuckDB file (env ELT_DUCKDB_PATH).")
@click.pass_context
def main(ctx: click.Context, target: str | None, duckdb_path: str | None) -> None:
    """Load Linnworks and supplier stock into the warehouse, build the marts, write the eBay files."""
    ctx.ensure_object(dict)
    ctx.obj.update(target=target, duckdb=duckdb_path)


@main.group()
def load() -> None:
    """Land raw data with one loader."""


@load.command("supplier-stock")
@click.argument("paths", nargs=-1, required=True)
@click.option("--date", "feed_date", type=click.DateTime(["%Y-%m-%d"]), help="Feed date (default today).")
@target_options
@click.pass_context
def load_supplier_stock_cmd(ctx: click.Context, paths: tuple[str, ...], feed_date: dt.datetime | None) -> None:
    """Stock feed files or folders of them (local paths or URLs such as gs://bucket/feeds/)."""
    from loaders.supplier_stock.pipeline import load_supplier_stock

    day = feed_date.date() if feed_date else dt.date.today()
    with _locked(ctx) as target:
        report = load_supplier_stock(target, paths, day)
    _print_report(f"supplier stock for {day}", report)
    _exit_for(report.ok)


@load.command("products")
@click.argument("path")
@click.option("--force", is_flag=True, help="Load the file even when it is the one loaded last (same size and time).")
@target_options
@click.pass_context
def load_products_cmd(ctx: click.Context, path: str, force: bool) -> None:
    """The product master workbook (sheets Direct and FPS); replaces the previous one unless it is unchanged."""
    from loaders.supplier_stock.pipeline import load_products

    with _locked(ctx) as target:
        report = load_products(target, path, force)
    _print_report("products", report)
    _exit_for(report.ok)


@load.command("stores")
@click.argument("paths", nargs=-1, required=True)
@click.option("--force", is_flag=True, help="Load the files even when it is what was loaded (same size and time).")
@target_options
@click.pass_context
def load_stores_cmd(ctx: click.Context, paths: tuple[str, ...], force: bool) -> None:
    """eBay store SpeedSheet workbooks (`<STORE> Database SpeedSheet.xlsx`) or folders of them; unchanged ones are
    left out."""
    from loaders.supplier_stock.pipeline import load_stores

    with _locked(ctx) as target:
        report = load_stores(target, paths, force)
    _print_report("store listings", report)
    _exit_for(report.ok)


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("dbt_args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def transform(ctx: click.Context, dbt_args: tuple[str, ...]) -> None:
    """`dbt build` on the chosen target (extra arguments go to dbt, e.g. `-s marts.ebay+`)."""
    with _locked(ctx) as target:
        outcome = run_dbt(["build", *dbt_args], target)
    _exit_for(outcome.success)


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("dbt_args", nargs=-1, required=True, type=click.UNPROCESSED)
@click.pass_context
def dbt(ctx: click.Context, dbt_args: tuple[str, ...]) -> None:
    """Any dbt command with the project's profile and target, e.g. `elt dbt docs generate`."""
    with _locked(ctx) as target:
        outcome = run_dbt(list(dbt_args), target)
    _exit_for(outcome.success)


@main.group()
def export() -> None:
    """Write files for other systems from the marts."""


@export.command("ebay-revise")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@target_options
@click.pass_context
def export_ebay_revise_cmd(ctx: click.Context, out_dir: Path) -> None:
    """One File Exchange Revise CSV per eBay store (listings whose quantity changed), plus a zip."""
    try:
        with _locked(ctx) as target:
            result = export_ebay_revise(target, out_dir)
    except (ExportRefused, TargetError) as exc:
        raise click.ClickException(f"eBay Revise export refused: {exc}") from None
    for store, (path, count) in sorted(result.files.items()):
        click.echo(f"  {store:<5} {count:>6} listings  {path}")
    click.echo(f"zip: {result.zip_path}" if result.zip_path else "no listing changed quantity: nothing to revise")


@main.command()
@click.option("--date", "feed_date", type=click.DateTime(["%Y-%m-%d"]), help="Feed date (default today).")
@target_options
@click.pass_context
def run(ctx: click.Context, feed_date: dt.datetime | None) -> None:
    """Every configured loader, then `dbt build` (the daily job). LOG_FORMAT=json logs JSON lines for Cloud
    Logging; ALERT_WEBHOOK_URL receives the summary when the run fails."""
    from loaders.daily import run_daily
    from loaders.reporting import RunLog

    with _locked(ctx) as target:
        outcome = run_daily(target, feed_date.date() if feed_date else dt.date.today(), RunLog())
    _exit_for(outcome.ok)


@main.command()
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path), help="Where sample files go.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out/ebay-revise"))
@click.option("--days", type=click.IntRange(2, 31), default=3, show_default=True, help="Days of feeds.")
@target_options
@click.pass_context
def demo(ctx: click.Context, workdir: Path | None, out_dir: Path, days: int) -> None:
    """Sample files -> every loader -> dbt build -> eBay Revise files, with a summary."""
    from loaders.demo.run import run_demo

    if workdir is None:
        workdir = Path(tempfile.mkdtemp(prefix="elt-demo-"))
    with _locked(ctx) as target:
        ok = run_demo(target, workdir, out_dir, days=days, echo=click.echo)
    _exit_for(ok)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@target_options
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """The seller's web page: upload feeds, download the eBay files, see stock and runs.

    Binds to loopback; any other address needs ELT_WEB_PASSWORD set (HTTP basic auth for every page).
    """
    import ipaddress
    import os

    import uvicorn

    from loaders.web.app import create_app

    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback and not os.environ.get("ELT_WEB_PASSWORD"):
        raise click.UsageError(
            f"refusing to serve on {host} without a password: set ELT_WEB_PASSWORD, or use 127.0.0.1"
        )
    click.echo(f"serving on http://{host}:{port} (warehouse: {_target(ctx).duckdb_path})")
    uvicorn.run(create_app(_target(ctx)), host=host, port=port, log_level="warning")


def _register_source_commands() -> None:
    from loaders.badapi.cli import badapi, badapi_sandbox
    from loaders.linnworks.cli import linnworks
    from loaders.linnworks.sandbox.cli import sandbox as linnworks_sandbox
    from loaders.wdn.cli import wdn, wdn_sandbox

    for command in (linnworks, wdn, badapi):
        load.add_command(command)

    @click.group(
        "sandbox",
        invoke_without_command=True,
        params=linnworks_sandbox.params,
        help=f"{linnworks_sandbox.help}\n\n`elt sandbox wdn` and `elt sandbox badapi` serve the other two sources.",
    )
    @click.pass_context
    def sandbox(ctx: click.Context, **options: object) -> None:
        if ctx.invoked_subcommand is None:
            ctx.invoke(linnworks_sandbox, **options)

    sandbox.add_command(wdn_sandbox, "wdn")
    sandbox.add_command(badapi_sandbox, "badapi")
    main.add_command(sandbox)


_register_source_commands()

if __name__ == "__main__":
    main()

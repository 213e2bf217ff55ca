"""`elt demo`: generate the sample files, serve the API sandboxes, load everything, build and test the marts, write
the Revise files, and print what happened. Needs the development install (the `sandboxes` package)."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from elt.dbt import run_dbt
from elt.export import ExportRefused, export_ebay_revise
from elt.runs import record_run
from elt.targets import Target
from loaders.contract import Run, resolve
from loaders.product_master.source import load_products
from loaders.registry import SOURCES
from loaders.store_listings.source import load_stores
from loaders.supplier_feeds.source import load_supplier_stock
from loaders.supplier_feeds.window import today as feed_today
from loaders.workbooks.report import LoadReport

SUMMARY_TABLES = (
    "raw_supplier_stock.stock_feed_rows",
    "raw_supplier_stock.products",
    "raw_supplier_stock.store_listings",
    "raw_linnworks.stock_items",
    "raw_linnworks.processed_orders",
    "intermediate.int_supplier_stock__history",
    "marts.supplier_feeds",
    "marts.ebay",
    "marts.stock_items",
    "marts.stock_levels",
    "marts.orders",
    "marts.order_items",
    "marts.inventory_positions",
    "marts.wdn_retailer_price_segments",
    "marts.product_availability",
)


class DemoUnavailable(RuntimeError):
    """The demo's sample generator and sandboxes are not installed (the production image)."""


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """os.environ with `values` set, restored afterwards."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def load_api_sources(target: Target, echo: Callable[[str], None]) -> bool:
    """Every API source with a demo sandbox (loaders.registry): serve it on 127.0.0.1 for the length of one load
    and load it as `elt run` would, pointed at the sandbox."""
    ok = True
    for source in SOURCES:
        if source.demo is None:
            continue
        started = time.monotonic()
        with resolve(source.demo)() as settings, environment(settings):
            result = source.load_daily(target, Run(feed_today(), lambda _: None))
        if result.ok:
            seconds, tables = time.monotonic() - started, len(result.row_counts)
            echo(f"loaded {source.name} (sandbox): {result.rows} rows in {tables} tables, {seconds:.1f} s")
        else:
            echo(f"{source.name} load FAILED: {result.error}")
        ok &= result.ok
    return ok


def run_demo(target: Target, workdir: Path, out_dir: Path, days: int, echo: Callable[[str], None]) -> bool:
    """Run the whole daily job on generated files and the sandboxes; True when every step succeeded."""
    try:
        from sandboxes.samples import generate
    except ModuleNotFoundError as error:  # the production image has no sandboxes
        raise DemoUnavailable(
            f"the demo needs the development install ({error.name} is missing): clone the repository and run "
            "`make demo`"
        ) from None
    started, started_at = time.monotonic(), dt.datetime.now(dt.UTC)
    today = feed_today()  # ELT_TODAY when set: the feeds' dates are inside the loader's window
    sample = generate(workdir, last_day=today, days=days)
    echo(f"sample files in {workdir} ({days} days of feeds up to {today})")

    reports: list[tuple[str, LoadReport]] = [
        ("products", load_products(target, str(sample.product_master))),
        ("store listings", load_stores(target, [str(p) for p in sample.store_workbooks])),
    ]
    for day, folder in sorted(sample.feed_dirs.items()):
        reports.append((f"supplier stock {day}", load_supplier_stock(target, [str(folder)], day)))
    loads_ok = all(report.ok for _, report in reports)
    for title, report in reports:
        echo(f"loaded {title}: {report.rows} rows, {len(report.rejected)} file(s) rejected")
        for line in report.lines() if not report.ok else []:
            echo(line)
    loads_ok = load_api_sources(target, echo) and loads_ok

    outcome = run_dbt(["build"], target, quiet=True)
    echo(f"dbt build: {'passed' if outcome.success else 'FAILED'} {dict(sorted(outcome.statuses.items()))}")
    for failure in outcome.failures:
        echo(f"  {failure}")

    export_ok = True
    try:
        export = export_ebay_revise(target, out_dir)
    except ExportRefused as exc:
        echo(f"eBay Revise export refused: {exc}")
        export, export_ok = None, False

    rows: dict[str, int] = {}
    with target.connect() as con:
        echo("rows per table:")
        for table in SUMMARY_TABLES:
            try:
                (count,) = con.execute(f"select count(*) from {table}").fetchone()  # names are constants above
            except Exception:  # a table a failed step did not make
                continue
            rows[table] = count
            echo(f"  {table:<45} {count:>8}")
        junk = con.execute(
            "select coalesce(sum(junk_stock_values), 0), coalesce(sum(blank_part_numbers), 0) "
            "from marts.supplier_feeds where feed_date = (select max(feed_date) from marts.supplier_feeds)"
        ).fetchone()
        echo(f"newest feeds: {junk[0]} junk stock values set to 0, {junk[1]} rows without a part number")
        if "marts.inventory_positions" in rows:
            flagged = con.execute("select count(*) from marts.inventory_positions where is_overcommitted").fetchone()[0]
            echo(f"inventory positions: {rows['marts.inventory_positions']} SKUs, {flagged} where eBay is about "
                 "to be set above what Linnworks plus suppliers can cover")  # fmt: skip
    if export is not None:
        echo("eBay listings to revise:")
        for store, (path, count) in sorted(export.files.items()):
            echo(f"  {store:<5} {count:>6}  {path}")
        echo(f"  zip: {export.zip_path}")
    ok = loads_ok and outcome.success and export_ok
    summary = {"ok": ok, "rows_per_table": rows, "dbt": {"results": outcome.statuses, "failures": outcome.failures}}
    record_run(target, "elt demo", started_at, summary)
    echo(f"demo finished in {time.monotonic() - started:.1f} s on {target.duckdb_path}")
    echo("next: `elt serve` opens the web page on this warehouse (http://127.0.0.1:8080)")
    return ok

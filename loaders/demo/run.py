"""`elt demo`: generate the sample files, serve the Linnworks sandbox, load everything, build and test the marts,
write the Revise files, and print what happened."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from loaders.dbt import run_dbt
from loaders.demo.sample_files import LINNWORKS_ITEMS, generate
from loaders.export import ExportRefused, export_ebay_revise
from loaders.report import LoadReport
from loaders.runs import record_run
from loaders.supplier_stock.pipeline import load_products, load_stores, load_supplier_stock
from loaders.warehouse import Target

LINNWORKS_ORDERS = 1_500
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


def load_linnworks_sandbox(target: Target, echo: Callable[[str], None]) -> bool:
    """Serve the Linnworks sandbox on 127.0.0.1 for the length of one load, and load all of it."""
    from loaders.linnworks.pipeline import load_linnworks
    from loaders.linnworks.sandbox import running_sandbox

    with running_sandbox(items=LINNWORKS_ITEMS, orders=LINNWORKS_ORDERS) as sandbox:
        credentials = sandbox.credentials
        settings = {
            "SOURCES__LINNWORKS__APPLICATION_ID": credentials["application_id"],
            "SOURCES__LINNWORKS__APPLICATION_SECRET": credentials["application_secret"],
            "SOURCES__LINNWORKS__TOKEN": credentials["token"],
            "SOURCES__LINNWORKS__AUTH_URL": sandbox.url,
        }
        with environment(settings):
            result = load_linnworks(target, echo=lambda _: None)
    if result.ok:
        calls = sum(result.calls.values())
        echo(f"loaded linnworks (sandbox {sandbox.url}): {result.rows} rows in {len(result.row_counts)} tables, "
             f"{calls} API calls in {result.seconds:.1f} s")  # fmt: skip
    else:
        echo(f"linnworks load FAILED: {result.error}")
    return result.ok


def load_other_sources(target: Target, echo: Callable[[str], None]) -> bool:
    """What Drops Now and the warehouse "bad API", each from its sandbox on 127.0.0.1 (small catalogues)."""
    from loaders.badapi.options import BadApiOptions
    from loaders.badapi.pipeline import load_badapi
    from loaders.badapi.sandbox import running_badapi_sandbox
    from loaders.wdn.options import WdnOptions
    from loaders.wdn.pipeline import load_wdn
    from loaders.wdn.sandbox import running_wdn_sandbox

    ok = True
    with running_wdn_sandbox(products_per_brand=40) as sandbox:
        wdn = load_wdn(target, options=WdnOptions.from_config(base_url=sandbox.base_url), echo=lambda _: None)
    echo(f"loaded What Drops Now (sandbox): {sum(wdn.row_counts.values())} rows" if wdn.ok
         else f"What Drops Now load FAILED: {wdn.error}")  # fmt: skip
    ok &= wdn.ok
    with running_badapi_sandbox(products_per_category=400) as sandbox:
        bad = load_badapi(target, options=BadApiOptions.from_config(base_url=sandbox.url), echo=lambda _: None)
    echo(f"loaded the bad API (sandbox): {bad.rows} rows" if bad.ok else f"bad API load FAILED: {bad.error}")
    return ok and bad.ok


def run_demo(target: Target, workdir: Path, out_dir: Path, days: int, echo: Callable[[str], None]) -> bool:
    """Run the whole daily job on generated files and the sandboxes; True when every step succeeded."""
    started, started_at = time.monotonic(), dt.datetime.now(dt.UTC)
    today = dt.date.today()
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
    loads_ok = load_linnworks_sandbox(target, echo) and loads_ok
    loads_ok = load_other_sources(target, echo) and loads_ok

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

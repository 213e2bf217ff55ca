"""`elt demo`: generate the sample files, load them, build and test the marts, write the Revise files."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

from loaders.dbt import run_dbt
from loaders.demo.sample_files import generate
from loaders.export import ExportRefused, export_ebay_revise
from loaders.report import LoadReport
from loaders.supplier_stock.pipeline import load_products, load_stores, load_supplier_stock
from loaders.warehouse import Target

SUMMARY_TABLES = (
    "raw_supplier_stock.stock_feed_rows",
    "raw_supplier_stock.products",
    "raw_supplier_stock.store_listings",
    "intermediate.int_supplier_stock__history",
    "marts.supplier_feeds",
    "marts.ebay",
)


def run_demo(target: Target, workdir: Path, out_dir: Path, days: int, echo: Callable[[str], None]) -> bool:
    """Run the whole daily job on generated files; True when every step succeeded."""
    started = time.monotonic()
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

    with target.connect() as con:
        echo("rows per table:")
        for table in SUMMARY_TABLES:
            (count,) = con.execute(f"select count(*) from {table}").fetchone()  # names are constants above
            echo(f"  {table:<45} {count:>8}")
        junk = con.execute(
            "select coalesce(sum(junk_stock_values), 0), coalesce(sum(blank_part_numbers), 0) "
            "from marts.supplier_feeds where feed_date = (select max(feed_date) from marts.supplier_feeds)"
        ).fetchone()
        echo(f"newest feeds: {junk[0]} junk stock values set to 0, {junk[1]} rows without a part number")
    if export is not None:
        echo("eBay listings to revise:")
        for store, (path, count) in sorted(export.files.items()):
            echo(f"  {store:<5} {count:>6}  {path}")
        echo(f"  zip: {export.zip_path}")
    echo(f"demo finished in {time.monotonic() - started:.1f} s on {target.duckdb_path}")
    return loads_ok and outcome.success and export_ok

"""`elt demo`: generate the sample files, serve the API sandboxes, load everything, build and test the marts, write
the Revise files, push the new quantities to the eBay sandbox, and print what happened. Needs the development
install (the `sandboxes` package).

The eBay sandbox stays up from the read of eBay (`load ebay`) through the build to the push (`push ebay`), as
the seller's eBay would: it holds the listings of the sample store workbooks, some drifted from them, some
ended, a few auctions. The demo ends by printing, per store, what eBay now holds against the targets."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from elt.dbt import run_dbt
from elt.export import ExportRefused, export_ebay_revise
from elt.push import PushRefused, StoreFailed, push_ebay
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
    "marts.ebay_revisions",
    "raw_ebay.revisions",
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


DEMO_MARK = "demo-warehouse"
"""A file in the warehouse's state folder: the demo made this warehouse, so a second demo may load it again."""


def _only_demo_runs(target: Target) -> bool:
    """A warehouse an earlier demo made before the mark existed: its run history holds demo runs only."""
    from elt.runs import recent_runs

    try:
        kinds = {run["kind"] for run in recent_runs(target, limit=1000)}
    except Exception:  # no history table, or it cannot be read: not known to be the demo's
        return False
    return kinds == {"elt demo"}


def demo_refusal(target: Target) -> str | None:
    """Why the demo must not load its sample into `target` without `--yes`: a warehouse that is not a local
    DuckDB file, or one holding tables the demo did not make. None when it may."""
    if target.name != "duckdb":
        return f"the demo loads sample data; {target.describe()} is not a local DuckDB file"
    if (target.state_dir / DEMO_MARK).exists() or not target.datasets_with_tables() or _only_demo_runs(target):
        return None
    return f"{target.describe()} already holds data the demo did not make: the demo would mix its sample into it"


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


EBAY = "ebay"


def load_api_sources(target: Target, echo: Callable[[str], None], skip: frozenset[str] = frozenset()) -> bool:
    """Every API source with a demo sandbox (loaders.registry) but those in `skip`: serve it on 127.0.0.1 for the
    length of one load and load it as `elt run` would, pointed at the sandbox."""
    ok = True
    for source in SOURCES:
        if source.demo is None or source.name in skip:
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
    target.state_dir.mkdir(parents=True, exist_ok=True)
    (target.state_dir / DEMO_MARK).write_text("elt demo loaded its sample here\n")
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
    with _ebay_sandbox(sample.store_workbooks) as ebay:
        loads_ok = load_api_sources(target, echo, skip=frozenset({EBAY}) if ebay else frozenset()) and loads_ok
        if ebay is not None:
            loads_ok = _load_ebay(target, ebay, echo) and loads_ok

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
        push_ok = _push_ebay(target, ebay, echo) if ebay is not None else True

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
    ok = loads_ok and outcome.success and export_ok and push_ok
    summary = {"ok": ok, "rows_per_table": rows, "dbt": {"results": outcome.statuses, "failures": outcome.failures}}
    record_run(target, "elt demo", started_at, summary)
    echo(f"demo finished in {time.monotonic() - started:.1f} s on {target.describe()}")
    echo("next: `elt serve` opens the web page on this warehouse (http://127.0.0.1:8080)")
    return ok


def _ebay_sandbox(workbooks: list[Path]) -> AbstractContextManager[Any]:
    """The eBay sandbox over the sample store workbooks, for the whole demo; None when eBay is not a source."""
    if not any(source.name == EBAY for source in SOURCES):
        return nullcontext(None)
    from sandboxes.ebay import serving

    return serving(workbooks=workbooks)


def _load_ebay(target: Target, ebay: Any, echo: Callable[[str], None]) -> bool:
    """`load ebay` against the demo's eBay sandbox: what each store's listings hold before the push."""
    source = next(s for s in SOURCES if s.name == EBAY)
    started = time.monotonic()
    with environment(ebay.settings()):
        result = source.load_daily(target, Run(feed_today(), lambda _: None))
    if result.ok:
        echo(f"loaded ebay (sandbox): {result.rows} rows in {len(result.row_counts)} tables, "
             f"{time.monotonic() - started:.1f} s")  # fmt: skip
    else:
        echo(f"ebay load FAILED: {result.error}")
    return bool(result.ok)


def _push_ebay(target: Target, ebay: Any, echo: Callable[[str], None]) -> bool:
    """`push ebay` to the sandbox, then per store what eBay holds against the targets. True when every listing
    eBay can revise holds its target; listings it refuses for good (ended, auctions) are reported, as the push
    reports them, without failing the demo: the sample holds them on purpose."""
    try:
        with environment(ebay.settings()):
            report = push_ebay(target)
    except (PushRefused, StoreFailed) as exc:
        echo(f"eBay push refused: {exc}")
        return False
    echo(f"eBay push ({report.elapsed_seconds:.1f} s):")
    for store, store_report in sorted(report.stores.items()):
        echo(f"  {store:<5} {store_report.to_send} sent in {store_report.calls} calls: "
             f"{store_report.count('revised')} revised, {store_report.count('unchanged')} unchanged, "
             f"{store_report.count('failed')} refused")  # fmt: skip
    with target.connect() as con:
        targets = con.execute("select ebay_store, item_id, target_quantity from marts.ebay_revisions").fetchall()
    echo("what eBay holds now, against the targets:")
    ok = all(store_report.error is None for store_report in report.stores.values())
    per_store: dict[str, list[tuple[int, int]]] = {}
    for store, item_id, quantity in targets:
        per_store.setdefault(store, []).append((int(item_id), int(quantity)))
    for store, rows in sorted(per_store.items()):
        at_target = refused = wrong = 0
        for item_id, quantity in rows:
            try:
                held = ebay.listing(store, item_id)
            except KeyError:
                refused += 1  # not on eBay at all: the push reported it
                continue
            if not held.is_active or held.listing_type != "FixedPriceItem":
                refused += 1
            elif held.quantity_available == quantity:
                at_target += 1
            else:
                wrong += 1
        echo(f"  {store:<5} {len(rows)} listings: {at_target} at their target, {wrong} not, "
             f"{refused} that eBay will not revise (ended or auctions)")  # fmt: skip
        ok &= wrong == 0
    return ok

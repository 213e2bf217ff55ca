"""`elt run`: every loader that is configured, then `dbt build` (the daily Cloud Run job's command).

Configuration uses dlt's names (env vars or .dlt/config.toml), e.g. for the seller's files:
  SOURCES__SUPPLIER_STOCK__FEEDS_URL     folder of the day's feeds; `{date}` becomes the feed date
                                          (gs://bucket/feeds/{date}/ or /data/feeds/{date})
  SOURCES__SUPPLIER_STOCK__PRODUCTS_URL  the product master workbook
  SOURCES__SUPPLIER_STOCK__STORES_URL    a folder of store SpeedSheets
Linnworks runs when its credentials are set (SOURCES__LINNWORKS__APPLICATION_ID, …_SECRET, …_TOKEN), What Drops
Now when SOURCES__WDN__BASE_URL is set and the bad API when SOURCES__BADAPI__BASE_URL is set (their other
options as loaders/wdn/options.py and loaders/badapi/options.py read them). A loader that fails does not stop
the others or the build; the run then ends with a failure summary.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import dlt

from loaders.dbt import DbtOutcome, daily_build_args, dbt_target_path, run_dbt
from loaders.report import LoadReport
from loaders.reporting import RunLog, send_alert
from loaders.runs import record_run
from loaders.supplier_stock.pipeline import load_products, load_stores, load_supplier_stock
from loaders.warehouse import Target

RAW_TABLES = {
    "products": "raw_supplier_stock.products",
    "stores": "raw_supplier_stock.store_listings",
    "supplier-stock": "raw_supplier_stock.stock_feed_rows",
}


@dataclass
class DailyRun:
    """What `elt run` did: each loader's report or error, the loaders not configured, the dbt outcome."""

    target: Target
    feed_date: dt.date
    reports: dict[str, LoadReport] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    not_configured: list[str] = field(default_factory=list)
    dbt: DbtOutcome | None = None
    mart_rows: dict[str, int] = field(default_factory=dict)
    api_rows: dict[str, int] = field(default_factory=dict)  # `raw_<source>.<table>`: rows the API loaders landed
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        loads_ok = all(r.ok for r in self.reports.values()) and not self.errors
        return loads_ok and self.dbt is not None and self.dbt.success

    def summary(self) -> dict[str, Any]:
        rows = {RAW_TABLES[name]: report.rows for name, report in self.reports.items()}
        rows |= self.api_rows
        rows |= self.mart_rows
        return {
            "ok": self.ok,
            "target": self.target.name,
            "feed_date": self.feed_date.isoformat(),
            "duration_seconds": round(self.seconds, 1),
            "rows_per_table": rows,
            "rejected_files": [
                {"loader": name, "file": r.file_name, "reason": r.reason}
                for name, report in self.reports.items()
                for r in report.rejected
            ],
            "loader_errors": self.errors,
            "not_configured": self.not_configured,
            "dbt": {
                "success": bool(self.dbt and self.dbt.success),
                "results": dict(sorted(self.dbt.statuses.items())) if self.dbt else {},
                "failures": self.dbt.failures[:20] if self.dbt else [],
            },
        }


def _setting(name: str, source: str = "supplier_stock") -> str | None:
    value = dlt.config.get(f"sources.{source}.{name}", str)
    return value or None


def _mart_rows(target: Target) -> dict[str, int]:
    """Row counts of the marts the last build made (names from dbt's manifest)."""
    manifest_path = dbt_target_path(target) / "manifest.json"
    if not manifest_path.exists():
        return {}
    nodes = json.loads(manifest_path.read_text())["nodes"].values()
    marts = sorted(
        f"{n['schema']}.{n['alias']}" for n in nodes if n["resource_type"] == "model" and n["schema"] == "marts"
    )
    counts = {}
    with target.connect() as con:
        for table in marts:  # names come from dbt's manifest, not from input
            try:
                counts[table] = con.execute(f"select count(*) from {table}").fetchone()[0]
            except Exception:  # a mart the failed build did not create
                continue
    return counts


@dataclass
class _ApiLoad:
    """What an API loader said, in the shape the run needs: ok, error, rows per table, the raw dataset."""

    ok: bool
    error: str | None
    row_counts: dict[str, int]
    dataset: str


def _load_linnworks(target: Target, log: RunLog) -> _ApiLoad:
    from loaders.linnworks import settings
    from loaders.linnworks.pipeline import load_linnworks

    result = load_linnworks(target, echo=log)
    return _ApiLoad(result.ok, result.error, dict(result.row_counts), settings.DATASET_NAME)


def _load_wdn(target: Target, log: RunLog) -> _ApiLoad:
    from loaders.wdn import settings
    from loaders.wdn.pipeline import load_wdn

    result = load_wdn(target, echo=log)
    return _ApiLoad(result.ok, result.error, dict(result.row_counts), settings.DATASET_NAME)


def _load_badapi(target: Target, log: RunLog) -> _ApiLoad:
    from loaders.badapi import settings
    from loaders.badapi.pipeline import load_badapi

    result = load_badapi(target, echo=log)
    return _ApiLoad(result.ok, result.error, dict(result.row_counts), settings.DATASET_NAME)


def _run_api_loader(
    run: DailyRun, name: str, load: Callable[[Target, RunLog], _ApiLoad], target: Target, log: RunLog
) -> None:
    """Run one API loader; its rows go to the summary, a failure (or a bad option) to run.errors by name."""
    try:
        result = load(target, log)
    except Exception as exc:  # e.g. an option that is not a number: the other loaders and the build still run
        run.errors[name] = f"{type(exc).__name__}: {exc}"
        log.write(f"{name}: FAILED {run.errors[name]}", "ERROR")
        return
    run.api_rows |= {f"{result.dataset}.{table}": count for table, count in result.row_counts.items()}
    rows = sum(result.row_counts.values())
    if result.ok:
        log.write(f"{name}: {rows} rows in {len(result.row_counts)} tables", "INFO", loader=name)
    else:
        run.errors[name] = str(result.error)
        log.write(f"{name}: FAILED {result.error}", "ERROR")


def run_daily(target: Target, feed_date: dt.date, log: RunLog) -> DailyRun:
    started, started_at = time.monotonic(), dt.datetime.now(dt.UTC)
    run = DailyRun(target=target, feed_date=feed_date)
    loads: list[tuple[str, str, Callable[[str], LoadReport]]] = [
        ("products", "products_url", lambda url: load_products(target, url)),
        ("stores", "stores_url", lambda url: load_stores(target, [url])),
        (
            "supplier-stock",
            "feeds_url",
            lambda url: load_supplier_stock(target, [url.replace("{date}", feed_date.isoformat())], feed_date),
        ),
    ]
    for name, setting, load in loads:
        url = _setting(setting)
        if url is None:
            run.not_configured.append(f"SOURCES__SUPPLIER_STOCK__{setting.upper()}")
            continue
        try:
            report = run.reports[name] = load(url)
        except Exception as exc:  # one loader failing must not stop the others or the build
            run.errors[name] = f"{type(exc).__name__}: {exc}"
            log.write(f"{name}: FAILED {run.errors[name]}", "ERROR")
            continue
        log.write(f"{name}: {report.rows} rows, {len(report.rejected)} file(s) rejected", "INFO", loader=name)
        for line in report.lines():
            log(line)
    if dlt.secrets.get("sources.linnworks.application_id", str):
        _run_api_loader(run, "linnworks", _load_linnworks, target, log)
    else:
        run.not_configured.append("SOURCES__LINNWORKS__APPLICATION_ID (and …_SECRET, …_TOKEN)")
    for name, load in (("wdn", _load_wdn), ("badapi", _load_badapi)):
        if _setting("base_url", name):
            _run_api_loader(run, name, load, target, log)
        else:
            run.not_configured.append(f"SOURCES__{name.upper()}__BASE_URL")
    if run.not_configured:
        log.write(f"not configured (skipped): {', '.join(run.not_configured)}", "WARNING")
    severity = {"info": "INFO", "warn": "WARNING", "error": "ERROR"}
    on_event = (lambda level, message: log.write(message, severity[level], source="dbt")) if log.json_lines else None
    run.dbt = run_dbt(daily_build_args(target), target, on_event=on_event)
    run.mart_rows = _mart_rows(target)
    run.seconds = time.monotonic() - started
    summary = run.summary()
    try:
        record_run(target, "elt run", started_at, summary)
    except Exception as exc:  # the history is worth having, not worth failing the run for
        log.write(f"could not record the run in raw_elt.runs: {type(exc).__name__}: {exc}", "WARNING")
    log.summary(summary)
    if not run.ok:
        send_alert(summary, log)
    return run

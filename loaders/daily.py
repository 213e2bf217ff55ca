"""`elt run`: every loader that is configured, then `dbt build` (the daily Cloud Run job's command).

Configuration uses dlt's names (env vars or .dlt/config.toml), e.g. for the seller's files:
  SOURCES__SUPPLIER_STOCK__FEEDS_URL     folder of the day's feeds; `{date}` becomes the feed date
                                          (gs://bucket/feeds/{date}/ or /data/feeds/{date})
  SOURCES__SUPPLIER_STOCK__PRODUCTS_URL  the product master workbook
  SOURCES__SUPPLIER_STOCK__STORES_URL    a folder of store SpeedSheets
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import dlt

from loaders.dbt import DbtOutcome, run_dbt
from loaders.report import LoadReport
from loaders.supplier_stock.pipeline import load_products, load_stores, load_supplier_stock
from loaders.warehouse import Target


@dataclass
class DailyRun:
    """What `elt run` did: each loader's report, the loaders not configured, and the dbt outcome."""

    reports: dict[str, LoadReport] = field(default_factory=dict)
    not_configured: list[str] = field(default_factory=list)
    dbt: DbtOutcome | None = None

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.reports.values()) and self.dbt is not None and self.dbt.success


def _setting(name: str) -> str | None:
    value = dlt.config.get(f"sources.supplier_stock.{name}", str)
    return value or None


def run_daily(target: Target, feed_date: dt.date, echo: Callable[[str], None]) -> DailyRun:
    run = DailyRun()
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
        report = run.reports[name] = load(url)
        echo(f"{name}: {report.rows} rows, {len(report.rejected)} file(s) rejected")
        for line in report.lines():
            echo(line)
    if run.not_configured:
        echo(f"not configured (skipped): {', '.join(run.not_configured)}")
    run.dbt = run_dbt(["build"], target)
    return run

"""`elt run`: every configured source (loaders.registry, in its order), then `dbt build` (the daily Cloud Run
job's command).

Each source says which settings it needs (dlt config names, env vars or .dlt/config.toml): the seller's files
`SOURCES__SUPPLIER_STOCK__FEEDS_URL` (`{date}` becomes the feed date), `…__PRODUCTS_URL`, `…__STORES_URL`;
Linnworks its credentials; What Drops Now and the bad API their base URL. A source without its settings is left
out, saying so; a loader that fails does not stop the others or the build; the run then ends with a failure
summary.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field
from typing import Any

from elt.build_scope import daily_build_args
from elt.dbt import DbtOutcome, dbt_target_path, run_dbt
from elt.freshness import stale_message, stale_suppliers
from elt.runs import RunLog, record_run, send_alert
from elt.targets import Target
from loaders.contract import LoadResult, Run, Source
from loaders.registry import SOURCES
from loaders.workbooks.report import LoadReport

NOTHING_CONFIGURED = (
    "nothing configured: no source has its settings, so nothing was loaded (see docs/configuration.md, or `elt doctor`)"
)


@dataclass
class DailyRun:
    """What `elt run` did: each loader's report or error, the loaders not configured, the dbt outcome."""

    target: Target
    feed_date: dt.date
    reports: dict[str, LoadReport] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    not_configured: list[str] = field(default_factory=list)
    attempted: list[str] = field(default_factory=list)  # the sources that were configured, so loaded
    dbt: DbtOutcome | None = None
    mart_rows: dict[str, int] = field(default_factory=dict)
    raw_rows: dict[str, int] = field(default_factory=dict)  # `raw_<source>.<table>`: rows the loaders landed
    stale_suppliers: list[dict[str, Any]] = field(default_factory=list)  # elt.freshness
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        loads_ok = all(r.ok for r in self.reports.values()) and not self.errors and bool(self.attempted)
        return loads_ok and self.dbt is not None and self.dbt.success

    def summary(self) -> dict[str, Any]:
        rows = self.raw_rows | self.mart_rows
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
            "stale_suppliers": [stale_message(s) for s in self.stale_suppliers],
        }


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


def _load(run: DailyRun, source: Source, log: RunLog) -> None:
    """Load one source as `elt run` does; its rows go to the summary, a failure (or a bad option) to the run by
    name: a file loader's rejected files, an API loader's error."""
    try:
        result: LoadResult = source.load_daily(run.target, Run(run.feed_date, log))
    except Exception as exc:  # e.g. an option that is not a number: the other loaders and the build still run
        run.errors[source.name] = f"{type(exc).__name__}: {exc}"
        log.write(f"{source.name}: FAILED {run.errors[source.name]}", "ERROR")
        return
    run.raw_rows |= {f"{source.dataset}.{table}": count for table, count in result.row_counts.items()}
    if isinstance(result, LoadReport):
        run.reports[source.name] = result
        log.write(
            f"{source.name}: {result.rows} rows, {len(result.rejected)} file(s) rejected", "INFO", loader=source.name
        )
        for line in result.lines():
            log(line)
    elif result.ok:
        tables = len(result.row_counts)
        log.write(f"{source.name}: {result.rows} rows in {tables} tables", "INFO", loader=source.name)
    else:
        run.errors[source.name] = str(result.error)
        log.write(f"{source.name}: FAILED {result.error}", "ERROR")


def run_daily(target: Target, feed_date: dt.date, log: RunLog) -> DailyRun:
    started, started_at = time.monotonic(), dt.datetime.now(dt.UTC)
    run = DailyRun(target=target, feed_date=feed_date)
    for source in SOURCES:
        missing = source.missing()
        if missing:
            run.not_configured.extend(missing)
            continue
        run.attempted.append(source.name)
        _load(run, source, log)
    if run.not_configured:
        log.write(f"not configured (skipped): {', '.join(run.not_configured)}", "WARNING")
    if not run.attempted:
        log.write(NOTHING_CONFIGURED, "WARNING")
    severity = {"info": "INFO", "warn": "WARNING", "error": "ERROR"}
    on_event = (lambda level, message: log.write(message, severity[level], source="dbt")) if log.json_lines else None
    run.dbt = run_dbt(daily_build_args(target, feed_date), target, on_event=on_event)
    run.mart_rows = _mart_rows(target)
    run.stale_suppliers = stale_suppliers(target)
    for stale in run.stale_suppliers:
        log.write(stale_message(stale), "WARNING", supplier=stale["supplier"])
    run.seconds = time.monotonic() - started
    summary = run.summary()
    try:
        record_run(target, "elt run", started_at, summary)
    except Exception as exc:  # the history is worth having, not worth failing the run for
        log.write(f"could not record the run in raw_elt.runs: {type(exc).__name__}: {exc}", "WARNING")
    log.summary(summary)
    if not run.ok or run.stale_suppliers:
        send_alert(summary, log)
    return run

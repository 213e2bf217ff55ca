"""Run history and reporting: how a run reports as it goes (plain lines, or JSON lines with a Cloud Logging
`severity` when LOG_FORMAT=json, ending with one summary record), the alert webhook (ALERT_WEBHOOK_URL) that
receives the summary of a failed run, and the record of every `elt run`, demo or web upload (status, duration,
rows per table, failures) kept in the warehouse itself (dataset `raw_elt`, table `runs`), so that it survives
stateless Cloud Run jobs."""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from typing import Any, TextIO

import dlt
import requests

from elt.targets import Target, TargetError

PIPELINE_NAME = "elt_runs"
DATASET_NAME = "raw_elt"
ALERT_TIMEOUT_SECONDS = 10


class RunLog:
    """Writes a run's messages as text or as JSON lines with a Cloud Logging `severity`."""

    def __init__(self, stream: TextIO | None = None, json_lines: bool | None = None) -> None:
        self.stream = stream
        self.json_lines = os.environ.get("LOG_FORMAT", "").lower() == "json" if json_lines is None else json_lines

    def write(self, message: str, severity: str = "INFO", **fields: Any) -> None:
        if self.stream is None:  # the command's own logging (elt.logs): JSON or text, -q honoured, secrets out
            from elt.logs import echo

            echo(message, severity, **fields)
            return
        if self.json_lines:
            record = {"severity": severity, "message": message, "time": dt.datetime.now(dt.UTC).isoformat(), **fields}
            self.stream.write(json.dumps(record, default=str) + "\n")
        else:
            self.stream.write(message + "\n")
        self.stream.flush()

    def __call__(self, message: str) -> None:
        """Plain progress lines (the `echo` the loaders take)."""
        self.write(message, "ERROR" if message.lstrip().startswith("rejected") else "INFO")

    def summary(self, summary: dict[str, Any]) -> None:
        ok = summary.get("ok", False)
        message = "elt run succeeded" if ok else "elt run FAILED"
        if self.json_lines:
            self.write(message, "INFO" if ok else "ERROR", summary=summary)
        else:
            from elt.logs import text_summary

            self.write(f"{message}\n{text_summary(summary)}")


def send_alert(summary: dict[str, Any], log: RunLog) -> None:
    """POST the summary to ALERT_WEBHOOK_URL, if set: a failed run, or a run that found stale suppliers (the
    text says which). A webhook that fails is logged, never fatal."""
    url = os.environ.get("ALERT_WEBHOOK_URL")
    if not url:
        return
    stale = summary.get("stale_suppliers") or []
    text = "elt run failed" if not summary.get("ok") else f"elt run: {len(stale)} stale supplier feed(s)"
    if stale:
        text += "\n" + "\n".join(stale)
    try:
        payload = {"text": text, "summary": summary}
        response = requests.post(url, json=payload, timeout=ALERT_TIMEOUT_SECONDS)
        response.raise_for_status()
    except requests.RequestException as exc:
        log.write(f"alert webhook failed: {type(exc).__name__}", "WARNING")
    else:
        log.write("alert sent to ALERT_WEBHOOK_URL", "INFO")


# merge, not append: a load a kill cut short is loaded again from the start (loaders/recovery.py)
@dlt.resource(name="runs", primary_key="run_id", write_disposition={"disposition": "merge", "strategy": "upsert"})
def _runs(record: dict[str, Any]) -> Any:
    yield record


def record_run(target: Target, kind: str, started_at: dt.datetime, summary: dict[str, Any]) -> dict[str, Any]:
    """Append one run record; `summary` holds ok, rows_per_table, failures and anything else worth keeping."""
    finished_at = dt.datetime.now(dt.UTC)
    failures = list(summary.get("failures") or [])
    failures += [f"{f['file']}: {f['reason']}" for f in summary.get("rejected_files") or []]
    failures += list((summary.get("dbt") or {}).get("failures") or [])
    record = {
        "run_id": uuid.uuid4().hex,
        "kind": kind,
        "started_at": started_at,
        "finished_at": finished_at,
        "duration_seconds": round((finished_at - started_at).total_seconds(), 1),
        "ok": bool(summary.get("ok")),
        "rows_per_table": json.dumps(summary.get("rows_per_table") or {}, sort_keys=True),
        "failures": json.dumps(failures),
        "summary": json.dumps(summary, default=str, sort_keys=True),
    }
    pipeline = target.pipeline(PIPELINE_NAME, DATASET_NAME)
    pipeline.run(_runs(record), loader_file_format="parquet").raise_on_failed_jobs()
    return record


def recent_runs(target: Target, limit: int = 20) -> list[dict[str, Any]]:
    """The newest runs first; empty when none was recorded yet."""
    try:
        with target.connect() as con:
            cursor = con.execute(
                "select run_id, kind, started_at, finished_at, duration_seconds, ok, rows_per_table, failures "
                f"from {DATASET_NAME}.runs order by started_at desc limit {int(limit)}"
            )
            columns = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
    except TargetError:
        return []
    except Exception as exc:  # the table does not exist until the first run is recorded
        if "runs" in str(exc) and ("not exist" in str(exc) or "not found" in str(exc).lower()):
            return []
        raise
    out = []
    for row in rows:
        record = dict(zip(columns, row, strict=True))
        record["rows_per_table"] = json.loads(record["rows_per_table"] or "{}")
        record["failures"] = json.loads(record["failures"] or "[]")
        out.append(record)
    return out

"""How `elt run` reports: plain lines, or JSON lines for Cloud Logging (LOG_FORMAT=json), one closing summary
record, and an optional alert webhook (ALERT_WEBHOOK_URL) that receives the summary when the run fails."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from typing import Any, TextIO

import requests

ALERT_TIMEOUT_SECONDS = 10


class RunLog:
    """Writes a run's messages as text or as JSON lines with a Cloud Logging `severity`."""

    def __init__(self, stream: TextIO | None = None, json_lines: bool | None = None) -> None:
        self.stream = stream or sys.stdout
        self.json_lines = os.environ.get("LOG_FORMAT", "").lower() == "json" if json_lines is None else json_lines

    def write(self, message: str, severity: str = "INFO", **fields: Any) -> None:
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
            self.write(f"{message}: {json.dumps(summary, default=str, sort_keys=True)}")


def send_alert(summary: dict[str, Any], log: RunLog) -> None:
    """POST the summary to ALERT_WEBHOOK_URL, if set. A webhook that fails is logged, never fatal."""
    url = os.environ.get("ALERT_WEBHOOK_URL")
    if not url:
        return
    try:
        payload = {"text": "elt run failed", "summary": summary}
        response = requests.post(url, json=payload, timeout=ALERT_TIMEOUT_SECONDS)
        response.raise_for_status()
    except requests.RequestException as exc:
        log.write(f"alert webhook failed: {type(exc).__name__}", "WARNING")
    else:
        log.write("alert sent to ALERT_WEBHOOK_URL", "INFO")

"""One logging setup for every `elt` command: JSON lines with Cloud Logging's `severity` when LOG_FORMAT=json,
readable text otherwise; secrets never in either.

Everything goes through Python's `logging`: our messages and summaries (`echo`, `warn`, `error` here; logger
`elt`), dlt's own logger (`dlt`, which dlt gives a handler of its own: `setup` hands it ours), dlt's progress
(`progress_collector`, logger `elt.progress`), the crash-recovery code (`loaders.recovery`) and, in JSON mode,
dbt's events (elt.dbt forwards them to logger `dbt_events`). JSON lines all go to stdout, in order; as text, INFO
goes to stdout, warnings and errors to stderr (a script can read the results alone).

Verbosity: `-q` shows warnings and errors only; the default shows our INFO lines and other libraries' warnings;
`-v` adds other libraries' INFO (dlt's progress included), `-vv` everything at DEBUG.

Secrets: every record is passed through `redact`, which replaces the value of every environment variable whose
name says it holds a secret (…SECRET…, …TOKEN…, …PASSWORD…, …CREDENTIALS…, …PRIVATE_KEY…) with `***`, so a
library that logs a URL or a header cannot leak one. Hand-written because `logging` has no such filter.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import sys
from typing import Any, TextIO

LOGGER_NAME = "elt"
log = logging.getLogger(LOGGER_NAME)
SEVERITY = {"DEBUG": "DEBUG", "INFO": "INFO", "WARNING": "WARNING", "ERROR": "ERROR", "CRITICAL": "CRITICAL"}
SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|CREDENTIALS|PRIVATE_KEY|API_KEY", re.IGNORECASE)
MIN_SECRET_LENGTH = 6  # shorter values (`1`, `true`) would blank ordinary words
_OURS = "_elt_handler"


def json_wanted() -> bool:
    """LOG_FORMAT=json: the Cloud Run jobs' setting."""
    return os.environ.get("LOG_FORMAT", "").strip().lower() == "json"


def secret_values() -> list[str]:
    """The values of environment variables that hold secrets, longest first."""
    values = {
        value
        for name, value in os.environ.items()
        if SECRET_NAME.search(name) and len(value) >= MIN_SECRET_LENGTH and not value.startswith(("/", "."))
    }
    return sorted(values, key=len, reverse=True)


def redact(text: str) -> str:
    for value in secret_values():
        text = text.replace(value, "***")
    return text


class JsonFormatter(logging.Formatter):
    """One JSON object per record: `severity` (Cloud Logging's field), `message`, `time`, `logger`, and the
    record's `fields` (e.g. `summary`, `loader`)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "severity": SEVERITY.get(record.levelname, "DEFAULT"),
            "message": record.getMessage(),
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "logger": record.name,
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, default=str))


class TextFormatter(logging.Formatter):
    """Our lines as they are; other loggers' lines prefixed with their name; warnings and errors say so."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if not (record.name == LOGGER_NAME or record.name.startswith(f"{LOGGER_NAME}.")):
            message = f"{record.name}: {message}"
        if message.startswith(" "):  # an indented line continues the one above: no prefix
            pass
        elif record.levelno >= logging.ERROR and not message.startswith("error"):
            message = f"error: {message}"
        elif record.levelno == logging.WARNING and not message.startswith("warning"):
            message = f"warning: {message}"
        if record.exc_info:
            message = f"{message}\n{self.formatException(record.exc_info)}"
        return redact(message)


class ConsoleHandler(logging.Handler):
    """INFO and below to the current sys.stdout, warnings and errors to the current sys.stderr (looked up per
    record, so click's test runner and redirections see them). dlt re-initialises its logger's formatter on
    every pipeline: `setFormatter` from outside is ignored, our formatter stays."""

    def __init__(self, formatter: logging.Formatter, one_stream: bool = False) -> None:
        super().__init__()
        self.formatter = formatter
        self.one_stream = one_stream  # JSON lines: every record on stdout, in order (the severity says the rest)
        setattr(self, _OURS, True)

    def setFormatter(self, fmt: logging.Formatter | None) -> None:
        return

    def emit(self, record: logging.LogRecord) -> None:
        stream: TextIO = sys.stdout if self.one_stream or record.levelno < logging.WARNING else sys.stderr
        try:
            stream.write(self.format(record) + "\n")
            stream.flush()
        except Exception:  # a closed pipe must not turn a log line into a traceback
            self.handleError(record)


def setup(verbosity: int = 0, json_lines: bool | None = None) -> None:
    """Configure logging for one command: -1 quiet, 0 default, 1 verbose, 2 debug."""
    json_lines = json_wanted() if json_lines is None else json_lines
    handler = ConsoleHandler(JsonFormatter(), one_stream=True) if json_lines else ConsoleHandler(TextFormatter())
    root = logging.getLogger()
    for existing in [h for h in root.handlers if getattr(h, _OURS, False)]:
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbosity >= 2 else logging.INFO if verbosity == 1 else logging.WARNING)
    log.setLevel(logging.WARNING if verbosity < 0 else logging.DEBUG if verbosity >= 1 else logging.INFO)
    # dlt's logger does not propagate and keeps its first handler: give it ours (its level stays dlt's
    # RUNTIME__LOG_LEVEL, default WARNING).
    dlt_logger = logging.getLogger("dlt")
    for existing in dlt_logger.handlers[:]:
        dlt_logger.removeHandler(existing)
    dlt_logger.addHandler(handler)
    for ours in ("loaders", "dbt_events"):  # the loaders' progress (recovery included) and dbt's events
        logging.getLogger(ours).setLevel(logging.WARNING if verbosity < 0 else logging.INFO)
    logging.captureWarnings(True)


def echo(message: str, severity: str = "INFO", **fields: Any) -> None:
    """One line of a command's output or summary, at `severity` (INFO, WARNING, ERROR), with JSON `fields`."""
    log.log(getattr(logging, severity), message, extra={"fields": fields})


def warn(message: str, **fields: Any) -> None:
    echo(message, "WARNING", **fields)


def error(message: str, **fields: Any) -> None:
    echo(message, "ERROR", **fields)


def dbt_event(level: str, message: str) -> None:
    """One of dbt's events (info, warn, error), as a record of logger `dbt_events`."""
    severity = {"info": logging.INFO, "warn": logging.WARNING, "error": logging.ERROR}[level]
    logging.getLogger("dbt_events").log(severity, message, extra={"fields": {"source": "dbt"}})


def progress_collector() -> Any:
    """dlt's progress (`ELT_PROGRESS=1`), as INFO lines of logger `elt.progress` every 10 s."""
    from dlt.common.runtime.collector import LogCollector

    return LogCollector(log_period=10.0, logger=logging.getLogger(f"{LOGGER_NAME}.progress"), dump_system_stats=False)


def text_summary(summary: dict[str, Any]) -> str:
    """`elt run`'s summary for a person: rows per table, what was rejected, failed or left out, dbt's results."""
    lines = [
        f"  target {summary.get('target')}, feed date {summary.get('feed_date')}, {summary.get('duration_seconds')} s"
    ]
    rows = summary.get("rows_per_table") or {}
    if rows:
        lines.append("  rows per table:")
        lines += [f"    {table:<45} {count:>8}" for table, count in sorted(rows.items())]
    for rejected in summary.get("rejected_files") or []:
        lines.append(f"  rejected {rejected['loader']}: {rejected['file']}: {rejected['reason']}")
    for loader, message in sorted((summary.get("loader_errors") or {}).items()):
        lines.append(f"  FAILED {loader}: {message}")
    if summary.get("not_configured"):
        lines.append(f"  not configured: {', '.join(summary['not_configured'])}")
    dbt = summary.get("dbt") or {}
    results = ", ".join(f"{status} {count}" for status, count in sorted((dbt.get("results") or {}).items()))
    lines.append(f"  dbt build: {'passed' if dbt.get('success') else 'FAILED'} ({results or 'nothing ran'})")
    lines += [f"    {failure}" for failure in dbt.get("failures") or []]
    return "\n".join(lines)

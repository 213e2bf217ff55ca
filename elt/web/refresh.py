"""The bad-API tables' five-minute refresh, and the countdown the Stock page shows for it.

With the bad API configured (SOURCES__BADAPI__BASE_URL, or `base_url` under `[sources.badapi]` in dlt config),
`elt serve` refreshes it itself, as the old app did: on start and then every five minutes it loads the API
(`elt load badapi`) and rebuilds the bad-API models (`dbt build -s source:badapi+`), in a short-lived child
process under the warehouse lock, exactly as uploads are processed (DuckDB allows one writing process; the web
server never holds the file for writing). That selective build leaves the eBay export's guard alone.

Without it, the page counts down to the last refresh + five minutes: the cadence of
`elt load badapi --every 5m` (or the */5 cron and Cloud Scheduler jobs in the README) followed by a build.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from typing import Any

import dlt

from elt.lock import warehouse_lock
from elt.targets import Target
from elt.web.uploads import run_in_child
from loaders.badapi import settings as badapi_settings

REFRESH_SECONDS = 300
BADAPI_BUILD = list(badapi_settings.MODELS_BUILD)


def configured_base_url() -> str | None:
    """The bad API's base URL when it is configured (env or dlt config); None when it is not."""
    value = dlt.config.get(f"sources.{badapi_settings.SOURCE_NAME}.base_url")
    return str(value) if value else None


def _silent(_: str) -> None:
    """The loader's progress lines: the run history keeps what matters."""


def refresh_badapi(target: Target, base_url: str) -> dict[str, Any]:
    """Load the bad API, rebuild its models and record the run (kind "bad-API refresh"); the run's summary.

    Runs in a child process (elt.web.uploads.run_in_child) with the warehouse lock held by the caller."""
    from elt.dbt import run_dbt
    from elt.runs import record_run
    from loaders.badapi.options import BadApiOptions
    from loaders.badapi.pipeline import load_badapi

    started_at = dt.datetime.now(dt.UTC)
    load = load_badapi(target, BadApiOptions.from_config(base_url=base_url), echo=_silent)
    outcome = run_dbt(BADAPI_BUILD, target, quiet=True)
    summary = {
        "ok": load.ok and outcome.success,
        "rows_per_table": {f"{badapi_settings.DATASET_NAME}.{table}": rows for table, rows in load.row_counts.items()},
        "failures": [f"bad API load: {load.error}"] if load.error else [],
        "dbt": {"success": outcome.success, "results": outcome.statuses, "failures": outcome.failures},
    }
    record_run(target, "bad-API refresh", started_at, summary)
    return summary


class BadApiRefresher:
    """Refreshes the bad API every `interval` seconds in a background thread, on a fixed grid from its start (a
    refresh longer than the interval skips the ticks it overran); says when the next one is due."""

    def __init__(self, target: Target, base_url: str, interval: float = REFRESH_SECONDS) -> None:
        self.target = target
        self.base_url = base_url
        self.interval = interval
        self.next_at: dt.datetime | None = None
        self.running_since: dt.datetime | None = None
        self.last_finished_at: dt.datetime | None = None
        self.last_error: str | None = None
        self.runs = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="badapi-refresh", daemon=True)

    def start(self) -> BadApiRefresher:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after the refresh in progress, if any (waits `timeout` seconds for it, at most)."""
        self._stop.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        due = time.time()
        while True:
            self.next_at = dt.datetime.fromtimestamp(due, dt.UTC)
            if self._stop.wait(max(0.0, due - time.time())):
                return
            self._refresh_once()
            now = time.time()
            due += self.interval
            while due <= now:
                due += self.interval

    def _refresh_once(self) -> None:
        self.running_since = dt.datetime.now(dt.UTC)
        try:
            with warehouse_lock(self.target):
                summary = run_in_child(refresh_badapi, self.target, self.base_url)
            failures = list(summary["failures"]) + list(summary["dbt"]["failures"])
            self.last_error = None if summary["ok"] else "; ".join(failures) or "the refresh failed"
        except Exception as exc:  # the cadence outlives one bad refresh; the page says what went wrong
            self.last_error = f"{type(exc).__name__}: {exc}"
        finally:
            self.runs += 1
            self.running_since = None
            self.last_finished_at = dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Countdown:
    """What the Stock page says about the bad-API tables' freshness."""

    last_refresh: dt.datetime | None
    next_refresh: dt.datetime | None
    in_process: bool
    running_since: dt.datetime | None = None
    last_error: str | None = None
    loaded_not_built: dt.datetime | None = None  # a newer load than the tables show, waiting for a build

    def seconds_left(self, now: dt.datetime) -> float | None:
        return None if self.next_refresh is None else (self.next_refresh - now).total_seconds()

    def text(self, now: dt.datetime) -> str:
        """`4:59`, or `overdue by 2:03`: what the page shows before (and without) JavaScript."""
        left = self.seconds_left(now)
        if left is None:
            return "unknown"
        minutes, seconds = divmod(int(abs(left)), 60)
        return f"{minutes}:{seconds:02d}" if left >= 0 else f"overdue by {minutes}:{seconds:02d}"


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """Warehouse timestamps are UTC; DuckDB returns them without a zone, BigQuery with one."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def countdown(
    refresher: BadApiRefresher | None, last_refresh: dt.datetime | None, last_load: dt.datetime | None
) -> Countdown:
    """The next refresh: the refresher's own schedule when this server refreshes, else the last refresh (newest
    refreshed_at in marts.product_availability) + five minutes."""
    last_refresh, last_load = as_utc(last_refresh), as_utc(last_load)
    waiting = last_load if last_load and (last_refresh is None or last_load > last_refresh) else None
    if refresher is not None:
        return Countdown(
            last_refresh,
            refresher.next_at,
            True,
            refresher.running_since,
            refresher.last_error,
            waiting,
        )
    following = last_refresh + dt.timedelta(seconds=REFRESH_SECONDS) if last_refresh else None
    return Countdown(last_refresh, following, False, loaded_not_built=waiting)

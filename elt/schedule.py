"""`--every 5m`: run a job at a fixed cadence until stopped (Ctrl-C, SIGTERM or a stop event).

Runs start on a grid of `interval` from the first start (a run longer than the interval skips the ticks it
overran, so runs never overlap or pile up); a failed run is reported and the cadence goes on, as the old app's
refresh did.
For production prefer a scheduler that starts one `elt load badapi` per tick — this loop is for a terminal or
a single long-lived container. A crontab line (the warehouse lock queues a run that meets a slow one):

    */5 * * * *  cd /srv/elt && .venv/bin/elt load badapi >> /var/log/elt-badapi.log 2>&1

or, on Cloud Run, a Cloud Scheduler job on `*/5 * * * *` that executes the job with args `load badapi`.
"""

from __future__ import annotations

import re
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType

_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr)?\s*$", re.IGNORECASE)
_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600}


def parse_interval(text: str) -> float:
    """Seconds in `30s`, `5m`, `1.5h` or a bare number of seconds. Raises ValueError otherwise."""
    match = _INTERVAL.match(text)
    if not match:
        raise ValueError(f"{text!r} is not an interval: use e.g. 30s, 5m or 1h")
    seconds = float(match[1]) * _SECONDS[(match[2] or "s").lower()]
    if seconds <= 0:
        raise ValueError(f"{text!r}: the interval must be longer than 0")
    return seconds


def run_every(
    interval: float,
    job: Callable[[], bool],
    echo: Callable[[str], None] = print,
    stop: threading.Event | None = None,
    max_runs: int | None = None,
) -> tuple[int, int]:
    """Call `job` every `interval` seconds until `stop` is set, SIGTERM/Ctrl-C, or `max_runs`; (runs, failures).

    `job` returns True when it succeeded; an exception from it counts as a failure and is reported.
    """
    stop = stop or threading.Event()
    runs = failures = 0
    previous = _on_sigterm(stop)
    first = time.monotonic()
    try:
        while not stop.is_set() and (max_runs is None or runs < max_runs):
            runs += 1
            try:
                ok = job()
            except Exception as error:  # the cadence outlives one bad run
                echo(f"run {runs} failed: {type(error).__name__}: {error}")
                ok = False
            failures += not ok
            if max_runs is not None and runs >= max_runs:
                break
            # The next tick after now, on the grid of `interval` from the first start.
            elapsed = time.monotonic() - first
            wait = interval - (elapsed % interval)
            echo(f"next run in {wait:.0f} s (every {interval:g} s; Ctrl-C to stop)")
            stop.wait(wait)
    except KeyboardInterrupt:
        echo("stopped")
    finally:
        _restore_sigterm(previous)
    return runs, failures


def _on_sigterm(stop: threading.Event) -> object:
    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    return signal.signal(signal.SIGTERM, handler)


def _restore_sigterm(previous: object) -> None:
    if previous is not None and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, previous)  # type: ignore[arg-type]

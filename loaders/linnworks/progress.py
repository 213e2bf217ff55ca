"""Console progress of a Linnworks load: a heartbeat line while extracting, a summary per method after."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from loaders.linnworks.client import LinnworksClient

Echo = Callable[[str], None]


class Progress:
    """Echoes one line every `interval` seconds while the run extracts (use as a context manager)."""

    def __init__(self, client: LinnworksClient, echo: Echo, interval: float = 15.0) -> None:
        self.client = client
        self.echo = echo
        self.interval = interval
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Progress:
        self._thread = threading.Thread(target=self._beat, name="linnworks-progress", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def _beat(self) -> None:
        while not self._stop.wait(self.interval):
            self.echo(f"  {self.elapsed:4.0f} s  {self.status()}")

    def status(self) -> str:
        """Rows so far, calls, retries, 429s and limiter waits, in one line."""
        rows = sum(self.client.rows.values())
        stats = list(self.client.stats.values())
        calls = sum(s.calls for s in stats)
        retried = sum(s.retries for s in stats)
        throttled = sum(s.throttled for s in stats)
        waits = sum(s.waits for s in stats)
        waited = sum(s.wait_seconds for s in stats)
        return (
            f"{rows:,} rows, {calls:,} calls ({retried} retried, {throttled} answered 429), "
            f"{waits} rate-limit waits ({waited:.1f} s)"
        )

    def method_lines(self) -> list[str]:
        """One line per API method: calls, retries, 429s, waits."""
        lines = []
        for method, s in sorted(self.client.stats.items()):
            extra = []
            if s.retries:
                extra.append(f"{s.retries} retried")
            if s.throttled:
                extra.append(f"{s.throttled} answered 429")
            if s.waits:
                extra.append(f"waited {s.wait_seconds:.1f} s")
            tail = f" ({', '.join(extra)})" if extra else ""
            lines.append(f"    {method:<40} {s.calls:>6,} calls{tail}")
        return lines

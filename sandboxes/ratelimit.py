"""Per-method rate limiting: N calls per sliding window, as Linnworks' "N / minute" limits.

Each (session token, method) pair keeps the times of its accepted calls; a call that would exceed the
method's limit inside the window is refused with the number of whole seconds until the oldest call
leaves the window (the `Retry-After` value, at least 1). Refused calls do not use up the quota.
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable

RATE_LIMITED_MESSAGE = "API calls quota exceeded! Maximum admitted {limit} per Minute."


class RateLimiter:
    """Sliding-window call counter; `clock` is injectable for tests."""

    def __init__(self, window_seconds: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        if window_seconds <= 0:
            raise ValueError(f"rate window must be > 0 seconds, got {window_seconds}")
        self.window = window_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._calls: dict[tuple[str, str], deque[float]] = defaultdict(deque)

    def acquire(self, key: str, method: str, limit: int) -> int | None:
        """Record a call and return None, or return the Retry-After seconds when over the limit."""
        now = self._clock()
        with self._lock:
            calls = self._calls[(key, method)]
            while calls and calls[0] <= now - self.window:
                calls.popleft()
            if len(calls) >= limit:
                return max(1, math.ceil(calls[0] + self.window - now))
            calls.append(now)
            return None

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()

"""The HTTP session every API source sends its calls through: retries, a bound on requests in flight, a hook
around every attempt, timeouts; never a raise for an HTTP status (the callers decide what an answer means).

Built from public pieces only: a plain `requests.Session` with one `requests.adapters.HTTPAdapter` subclass
mounted for http:// and https:// (transport adapters are requests' extension point), tenacity's `Retrying`
for the retries, and dlt's module-level retry helpers (`DEFAULT_RETRY_STATUS`: 429 and 5xx,
`DEFAULT_RETRY_EXCEPTIONS`: dropped connections, timeouts, bodies cut short, and the Retry-After-aware
`wait_exponential_retry_after`).

One call, in the adapter:

    retries (tenacity): up to `Retry.attempts` tries, waits between them outside everything below
      around_attempt(request, send)   the caller's hook, e.g. Linnworks' per-method rate limiter
        a slot of `max_in_flight`     e.g. What Drops Now's 5 requests at once
          send, then read the body    a body cut short fails the attempt, and is retried

- Retried: 429, 5xx, `DEFAULT_RETRY_EXCEPTIONS`, and the answers `Retry.retry_answer` or `Retry.throttled` pick.
- Waits: `backoff` seconds doubling up to `max_delay`; a Retry-After header (seconds or an HTTP date) wins;
  plus up to `jitter` seconds at random. `Retry.sleep` does the waiting: `abortable_sleep` makes one that stops
  as soon as a run aborts.
- Stop: after `attempts` tries, or `throttled_attempts` while the answer is throttled (a busy API is slowed
  down for, not failed). Then the last answer is returned as it is, or the last exception raised.

Why the bound is hand-written (a semaphore): requests and urllib3 have no bound on requests in flight across
threads; urllib3's `pool_block` bounds connections per host pool, released only when a body is consumed,
which is a different thing from "at most N requests being answered", which is what the API counts.

Thread safety: one session serves every thread of a run (dlt's extract pool, rest_api's parallel resources,
the sources' own pools). Per request a `requests.Session` only reads its headers, hooks and adapters, and
writes its cookie jar; this session's cookie policy accepts no cookie, so the jar stays empty and nothing is
shared that a request changes (none of these APIs uses cookies: they authenticate by header or not at all).
The adapter's connection pool (urllib3's PoolManager) is thread-safe, and was shared by the per-thread
sessions of dlt's `Client` too; tenacity's `Retrying` is built afresh for every call.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from http.cookiejar import DefaultCookiePolicy
from typing import Any

import requests
from dlt.sources.helpers.requests.retry import (
    DEFAULT_RETRY_EXCEPTIONS,
    DEFAULT_RETRY_STATUS,
    wait_exponential_retry_after,
)
from dlt.version import __version__ as dlt_version
from requests.adapters import HTTPAdapter
from tenacity import RetryCallState, Retrying, retry_if_exception_type, retry_if_result, wait_random

Send = Callable[[], requests.Response]
AroundAttempt = Callable[[requests.PreparedRequest, Send], requests.Response]
"""`hook(request, send)`: runs around every attempt (retries included), calls `send()` once and returns its
answer (or raises). E.g. wait for a rate limiter's slot, send, give the slot back."""


@dataclass(frozen=True)
class Retry:
    """How a call is retried (see the module's docstring)."""

    attempts: int = 5
    """Tries in all, the first one included."""
    backoff: float = 1.0
    """Wait before the first retry; doubles with each one."""
    max_delay: float = 60.0
    """The longest wait, a Retry-After's included."""
    jitter: float = 0.0
    """Up to this many seconds at random added to every wait."""
    retry_answer: Callable[[requests.Response], bool] | None = None
    """Answers to retry besides 429 and 5xx (e.g. a 200 whose body is not JSON)."""
    throttled: Callable[[requests.Response], bool] | None = None
    """Answers that say "too many calls" (retried; besides 429, e.g. a quota message on a 400)."""
    throttled_attempts: int = 0
    """Tries in all while the answer is throttled, when more than `attempts`."""
    sleep: Callable[[float], None] = time.sleep
    """What waits between attempts (`abortable_sleep` for one that a run's abort interrupts)."""

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"attempts must be at least 1, got {self.attempts}")

    def _retry_answer(self, response: requests.Response) -> bool:
        return (
            response.status_code in DEFAULT_RETRY_STATUS
            or (self.retry_answer is not None and self.retry_answer(response))
            or (self.throttled is not None and self.throttled(response))
        )

    def _stop(self, state: RetryCallState) -> bool:
        outcome = state.outcome
        answer = outcome.result() if outcome is not None and not outcome.failed else None
        throttled = self.throttled is not None and isinstance(answer, requests.Response) and self.throttled(answer)
        return state.attempt_number >= (max(self.attempts, self.throttled_attempts) if throttled else self.attempts)

    def retrying(self) -> Retrying:
        """A tenacity `Retrying` for one call (not shared between threads)."""
        wait = wait_exponential_retry_after(multiplier=self.backoff, max=self.max_delay)
        return Retrying(
            wait=wait + wait_random(0, self.jitter) if self.jitter > 0 else wait,
            retry=retry_if_exception_type(DEFAULT_RETRY_EXCEPTIONS) | retry_if_result(self._retry_answer),
            stop=self._stop,
            sleep=self.sleep,
            before_sleep=_close_answer,
            reraise=True,
            retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
        )


def _close_answer(state: RetryCallState) -> None:
    """Give the connection of an answer about to be retried back to the pool."""
    answer = state.outcome.result() if state.outcome is not None and not state.outcome.failed else None
    if isinstance(answer, requests.Response):
        answer.close()


def abortable_sleep(aborted: threading.Event, error: Callable[[], BaseException]) -> Callable[[float], None]:
    """A `Retry.sleep` that waits at most `seconds` and raises `error()` as soon as `aborted` is set."""

    def sleep(seconds: float) -> None:
        if aborted.wait(seconds):
            raise error()

    return sleep


class RetryingAdapter(HTTPAdapter):
    """The transport of `session()`: every call retried, every attempt through the hook and the bound."""

    def __init__(
        self,
        timeout: float,
        retry: Retry,
        max_in_flight: int | None,
        around_attempt: AroundAttempt | None,
        connections: int,
    ) -> None:
        super().__init__(pool_connections=4, pool_maxsize=connections)
        if max_in_flight is not None and max_in_flight < 1:
            raise ValueError(f"max_in_flight must be at least 1, got {max_in_flight}")
        self.timeout = timeout
        self.retry = retry
        self.max_in_flight = max_in_flight
        self._around = around_attempt
        self._slots = threading.BoundedSemaphore(max_in_flight) if max_in_flight else None

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None, **kwargs: Any
    ) -> requests.Response:
        options = {"stream": stream, "timeout": self.timeout if timeout is None else timeout, **kwargs}

        def attempt() -> requests.Response:
            if self._around is None:
                return self._send_once(request, options)
            return self._around(request, lambda: self._send_once(request, options))

        return self.retry.retrying()(attempt)  # type: ignore[no-any-return]

    def _slot(self) -> AbstractContextManager[Any]:
        return self._slots if self._slots is not None else nullcontext()

    def _send_once(self, request: requests.PreparedRequest, options: dict[str, Any]) -> requests.Response:
        with self._slot():
            response = super().send(request, **options)
            if not options["stream"]:
                _ = response.content  # the body is part of the attempt: a cut-short one is retried
        return response


def session(
    timeout: float,
    retry: Retry | None = None,
    *,
    max_in_flight: int | None = None,
    around_attempt: AroundAttempt | None = None,
    connections: int = 10,
) -> requests.Session:
    """A session for one run, shared by its threads: calls retried by `retry` (default `Retry()`), `timeout`
    seconds per attempt unless a call passes its own, at most `max_in_flight` requests at once (None: no
    bound), `around_attempt` around every attempt, `connections` kept open per host. Close it when done."""
    http = requests.Session()
    http.headers["User-Agent"] = f"dlt/{dlt_version}"
    http.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))  # no cookie kept: see the module docstring
    adapter = RetryingAdapter(timeout, retry or Retry(), max_in_flight, around_attempt, connections)
    http.mount("http://", adapter)
    http.mount("https://", adapter)
    return http

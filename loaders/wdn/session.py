"""The HTTP session every What Drops Now call goes through: at most N requests in flight, bounded retries.

The API throttles above 5 concurrent requests, so the bound is a semaphore around each attempt (threads of
dlt's extract pool, rest_api's parallel child resources and the retailer lookups all share it); a retry
waits outside it. Retries use dlt's own conditions (429, 5xx, connection errors, timeouts) and its
Retry-After-aware exponential wait: `backoff` seconds doubling up to `max_delay`, `attempts` tries in all.
After the last attempt the last answer is returned as it is (callers raise for its status).
"""

from __future__ import annotations

import threading
from typing import Any

from dlt.sources.helpers.requests import Response, Session
from dlt.sources.helpers.requests.retry import (
    DEFAULT_RETRY_EXCEPTIONS,
    DEFAULT_RETRY_STATUS,
    retry_if_status,
    wait_exponential_retry_after,
)
from requests.adapters import HTTPAdapter
from tenacity import Retrying, retry_any, retry_if_exception_type, stop_after_attempt


class BoundedSession(Session):
    """A dlt requests Session whose `send` waits for one of `limit` slots; never raises for a status."""

    def __init__(self, limit: int, timeout: float) -> None:
        super().__init__(timeout=timeout, raise_for_status=False)
        self.limit = limit
        self._slots = threading.BoundedSemaphore(limit)

    def send(self, request: Any, **kwargs: Any) -> Response:
        with self._slots:
            return super().send(request, **kwargs)


def bounded_session(limit: int, timeout: float, attempts: int, backoff: float, max_delay: float) -> BoundedSession:
    """A shared session: `limit` requests at once, each retried up to `attempts` times in all."""
    session = BoundedSession(limit, timeout)
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=limit * 2)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    retrying = Retrying(
        wait=wait_exponential_retry_after(multiplier=backoff, max=max_delay),
        retry=retry_any(retry_if_status(DEFAULT_RETRY_STATUS), retry_if_exception_type(DEFAULT_RETRY_EXCEPTIONS)),
        stop=stop_after_attempt(attempts),
        reraise=True,
        retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
    )
    session.send = retrying.wraps(session.send)  # type: ignore[method-assign]
    return session

"""HTTP calls to the bad API: conditional GETs (ETag / If-None-Match) and the availability error-mode retry.

Transport faults (429, 5xx, timeouts, dropped connections) are retried by the run's session (loaders.http);
this module adds what is particular to the API: a 304 means "unchanged, nothing to land", and an availability
answer in error mode (HTTP 200, `"response": "[]"` as a string, `x-error-modes-active` set) is retried with
backoff up to a bound, then reported as `ErrorModeStuck` naming the manufacturer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests

from loaders.badapi import settings


class HttpClient(Protocol):
    """What the calls need of an HTTP client: the run's `loaders.http` session (retrying, shared by threads) fits."""

    def get(self, url: str, **kwargs: Any) -> requests.Response: ...


class BadApiError(RuntimeError):
    """A listing could not be read; the message names the call and what to do."""


class ErrorModeStuck(BadApiError):
    """Availability of one manufacturer stayed in error mode for every attempt."""

    def __init__(self, manufacturer: str, url: str, attempts: int, mode: str) -> None:
        super().__init__(
            f"availability of manufacturer {manufacturer!r} stayed in error mode {mode!r} for {attempts} attempts "
            f"(GET {url}); its previous availability is kept. The API is unhealthy: run again later"
        )
        self.manufacturer = manufacturer


@dataclass
class Listing:
    """One conditional GET's outcome: `changed` False for a 304 (then `payload` is None)."""

    url: str
    status: int
    etag: str | None
    payload: Any = None
    attempts: int = 1
    error_modes_seen: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.status != 304


def _get(session: HttpClient, url: str, etag: str | None, headers: Mapping[str, str]) -> requests.Response:
    request_headers = dict(headers)
    if etag:
        request_headers["If-None-Match"] = etag
    response = session.get(url, headers=request_headers)
    if response.status_code not in (200, 304):
        raise BadApiError(f"GET {url} answered {response.status_code}: {response.text[:200]!r}")
    return response


def _json(response: requests.Response, url: str) -> Any:
    try:
        return response.json()
    except ValueError as error:
        raise BadApiError(f"GET {url} answered 200 with a body that is not JSON: {error}") from None


def fetch_products(session: HttpClient, base_url: str, category: str, etag: str | None) -> Listing:
    """`GET /v2/products/{category}`, unless its ETag still matches (then a 304 Listing)."""
    url = f"{base_url.rstrip('/')}/v2/products/{category}"
    response = _get(session, url, etag, {})
    if response.status_code == 304:
        return Listing(url, 304, etag)
    payload = _json(response, url)
    if not isinstance(payload, list):
        raise BadApiError(f"GET {url} answered {type(payload).__name__}, not the list of products")
    return Listing(url, 200, response.headers.get("ETag"), payload)


def fetch_availability(
    session: HttpClient,
    base_url: str,
    manufacturer: str,
    etag: str | None,
    attempts: int = settings.ERROR_MODE_ATTEMPTS,
    backoff: float = settings.ERROR_MODE_BACKOFF_SECONDS,
    max_delay: float = settings.ERROR_MODE_MAX_DELAY_SECONDS,
    force_error_mode: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> Listing:
    """`GET /v2/availability/{manufacturer}`: its entries, or a 304 Listing; retries the error mode.

    Raises ErrorModeStuck after `attempts` answers in error mode, BadApiError for other broken answers.
    """
    url = f"{base_url.rstrip('/')}/v2/availability/{manufacturer}"
    headers = {settings.FORCE_ERROR_MODE_HEADER: "all"} if force_error_mode else {}
    seen: list[str] = []
    for attempt in range(1, attempts + 1):
        response = _get(session, url, etag, headers)
        if response.status_code == 304:
            return Listing(url, 304, etag, attempts=attempt, error_modes_seen=seen)
        payload = _json(response, url)
        mode = response.headers.get(settings.ERROR_MODES_HEADER, "").strip()
        entries = payload.get("response") if isinstance(payload, dict) else None
        if not mode and isinstance(entries, list):
            return Listing(url, 200, response.headers.get("ETag"), entries, attempts=attempt, error_modes_seen=seen)
        seen.append(mode or f"response is {type(entries).__name__}, not a list")
        if attempt < attempts:
            sleep(min(backoff * 2 ** (attempt - 1), max_delay))
    raise ErrorModeStuck(manufacturer, url, attempts, seen[-1])

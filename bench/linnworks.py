"""Linnworks full sync against the sandbox: elapsed vs the rate-limit bound, 429s, and a naive baseline.

The bound is what the API's limits allow at best: for each method, the calls answered with data (from the
sandbox's own call log; retries, 429s and pages asked for past the end do not count) can start no faster than
`limit` per window, so the last one starts at floor((calls - 1) / limit) windows at
the earliest; the bound is the largest of those over the methods. A full sync at the spec's limits (150 or 250
a window) with a shortened window needs fewer calls per method than one window holds, so it would not be bound
by the limits at all; the bench therefore divides every limit, in the sandbox and in the loader alike, so that
the limits bind as they do on a live account with a large catalogue.

The naive baseline is how sellers' scripts call Linnworks today: one method after another, one call at a time,
and after every `limit` calls of a method a sleep of one full window.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from bench.measure import run_child
from elt.demo import environment
from loaders.linnworks import settings
from sandboxes.linnworks.server import CallRecord, Sandbox

STOCK_REQUIREMENTS = list(settings.STOCK_ITEMS_DATA_REQUIREMENTS)


@dataclass(frozen=True)
class Sync:
    """One full sync: seconds talking to the API, seconds in all (normalize and load too), the call log, memory."""

    api_seconds: float
    total_seconds: float
    calls: list[CallRecord]
    peak_mb: float = 0.0
    """Peak RSS of the loader's process."""
    startup_seconds: float = 0.0
    """From the loader's process start to its first API call (imports, pipelines)."""
    after_seconds: float = 0.0
    """From the last API answer to the loader's exit (normalize and load left over, process exit)."""

    def answered(self) -> Counter[str]:
        """Calls per method that were answered with data (2xx): the least a sync must make."""
        return Counter(call.method for call in self.calls if call.status is not None and 200 <= call.status < 300)

    @property
    def throttled_share(self) -> float:
        return sum(call.status == 429 for call in self.calls) / max(1, len(self.calls))


def scaled_limits(divisor: int) -> dict[str, int]:
    """Every method's documented limit divided by `divisor` (at least 1), keyed by method name."""
    return {method.rsplit("/", 1)[-1]: max(1, limit // divisor) for method, limit in settings.RATE_LIMITS.items()}


def bound_seconds(calls: Counter[str], limits: dict[str, int], window: float) -> tuple[float, str]:
    """The rate-limit bound of a sync that made `calls` (per method): (seconds, the method that sets it)."""
    per_method = {m: math.floor((n - 1) / limits[m]) * window for m, n in calls.items() if n}
    method = max(per_method, key=per_method.__getitem__)
    return per_method[method], method


@contextmanager
def _settings(sandbox: Sandbox, window: float, limits: dict[str, int]) -> Iterator[None]:
    values = {
        **sandbox.settings(),
        "SOURCES__LINNWORKS__RATE_LIMIT_WINDOW_SECONDS": str(window),
        "SOURCES__LINNWORKS__RATE_LIMITS": json.dumps(limits),
    }
    with environment(values):
        yield


def our_sync(sandbox: Sandbox, folder: Path, window: float, limits: dict[str, int]) -> Sync:
    """`elt load linnworks` (every resource) into a fresh DuckDB file, in its own process as a user runs it (the
    sandbox, in this process, stands for the remote API: it must not share the loader's interpreter)."""
    path = folder / f"linnworks-{time.monotonic_ns()}.duckdb"
    sandbox.reset_stats()
    with _settings(sandbox, window, limits):
        command = [sys.executable, "-m", "elt.cli", "--duckdb", str(path), "load", "linnworks"]
        try:
            total, peak = run_child(command, dict(os.environ))
        except RuntimeError as error:
            raise RuntimeError(f"the Linnworks sync failed: {error}") from None
        exited = time.time()  # the sandbox stamps calls with the wall clock; run_child times the command alone
    calls = sandbox.calls()
    first = min(c.started_at for c in calls)
    last = max(c.started_at + c.duration_seconds for c in calls)
    return Sync(last - first, total, calls, peak, startup_seconds=first - (exited - total), after_seconds=exited - last)


class NaiveClient:
    """Sequential calls; after every `limit` calls of a method, sleep one full window (no parallelism)."""

    def __init__(self, sandbox: Sandbox, window: float, limits: dict[str, int]) -> None:
        self.window, self.limits, self.sent = window, limits, Counter[str]()
        self.http = requests.Session()
        auth = self.http.post(f"{sandbox.url}/api/Auth/AuthorizeByApplication", data=sandbox.credentials_form())
        auth.raise_for_status()
        self.server, self.token = auth.json()["Server"], auth.json()["Token"]

    def call(self, method: str, body: Any = None, params: dict[str, str] | None = None) -> Any:
        name = method.rsplit("/", 1)[-1]
        if self.sent[name] and self.sent[name] % self.limits.get(name, 1) == 0:
            time.sleep(self.window)
        self.sent[name] += 1
        headers = {"Authorization": self.token}
        url = f"{self.server}/api/{method}"
        if body is None:
            response = self.http.get(url, params=params, headers=headers)
        else:
            response = self.http.post(url, json=body, headers=headers)
        if response.status_code == 400 and "No items found" in response.text:
            return None
        response.raise_for_status()
        return response.json()


def _chunks(ids: list[str], size: int = 200) -> Iterator[list[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def naive_sync(sandbox: Sandbox, window: float, limits: dict[str, int]) -> float:
    """The same data as `our_sync` fetches, the way a fixed-sleep script does; seconds."""
    started = time.perf_counter()
    client = NaiveClient(sandbox, window, limits)
    locations = client.call("Inventory/GetStockLocations", params={})
    for location in locations:
        client.call("Locations/GetLocation", params={"pkStockLocationId": location["StockLocationId"]})
    item_ids: list[str] = []
    for page in range(1, 10**6):
        body = {
            "keyword": "",
            "loadCompositeParents": True,
            "loadVariationParents": True,
            "entriesPerPage": 200,
            "pageNumber": page,
            "dataRequirements": STOCK_REQUIREMENTS,
            "searchTypes": ["SKU", "Title", "Barcode"],
        }
        items = client.call("Stock/GetStockItemsFull", body) or []
        item_ids += [item["StockItemId"] for item in items]
        if len(items) < 200:
            break
    for batch in _chunks(item_ids):
        client.call("Stock/GetStockLevel_Batch", {"request": {"StockItemIds": batch}})
    for batch in _chunks(item_ids):
        client.call("Stock/GetStockItemsFullByIds", {"request": {"StockItemIds": batch, "DataRequirements": []}})
    order_ids: list[str] = []
    since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 365 * 86400))
    until = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 86400))
    for page in range(1, 10**6):
        request = {
            "DateField": "processed",
            "FromDate": since,
            "ToDate": until,
            "PageNumber": page,
            "ResultsPerPage": 200,
            "SearchSorting": {"SortField": "dProcessedOn", "SortDirection": "ASC"},
        }
        answer = client.call("ProcessedOrders/SearchProcessedOrders", {"request": request})["ProcessedOrders"]
        order_ids += [order["pkOrderID"] for order in answer["Data"]]
        if page >= answer["TotalPages"]:
            break
    for batch in _chunks(order_ids):
        client.call("Orders/GetOrdersById", {"pkOrderIds": batch})
    open_ids: list[str] = []
    for location in locations:
        for page in range(1, 10**6):
            location_id = location["StockLocationId"]
            request = {"ViewId": 4, "LocationId": location_id, "EntriesPerPage": 200, "PageNumber": page}
            answer = client.call("OpenOrders/GetOpenOrderIds", {"request": request})
            open_ids += [i for i in answer["Data"] if i not in open_ids]
            if page >= answer["TotalPages"]:
                break
    for batch in _chunks(open_ids):
        client.call("Orders/GetOrdersById", {"pkOrderIds": batch})
    return time.perf_counter() - started

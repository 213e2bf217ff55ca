"""A local What Drops Now API (`/api/v1`) on 127.0.0.1, for tests, demos and drills: `running_wdn_sandbox()`.

It serves the four calls of docs/sources/wdn.md §1-§2 over a seeded dataset (data.py):

    GET /api/v1/searches/brand_search?q=NAME[&page=N&page_size=S]  brands whose name contains NAME (paged)
    GET /api/v1/brands/{id}/products?page=N&page_size=S              a brand's products (paged)
    GET /api/v1/products/{id}/offers?page=N&page_size=S              a product's offers (often none)
    GET /api/v1/retailers/{id}                                       one retailer; 404 for some ids

Lists answer `{"data": [...], "meta": {"page": {"total_count": T, "current_page": N}}}` (page_size 1-100,
default 20; a page past the end is empty). Like the real API it throttles: a request arriving while
`max_concurrency` (5) others are being answered gets 429 with `Retry-After: 1`. Faults use the Linnworks
sandbox's spec (`offers#40+=500`, `*@0.05=503`; targets brand_search, products, offers, retailer).

Admin routes: `GET /_sandbox/stats` (calls per endpoint and status, 429s, peak concurrency, dataset counts)
and `GET /_sandbox/calls`. It refuses to bind a non-loopback address unless `allow_remote=True`. The HTTP
server, its life cycle and the call log are sandboxes/server.py's; this module is What Drops Now's part.
"""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import parse_qs

from sandboxes.faults import FaultPlan, FaultRule, parse_faults
from sandboxes.server import Reply, Request, SandboxServer, running
from sandboxes.server import check_bind_host as _check_bind_host
from sandboxes.wdn.data import WdnDataset, generate_wdn_dataset

API_PREFIX = "/api/v1"
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
ENDPOINTS = ("brand_search", "products", "offers", "retailer")
_ROUTES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("brand_search", re.compile(r"^/searches/brand_search/?$")),
    ("products", re.compile(r"^/brands/(\d+)/products/?$")),
    ("offers", re.compile(r"^/products/(\d+)/offers/?$")),
    ("retailer", re.compile(r"^/retailers/(\d+)/?$")),
)
_SUPPORTED_FAULTS = ("status", "drop", "slow", "badjson", "nonjson")


@dataclass(frozen=True)
class WdnCall:
    """One API call as the sandbox saw it; `status` None when the connection was dropped."""

    seq: int
    endpoint: str
    """brand_search, products, offers, retailer, or the raw path of an unknown route."""
    path: str
    status: int | None
    started_at: float
    duration_seconds: float
    in_flight: int
    """Requests being answered when this one arrived, itself included."""
    fault: str | None = None


@dataclass
class _Reply(Reply):
    """An answer of this API: its JSON escapes non-ASCII characters (`\\u00e9`)."""

    ensure_ascii: bool = True


class BadRequest(ValueError):
    """A request the API refuses with 400."""


def check_bind_host(host: str, allow_remote: bool = False) -> str:
    """The address to bind for `host`, refusing in this sandbox's name (see sandboxes.server)."""
    return _check_bind_host(host, allow_remote, WdnSandbox.what)


def _errors(status: int, title: str, detail: str = "") -> dict[str, Any]:
    return {"errors": [{"status": str(status), "title": title, "detail": detail}]}


def _int_param(query: dict[str, list[str]], name: str, default: int, low: int, high: int) -> int:
    values = query.get(name)
    if not values or values[-1] == "":
        return default
    try:
        value = int(values[-1])
    except ValueError:
        raise BadRequest(f"{name} must be an integer, got {values[-1]!r}") from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}, got {value}")
    return value


def _page(records: list[dict[str, Any]], query: dict[str, list[str]]) -> dict[str, Any]:
    page = _int_param(query, "page", 1, 1, 10**6)
    size = _int_param(query, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    start = (page - 1) * size
    return {
        "data": records[start : start + size],
        "meta": {"page": {"current_page": page, "total_count": len(records)}},
    }


class WdnSandbox(SandboxServer[WdnCall]):
    """A What Drops Now API sandbox. Use `running_wdn_sandbox(...)` or `start()` / `stop()`.

    Options: `host`/`port` (127.0.0.1, 0 = any free port), the dataset's `seed`, `products_per_brand`,
    `retailers`, `offerless_share`, `missing_retailer_share`; `max_concurrency` (5: more requests at once get
    429), `latency_seconds` (time to answer each call), `faults` (spec or rules), `allow_remote`, `log`.
    """

    what = "What Drops Now sandbox"
    thread_name = "wdn-sandbox"
    server_version = "WhatDropsNowSandbox/1.0"
    http_methods = ("GET",)
    request_queue_size = 64
    call_type = WdnCall

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 1,
        products_per_brand: int = 300,
        retailers: int = 40,
        offerless_share: float = 0.4,
        missing_retailer_share: float = 0.15,
        max_concurrency: int = 5,
        latency_seconds: float = 0.0,
        faults: str | Iterable[FaultRule | str] | None = None,
        allow_remote: bool = False,
        log: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(host=host, port=port, allow_remote=allow_remote, log=log)
        self.seed = seed
        self.max_concurrency = max_concurrency
        self.latency_seconds = latency_seconds
        self.data: WdnDataset = generate_wdn_dataset(
            seed=seed,
            products_per_brand=products_per_brand,
            retailers=retailers,
            offerless_share=offerless_share,
            missing_retailer_share=missing_retailer_share,
        )
        self.faults = FaultPlan(seed=seed)
        self.set_faults(faults)
        self._in_flight = 0
        self._peak = 0

    # -- what tests and users read ---------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """The API base (`…/api/v1`), what `sources.wdn.base_url` should be set to."""
        return self.url + API_PREFIX

    @property
    def peak_concurrency(self) -> int:
        """The most requests ever being answered at once (throttled ones included)."""
        with self._lock:
            return self._peak

    def stats(self) -> dict[str, Any]:
        """Calls per endpoint and status, 404s, 429s, faults, peak concurrency and the dataset's counts."""
        calls = self.calls()
        statuses = Counter(call.status for call in calls)
        return {
            "calls": len(calls),
            "by_endpoint": self.tally(calls),
            "status_404": statuses[404],
            "status_429": statuses[429],
            "faults": sum(call.fault is not None for call in calls),
            "peak_concurrency": self.peak_concurrency,
            "max_concurrency": self.max_concurrency,
            "dataset": self.data.counts(),
        }

    def reset_stats(self) -> None:
        """Forget the call log, call numbers (fault rules count from 1 again) and the peak concurrency."""
        super().reset_stats()
        with self._lock:
            self._peak = self._in_flight

    def set_faults(self, faults: str | Iterable[FaultRule | str] | None) -> None:
        """Replace the fault rules. Raises ValueError for an action this sandbox cannot play."""
        rules = parse_faults(faults)
        for rule in rules:
            if rule.parsed_action()[0] not in _SUPPORTED_FAULTS:
                raise ValueError(f"fault {rule}: this sandbox plays a 4xx/5xx status, drop, slow, badjson or nonjson")
        self.faults.replace(rules)

    def clear_faults(self) -> None:
        self.faults.clear()

    # -- request handling ------------------------------------------------------------------------------
    def answer(self, request: Request) -> Reply:
        endpoint, reply, in_flight, fault = self.handle(request.path, request.query)
        reply.call = {"endpoint": endpoint, "path": request.target, "in_flight": in_flight, "fault": fault}
        return reply

    def internal_error(self, request: Request) -> Reply:
        call = {"endpoint": request.path, "path": request.target, "in_flight": 0, "fault": None}
        return _Reply(500, _errors(500, "Internal Server Error"), call=call)

    def describe(self, call: WdnCall) -> str:
        fault = "  " + call.fault if call.fault else ""
        return f"GET {call.path} -> {call.status or 'dropped'} ({call.in_flight} in flight){fault}"

    def handle(self, path: str, query: str) -> tuple[str, _Reply, int, str | None]:
        """Answer one API call: (endpoint name, reply, in-flight count at arrival, fired fault rule)."""
        endpoint, match = _route(path)
        with self._lock:
            self._in_flight += 1
            in_flight = self._in_flight
            self._peak = max(self._peak, in_flight)
        number = self.count_call(endpoint)
        try:
            if in_flight > self.max_concurrency:
                return endpoint, _throttled(self.max_concurrency), in_flight, None
            if self.latency_seconds:
                self.pause(self.latency_seconds)
            rule = self.faults.pick(endpoint, number) if match is not None else None
            reply = self._answer(endpoint, match, parse_qs(query, keep_blank_values=True))
            if rule is not None:
                reply = self._fault(rule, reply)
            return endpoint, reply, in_flight, str(rule) if rule else None
        finally:
            # Counted out before the answer is written: a client whose answer arrived is never still counted.
            with self._lock:
                self._in_flight -= 1

    def _fault(self, rule: FaultRule, reply: _Reply) -> _Reply:
        kind, status, seconds = rule.parsed_action()
        if kind == "drop":
            return _Reply(0, mode="drop")
        if kind == "status":
            assert status is not None
            if status == 429:
                return _throttled(self.max_concurrency, int(seconds or 1))
            return _Reply(status, _errors(status, "Internal Server Error" if status >= 500 else "Bad Request"))
        if kind == "slow":
            self.pause(seconds or 0)
        elif kind == "badjson":
            whole = reply.body()
            return _Reply(200, raw=whole[: len(whole) // 2])
        elif kind == "nonjson":
            page = b"<html><body><h1>We'll be right back</h1></body></html>"
            return _Reply(200, raw=page, content_type="text/html; charset=utf-8")
        return reply

    def _answer(self, endpoint: str, match: re.Match[str] | None, query: dict[str, list[str]]) -> _Reply:
        if match is None:
            return _Reply(404, _errors(404, "Not Found", f"no route {endpoint}"))
        try:
            if endpoint == "brand_search":
                q = (query.get("q") or [""])[-1]
                return _Reply(200, _page([b.record() for b in self.data.search_brands(q)], query))
            key = int(match.group(1))
            if endpoint == "products":
                if self.data.brand(key) is None:
                    return _Reply(404, _errors(404, "Record not found", f"brand {key}"))
                return _Reply(200, _page([p.record() for p in self.data.products_by_brand[key]], query))
            if endpoint == "offers":
                if key not in self.data.offers_by_product:
                    return _Reply(404, _errors(404, "Record not found", f"product {key}"))
                return _Reply(200, _page([o.record() for o in self.data.offers_by_product[key]], query))
            retailer = self.data.retailers.get(key)
            if retailer is None or not retailer.is_listed:
                return _Reply(404, _errors(404, "Record not found", f"retailer {key}"))
            return _Reply(200, {"data": retailer.record()})
        except BadRequest as error:
            return _Reply(400, _errors(400, "Bad Request", str(error)))

    def handle_admin(self, method: str, route: str, query: str) -> Reply:
        if route == "stats":
            return _Reply(200, self.stats())
        if route == "calls":
            return _Reply(200, {"calls": [asdict(call) for call in self.calls()]})
        return _Reply(404, _errors(404, "Not Found", f"no sandbox admin route /_sandbox/{route}"))


def _route(path: str) -> tuple[str, re.Match[str] | None]:
    if path.startswith(API_PREFIX + "/"):
        rest = path[len(API_PREFIX) :]
        for name, pattern in _ROUTES:
            match = pattern.match(rest)
            if match:
                return name, match
    return path, None


def _throttled(limit: int, retry_after: int = 1) -> _Reply:
    detail = f"more than {limit} concurrent requests; retry after {retry_after} s"
    return _Reply(429, _errors(429, "Too Many Requests", detail), headers={"Retry-After": str(retry_after)})


def running_wdn_sandbox(**options: Any) -> contextlib.AbstractContextManager[WdnSandbox]:
    """Start a WdnSandbox (see its options) on a free loopback port in a background thread; stop it on exit."""
    return running(WdnSandbox, **options)

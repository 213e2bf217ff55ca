"""A local What Drops Now API (`/api/v1`) on 127.0.0.1, for tests, demos and drills: `running_wdn_sandbox()`.

It serves the four calls of docs/sources/wdn.md §1-§2 over a seeded dataset (sandbox_data.py):

    GET /api/v1/searches/brand_search?q=NAME[&page=N&page_size=S]  brands whose name contains NAME (paged)
    GET /api/v1/brands/{id}/products?page=N&page_size=S              a brand's products (paged)
    GET /api/v1/products/{id}/offers?page=N&page_size=S              a product's offers (often none)
    GET /api/v1/retailers/{id}                                       one retailer; 404 for some ids

Lists answer `{"data": [...], "meta": {"page": {"total_count": T, "current_page": N}}}` (page_size 1-100,
default 20; a page past the end is empty). Like the real API it throttles: a request arriving while
`max_concurrency` (5) others are being answered gets 429 with `Retry-After: 1`. Faults use the Linnworks
sandbox's spec (`offers#40+=500`, `*@0.05=503`; targets brand_search, products, offers, retailer).

Admin routes: `GET /_sandbox/stats` (calls per endpoint and status, 429s, peak concurrency, dataset counts)
and `GET /_sandbox/calls`. It refuses to bind a non-loopback address unless `allow_remote=True`.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import re
import socket
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandboxes.linnworks import FaultPlan, FaultRule, parse_faults
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
class _Reply:
    status: int
    payload: Any = None
    raw: bytes | None = None
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False

    def body(self) -> bytes:
        if self.raw is not None:
            return self.raw
        return json.dumps(self.payload, separators=(",", ":")).encode()


class BadRequest(ValueError):
    """A request the API refuses with 400."""


def check_bind_host(host: str, allow_remote: bool = False) -> None:
    """Raise ValueError unless `host` is a loopback address (or `allow_remote`)."""
    if allow_remote or host.lower() == "localhost":
        return
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        address = None
    if address is None or not address.is_loopback:
        raise ValueError(
            f"refusing to serve the sandbox on {host!r}: it is not a loopback address. Use 127.0.0.1 (the "
            "default), or pass allow_remote=True / --allow-remote to expose it to other machines."
        )


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


class WdnSandbox:
    """A What Drops Now API sandbox. Use `running_wdn_sandbox(...)` or `start()` / `stop()`.

    Options: `host`/`port` (127.0.0.1, 0 = any free port), the dataset's `seed`, `products_per_brand`,
    `retailers`, `offerless_share`, `missing_retailer_share`; `max_concurrency` (5: more requests at once get
    429), `latency_seconds` (time to answer each call), `faults` (spec or rules), `allow_remote`, `log`.
    """

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
        check_bind_host(host, allow_remote)
        self.host, self.port, self.seed = host, port, seed
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
        self._log_line = log
        self._lock = threading.Lock()
        self._calls: list[WdnCall] = []
        self._call_numbers: Counter[str] = Counter()
        self._in_flight = 0
        self._peak = 0
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------------
    def start(self) -> WdnSandbox:
        if self._server is None:
            server_class = _IPv6Server if ":" in self.host else _IPv4Server
            self._server = server_class((self.host.strip("[]"), self.port), _Handler)
            self._server.sandbox = self  # type: ignore[attr-defined]
            self.port = self._server.server_address[1]
            self._stopping.clear()
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="wdn-sandbox", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server, self._thread = None, None

    def __enter__(self) -> WdnSandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- what tests and users read ---------------------------------------------------------------------
    @property
    def url(self) -> str:
        host = f"[{self.host.strip('[]')}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The API base (`…/api/v1`), what `sources.wdn.base_url` should be set to."""
        return self.url + API_PREFIX

    @property
    def peak_concurrency(self) -> int:
        """The most requests ever being answered at once (throttled ones included)."""
        with self._lock:
            return self._peak

    def calls(self, endpoint: str | None = None) -> list[WdnCall]:
        """A copy of the call log, oldest first (only `endpoint`'s calls when given)."""
        with self._lock:
            return [call for call in self._calls if endpoint is None or call.endpoint == endpoint]

    def stats(self) -> dict[str, Any]:
        """Calls per endpoint and status, 404s, 429s, faults, peak concurrency and the dataset's counts."""
        calls = self.calls()
        by_endpoint: dict[str, dict[str, Any]] = defaultdict(lambda: {"calls": 0, "statuses": Counter()})
        for call in calls:
            by_endpoint[call.endpoint]["calls"] += 1
            by_endpoint[call.endpoint]["statuses"][str(call.status) if call.status is not None else "dropped"] += 1
        statuses = Counter(call.status for call in calls)
        return {
            "calls": len(calls),
            "by_endpoint": {
                name: {"calls": e["calls"], "statuses": dict(e["statuses"])} for name, e in by_endpoint.items()
            },
            "status_404": statuses[404],
            "status_429": statuses[429],
            "faults": sum(call.fault is not None for call in calls),
            "peak_concurrency": self.peak_concurrency,
            "max_concurrency": self.max_concurrency,
            "dataset": self.data.counts(),
        }

    def reset_stats(self) -> None:
        """Forget the call log, call numbers (fault rules count from 1 again) and the peak concurrency."""
        with self._lock:
            self._calls.clear()
            self._call_numbers.clear()
            self._peak = self._in_flight

    def set_faults(self, faults: str | Iterable[FaultRule | str] | None) -> None:
        """Replace the fault rules. Raises ValueError for an action this sandbox cannot play."""
        rules = parse_faults(faults)
        for rule in rules:
            if rule.parsed_action()[0] not in _SUPPORTED_FAULTS:
                raise ValueError(f"fault {rule}: this sandbox plays a 4xx/5xx status, drop, slow, badjson or nonjson")
        self.faults.clear()
        self.faults.extend(rules)

    def clear_faults(self) -> None:
        self.faults.clear()

    # -- request handling ------------------------------------------------------------------------------
    def handle(self, path: str, query: str) -> tuple[str, _Reply, int, str | None]:
        """Answer one API call: (endpoint name, reply, in-flight count at arrival, fired fault rule)."""
        endpoint, match = _route(path)
        with self._lock:
            self._in_flight += 1
            in_flight = self._in_flight
            self._peak = max(self._peak, in_flight)
            self._call_numbers[endpoint] += 1
            number = self._call_numbers[endpoint]
        try:
            if in_flight > self.max_concurrency:
                return endpoint, _throttled(self.max_concurrency), in_flight, None
            if self.latency_seconds:
                self._stopping.wait(self.latency_seconds)
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
            return _Reply(0, drop=True)
        if kind == "status":
            assert status is not None
            if status == 429:
                return _throttled(self.max_concurrency, int(seconds or 1))
            return _Reply(status, _errors(status, "Internal Server Error" if status >= 500 else "Bad Request"))
        if kind == "slow":
            self._stopping.wait(seconds or 0)
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

    def handle_admin(self, route: str) -> _Reply:
        if route == "stats":
            return _Reply(200, self.stats())
        if route == "calls":
            return _Reply(200, {"calls": [asdict(call) for call in self.calls()]})
        return _Reply(404, _errors(404, "Not Found", f"no sandbox admin route /_sandbox/{route}"))

    def record(
        self, endpoint: str, path: str, reply: _Reply, started: float, in_flight: int, fault: str | None
    ) -> None:
        with self._lock:
            call = WdnCall(
                seq=len(self._calls) + 1,
                endpoint=endpoint,
                path=path,
                status=None if reply.drop else reply.status,
                started_at=started,
                duration_seconds=time.time() - started,
                in_flight=in_flight,
                fault=fault,
            )
            self._calls.append(call)
        if self._log_line is not None:
            self._log_line(
                f"GET {path} -> {call.status or 'dropped'} ({in_flight} in flight){'  ' + fault if fault else ''}"
            )


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


class _IPv4Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


class _IPv6Server(_IPv4Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "WhatDropsNowSandbox/1.0"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        """No stderr access log: the sandbox keeps its own call log."""

    def do_GET(self) -> None:
        sandbox: WdnSandbox = self.server.sandbox  # type: ignore[attr-defined]
        started = time.time()
        url = urlsplit(self.path)
        if url.path.startswith("/_sandbox/"):
            self._write(sandbox.handle_admin(url.path.removeprefix("/_sandbox/").strip("/")))
            return
        try:
            endpoint, reply, in_flight, fault = sandbox.handle(url.path, url.query)
        except Exception as error:  # a sandbox bug must still answer, as a live API's 500 does
            self.log_error("sandbox error answering %s: %r", url.path, error)
            endpoint, reply, in_flight, fault = url.path, _Reply(500, _errors(500, "Internal Server Error")), 0, None
        sandbox.record(endpoint, self.path, reply, started, in_flight, fault)
        self._write(reply)

    def _write(self, reply: _Reply) -> None:
        if reply.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        body = reply.body()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)


@contextlib.contextmanager
def running_wdn_sandbox(**options: Any) -> Iterator[WdnSandbox]:
    """Start a WdnSandbox (see its options) on a free loopback port in a background thread; stop it on exit."""
    sandbox = WdnSandbox(**options)
    sandbox.start()
    try:
        yield sandbox
    finally:
        sandbox.stop()

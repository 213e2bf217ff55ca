"""A local Reaktor "bad API" (`/v2`) on 127.0.0.1, for tests, demos and drills: `running_badapi_sandbox()`.

    GET /v2/products/{gloves|facemasks|beanies}   JSON array of products (thousands, slow with `latency_seconds`)
    GET /v2/availability/{manufacturer}           {"code": 200, "response": [{"id": UPPER, "DATAPAYLOAD": xml}]}

Its faults, as the real one's (docs/sources/badapi.md §2):

- Error mode: at random (`error_rate`, seeded), an availability call answers HTTP 200 with
  `{"code": 200, "response": "[]"}` (a string) and header `x-error-modes-active: availability-empty`
  (empty on healthy answers). Request header `x-force-error-mode: all` forces it.
- Caching: answers carry an `ETag` and `Cache-Control: max-age=300`; a request whose `If-None-Match` holds the
  current ETag gets 304 with no body. The data behind the cache changes once per `cache_seconds` (a
  "generation": availability shifts a little, products stay), or on `advance()`.

Admin routes: `GET /_sandbox/stats`, `GET /_sandbox/calls`, `POST /_sandbox/advance`. It refuses to bind a
non-loopback address unless `allow_remote=True`.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import json
import random
import socket
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from sandboxes.badapi.data import CATEGORIES, BadApiDataset, generate_badapi_dataset

ERROR_MODE = "availability-empty"
ERROR_MODES_HEADER = "x-error-modes-active"
FORCE_ERROR_MODE_HEADER = "x-force-error-mode"


@dataclass(frozen=True)
class BadApiCall:
    """One call as the sandbox saw it."""

    seq: int
    endpoint: str
    """products, availability, or the raw path of an unknown route."""
    subject: str
    """The category or manufacturer asked for."""
    status: int
    error_mode: bool
    forced: bool
    generation: int
    started_at: float
    duration_seconds: float
    bytes_sent: int


@dataclass
class _Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    error_mode: bool = False


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


def _json(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


class BadApiSandbox:
    """A bad-API sandbox. Use `running_badapi_sandbox(...)` or `start()` / `stop()`.

    Options: `host`/`port` (127.0.0.1, 0 = any free port), the dataset's `seed`, `products_per_category`,
    `unlisted_share`, `orphan_share`, `change_share`; `error_rate` (share of availability calls in error
    mode, 0.1), `cache_seconds` (300: how long an answer and its ETag stay the same), `latency_seconds`
    (time to answer each call), `allow_remote`, `log` (called with one line per call).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 1,
        products_per_category: int = 2500,
        unlisted_share: float = 0.01,
        orphan_share: float = 0.005,
        change_share: float = 0.1,
        error_rate: float = 0.1,
        cache_seconds: float = 300.0,
        latency_seconds: float = 0.0,
        allow_remote: bool = False,
        log: Callable[[str], None] | None = None,
    ) -> None:
        check_bind_host(host, allow_remote)
        if not 0 <= error_rate <= 1 or cache_seconds <= 0:
            raise ValueError("error_rate must be in [0, 1] and cache_seconds above 0")
        self.host, self.port, self.seed = host, port, seed
        self.error_rate, self.cache_seconds, self.latency_seconds = error_rate, cache_seconds, latency_seconds
        self.data: BadApiDataset = generate_badapi_dataset(
            seed=seed,
            products_per_category=products_per_category,
            unlisted_share=unlisted_share,
            orphan_share=orphan_share,
            change_share=change_share,
        )
        self._log_line = log
        self._lock = threading.Lock()
        self._rng = random.Random(f"badapi-errors:{seed}")
        self._calls: list[BadApiCall] = []
        self._bodies: dict[tuple[str, str, int], tuple[bytes, str]] = {}
        self._started = time.monotonic()
        self._advanced = 0
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------------
    def start(self) -> BadApiSandbox:
        if self._server is None:
            server_class = _IPv6Server if ":" in self.host else _IPv4Server
            self._server = server_class((self.host.strip("[]"), self.port), _Handler)
            self._server.sandbox = self  # type: ignore[attr-defined]
            self.port = self._server.server_address[1]
            self._stopping.clear()
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="badapi-sandbox", daemon=True
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

    def __enter__(self) -> BadApiSandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- what tests and users read and do --------------------------------------------------------------
    @property
    def url(self) -> str:
        """The API base (`http://127.0.0.1:PORT`); calls go to `{url}/v2/...`."""
        host = f"[{self.host.strip('[]')}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def generation(self) -> int:
        """Which cache period the data is in: one per `cache_seconds` since start, plus every `advance()`."""
        with self._lock:
            return self._advanced + int((time.monotonic() - self._started) // self.cache_seconds)

    def advance(self) -> int:
        """Move to the next generation now (availability changes, ETags with it); returns the new generation."""
        with self._lock:
            self._advanced += 1
        return self.generation

    def set_error_rate(self, rate: float) -> None:
        if not 0 <= rate <= 1:
            raise ValueError("error_rate must be in [0, 1]")
        self.error_rate = rate

    def calls(self, endpoint: str | None = None) -> list[BadApiCall]:
        with self._lock:
            return [call for call in self._calls if endpoint is None or call.endpoint == endpoint]

    def stats(self) -> dict[str, Any]:
        """Calls per endpoint and status (304s included), error-mode answers (forced ones), dataset counts."""
        calls = self.calls()
        by_endpoint: dict[str, dict[str, Any]] = defaultdict(lambda: {"calls": 0, "statuses": Counter()})
        for call in calls:
            by_endpoint[call.endpoint]["calls"] += 1
            by_endpoint[call.endpoint]["statuses"][str(call.status)] += 1
        return {
            "calls": len(calls),
            "by_endpoint": {
                name: {"calls": e["calls"], "statuses": dict(e["statuses"])} for name, e in by_endpoint.items()
            },
            "not_modified": sum(call.status == 304 for call in calls),
            "error_mode": sum(call.error_mode for call in calls),
            "forced_error_mode": sum(call.forced for call in calls),
            "bytes_sent": sum(call.bytes_sent for call in calls),
            "generation": self.generation,
            "dataset": self.data.counts(),
        }

    def reset_stats(self) -> None:
        with self._lock:
            self._calls.clear()

    # -- request handling ------------------------------------------------------------------------------
    def _body(self, endpoint: str, subject: str, generation: int) -> tuple[bytes, str]:
        """The cached answer of one listing in one generation, and its ETag."""
        key = (endpoint, subject, generation if endpoint == "availability" else 0)
        with self._lock:
            cached = self._bodies.get(key)
        if cached is None:
            if endpoint == "products":
                payload: Any = self.data.products[subject]
            else:
                payload = {"code": 200, "response": self.data.availability(subject, generation)}
            body = _json(payload)
            cached = (body, f'"{hashlib.sha1(body).hexdigest()[:20]}"')
            with self._lock:
                self._bodies[key] = cached
        return cached

    def handle(self, path: str, headers: Mapping[str, str]) -> tuple[str, str, _Reply, bool, int]:
        """Answer one call: (endpoint, subject, reply, forced error mode, generation)."""
        parts = [part for part in path.split("/") if part]
        generation = self.generation
        if len(parts) != 3 or parts[0] != "v2" or parts[1] not in ("products", "availability"):
            return path, "", _Reply(404, _json({"code": 404, "response": f"no route {path}"})), False, generation
        endpoint, subject = parts[1], parts[2].lower()
        if endpoint == "products" and subject not in CATEGORIES:
            reply = _Reply(404, _json({"code": 404, "response": f"unknown category {subject!r}"}))
            return endpoint, subject, reply, False, generation
        if self.latency_seconds:
            self._stopping.wait(self.latency_seconds)
        forced = endpoint == "availability" and headers.get(FORCE_ERROR_MODE_HEADER, "").strip().lower() == "all"
        if forced:
            return endpoint, subject, self._error_mode(), True, generation
        body, etag = self._body(endpoint, subject, generation)
        cache = {"ETag": etag, "Cache-Control": f"public, max-age={int(self.cache_seconds)}"}
        extra = {ERROR_MODES_HEADER: ""} if endpoint == "availability" else {}
        if etag in [tag.strip() for tag in headers.get("if-none-match", "").split(",")]:
            return endpoint, subject, _Reply(304, headers=cache | extra), False, generation
        if endpoint == "availability":
            with self._lock:
                in_error = self._rng.random() < self.error_rate
            if in_error:
                return endpoint, subject, self._error_mode(), False, generation
        return endpoint, subject, _Reply(200, body, headers=cache | extra), False, generation

    @staticmethod
    def _error_mode() -> _Reply:
        headers = {ERROR_MODES_HEADER: ERROR_MODE, "Cache-Control": "no-store"}
        return _Reply(200, _json({"code": 200, "response": "[]"}), headers=headers, error_mode=True)

    def handle_admin(self, method: str, route: str) -> _Reply:
        if method == "GET" and route == "stats":
            return _Reply(200, _json(self.stats()))
        if method == "GET" and route == "calls":
            return _Reply(200, _json({"calls": [asdict(call) for call in self.calls()]}))
        if method == "POST" and route == "advance":
            return _Reply(200, _json({"generation": self.advance()}))
        return _Reply(404, _json({"code": 404, "response": f"no sandbox admin route {method} /_sandbox/{route}"}))

    def record(self, endpoint: str, subject: str, reply: _Reply, forced: bool, generation: int, started: float) -> None:
        with self._lock:
            call = BadApiCall(
                seq=len(self._calls) + 1,
                endpoint=endpoint,
                subject=subject,
                status=reply.status,
                error_mode=reply.error_mode,
                forced=forced,
                generation=generation,
                started_at=started,
                duration_seconds=time.time() - started,
                bytes_sent=len(reply.body),
            )
            self._calls.append(call)
        if self._log_line is not None:
            mode = "  error mode" + (" (forced)" if forced else "") if reply.error_mode else ""
            self._log_line(f"GET /v2/{endpoint}/{subject} -> {reply.status} ({len(reply.body):,} bytes){mode}")


class _IPv4Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class _IPv6Server(_IPv4Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "BadApiSandbox/1.0"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        """No stderr access log: the sandbox keeps its own call log."""

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        sandbox: BadApiSandbox = self.server.sandbox  # type: ignore[attr-defined]
        started = time.time()
        path = urlsplit(self.path).path
        if path.startswith("/_sandbox/"):
            self._write(sandbox.handle_admin(method, path.removeprefix("/_sandbox/").strip("/")))
            return
        headers = {key.lower(): value for key, value in self.headers.items()}
        try:
            endpoint, subject, reply, forced, generation = sandbox.handle(path, headers)
        except Exception as error:  # a sandbox bug must still answer
            self.log_error("sandbox error answering %s: %r", path, error)
            endpoint, subject, forced, generation = path, "", False, 0
            reply = _Reply(500, _json({"code": 500, "response": "internal error"}))
        sandbox.record(endpoint, subject, reply, forced, generation, started)
        self._write(reply)

    def _write(self, reply: _Reply) -> None:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.send_response(reply.status)
            if reply.status != 304:
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(reply.body)))
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            if reply.status != 304:
                self.wfile.write(reply.body)


@contextlib.contextmanager
def running_badapi_sandbox(**options: Any) -> Iterator[BadApiSandbox]:
    """Start a BadApiSandbox (see its options) on a free loopback port in a background thread; stop it on exit."""
    sandbox = BadApiSandbox(**options)
    sandbox.start()
    try:
        yield sandbox
    finally:
        sandbox.stop()

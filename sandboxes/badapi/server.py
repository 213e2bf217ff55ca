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
non-loopback address unless `allow_remote=True`. The HTTP server, its life cycle and the call log are
sandboxes/server.py's; this module is the bad API's part.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from sandboxes.badapi.data import CATEGORIES, BadApiDataset, generate_badapi_dataset
from sandboxes.server import Reply, Request, SandboxServer, running

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


def _json(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


class BadApiSandbox(SandboxServer[BadApiCall]):
    """A bad-API sandbox. Use `running_badapi_sandbox(...)` or `start()` / `stop()`.

    Options: `host`/`port` (127.0.0.1, 0 = any free port), the dataset's `seed`, `products_per_category`,
    `unlisted_share`, `orphan_share`, `change_share`; `error_rate` (share of availability calls in error
    mode, 0.1), `cache_seconds` (300: how long an answer and its ETag stay the same), `latency_seconds`
    (time to answer each call), `allow_remote`, `log` (called with one line per call).
    """

    what = "bad-API sandbox"
    thread_name = "badapi-sandbox"
    server_version = "BadApiSandbox/1.0"
    call_type = BadApiCall

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
        super().__init__(host=host, port=port, allow_remote=allow_remote, log=log)
        if not 0 <= error_rate <= 1 or cache_seconds <= 0:
            raise ValueError("error_rate must be in [0, 1] and cache_seconds above 0")
        self.seed = seed
        self.error_rate, self.cache_seconds, self.latency_seconds = error_rate, cache_seconds, latency_seconds
        self.data: BadApiDataset = generate_badapi_dataset(
            seed=seed,
            products_per_category=products_per_category,
            unlisted_share=unlisted_share,
            orphan_share=orphan_share,
            change_share=change_share,
        )
        self._rng = random.Random(f"badapi-errors:{seed}")
        self._bodies: dict[tuple[str, str, int], tuple[bytes, str]] = {}
        self._started = time.monotonic()
        self._advanced = 0

    # -- what tests and users read and do --------------------------------------------------------------
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

    def stats(self) -> dict[str, Any]:
        """Calls per endpoint and status (304s included), error-mode answers (forced ones), dataset counts."""
        calls = self.calls()
        return {
            "calls": len(calls),
            "by_endpoint": self.tally(calls),
            "not_modified": sum(call.status == 304 for call in calls),
            "error_mode": sum(call.error_mode for call in calls),
            "forced_error_mode": sum(call.forced for call in calls),
            "bytes_sent": sum(call.bytes_sent for call in calls),
            "generation": self.generation,
            "dataset": self.data.counts(),
        }

    # -- request handling ------------------------------------------------------------------------------
    def answer(self, request: Request) -> Reply:
        endpoint, subject, reply, forced, generation = self.handle(request.path, request.headers)
        return _noted(reply, endpoint, subject, forced, generation)

    def internal_error(self, request: Request) -> Reply:
        return _noted(Reply(500, {"code": 500, "response": "internal error"}), request.path, "", False, 0)

    def describe(self, call: BadApiCall) -> str:
        mode = "  error mode" + (" (forced)" if call.forced else "") if call.error_mode else ""
        return f"GET /v2/{call.endpoint}/{call.subject} -> {call.status} ({call.bytes_sent:,} bytes){mode}"

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

    def handle(self, path: str, headers: Mapping[str, str]) -> tuple[str, str, Reply, bool, int]:
        """Answer one call: (endpoint, subject, reply, forced error mode, generation)."""
        parts = [part for part in path.split("/") if part]
        generation = self.generation
        if len(parts) != 3 or parts[0] != "v2" or parts[1] not in ("products", "availability"):
            return path, "", Reply(404, {"code": 404, "response": f"no route {path}"}), False, generation
        endpoint, subject = parts[1], parts[2].lower()
        if endpoint == "products" and subject not in CATEGORIES:
            reply = Reply(404, {"code": 404, "response": f"unknown category {subject!r}"})
            return endpoint, subject, reply, False, generation
        if self.latency_seconds:
            self.pause(self.latency_seconds)
        forced = endpoint == "availability" and headers.get(FORCE_ERROR_MODE_HEADER, "").strip().lower() == "all"
        if forced:
            return endpoint, subject, self._error_mode(), True, generation
        body, etag = self._body(endpoint, subject, generation)
        cache = {"ETag": etag, "Cache-Control": f"public, max-age={int(self.cache_seconds)}"}
        extra = {ERROR_MODES_HEADER: ""} if endpoint == "availability" else {}
        if etag in [tag.strip() for tag in headers.get("if-none-match", "").split(",")]:
            return endpoint, subject, Reply(304, headers=cache | extra), False, generation
        if endpoint == "availability":
            with self._lock:
                in_error = self._rng.random() < self.error_rate
            if in_error:
                return endpoint, subject, self._error_mode(), False, generation
        return endpoint, subject, Reply(200, raw=body, headers=cache | extra), False, generation

    @staticmethod
    def _error_mode() -> Reply:
        headers = {ERROR_MODES_HEADER: ERROR_MODE, "Cache-Control": "no-store"}
        return Reply(200, {"code": 200, "response": "[]"}, headers=headers)

    def handle_admin(self, method: str, route: str, query: str) -> Reply:
        if method == "GET" and route == "stats":
            return Reply(200, self.stats())
        if method == "GET" and route == "calls":
            return Reply(200, {"calls": [asdict(call) for call in self.calls()]})
        if method == "POST" and route == "advance":
            return Reply(200, {"generation": self.advance()})
        return Reply(404, {"code": 404, "response": f"no sandbox admin route {method} /_sandbox/{route}"})


def _noted(reply: Reply, endpoint: str, subject: str, forced: bool, generation: int) -> Reply:
    """`reply` with the call record's own fields; error mode is what the answer's header says."""
    reply.call = {
        "endpoint": endpoint,
        "subject": subject,
        "error_mode": reply.headers.get(ERROR_MODES_HEADER) == ERROR_MODE,
        "forced": forced,
        "generation": generation,
        "bytes_sent": len(reply.body()),
    }
    return reply


def running_badapi_sandbox(**options: Any) -> contextlib.AbstractContextManager[BadApiSandbox]:
    """Start a BadApiSandbox (see its options) on a free loopback port in a background thread; stop it on exit."""
    return running(BadApiSandbox, **options)

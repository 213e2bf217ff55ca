"""The sandbox HTTP server: a real Linnworks look-alike on 127.0.0.1, run in a background thread.

`running_sandbox(**options)` starts one on a free port and stops it on exit::

    with running_sandbox(items=50, orders=100, rate_window_seconds=2) as sandbox:
        requests.post(f"{sandbox.url}/api/Auth/AuthorizeByApplication", data=sandbox.credentials_form())

Every API call goes through: call numbering and fault injection (faults.py) -> session check (401) ->
per-method rate limit (429) -> parameter binding (binding.py) -> the method's handler (endpoints.py).
Calls are logged (`Sandbox.calls()`, `Sandbox.stats()`); admin routes need no session:

    GET  /_sandbox/stats            counts per method and status, 401s, 429s, faults, dataset counts
    GET  /_sandbox/calls            the call log
    POST /_sandbox/orders?count=N   add N processed orders processed now (for incremental loads)
    POST /_sandbox/expire-sessions  end every session (next data call gets 401)

Sessions last `ttl_seconds` from authorisation (not sliding). The server refuses to bind anything but a
loopback address (or `localhost`, when it resolves to loopback addresses only) unless `allow_remote=True`.

Like Linnworks, it can answer the auth call under one host name and the data calls under another:
`auth_host="localhost"` on a sandbox bound to 127.0.0.1 serves `Auth/AuthorizeByApplication` at
`auth_url` (`http://localhost:PORT`), returns `Server: http://127.0.0.1:PORT` (`url`), and answers a
data call sent to the auth host name with 404, as api.linnworks.net serves no data methods.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import socket
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandboxes.faults import FaultPlan, FaultRule, method_key, parse_faults
from sandboxes.ratelimit import RATE_LIMITED_MESSAGE, RateLimiter

from .binding import BindingError, Params
from .data import Dataset, generate_dataset
from .endpoints import ROUTES, ApiError, Endpoint

DEFAULT_APPLICATION_ID = "6f1d3c2a-8b4e-4d5f-9a7c-1e2b3c4d5e6f"
DEFAULT_APPLICATION_SECRET = "0b9c8d7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e"
DEFAULT_TOKEN = "a3c5e7f9-1b2d-4e6f-8a0b-2c4d6e8f0a1b"
AUTH_ERROR_MESSAGE = "Invalid application id or application secret"
DENIED_MESSAGE = "Authorization has been denied for this request."
EXPIRED_MESSAGE = "Authorization has been denied for this request. The session has expired."
_GATEWAY_PAGE = (
    "<html><head><title>{status} {reason}</title></head><body><center><h1>{status} {reason}</h1></center>"
    "<hr><center>Microsoft-Azure-Application-Gateway/v2</center></body></html>"
)
_MAINTENANCE_PAGE = (
    "<!DOCTYPE html><html><head><title>Linnworks - Down for maintenance</title></head><body>"
    "<h1>We'll be back soon</h1><p>Linnworks is undergoing scheduled maintenance.</p></body></html>"
)


@dataclass(frozen=True)
class CallRecord:
    """One API call as the sandbox saw it. `status` is None when the connection was dropped."""

    seq: int
    method: str
    """Method name without controller (`GetStockItemsFull`), or the raw path for unknown routes."""
    http_method: str
    status: int | None
    started_at: float
    """Unix time the call arrived."""
    duration_seconds: float
    call_number: int
    """Which call of this method it was (1-based), as fault rules count."""
    fault: str | None = None
    """The fault rule that fired, in spec syntax."""
    session: str | None = None
    host: str | None = None
    """The host name the call was addressed to (its `Host` header, without the port)."""


@dataclass
class _Reply:
    status: int
    payload: Any = None
    raw: bytes | None = None
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    mode: str = "normal"
    """normal | drop (close without answering) | truncate (send half the promised body)."""

    def body(self) -> bytes:
        if self.raw is not None:
            return self.raw
        return json.dumps(self.payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _refusal(host: str, why: str) -> ValueError:
    return ValueError(
        f"refusing to serve the Linnworks sandbox on {host!r}: {why}. "
        "Use 127.0.0.1 (the default), or pass allow_remote=True / --allow-remote if you really "
        "mean to expose it to other machines."
    )


def check_bind_host(host: str, allow_remote: bool = False) -> str:
    """The address to bind for `host`; ValueError unless it is loopback (or `allow_remote`).

    `host` is a loopback address (127.0.0.0/8, ::1), or the name `localhost`, which is resolved and
    accepted only when every address it resolves to is loopback (IPv4 preferred). Other names are refused
    without being looked up: their addresses are not ours to vouch for.
    """
    name = host.strip().strip("[]")
    if allow_remote:
        return name
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        address = None
    if address is not None:
        if not address.is_loopback:
            raise _refusal(host, "it is not a loopback address")
        return name
    if name.lower().rstrip(".") != "localhost":
        raise _refusal(host, "it is not a loopback address (the only name accepted is localhost)")
    try:
        infos = socket.getaddrinfo("localhost", None, type=socket.SOCK_STREAM)
    except OSError as error:
        raise _refusal(host, f"it does not resolve ({error})") from None
    resolved = sorted({str(info[4][0]).split("%")[0] for info in infos}, key=lambda a: (":" in a, a))
    outside = [a for a in resolved if not ipaddress.ip_address(a).is_loopback]
    if outside or not resolved:
        raise _refusal(host, f"it resolves to {', '.join(outside) or 'nothing'}, which is not a loopback address")
    return resolved[0]


def _host_name(header: str | None) -> str | None:
    """`localhost` from a Host header `localhost:8765` (`::1` from `[::1]:8765`), lower case."""
    if not header:
        return None
    try:
        return urlsplit(f"//{header.strip()}").hostname
    except ValueError:
        return None


class _Sessions:
    def __init__(self, ttl_seconds: float) -> None:
        self.ttl = ttl_seconds
        self._lock = threading.Lock()
        self._expiry: dict[str, float] = {}
        self.created = 0

    def create(self) -> str:
        token = str(uuid.uuid4())
        with self._lock:
            self._expiry[token] = time.monotonic() + self.ttl
            self.created += 1
        return token

    def state(self, token: str) -> str:
        """ "ok", "expired" or "unknown"."""
        with self._lock:
            expiry = self._expiry.get(token)
        if expiry is None:
            return "unknown"
        return "ok" if time.monotonic() < expiry else "expired"

    def tokens(self) -> list[str]:
        with self._lock:
            return list(self._expiry)

    def end(self, token: str | None = None) -> int:
        """End one session (or all when `token` is None); returns how many were live."""
        now = time.monotonic()
        with self._lock:
            tokens = [token] if token is not None else list(self._expiry)
            ended = 0
            for key in tokens:
                if key in self._expiry:
                    ended += self._expiry[key] > now
                    self._expiry[key] = now - 1
            return ended


class Sandbox:
    """A Linnworks API sandbox. Use `running_sandbox(...)` or `start()` / `stop()`.

    Options: `host`/`port` (127.0.0.1, 0 = any free port), `seed`, `items`, `orders`, `open_orders`,
    `now` (fixed "now" for the order history; default the real time), `rate_window_seconds` (60),
    `rate_limits` (per-method overrides of the 150/250 limits), `ttl_seconds` (1800), `faults` (spec
    string or FaultRule list, see faults.py), `application_id` / `application_secret` / `token` (the only
    credentials accepted), `allow_remote`, `log` (called with one line per call), `auth_host` (another
    name of the bound address, e.g. `localhost`, that serves only the auth call: see the module docstring).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 1,
        items: int = 500,
        orders: int = 1000,
        open_orders: int | None = None,
        now: datetime | None = None,
        rate_window_seconds: float = 60.0,
        rate_limits: Mapping[str, int] | None = None,
        ttl_seconds: float = 1800,
        faults: str | Iterable[FaultRule | str] | None = None,
        application_id: str = DEFAULT_APPLICATION_ID,
        application_secret: str = DEFAULT_APPLICATION_SECRET,
        token: str = DEFAULT_TOKEN,
        allow_remote: bool = False,
        log: Callable[[str], None] | None = None,
        auth_host: str | None = None,
    ) -> None:
        self.bind_address = check_bind_host(host, allow_remote)
        self.host = host
        self.auth_host = self._check_auth_host(auth_host, allow_remote)
        self.port = port
        self.seed = seed
        self.ttl_seconds = ttl_seconds
        self.allow_remote = allow_remote
        self.data: Dataset = generate_dataset(seed=seed, items=items, orders=orders, open_orders=open_orders, now=now)
        self.faults = FaultPlan(parse_faults(faults), seed=seed)
        self.limiter = RateLimiter(rate_window_seconds)
        self._limits = {method_key(name): limit for name, limit in (rate_limits or {}).items()}
        self._credentials = (application_id.lower(), application_secret.lower(), token.lower())
        self._raw_credentials = {
            "application_id": application_id,
            "application_secret": application_secret,
            "token": token,
        }
        self._sessions = _Sessions(ttl_seconds)
        self._log_line = log
        self._lock = threading.Lock()
        self._calls: list[CallRecord] = []
        self._call_numbers: Counter[str] = Counter()
        self._faults_fired = 0
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        session_ns = uuid.UUID(int=seed % (1 << 128))
        self._account = {name: str(uuid.uuid5(session_ns, name)) for name in ("Id", "EntityId", "sid_registration")}

    def _check_auth_host(self, auth_host: str | None, allow_remote: bool) -> str | None:
        """`auth_host` lower-cased, once it is known to be another name for the bound address."""
        if auth_host is None:
            return None
        name = auth_host.strip().strip("[]").lower().rstrip(".")
        reaches = check_bind_host(name, allow_remote)
        if name == self.bind_address.lower() or (reaches != self.bind_address and not allow_remote):
            raise ValueError(
                f"auth_host {auth_host!r} must be another name for the address the sandbox binds "
                f"({self.bind_address}), e.g. localhost for 127.0.0.1"
            )
        return name

    # -- lifecycle -----------------------------------------------------------------------------------
    def start(self) -> Sandbox:
        if self._server is not None:
            return self
        server_class = _IPv6Server if ":" in self.bind_address else _IPv4Server
        self._server = server_class((self.bind_address, self.port), _Handler)
        self._server.sandbox = self  # type: ignore[attr-defined]
        self.port = self._server.server_address[1]
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="linnworks-sandbox", daemon=True
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
        self._server = None
        self._thread = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- what tests and users read --------------------------------------------------------------------
    @property
    def url(self) -> str:
        """Base URL (`http://127.0.0.1:PORT`): the `Server` sessions point at, and the auth host too
        unless `auth_host` is set."""
        host = f"[{self.bind_address}]" if ":" in self.bind_address else self.bind_address
        return f"http://{host}:{self.port}"

    @property
    def auth_url(self) -> str:
        """Where `Auth/AuthorizeByApplication` is called: `http://{auth_host}:PORT`, else `url`."""
        if self.auth_host is None:
            return self.url
        host = f"[{self.auth_host}]" if ":" in self.auth_host else self.auth_host
        return f"http://{host}:{self.port}"

    @property
    def credentials(self) -> dict[str, str]:
        """{"application_id", "application_secret", "token"}: the only ones AuthorizeByApplication accepts."""
        return dict(self._raw_credentials)

    def credentials_form(self) -> dict[str, str]:
        """The credentials as AuthorizeByApplication form fields (`ApplicationId`, ...)."""
        c = self._raw_credentials
        return {"ApplicationId": c["application_id"], "ApplicationSecret": c["application_secret"], "Token": c["token"]}

    def calls(self) -> list[CallRecord]:
        """A copy of the call log, oldest first."""
        with self._lock:
            return list(self._calls)

    def stats(self) -> dict[str, Any]:
        """Counts per method and status, 401s, 429s, faults fired (counted as they fire, before a slow call
        answers), sessions opened, and the dataset's counts."""
        with self._lock:
            calls = list(self._calls)
        by_method: dict[str, dict[str, Any]] = defaultdict(lambda: {"calls": 0, "statuses": Counter()})
        for call in calls:
            entry = by_method[call.method]
            entry["calls"] += 1
            entry["statuses"][str(call.status) if call.status is not None else "dropped"] += 1
        statuses = Counter(call.status for call in calls)
        return {
            "calls": len(calls),
            "by_method": {
                name: {"calls": e["calls"], "statuses": dict(e["statuses"])} for name, e in by_method.items()
            },
            "status_401": statuses[401],
            "status_429": statuses[429],
            "dropped": statuses[None],
            "faults": self._faults_fired,
            "sessions": self._sessions.created,
            "dataset": self.data.counts(),
        }

    def reset_stats(self) -> None:
        """Forget the call log, call numbers (fault rules count from 1 again), the count of sessions opened
        and rate-limit windows; sessions already open stay valid."""
        with self._lock:
            self._calls.clear()
            self._call_numbers.clear()
            self._faults_fired = 0
        self._sessions.created = 0
        self.limiter.reset()

    def add_processed_orders(self, count: int, processed_at: datetime | None = None) -> list[dict[str, Any]]:
        """Add `count` processed orders processed now; returns their ProcessedOrderWeb rows."""
        return [order.header or {} for order in self.data.add_processed_orders(count, processed_at)]

    def set_faults(self, faults: str | Iterable[FaultRule | str] | None) -> None:
        """Replace the fault rules (spec string or rules)."""
        self.faults.clear()
        self.faults.extend(parse_faults(faults))

    def add_faults(self, faults: str | Iterable[FaultRule | str]) -> None:
        self.faults.extend(parse_faults(faults))

    def clear_faults(self) -> None:
        self.faults.clear()

    def expire_sessions(self) -> int:
        """End every session now; returns how many were live."""
        return self._sessions.end()

    def issued_tokens(self) -> list[str]:
        """Every session token handed out so far, live or not (for tests that look for leaked tokens)."""
        return self._sessions.tokens()

    # -- request handling ----------------------------------------------------------------------------
    def _limit_for(self, endpoint: Endpoint) -> int:
        return self._limits.get(method_key(endpoint.name), endpoint.rate_limit)

    def handle_api(
        self, endpoint: Endpoint, query: str, headers: Mapping[str, str], body: bytes, client: str
    ) -> tuple[_Reply, int, str | None]:
        """Answer one API call: (reply, call number, fired fault rule)."""
        if (
            endpoint.handler is not None
            and self.auth_host is not None
            and _host_name(headers.get("host")) == self.auth_host
        ):
            # the auth host serves no data methods: the client ignored the session's Server
            path = f"{self.auth_url}/api/{endpoint.path}"
            return (
                _Reply(404, {"Message": f"No HTTP resource was found that matches the request URI '{path}'."}),
                0,
                None,
            )
        with self._lock:
            self._call_numbers[endpoint.name] += 1
            number = self._call_numbers[endpoint.name]
        rule = self.faults.pick(endpoint.name, number)
        if rule is None:
            return self._answer(endpoint, query, headers, body, client), number, None
        with self._lock:
            self._faults_fired += 1  # counted as it fires: a slow call is logged only once it has answered
        kind, status, seconds = rule.parsed_action()
        if kind == "drop":
            return _Reply(0, mode="drop"), number, str(rule)
        if kind == "status":
            assert status is not None
            return _error_reply(status, seconds, self._limit_for(endpoint)), number, str(rule)
        if kind == "quota":
            reply = _Reply(400, {"Message": RATE_LIMITED_MESSAGE.format(limit=self._limit_for(endpoint))})
            if seconds is not None:
                reply.headers["Retry-After"] = str(max(1, int(seconds)))
            return reply, number, str(rule)
        if kind == "slow":
            self._stopping.wait(seconds)
        if kind == "expire":
            self._sessions.end(headers.get("authorization", "").strip().lower())
        reply = self._answer(endpoint, query, headers, body, client)
        if kind == "truncate":
            reply.mode = "truncate"
        elif kind == "badjson":
            whole = reply.body()
            reply.raw = whole[: len(whole) // 2]
        elif kind == "nonjson":
            reply = _Reply(200, raw=_MAINTENANCE_PAGE.encode(), content_type="text/html; charset=utf-8")
        return reply, number, str(rule)

    def _answer(self, endpoint: Endpoint, query: str, headers: Mapping[str, str], body: bytes, client: str) -> _Reply:
        if endpoint.handler is None:
            return self._authorize(endpoint, query, headers, body, client)
        token = headers.get("authorization", "").strip().lower()
        state = self._sessions.state(token) if token else "unknown"
        if state != "ok":
            return _Reply(401, {"Message": EXPIRED_MESSAGE if state == "expired" else DENIED_MESSAGE})
        retry_after = self.limiter.acquire(token, endpoint.name, self._limit_for(endpoint))
        if retry_after is not None:
            return _rate_limited(self._limit_for(endpoint), retry_after)
        try:
            params = Params.from_request(query, headers.get("content-type"), body)
            return _Reply(200, endpoint.handler(params, self.data))
        except ApiError as error:
            return _Reply(error.status, error.body())
        except BindingError as error:
            return _Reply(400, {"Code": None, "Message": error.message})

    def _authorize(
        self, endpoint: Endpoint, query: str, headers: Mapping[str, str], body: bytes, client: str
    ) -> _Reply:
        retry_after = self.limiter.acquire(f"client:{client}", endpoint.name, self._limit_for(endpoint))
        if retry_after is not None:
            return _rate_limited(self._limit_for(endpoint), retry_after)
        try:
            params = Params.from_request(query, headers.get("content-type"), body)
            given = tuple(
                params.get_str(name).strip().lower() for name in ("ApplicationId", "ApplicationSecret", "Token")
            )
        except BindingError:
            given = ("", "", "")
        if given != self._credentials:
            return _Reply(400, {"Code": None, "Message": AUTH_ERROR_MESSAGE})
        host = headers.get("host")
        server = f"http://{host}" if self.allow_remote and host and self.auth_host is None else self.url
        return _Reply(200, self._base_session(self._sessions.create(), server))

    def _base_session(self, token: str, server: str) -> dict[str, Any]:
        return {
            "Id": self._account["Id"],
            "EntityId": self._account["EntityId"],
            "DatabaseName": "",
            "DatabaseServer": "",
            "PrivateDatabaseServer": "",
            "DatabaseUser": "",
            "DatabasePassword": "",
            "AppName": "ELT Sandbox Loader",
            "sid_registration": self._account["sid_registration"],
            "UserName": "owner@fastparts.example.com",
            "Md5Hash": "",
            "Locality": "EU",
            "SuperAdmin": True,
            "TTL": int(self.ttl_seconds),
            "Token": token,
            "AccessToken": None,
            "GroupName": "",
            "Device": "",
            "DeviceType": "",
            "UserType": "",
            "Status": {"State": "AVAILABLE", "Reason": "", "Parameters": {}},
            "UserId": self._account["Id"],
            "Properties": {},
            "Email": "owner@fastparts.example.com",
            "Server": server,
            "PushServer": "",
        }

    def handle_admin(self, http_method: str, route: str, query: str) -> _Reply:
        if http_method == "GET" and route == "stats":
            return _Reply(200, self.stats())
        if http_method == "GET" and route == "calls":
            return _Reply(200, [asdict(call) for call in self.calls()])
        if http_method == "POST" and route == "orders":
            values = parse_qs(query).get("count", ["1"])
            try:
                count = int(values[0])
                if count < 0:
                    raise ValueError
            except ValueError:
                return _Reply(400, {"Code": None, "Message": f"count must be a whole number >= 0, got {values[0]!r}"})
            rows = self.add_processed_orders(count)
            return _Reply(
                200,
                {
                    "added": len(rows),
                    "orders": [
                        {
                            "pkOrderID": row["pkOrderID"],
                            "nOrderId": row["nOrderId"],
                            "dProcessedOn": row["dProcessedOn"],
                        }
                        for row in rows
                    ],
                    "dataset": self.data.counts(),
                },
            )
        if http_method == "POST" and route == "expire-sessions":
            return _Reply(200, {"expired": self.expire_sessions()})
        return _Reply(404, {"Message": f"No sandbox admin route {http_method} /_sandbox/{route}."})

    def record(self, record_args: dict[str, Any]) -> None:
        with self._lock:
            call = CallRecord(seq=len(self._calls) + 1, **record_args)
            self._calls.append(call)
        if self._log_line is not None:
            status = call.status if call.status is not None else "dropped"
            fault = f"  fault {call.fault}" if call.fault else ""
            self._log_line(
                f"{call.http_method} {call.method} #{call.call_number} -> {status} "
                f"({call.duration_seconds * 1000:.0f} ms){fault}"
            )


def _error_reply(status: int, retry_after: float | None = None, limit: int = 150) -> _Reply:
    """A Linnworks-like error answer for an injected status."""
    if status == 429:
        return _rate_limited(limit, max(1, int(retry_after or 1)))
    if status == 401:
        return _Reply(401, {"Message": DENIED_MESSAGE})
    if status in (502, 503, 504):
        reason = {502: "Bad Gateway", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out"}[status]
        page = _GATEWAY_PAGE.format(status=status, reason=reason)
        return _Reply(status, raw=page.encode(), content_type="text/html")
    message = "An error has occurred." if status >= 500 else "The request is invalid."
    return _Reply(status, {"Code": None, "Message": message})


def _rate_limited(limit: int, retry_after: int) -> _Reply:
    return _Reply(429, {"Message": RATE_LIMITED_MESSAGE.format(limit=limit)}, headers={"Retry-After": str(retry_after)})


class _IPv4Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up (or is killed) mid-call is not a sandbox error: no traceback for it."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _IPv6Server(_IPv4Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes; avoid 40 ms ACK stalls
    server_version = "LinnworksSandbox/1.0"
    sys_version = ""

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """No stderr access log: the sandbox keeps its own call log."""

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self, http_method: str) -> None:
        sandbox: Sandbox = self.server.sandbox  # type: ignore[attr-defined]
        started, wall = time.monotonic(), time.time()
        body = self._read_body()
        url = urlsplit(self.path)
        parts = [part for part in url.path.split("/") if part]
        if parts[:1] == ["_sandbox"] and len(parts) == 2:
            self._write(sandbox.handle_admin(http_method, parts[1], url.query))
            return
        endpoint = (
            ROUTES.get((parts[1].lower(), parts[2].lower())) if len(parts) == 3 and parts[0].lower() == "api" else None
        )
        headers = {key.lower(): value for key, value in self.headers.items()}
        if endpoint is None:
            reply = _Reply(404, {"Message": f"No HTTP resource was found that matches the request URI '{url.path}'."})
            number, fault, name = 0, None, url.path
        else:
            name = endpoint.name
            try:
                reply, number, fault = sandbox.handle_api(endpoint, url.query, headers, body, self.client_address[0])
            except Exception as error:  # a sandbox bug must still answer, as the live API's 500 does
                reply, number, fault = _error_reply(500), 0, None
                self.log_error("sandbox error answering %s: %r", name, error)
        token = headers.get("authorization", "").strip() or None
        # Log before answering, so a client that reads the stats right after its call finds the call there.
        sandbox.record(
            {
                "method": name,
                "http_method": http_method,
                "status": None if reply.mode == "drop" else reply.status,
                "started_at": wall,
                "duration_seconds": time.monotonic() - started,
                "call_number": number,
                "fault": fault,
                "session": token,
                "host": _host_name(headers.get("host")),
            }
        )
        self._write(reply)

    def _write(self, reply: _Reply) -> None:
        if reply.mode == "drop":
            self._hang_up()
            return
        body = reply.body()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            if reply.mode == "truncate":
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self._hang_up()
            else:
                self.wfile.write(body)

    def _hang_up(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


@contextlib.contextmanager
def running_sandbox(**options: Any) -> Iterator[Sandbox]:
    """Start a Sandbox (see its options) on a free loopback port in a background thread; stop it on exit."""
    sandbox = Sandbox(**options)
    sandbox.start()
    try:
        yield sandbox
    finally:
        sandbox.stop()

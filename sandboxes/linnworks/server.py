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
The HTTP server, its life cycle and the call log are sandboxes/server.py's; this module is Linnworks' part.

Like Linnworks, it can answer the auth call under one host name and the data calls under another:
`auth_host="localhost"` on a sandbox bound to 127.0.0.1 serves `Auth/AuthorizeByApplication` at
`auth_url` (`http://localhost:PORT`), returns `Server: http://127.0.0.1:PORT` (`url`), and answers a
data call sent to the auth host name with 404, as api.linnworks.net serves no data methods.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandboxes.faults import FaultPlan, FaultRule, method_key, parse_faults
from sandboxes.ratelimit import RATE_LIMITED_MESSAGE, RateLimiter
from sandboxes.server import Reply, Request, SandboxServer, http_url, running
from sandboxes.server import check_bind_host as _check_bind_host

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


def check_bind_host(host: str, allow_remote: bool = False) -> str:
    """The address to bind for `host`, refusing in the Linnworks sandbox's name (see sandboxes.server)."""
    return _check_bind_host(host, allow_remote, Sandbox.what)


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


class Sandbox(SandboxServer[CallRecord]):
    """A Linnworks API sandbox. Use `running_sandbox(...)` or `start()` / `stop()`.

    Options: `host`/`port` (127.0.0.1, 0 = any free port), `seed`, `items`, `orders`, `open_orders`,
    `now` (fixed "now" for the order history; default the real time), `rate_window_seconds` (60),
    `rate_limits` (per-method overrides of the 150/250 limits), `ttl_seconds` (1800), `faults` (spec
    string or FaultRule list, see faults.py), `application_id` / `application_secret` / `token` (the only
    credentials accepted), `allow_remote`, `log` (called with one line per call), `auth_host` (another
    name of the bound address, e.g. `localhost`, that serves only the auth call: see the module docstring).
    """

    what = "Linnworks sandbox"
    thread_name = "linnworks-sandbox"
    server_version = "LinnworksSandbox/1.0"
    call_type = CallRecord
    endpoint_field = "method"

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
        super().__init__(host=host, port=port, allow_remote=allow_remote, log=log)
        self.auth_host = self._check_auth_host(auth_host, allow_remote)
        self.seed = seed
        self.ttl_seconds = ttl_seconds
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
        self._faults_fired = 0
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

    # -- what tests and users read --------------------------------------------------------------------
    @property
    def auth_url(self) -> str:
        """Where `Auth/AuthorizeByApplication` is called: `http://{auth_host}:PORT`, else `url`."""
        return self.url if self.auth_host is None else http_url(self.auth_host, self.port)

    @property
    def credentials(self) -> dict[str, str]:
        """{"application_id", "application_secret", "token"}: the only ones AuthorizeByApplication accepts."""
        return dict(self._raw_credentials)

    def settings(self) -> dict[str, str]:
        """The dlt settings (env names) that point the Linnworks loader at this sandbox, with its rate-limit
        window (the loader paces itself by the same window the sandbox counts in)."""
        c = self._raw_credentials
        return {
            "SOURCES__LINNWORKS__APPLICATION_ID": c["application_id"],
            "SOURCES__LINNWORKS__APPLICATION_SECRET": c["application_secret"],
            "SOURCES__LINNWORKS__TOKEN": c["token"],
            "SOURCES__LINNWORKS__AUTH_URL": self.auth_url,
            "SOURCES__LINNWORKS__RATE_LIMIT_WINDOW_SECONDS": f"{self.limiter.window:g}",
        }

    def credentials_form(self) -> dict[str, str]:
        """The credentials as AuthorizeByApplication form fields (`ApplicationId`, ...)."""
        c = self._raw_credentials
        return {"ApplicationId": c["application_id"], "ApplicationSecret": c["application_secret"], "Token": c["token"]}

    def stats(self) -> dict[str, Any]:
        """Counts per method and status, 401s, 429s, faults fired (counted as they fire, before a slow call
        answers), sessions opened, and the dataset's counts."""
        calls = self.calls()
        statuses = Counter(call.status for call in calls)
        return {
            "calls": len(calls),
            "by_method": self.tally(calls),
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
        super().reset_stats()
        with self._lock:
            self._faults_fired = 0
        self._sessions.created = 0
        self.limiter.reset()

    def add_processed_orders(self, count: int, processed_at: datetime | None = None) -> list[dict[str, Any]]:
        """Add `count` processed orders processed now; returns their ProcessedOrderWeb rows."""
        return [order.header or {} for order in self.data.add_processed_orders(count, processed_at)]

    def set_faults(self, faults: str | Iterable[FaultRule | str] | None) -> None:
        """Replace the fault rules (spec string or rules)."""
        self.faults.replace(parse_faults(faults))

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
    def admin_route(self, path: str) -> str | None:
        parts = [part for part in path.split("/") if part]
        return parts[1] if parts[:1] == ["_sandbox"] and len(parts) == 2 else None

    def answer(self, request: Request) -> Reply:
        endpoint = _route(request.path)
        if endpoint is None:
            reply = Reply(
                404, {"Message": f"No HTTP resource was found that matches the request URI '{request.path}'."}
            )
            return _noted(reply, request, request.path, 0, None)
        reply, number, fault = self.handle_api(endpoint, request.query, request.headers, request.body, request.client)
        return _noted(reply, request, endpoint.name, number, fault)

    def internal_error(self, request: Request) -> Reply:
        endpoint = _route(request.path)
        return _noted(_error_reply(500), request, request.path if endpoint is None else endpoint.name, 0, None)

    def describe(self, call: CallRecord) -> str:
        status = call.status if call.status is not None else "dropped"
        fault = f"  fault {call.fault}" if call.fault else ""
        return (
            f"{call.http_method} {call.method} #{call.call_number} -> {status} "
            f"({call.duration_seconds * 1000:.0f} ms){fault}"
        )

    def _limit_for(self, endpoint: Endpoint) -> int:
        return self._limits.get(method_key(endpoint.name), endpoint.rate_limit)

    def handle_api(
        self, endpoint: Endpoint, query: str, headers: Mapping[str, str], body: bytes, client: str
    ) -> tuple[Reply, int, str | None]:
        """Answer one API call: (reply, call number, fired fault rule)."""
        if (
            endpoint.handler is not None
            and self.auth_host is not None
            and _host_name(headers.get("host")) == self.auth_host
        ):
            # the auth host serves no data methods: the client ignored the session's Server
            path = f"{self.auth_url}/api/{endpoint.path}"
            return (
                Reply(404, {"Message": f"No HTTP resource was found that matches the request URI '{path}'."}),
                0,
                None,
            )
        number = self.count_call(endpoint.name)
        rule = self.faults.pick(endpoint.name, number)
        if rule is None:
            return self._answer(endpoint, query, headers, body, client), number, None
        with self._lock:
            self._faults_fired += 1  # counted as it fires: a slow call is logged only once it has answered
        kind, status, seconds = rule.parsed_action()
        if kind == "drop":
            return Reply(0, mode="drop"), number, str(rule)
        if kind == "status":
            assert status is not None
            return _error_reply(status, seconds, self._limit_for(endpoint)), number, str(rule)
        if kind == "quota":
            reply = Reply(400, {"Message": RATE_LIMITED_MESSAGE.format(limit=self._limit_for(endpoint))})
            if seconds is not None:
                reply.headers["Retry-After"] = str(max(1, int(seconds)))
            return reply, number, str(rule)
        if kind == "slow":
            self.pause(seconds or 0)
        if kind == "expire":
            self._sessions.end(headers.get("authorization", "").strip().lower())
        reply = self._answer(endpoint, query, headers, body, client)
        if kind == "truncate":
            reply.mode = "truncate"
        elif kind == "badjson":
            whole = reply.body()
            reply.raw = whole[: len(whole) // 2]
        elif kind == "nonjson":
            reply = Reply(200, raw=_MAINTENANCE_PAGE.encode(), content_type="text/html; charset=utf-8")
        return reply, number, str(rule)

    def _answer(self, endpoint: Endpoint, query: str, headers: Mapping[str, str], body: bytes, client: str) -> Reply:
        if endpoint.handler is None:
            return self._authorize(endpoint, query, headers, body, client)
        token = headers.get("authorization", "").strip().lower()
        state = self._sessions.state(token) if token else "unknown"
        if state != "ok":
            return Reply(401, {"Message": EXPIRED_MESSAGE if state == "expired" else DENIED_MESSAGE})
        retry_after = self.limiter.acquire(token, endpoint.name, self._limit_for(endpoint))
        if retry_after is not None:
            return _rate_limited(self._limit_for(endpoint), retry_after)
        try:
            params = Params.from_request(query, headers.get("content-type"), body)
            return Reply(200, endpoint.handler(params, self.data))
        except ApiError as error:
            return Reply(error.status, error.body())
        except BindingError as error:
            return Reply(400, {"Code": None, "Message": error.message})

    def _authorize(self, endpoint: Endpoint, query: str, headers: Mapping[str, str], body: bytes, client: str) -> Reply:
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
            return Reply(400, {"Code": None, "Message": AUTH_ERROR_MESSAGE})
        host = headers.get("host")
        server = f"http://{host}" if self.allow_remote and host and self.auth_host is None else self.url
        return Reply(200, self._base_session(self._sessions.create(), server))

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

    def handle_admin(self, http_method: str, route: str, query: str) -> Reply:
        if http_method == "GET" and route == "stats":
            return Reply(200, self.stats())
        if http_method == "GET" and route == "calls":
            return Reply(200, [asdict(call) for call in self.calls()])
        if http_method == "POST" and route == "orders":
            values = parse_qs(query).get("count", ["1"])
            try:
                count = int(values[0])
                if count < 0:
                    raise ValueError
            except ValueError:
                return Reply(400, {"Code": None, "Message": f"count must be a whole number >= 0, got {values[0]!r}"})
            rows = self.add_processed_orders(count)
            return Reply(
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
            return Reply(200, {"expired": self.expire_sessions()})
        return Reply(404, {"Message": f"No sandbox admin route {http_method} /_sandbox/{route}."})


def _error_reply(status: int, retry_after: float | None = None, limit: int = 150) -> Reply:
    """A Linnworks-like error answer for an injected status."""
    if status == 429:
        return _rate_limited(limit, max(1, int(retry_after or 1)))
    if status == 401:
        return Reply(401, {"Message": DENIED_MESSAGE})
    if status in (502, 503, 504):
        reason = {502: "Bad Gateway", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out"}[status]
        page = _GATEWAY_PAGE.format(status=status, reason=reason)
        return Reply(status, raw=page.encode(), content_type="text/html")
    message = "An error has occurred." if status >= 500 else "The request is invalid."
    return Reply(status, {"Code": None, "Message": message})


def _rate_limited(limit: int, retry_after: int) -> Reply:
    return Reply(429, {"Message": RATE_LIMITED_MESSAGE.format(limit=limit)}, headers={"Retry-After": str(retry_after)})


def _route(path: str) -> Endpoint | None:
    """The method `/api/{Controller}/{Method}` names (any casing), if the sandbox serves it."""
    parts = [part for part in path.split("/") if part]
    return ROUTES.get((parts[1].lower(), parts[2].lower())) if len(parts) == 3 and parts[0].lower() == "api" else None


def _noted(reply: Reply, request: Request, method: str, number: int, fault: str | None) -> Reply:
    """`reply` with the call record's Linnworks fields."""
    reply.call = {
        "method": method,
        "http_method": request.method,
        "call_number": number,
        "fault": fault,
        "session": request.headers.get("authorization", "").strip() or None,
        "host": _host_name(request.headers.get("host")),
    }
    return reply


def running_sandbox(**options: Any) -> contextlib.AbstractContextManager[Sandbox]:
    """Start a Sandbox (see its options) on a free loopback port in a background thread; stop it on exit."""
    return running(Sandbox, **options)

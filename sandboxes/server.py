"""The server every API sandbox runs on: a threaded HTTP server on a loopback address, in a background thread.

A sandbox subclasses `SandboxServer` and holds only what is particular to its API: `answer()` (its routing,
data and what its faults mean), `handle_admin()` (its `/_sandbox/...` routes), `internal_error()` (its 500),
its call record (`call_type`) and log line (`describe()`). The base does the rest:

- the bind check (`check_bind_host`): a loopback address only, unless `allow_remote`;
- the life cycle: `start()` / `stop()`, `with sandbox:`, `running(SandboxClass, **options)`, `url`;
- the call log: every API call is recorded before it is answered (so a client that reads the stats right
  after its call finds the call there), `calls()`, `reset_stats()`, per-endpoint call numbers as fault
  rules count them (`count_call()`), `tally()` for stats, one log line per call to `log`;
- writing a `Reply`: status, headers and a JSON or raw body; mode `drop` hangs up without answering,
  `truncate` promises the whole body in Content-Length, sends half and hangs up; a 304 has no body.
  `pause()` waits (a slow answer) until stop() at the latest.

The click side (serve until Ctrl-C) is in sandboxes/cli.py.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import socket
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar
from urllib.parse import urlsplit

JSON = "application/json; charset=utf-8"


class CallLike(Protocol):
    """What the base reads of a call record."""

    @property
    def status(self) -> int | None: ...


CallT = TypeVar("CallT", bound=CallLike)
SandboxT = TypeVar("SandboxT", bound="SandboxServer[Any]")


def _refusal(what: str, host: str, why: str) -> ValueError:
    return ValueError(
        f"refusing to serve the {what} on {host!r}: {why}. "
        "Use 127.0.0.1 (the default), or pass allow_remote=True / --allow-remote if you really "
        "mean to expose it to other machines."
    )


def check_bind_host(host: str, allow_remote: bool = False, what: str = "sandbox") -> str:
    """The address to bind for `host`; ValueError unless it is loopback (or `allow_remote`).

    `host` is a loopback address (127.0.0.0/8, ::1), or the name `localhost`, which is resolved and
    accepted only when every address it resolves to is loopback (IPv4 preferred). Other names are refused
    without being looked up: their addresses are not ours to vouch for. `what` names the server in the
    refusal ("Linnworks sandbox").
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
            raise _refusal(what, host, "it is not a loopback address")
        return name
    if name.lower().rstrip(".") != "localhost":
        raise _refusal(what, host, "it is not a loopback address (the only name accepted is localhost)")
    try:
        infos = socket.getaddrinfo("localhost", None, type=socket.SOCK_STREAM)
    except OSError as error:
        raise _refusal(what, host, f"it does not resolve ({error})") from None
    resolved = sorted({str(info[4][0]).split("%")[0] for info in infos}, key=lambda a: (":" in a, a))
    outside = [a for a in resolved if not ipaddress.ip_address(a).is_loopback]
    if outside or not resolved:
        raise _refusal(what, host, f"it resolves to {', '.join(outside) or 'nothing'}, which is not a loopback address")
    return resolved[0]


def http_url(host: str, port: int) -> str:
    """`http://HOST:PORT`, an IPv6 address in brackets."""
    host = host.strip("[]")
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@dataclass(frozen=True)
class Request:
    """One HTTP request as the sandbox received it."""

    method: str
    target: str
    """The request target as sent: path and query (`/api/v1/retailers/3?x=1`)."""
    headers: Mapping[str, str]
    """Header names in lower case."""
    body: bytes
    client: str
    """The client's address."""
    started: float
    """time.monotonic() when it arrived."""
    started_at: float
    """Unix time when it arrived."""

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> str:
        return urlsplit(self.target).query


@dataclass
class Reply:
    """An answer to write, and what the call log keeps about the call."""

    status: int
    payload: Any = None
    """Sent as compact JSON unless `raw` is given."""
    raw: bytes | None = None
    content_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)
    mode: str = "normal"
    """normal | drop (close without answering) | truncate (send half the promised body, then close)."""
    call: dict[str, Any] = field(default_factory=dict)
    """The call record's fields particular to the API (besides seq, status, started_at, duration_seconds)."""
    ensure_ascii: bool = False
    """Escape non-ASCII characters in the JSON body (`\\u00e9`), as some APIs do."""

    def body(self) -> bytes:
        if self.status == HTTPStatus.NOT_MODIFIED:
            return b""
        if self.raw is not None:
            return self.raw
        return json.dumps(self.payload, ensure_ascii=self.ensure_ascii, separators=(",", ":")).encode("utf-8")


class SandboxServer(Generic[CallT]):
    """The shared part of a sandbox: see the module docstring. Subclasses set the class attributes and
    implement `answer`, `handle_admin`, `internal_error` and `describe`."""

    what: ClassVar[str] = "sandbox"
    """The server's name in a bind refusal ("Linnworks sandbox")."""
    thread_name: ClassVar[str] = "sandbox"
    server_version: ClassVar[str] = "Sandbox/1.0"
    """The `Server` header's product."""
    http_methods: ClassVar[tuple[str, ...]] = ("GET", "POST")
    """Methods served; others get 501."""
    request_queue_size: ClassVar[int] = 5
    """The listen backlog."""
    call_type: ClassVar[type]
    """The call record dataclass: seq, status, started_at, duration_seconds and the fields of `Reply.call`."""
    endpoint_field: ClassVar[str] = "endpoint"
    """The call record field `calls(endpoint)` and `tally()` group by."""

    def __init__(self, *, host: str, port: int, allow_remote: bool, log: Callable[[str], None] | None) -> None:
        self.bind_address = check_bind_host(host, allow_remote, self.what)
        self.host = host
        self.port = port
        self.allow_remote = allow_remote
        self._log_line = log
        self._lock = threading.Lock()
        self._calls: list[CallT] = []
        self._call_numbers: Counter[str] = Counter()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ----------------------------------------------------------------------------------
    def start(self) -> Self:
        """Listen on `host`:`port` (0: any free port, then `port` is the one taken) in a background thread."""
        if self._server is not None:
            return self
        server_class = _IPv6Server if ":" in self.bind_address else _Server
        server = server_class((self.bind_address, self.port), _Handler, bind_and_activate=False)
        server.request_queue_size = self.request_queue_size
        try:
            server.server_bind()
            server.server_activate()
        except BaseException:
            server.server_close()
            raise
        server.sandbox = self
        self._server = server
        self.port = server.server_address[1]
        self._stopping.clear()
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, name=self.thread_name, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening; a call waiting in `pause()` answers at once."""
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server, self._thread = None, None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """`http://ADDRESS:PORT` of the address bound (`localhost` given as the loopback address it names)."""
        return http_url(self.bind_address, self.port)

    def pause(self, seconds: float) -> None:
        """Wait `seconds`, or until the server stops."""
        self._stopping.wait(seconds)

    # -- the call log --------------------------------------------------------------------------------
    def calls(self, endpoint: str | None = None) -> list[CallT]:
        """A copy of the call log, oldest first (only `endpoint`'s calls when given)."""
        with self._lock:
            return [c for c in self._calls if endpoint is None or getattr(c, self.endpoint_field) == endpoint]

    def tally(self, calls: Iterable[CallT]) -> dict[str, dict[str, Any]]:
        """`{endpoint: {"calls": N, "statuses": {"200": N, "dropped": N, ...}}}`, in order of first call."""
        by_endpoint: dict[str, dict[str, Any]] = defaultdict(lambda: {"calls": 0, "statuses": Counter()})
        for call in calls:
            entry = by_endpoint[getattr(call, self.endpoint_field)]
            entry["calls"] += 1
            entry["statuses"][str(call.status) if call.status is not None else "dropped"] += 1
        return {name: {"calls": e["calls"], "statuses": dict(e["statuses"])} for name, e in by_endpoint.items()}

    def reset_stats(self) -> None:
        """Forget the call log and the call numbers (fault rules count from 1 again)."""
        with self._lock:
            self._calls.clear()
            self._call_numbers.clear()

    def count_call(self, endpoint: str) -> int:
        """Count one more call of `endpoint`; returns which call it is (1-based), as fault rules count."""
        with self._lock:
            self._call_numbers[endpoint] += 1
            return self._call_numbers[endpoint]

    def log_call(self, request: Request, reply: Reply) -> CallT:
        """Add the call to the log (and the `log` callback) as it is about to be answered."""
        with self._lock:
            call: CallT = self.call_type(
                seq=len(self._calls) + 1,
                status=None if reply.mode == "drop" else reply.status,
                started_at=request.started_at,
                duration_seconds=time.monotonic() - request.started,
                **reply.call,
            )
            self._calls.append(call)
        if self._log_line is not None:
            self._log_line(self.describe(call))
        return call

    # -- what a sandbox says -------------------------------------------------------------------------
    def admin_route(self, path: str) -> str | None:
        """The admin route a path asks for (`/_sandbox/stats` -> `stats`), or None for an API call."""
        return path.removeprefix("/_sandbox/").strip("/") if path.startswith("/_sandbox/") else None

    def handle_admin(self, method: str, route: str, query: str) -> Reply:
        raise NotImplementedError

    def answer(self, request: Request) -> Reply:
        """Answer one API call; `Reply.call` holds the call record's own fields."""
        raise NotImplementedError

    def internal_error(self, request: Request) -> Reply:
        """The answer (and call record fields) when `answer` raised: a sandbox bug still answers, as a live
        API's 500 does."""
        raise NotImplementedError

    def describe(self, call: CallT) -> str:
        """The line `log` is called with for one call."""
        raise NotImplementedError


@contextlib.contextmanager
def running(sandbox_class: type[SandboxT], **options: Any) -> Iterator[SandboxT]:
    """Start a `sandbox_class(**options)` in a background thread; stop it on exit."""
    with sandbox_class(**options) as sandbox:
        yield sandbox


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    sandbox: SandboxServer[Any]

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up (or is killed) mid-call is not a sandbox error: no traceback for it."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _IPv6Server(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes; avoid 40 ms ACK stalls
    sys_version = ""
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.sandbox = self.server.sandbox
        self.server_version = self.sandbox.server_version

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """No stderr access log: the sandbox keeps its own call log."""

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        sandbox = self.sandbox
        if self.command not in sandbox.http_methods:
            self.send_error(HTTPStatus.NOT_IMPLEMENTED, f"Unsupported method ({self.command!r})")
            return
        started, started_at = time.monotonic(), time.time()
        headers = {key.lower(): value for key, value in self.headers.items()}
        request = Request(
            self.command, self.path, headers, self._read_body(), self.client_address[0], started, started_at
        )
        route = sandbox.admin_route(request.path)
        if route is not None:
            self._write(sandbox.handle_admin(request.method, route, request.query))
            return
        try:
            reply = sandbox.answer(request)
        except Exception as error:  # a sandbox bug must still answer, as a live API's 500 does
            self.log_error("sandbox error answering %s: %r", request.path, error)
            reply = sandbox.internal_error(request)
        sandbox.log_call(request, reply)
        self._write(reply)

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

    def _write(self, reply: Reply) -> None:
        if reply.mode == "drop":
            self._hang_up()
            return
        body = reply.body()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.send_response(reply.status)
            if reply.status != HTTPStatus.NOT_MODIFIED:
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(body)))
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            if reply.mode == "truncate":
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self._hang_up()
            elif body:
                self.wfile.write(body)

    def _hang_up(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

"""The Linnworks HTTP client: session, per-method rate limiter, retries and the errors a user sees.

- Session: `Auth/AuthorizeByApplication` on the auth host gives a `Token` (sent raw in `Authorization`,
  no `Bearer`), the `Server` every data call goes to and a `TTL` in seconds. The client re-authorises
  shortly before the TTL runs out, and once when a call answers 401, then repeats the call.
- Limiter: at most N calls of a method in any window (150 or 250 per minute, settings.RATE_LIMITS),
  shared by all threads; a slot is held from sending until the answer (its body read) arrives plus one
  window, so the server, which counts arrivals, never sees more than N. A 429 pauses the method for its
  Retry-After. Hand-written because none of requests, urllib3, tenacity or dlt limits calls per key and
  window across threads, and the accounting must count calls in flight and pause on the server's 429.
- Retries: the shared session of `loaders.http` (tenacity) for 429, 5xx, timeouts, dropped connections,
  truncated bodies, 200s that are not JSON and the quota message on a 400, with exponential backoff plus
  jitter, more attempts while throttled; every attempt goes through the limiter (`_through_limiter`). A
  call that still fails raises `LinnworksError` naming the endpoint, and aborts the run: calls waiting,
  sleeping before a retry or about to start in other threads stop at once (`LinnworksAborted`).

Secrets (application id and secret, installation token, session token) never go into messages.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import dlt
import requests
from dlt.common import json as fast_json
from dlt.common.configuration.inject import with_config
from dlt.common.typing import TSecretStrValue

from loaders import http
from loaders.linnworks import settings

T = TypeVar("T")
R = TypeVar("R")
E = TypeVar("E", bound=BaseException)

AUTH_METHOD = "Auth/AuthorizeByApplication"
_UNSET = object()


class LinnworksError(RuntimeError):
    """A Linnworks call failed for good; the message names the endpoint and what happened."""

    def __init__(self, message: str, method: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.method = method
        self.status = status


class LinnworksAborted(LinnworksError):
    """Another call of the run failed first; this one was abandoned."""


@dataclass(frozen=True)
class Credentials:
    """What AuthorizeByApplication takes. `repr` hides the values."""

    application_id: str
    application_secret: str
    token: str

    def __repr__(self) -> str:
        return "Credentials(***)"

    def values(self) -> tuple[str, ...]:
        return (self.application_id, self.application_secret, self.token)


@dataclass
class MethodStats:
    """What one API method cost: attempts sent, retries, 429s and time spent waiting for the limiter."""

    calls: int = 0
    retries: int = 0
    throttled: int = 0
    waits: int = 0
    wait_seconds: float = 0.0


def method_of(url: str) -> str:
    """`Controller/Method` from a call URL (`…/api/Stock/GetStockItemsFull` -> `Stock/GetStockItemsFull`)."""
    parts = [part for part in urlsplit(url).path.split("/") if part]
    return "/".join(parts[-2:])


def _canonical_limits(overrides: Mapping[str, int] | None) -> dict[str, int]:
    """settings.RATE_LIMITS with `overrides` applied; override keys may omit the controller, any casing."""
    limits = dict(settings.RATE_LIMITS)
    by_name = {key.rsplit("/", 1)[-1].lower(): key for key in limits}
    for name, limit in (overrides or {}).items():
        key = by_name.get(name.strip().rsplit("/", 1)[-1].lower(), name.strip())
        if int(limit) < 1:
            raise ValueError(f"rate limit for {name} must be at least 1 call per window, got {limit}")
        limits[key] = int(limit)
    return limits


class RateLimiter:
    """At most `limits[method]` calls of a method in any `window_seconds`, across threads.

    A call holds a slot from `acquire` (before sending) until `release` (answer received) and for one
    window after that, which is never earlier than the window the server counts from the call's arrival.
    """

    def __init__(
        self,
        limits: Mapping[str, int],
        window_seconds: float,
        default_limit: int = settings.DEFAULT_RATE_LIMIT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if window_seconds <= 0:
            raise ValueError(f"rate_limit_window_seconds must be > 0, got {window_seconds}")
        self.limits = dict(limits)
        self.window = window_seconds
        self.default_limit = default_limit
        self._clock = clock
        self._cond = threading.Condition()
        self._done: dict[str, deque[float]] = defaultdict(deque)
        self._in_flight: dict[str, int] = defaultdict(int)
        self._paused_until: dict[str, float] = {}
        self._aborted = False

    def limit_for(self, method: str) -> int:
        return self.limits.get(method, self.default_limit)

    def acquire(self, method: str) -> float:
        """Wait for a free slot and take it; returns the seconds waited. Raises LinnworksAborted after abort()."""
        limit = self.limit_for(method)
        started = self._clock()
        with self._cond:
            while True:
                if self._aborted:
                    raise LinnworksAborted(f"Linnworks {method} abandoned: another call failed", method)
                now = self._clock()
                done = self._done[method]
                while done and done[0] <= now - self.window:
                    done.popleft()
                paused = self._paused_until.get(method, 0.0) - now
                if paused <= 0 and len(done) + self._in_flight[method] < limit:
                    self._in_flight[method] += 1
                    return now - started
                if paused > 0:
                    timeout = paused
                elif done:
                    timeout = done[0] + self.window - now
                else:
                    timeout = 1.0  # every slot is in flight: a release will notify
                self._cond.wait(timeout=max(0.001, min(timeout, 1.0)))

    def release(self, method: str) -> None:
        """The answer to a call taken by `acquire` has arrived (or the attempt failed)."""
        with self._cond:
            self._in_flight[method] -= 1
            self._done[method].append(self._clock())
            self._cond.notify_all()

    def pause(self, method: str, seconds: float) -> None:
        """Hold every call of `method` for `seconds` (a 429's Retry-After)."""
        with self._cond:
            until = self._clock() + seconds
            self._paused_until[method] = max(self._paused_until.get(method, 0.0), until)
            self._cond.notify_all()

    def abort(self) -> None:
        with self._cond:
            self._aborted = True
            self._cond.notify_all()


def _is_throttled(response: requests.Response) -> bool:
    """A 429, or the quota message on a 400 (docs/sources/linnworks.md §4.2: seen on non-429 statuses too)."""
    if response.status_code == 429:
        return True
    return response.status_code == 400 and settings.QUOTA_MESSAGE in response.text.lower()


def _retry_after_seconds(response: requests.Response) -> float:
    header = (response.headers.get("Retry-After") or "").strip()
    return float(header) if header.isdigit() else 1.0


def _decoded(response: requests.Response) -> tuple[bool, Any]:
    """(True, JSON) when the body is JSON, else (False, None); cached on the response."""
    cached = getattr(response, "_linnworks_json", _UNSET)
    if cached is _UNSET:
        try:
            cached = (True, fast_json.loadb(response.content))  # orjson: several times faster on big pages
        except ValueError:
            cached = (False, None)
        response._linnworks_json = cached  # type: ignore[attr-defined]
    return cached  # type: ignore[return-value]


def _not_json(response: requests.Response) -> bool:
    """A 2xx whose body is cut short or not JSON (a maintenance page): retried."""
    return 200 <= response.status_code < 300 and not _decoded(response)[0]


@dataclass(frozen=True)
class _Session:
    token: str
    server: str
    refresh_at: float


class _CallState(threading.local):
    """Per-thread: how many attempts the current call has sent (for the error message)."""

    attempts = 0


class LinnworksClient:
    """Calls Linnworks methods for one run; thread-safe. Close it (or use `with`) to stop its threads."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        auth_url: str = settings.AUTH_URL,
        rate_limit_window_seconds: float = settings.RATE_LIMIT_WINDOW_SECONDS,
        rate_limits: Mapping[str, int] | None = None,
        request_timeout_seconds: float = settings.REQUEST_TIMEOUT_SECONDS,
        max_attempts: int = settings.MAX_ATTEMPTS,
        retry_backoff_seconds: float = settings.RETRY_BACKOFF_SECONDS,
        threads: int = settings.THREADS,
    ) -> None:
        if not all(credentials.values()):
            raise LinnworksError(
                "Linnworks credentials are incomplete: set sources.linnworks.application_id, "
                "application_secret and token (SOURCES__LINNWORKS__APPLICATION_ID, ... or .dlt/secrets.toml)"
            )
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {max_attempts}")
        self.credentials = credentials
        self.auth_url = auth_url.rstrip("/")
        self.timeout = request_timeout_seconds
        self.max_attempts = max_attempts
        self.limiter = RateLimiter(_canonical_limits(rate_limits), rate_limit_window_seconds)
        self.stats: dict[str, MethodStats] = defaultdict(MethodStats)
        self.rows: dict[str, int] = defaultdict(int)
        """Rows each resource produced so far (for progress lines)."""
        self.first_error: BaseException | None = None
        """The failure that ended the run (an API error, or an error in a resource), if any."""
        self.sessions_opened = 0
        self._abort = threading.Event()
        retry = http.Retry(
            attempts=max_attempts,
            backoff=retry_backoff_seconds,
            max_delay=settings.MAX_RETRY_DELAY_SECONDS,
            jitter=retry_backoff_seconds,
            retry_answer=_not_json,
            throttled=_is_throttled,
            throttled_attempts=settings.RATE_LIMITED_ATTEMPTS,
            sleep=http.abortable_sleep(
                self._abort, lambda: LinnworksAborted("Linnworks call abandoned: another call failed")
            ),
        )
        self._http = http.session(
            request_timeout_seconds, retry, around_attempt=self._through_limiter, connections=threads
        )
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="linnworks")
        self._lock = threading.Lock()
        self._session_lock = threading.Lock()
        self._session: _Session | None = None
        self._state = _CallState()
        self._memo: dict[str, Any] = {}

    # -- lifecycle -------------------------------------------------------------------------------------
    def __enter__(self) -> LinnworksClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop waiting calls and the worker threads (calls already on the wire finish on their own)."""
        self.limiter.abort()
        self._abort.set()
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._http.close()

    @property
    def aborted(self) -> bool:
        return self._abort.is_set()

    def fail(self, error: E) -> E:
        """Record the run's first failure and abort every other call; returns `error` to raise."""
        with self._lock:
            if self.first_error is None and not isinstance(error, LinnworksAborted):
                self.first_error = error
        self.limiter.abort()
        self._abort.set()
        return error

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Fail the run at once when the code inside raises (other threads stop instead of carrying on)."""
        try:
            yield
        except GeneratorExit:
            raise
        except Exception as error:
            self.fail(error)
            raise

    def add_rows(self, resource: str, count: int) -> None:
        with self._lock:
            self.rows[resource] += count

    # -- concurrency helpers -----------------------------------------------------------------------------
    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        """Run `fn(*args)` on the client's threads."""
        return self._executor.submit(fn, *args)

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """`[fn(item) for item in items]`, run concurrently on the client's threads (order kept)."""
        futures = [self._executor.submit(fn, item) for item in items]
        try:
            return [future.result() for future in futures]
        finally:
            for future in futures:
                future.cancel()

    def once(self, key: str, fn: Callable[[], T]) -> T:
        """`fn()` the first time `key` is asked for in this run, the same answer afterwards."""
        with self._lock:
            lock = self._memo.setdefault(f"{key}:lock", threading.Lock())
        with lock:
            if key not in self._memo:
                self._memo[key] = fn()
            return self._memo[key]  # type: ignore[no-any-return]

    # -- calls ---------------------------------------------------------------------------------------------
    def post(self, method: str, body: Any, end_of_data: str | None = None) -> Any:
        """POST a JSON body to `{Server}/api/{method}`; the decoded answer (None for `end_of_data`'s 400)."""
        return self.call("POST", method, json=body, end_of_data=end_of_data)

    def get(self, method: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET `{Server}/api/{method}?params`; the decoded answer."""
        return self.call("GET", method, params=params)

    def call(
        self,
        http_method: str,
        method: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        end_of_data: str | None = None,
    ) -> Any:
        """One API call with retries; 401 re-authorises once. Raises LinnworksError naming `method`."""
        for attempt in (1, 2):
            session = self._current_session()
            response = self._send(
                http_method,
                method,
                f"{session.server}/api/{method}",
                json=json,
                params=params,
                headers={"Authorization": session.token},
            )
            if response.status_code == 401 and attempt == 1:
                self._reauthorise(session)
                continue
            if 200 <= response.status_code < 300:
                ok, data = _decoded(response)
                if ok:
                    return data
                raise self._failed(
                    method, f"HTTP {response.status_code} with a body that is not JSON ({_shape(response)})"
                )
            message = _error_message(response)
            if end_of_data is not None and response.status_code == 400 and message == end_of_data:
                return None
            if response.status_code == 401:
                message += " (even after re-authorising)"
            raise self._failed(method, f"HTTP {response.status_code} {message}", response.status_code)
        raise AssertionError("unreachable")

    # -- internals -------------------------------------------------------------------------------------
    def _send(self, http_method: str, method: str, url: str, **kwargs: Any) -> requests.Response:
        if self._abort.is_set():
            raise LinnworksAborted(f"Linnworks {method} abandoned: another call failed", method)
        self._state.attempts = 0
        try:
            return self._http.request(http_method, url, **kwargs)
        except LinnworksError:
            raise
        except requests.Timeout:
            raise self._failed(method, f"no answer within {self.timeout:g} s") from None
        except requests.RequestException as error:
            raise self._failed(method, f"connection failed or dropped ({type(error).__name__})") from None

    def _failed(self, method: str, detail: str, status: int | None = None) -> LinnworksError:
        attempts = self._state.attempts
        when = f" after {attempts} attempts" if attempts > 1 else ""
        return self.fail(LinnworksError(self.scrub(f"Linnworks {method} failed{when}: {detail}"), method, status))

    def scrub(self, text: str) -> str:
        secrets = [*self.credentials.values(), self._session.token if self._session else ""]
        for secret in secrets:
            if secret:
                text = text.replace(secret, "***")
        return text

    def _through_limiter(self, request: requests.PreparedRequest, send: http.Send) -> requests.Response:
        """Around every attempt (retries included): a slot of the method's limit, counted; a 429 pauses it."""
        method = method_of(request.url or "")
        self._count_attempt(method, self.limiter.acquire(method))
        try:
            response = send()
        finally:
            self.limiter.release(method)
        if _is_throttled(response):
            self._count_throttled(method)
            self.limiter.pause(method, _retry_after_seconds(response))
        return response

    def _count_attempt(self, method: str, waited: float) -> None:
        self._state.attempts += 1
        with self._lock:
            stats = self.stats[method]
            stats.calls += 1
            stats.retries += self._state.attempts > 1
            if waited > 0.005:
                stats.waits += 1
                stats.wait_seconds += waited

    def _count_throttled(self, method: str) -> None:
        with self._lock:
            self.stats[method].throttled += 1

    def _current_session(self) -> _Session:
        with self._session_lock:
            if self._session is None or time.monotonic() >= self._session.refresh_at:
                self._session = self._authorise()
            return self._session

    def _reauthorise(self, stale: _Session) -> None:
        with self._session_lock:
            if self._session is stale:
                self._session = self._authorise()

    def _authorise(self) -> _Session:
        c = self.credentials
        form = {"ApplicationId": c.application_id, "ApplicationSecret": c.application_secret, "Token": c.token}
        url = f"{self.auth_url}/api/{AUTH_METHOD}"
        response = self._send("POST", AUTH_METHOD, url, data=form)
        ok, body = _decoded(response)
        if response.status_code != 200:
            detail = f"HTTP {response.status_code} {_error_message(response)}"
            if response.status_code in (400, 401, 403):
                detail += (
                    ": check sources.linnworks.application_id, application_secret and token "
                    "(SOURCES__LINNWORKS__APPLICATION_ID, ... or .dlt/secrets.toml)"
                )
            raise self._failed(AUTH_METHOD, detail, response.status_code)
        if not ok or not isinstance(body, dict) or not body.get("Token") or not body.get("Server"):
            raise self._failed(AUTH_METHOD, f"the answer has no Token and Server ({_shape(response)})")
        ttl = body.get("TTL")
        ttl_seconds = float(ttl) if isinstance(ttl, (int, float)) and ttl > 0 else settings.DEFAULT_SESSION_TTL_SECONDS
        margin = min(settings.SESSION_REFRESH_MARGIN_SECONDS, ttl_seconds / 10)
        with self._lock:
            self.sessions_opened += 1
        return _Session(
            token=str(body["Token"]),
            server=str(body["Server"]).rstrip("/"),
            refresh_at=time.monotonic() + ttl_seconds - margin,
        )


def _error_message(response: requests.Response) -> str:
    """The `Message` of a Linnworks error body, else the HTTP reason."""
    ok, body = _decoded(response)
    if ok and isinstance(body, dict) and isinstance(body.get("Message"), str):
        return body["Message"]
    return response.reason or _shape(response)


def _shape(response: requests.Response) -> str:
    kind = (response.headers.get("Content-Type") or "no content type").split(";")[0]
    return f"{kind}, {len(response.content)} bytes"


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of at most `size` items."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@with_config(sections=("sources", "linnworks"))
def client_from_config(
    application_id: TSecretStrValue = dlt.secrets.value,
    application_secret: TSecretStrValue = dlt.secrets.value,
    token: TSecretStrValue = dlt.secrets.value,
    auth_url: str = settings.AUTH_URL,
    rate_limit_window_seconds: float = settings.RATE_LIMIT_WINDOW_SECONDS,
    rate_limits: dict[str, int] | None = None,
    request_timeout_seconds: float = settings.REQUEST_TIMEOUT_SECONDS,
    max_attempts: int = settings.MAX_ATTEMPTS,
    retry_backoff_seconds: float = settings.RETRY_BACKOFF_SECONDS,
) -> LinnworksClient:
    """A client configured from dlt config `sources.linnworks.*` (env `SOURCES__LINNWORKS__*`, secrets.toml).

    `rate_limits` overrides the per-method limits, e.g. `{"GetStockLevel_Batch": 100}` (JSON in an env var);
    `rate_limit_window_seconds` is the length of the limits' window (60 on the live API).
    """
    return LinnworksClient(
        Credentials(str(application_id), str(application_secret), str(token)),
        auth_url=auth_url,
        rate_limit_window_seconds=rate_limit_window_seconds,
        rate_limits=rate_limits,
        request_timeout_seconds=request_timeout_seconds,
        max_attempts=max_attempts,
        retry_backoff_seconds=retry_backoff_seconds,
    )

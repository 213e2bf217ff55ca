"""loaders.http against a tiny local server on 127.0.0.1: what is retried and what is not, Retry-After, the bound
on requests in flight, the hook around every attempt, the abortable sleep, one session shared by threads."""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from loaders import http


@dataclass
class Answer:
    status: int = 200
    body: bytes = b'{"ok": true}'
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False
    """Close the connection without answering."""
    cut_short: bool = False
    """Send a Content-Length longer than the body."""


class Server:
    """Answers each request with the next of `script` (the last one repeated), counting them and how many at once."""

    def __init__(self) -> None:
        self.script: list[Answer] = [Answer()]
        self.requests: list[tuple[float, str]] = []
        self.in_flight = 0
        self.peak = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                with server._lock:
                    index = len(server.requests)
                    server.requests.append((time.monotonic(), self.path))
                    server.in_flight += 1
                    server.peak = max(server.peak, server.in_flight)
                    answer = server.script[min(index, len(server.script) - 1)]
                try:
                    time.sleep(answer.delay)
                    if answer.drop:
                        self.connection.shutdown(socket.SHUT_RDWR)
                        self.close_connection = True
                        return
                    self.send_response(answer.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer.body) + (10 if answer.cut_short else 0)))
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    if answer.cut_short:
                        self.send_header("Connection", "close")
                        self.close_connection = True
                    self.end_headers()
                    self.wfile.write(answer.body)
                finally:
                    with server._lock:
                        server.in_flight -= 1

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def count(self) -> int:
        return len(self.requests)


@pytest.fixture
def server() -> Iterator[Server]:
    started = Server()
    thread = threading.Thread(target=started.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield started
    finally:
        started.httpd.shutdown()
        started.httpd.server_close()


FAST = http.Retry(attempts=4, backoff=0.01, max_delay=0.05)


def test_5xx_answers_are_retried_until_one_succeeds(server: Server) -> None:
    server.script = [Answer(500), Answer(502), Answer(503), Answer(200)]
    with http.session(5, FAST) as session:
        response = session.get(f"{server.url}/x")
    assert response.status_code == 200 and response.json() == {"ok": True}
    assert server.count == 4


def test_after_the_last_attempt_the_last_answer_is_returned_not_raised(server: Server) -> None:
    server.script = [Answer(503, b"busy")]
    with http.session(5, FAST) as session:
        response = session.get(f"{server.url}/x")
    assert response.status_code == 503 and response.text == "busy"
    assert server.count == 4


@pytest.mark.parametrize("status", [400, 401, 403, 404, 304])
def test_4xx_and_other_answers_are_not_retried(server: Server, status: int) -> None:
    server.script = [Answer(status, b"" if status == 304 else b"no")]
    with http.session(5, FAST) as session:
        assert session.get(f"{server.url}/x").status_code == status
    assert server.count == 1


def test_dropped_connections_and_bodies_cut_short_are_retried(server: Server) -> None:
    server.script = [Answer(drop=True), Answer(cut_short=True), Answer()]
    with http.session(5, FAST) as session:
        assert session.get(f"{server.url}/x").json() == {"ok": True}
    assert server.count == 3


def test_a_connection_that_never_clears_raises_after_the_last_attempt(server: Server) -> None:
    server.script = [Answer(drop=True)]
    with http.session(5, FAST) as session, pytest.raises(requests.ConnectionError):
        session.get(f"{server.url}/x")
    assert server.count == 4


def test_an_answer_slower_than_the_timeout_is_retried(server: Server) -> None:
    server.script = [Answer(delay=1.0), Answer()]
    with http.session(0.3, FAST) as session:
        assert session.get(f"{server.url}/x").status_code == 200
    assert server.count == 2


def test_retry_after_is_honoured_over_the_backoff(server: Server) -> None:
    server.script = [Answer(429, headers={"Retry-After": "1"}), Answer()]
    with http.session(5, http.Retry(attempts=3, backoff=0.01, max_delay=5)) as session:
        assert session.get(f"{server.url}/x").status_code == 200
    (first, _), (second, _) = server.requests
    assert second - first >= 1.0


def test_the_waits_double_from_backoff_and_jitter_adds_to_them() -> None:
    waits: list[float] = []
    retry = http.Retry(attempts=4, backoff=0.5, max_delay=1.5, sleep=waits.append)
    assert retry.retrying()(lambda: _answer(500)).status_code == 500
    assert waits == [0.5, 1.0, 1.5]

    jittered: list[float] = []
    http.Retry(attempts=3, backoff=0.5, jitter=0.5, sleep=jittered.append).retrying()(lambda: _answer(500))
    assert len(jittered) == 2 and 0.5 <= jittered[0] <= 1.0 and 1.0 <= jittered[1] <= 1.5


def _answer(status: int, text: str = "") -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.raw = io.BytesIO(text.encode())
    return response


def test_a_custom_predicate_retries_answers_and_throttled_ones_get_more_attempts() -> None:
    answers = iter([_answer(200, "<html>"), _answer(200, "{}")])
    retry = http.Retry(attempts=2, backoff=0, retry_answer=lambda r: r.text.startswith("<"), sleep=lambda s: None)
    assert retry.retrying()(lambda: next(answers)).text == "{}"

    calls: list[int] = []

    def quota() -> requests.Response:
        calls.append(1)
        return _answer(400, "calls quota exceeded")

    throttled = http.Retry(
        attempts=2,
        backoff=0,
        throttled=lambda r: "quota" in r.text,
        throttled_attempts=5,
        sleep=lambda s: None,
    )
    assert throttled.retrying()(quota).status_code == 400
    assert len(calls) == 5, "a throttled answer is retried up to throttled_attempts"


def test_at_most_max_in_flight_requests_are_sent_at_once(server: Server) -> None:
    server.script = [Answer(delay=0.1)]
    with http.session(5, FAST, max_in_flight=3) as session, ThreadPoolExecutor(10) as pool:
        statuses = list(pool.map(lambda i: session.get(f"{server.url}/{i}").status_code, range(20)))
    assert statuses == [200] * 20
    assert server.peak == 3


def test_a_retry_waits_outside_the_bound(server: Server) -> None:
    """One call waiting out a Retry-After holds no slot: another call gets through meanwhile."""
    server.script = [Answer(429, headers={"Retry-After": "1"}), Answer()]
    retry = http.Retry(attempts=2, max_delay=5)
    with http.session(5, retry, max_in_flight=1) as session, ThreadPoolExecutor(1) as pool:
        slow = pool.submit(session.get, f"{server.url}/throttled")
        while server.count < 1:
            time.sleep(0.01)
        started = time.monotonic()
        assert session.get(f"{server.url}/other").status_code == 200
        assert time.monotonic() - started < 0.8
        assert slow.result().status_code == 200


def test_the_hook_runs_around_every_attempt_in_the_calling_thread(server: Server) -> None:
    server.script = [Answer(500), Answer(500), Answer()]
    seen: list[tuple[str, str, int]] = []

    def around(request: requests.PreparedRequest, send: Callable[[], requests.Response]) -> requests.Response:
        response = send()
        seen.append((threading.current_thread().name, request.path_url, response.status_code))
        return response

    with http.session(5, FAST, around_attempt=around) as session:
        assert session.get(f"{server.url}/x").status_code == 200
    me = threading.current_thread().name
    assert seen == [(me, "/x", 500), (me, "/x", 500), (me, "/x", 200)]


def test_an_abortable_sleep_stops_the_wait_for_a_retry_when_the_run_aborts(server: Server) -> None:
    server.script = [Answer(503, headers={"Retry-After": "30"})]
    aborted = threading.Event()
    retry = http.Retry(attempts=3, max_delay=60, sleep=http.abortable_sleep(aborted, lambda: RuntimeError("aborted")))
    threading.Timer(0.2, aborted.set).start()
    started = time.monotonic()
    with http.session(5, retry) as session, pytest.raises(RuntimeError, match="aborted"):
        session.get(f"{server.url}/x")
    assert time.monotonic() - started < 5
    assert server.count == 1


def test_one_session_serves_many_threads_and_keeps_no_cookie(server: Server) -> None:
    server.script = [Answer(headers={"Set-Cookie": "sticky=1; Path=/"})]
    with http.session(5, FAST) as session, ThreadPoolExecutor(8) as pool:
        bodies = list(pool.map(lambda i: session.get(f"{server.url}/{i}").json(), range(64)))
        assert not session.cookies, "a shared session keeps no state a request changes"
    assert bodies == [{"ok": True}] * 64
    assert server.count == 64


def test_attempts_and_the_bound_must_be_at_least_one() -> None:
    with pytest.raises(ValueError):
        http.Retry(attempts=0)
    with pytest.raises(ValueError):
        http.session(5, max_in_flight=0)

"""The seller's web page (`elt serve`).

Plain HTTP tests (FastAPI's TestClient, or the ASGI app called directly to watch how much of a body it reads):
the password, loopback-only serving, upload size, type and name limits, precise "not built yet" detection, the
countdown. Then a real browser (headless Chromium driven by Playwright) against `elt serve` on 127.0.0.1 with
a temporary demo warehouse: upload two feeds and read each file's supplier, rows and junk values and the build
result; see rejected files' reasons; download the Revise zip and find it identical to `elt export ebay-revise`;
search stock and see the over-commitment flag; read the bad-API tables with their refresh countdown; see the zip
refused after a failed build; read the run history. A second server refreshes the bad API (a sandbox on
127.0.0.1) itself. Screenshots go to `<pytest's base temp>/screenshots` (or ELT_SCREENSHOTS_DIR); their paths
are printed (`pytest -s` shows them).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import html
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from elt.cli import main as elt_main
from elt.lock import warehouse_lock
from elt.targets import Target
from elt.web import site as web_site
from elt.web.app import NOT_BUILT, Warehouse, create_app
from elt.web.refresh import REFRESH_SECONDS, BadApiRefresher, Countdown, countdown
from elt.web.uploads import (
    MAX_NAME_BYTES,
    OutOfMemory,
    UploadJob,
    UploadRejected,
    UploadWorker,
    expire_uploads,
    load_memory_mb,
    remove_rejected,
    run_in_child,
    safe_file_name,
    store_upload,
)
from loaders.workbooks.reader import OLE_MAGIC
from loaders.workbooks.report import FileResult, LoadReport
from tests.support.workbooks import write_xlsx

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
browser_test = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason="BROWSER TESTS NOT RUN: Chromium is not installed (Debian package `chromium`; `make test` installs it "
    "when it runs as root)",
)
ELT = [sys.executable, "-m", "elt.cli"]
PRODUCT_COLUMNS = ["name", "colours", "price", "manufacturer", "availability"]
FPS_HEADER = ["Product Code", "Short Description", "MFG Code", "Free Stock Available Flag", "Price"]


# --- plain HTTP: password, loopback, upload limits ------------------------------------------------------------


@pytest.fixture
def client(target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The app over an empty warehouse (no bad-API refresh), uploads kept under tmp_path/uploads; it answers to
    TestClient's host name, testserver (ELT_WEB_HOSTS)."""
    monkeypatch.setenv("ELT_UPLOAD_URL", str(tmp_path / "uploads"))
    monkeypatch.setenv("ELT_WEB_HOSTS", "testserver")
    monkeypatch.delenv("ELT_WEB_PASSWORD", raising=False)
    with TestClient(create_app(target, refresh_badapi=False)) as test_client:
        yield test_client


def _routes(routes: list[Any]) -> list[Any]:
    """Every route, those of the pages' routers included (FastAPI keeps an included router as one entry that
    holds the router: `original_router`)."""
    out = []
    for route in routes:
        included = getattr(route, "original_router", None)
        out.extend(_routes(included.routes) if included is not None else [route])
    return out


def _pages(test_client: TestClient) -> list[tuple[str, str]]:
    """(method, path) for every route of the app, path parameters filled in."""
    out = []
    for route in _routes(test_client.app.routes):
        for method in sorted(getattr(route, "methods", None) or []):
            if method != "HEAD":
                out.append((method, re.sub(r"\{[^}]+\}", "x", route.path)))
    return out


def test_every_page_asks_for_the_password_when_one_is_set(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELT_WEB_PASSWORD", "correct horse")
    pages = _pages(client)
    assert {("GET", "/upload"), ("POST", "/upload"), ("GET", "/ebay"), ("GET", "/ebay/revise.zip"),
            ("GET", "/stock"), ("GET", "/runs"), ("GET", "/jobs/x"), ("GET", "/")} <= set(pages)  # fmt: skip
    for method, path in pages:
        for auth in (None, ("seller", "wrong"), ("", "")):
            response = client.request(method, path, auth=auth, follow_redirects=False)
            assert response.status_code == 401, (method, path, auth)
            assert response.headers["www-authenticate"] == 'Basic realm="elt"'
    for user in ("seller", "anyone"):
        assert client.get("/upload", auth=(user, "correct horse")).status_code == 200
    assert client.get("/runs", auth=("seller", "correct horse")).status_code == 200
    # FastAPI's own documentation pages would sit outside the password: the app does not serve them.
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert client.get(path, auth=("seller", "correct horse")).status_code == 404


def test_without_a_password_every_page_opens(client: TestClient) -> None:
    for path in ("/upload", "/ebay", "/stock", "/runs"):
        response = client.get(path)
        assert response.status_code == 200, path
    assert "no warehouse at" in client.get("/stock").text  # not even a file yet: run `elt demo` or the loaders
    assert client.get("/ebay/revise.zip").status_code == 409


@pytest.mark.parametrize(
    ("host", "password", "allowed"),
    [
        ("127.0.0.1", None, True),
        ("localhost", None, True),
        ("::1", None, True),
        ("0.0.0.0", None, False),
        ("::", None, False),
        ("192.168.1.20", None, False),
        ("shop.example.com", None, False),
        ("0.0.0.0", "", False),
        ("0.0.0.0", "s3cret", True),
    ],
)
def test_elt_serve_binds_to_loopback_unless_a_password_is_set(
    host: str, password: str | None, allowed: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    bound: list[str] = []
    # uvicorn serves nothing: the test records where `elt serve` would listen (on a free port: --port 0).
    monkeypatch.setattr(uvicorn, "run", lambda app, host, port, **_: bound.append(host))
    monkeypatch.delenv("SOURCES__BADAPI__BASE_URL", raising=False)
    if password is None:
        monkeypatch.delenv("ELT_WEB_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("ELT_WEB_PASSWORD", password)
    result = CliRunner().invoke(
        elt_main, ["--duckdb", str(tmp_path / "w.duckdb"), "serve", "--host", host, "--port", "0"]
    )

    if allowed:
        assert result.exit_code == 0, result.output
        assert bound == [host]
    else:
        assert result.exit_code == 2
        assert f"refusing to serve on {host} without a password: set ELT_WEB_PASSWORD" in result.output
        assert bound == []


def _session(test_client: TestClient) -> tuple[dict[str, str], str]:
    """Open the upload page as a browser would: (the Cookie header it got, the form's cross-site token)."""
    page = test_client.get("/upload")
    (token,) = re.findall(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    return {"cookie": f"elt_session={test_client.cookies['elt_session']}"}, token


def _multipart(boundary: str, feed_date: str, file_name: str, token: str | None = None) -> bytes:
    """The start of a multipart upload: the cross-site token (first, as the form sends it), the feed date field
    and the headers of one file part."""
    first = f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n' if token else ""
    return (
        first.encode()
        + (
            f'--{boundary}\r\nContent-Disposition: form-data; name="feed_date"\r\n\r\n{feed_date}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{file_name}"\r\n'
            "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n"
        ).encode()
    )


def _post_asgi(app: Any, headers: dict[str, str], chunks: Iterable[bytes]) -> tuple[int, str, int]:
    """POST /upload straight into the ASGI app; (status, body, request bytes the app asked for)."""
    return _asgi(app, "POST", "/upload", {"host": "testserver", **headers}, chunks)


def _asgi(app: Any, method: str, path: str, headers: dict[str, str], chunks: Iterable[bytes]) -> tuple[int, str, int]:
    """A request straight into the ASGI app; (status, body, request bytes the app asked for)."""
    consumed = 0
    messages: list[dict[str, Any]] = []
    source = iter(chunks)

    async def receive() -> dict[str, Any]:
        nonlocal consumed
        chunk = next(source, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        consumed += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8080),
    }  # fmt: skip
    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return status, body.decode(), consumed


def _endless_file(
    boundary: str, name: str, chunk_size: int = 64 * 1024, limit: int = 200 * 2**20, token: str | None = None
) -> Iterator[bytes]:
    yield _multipart(boundary, "2026-11-20", name, token)
    sent = 0
    while sent < limit:  # a body far larger than anything the app should read
        yield b"PK\x03\x04" + b"x" * (chunk_size - 4)
        sent += chunk_size


def test_an_upload_declaring_more_than_the_limit_is_refused_before_a_byte_is_read(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ELT_MAX_UPLOAD_MB", "1")
    monkeypatch.setenv("ELT_MAX_UPLOAD_TOTAL_MB", "3")
    headers = {"content-type": "multipart/form-data; boundary=XyZ", "content-length": str(50 * 2**20)}
    status, body, consumed = _post_asgi(client.app, headers, _endless_file("XyZ", "APE_big.xlsx"))

    assert status == 413
    assert consumed == 0
    assert "this upload is 50 MB, over the 3.0 MB limit per upload (ELT_MAX_UPLOAD_TOTAL_MB): not read" in body
    assert not (tmp_path / "uploads").exists()


def test_an_upload_whose_file_grows_past_the_limit_is_not_read_any_further(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ELT_MAX_UPLOAD_MB", "1")
    cookie, token = _session(client)
    for headers in (
        {"content-type": "multipart/form-data; boundary=XyZ"},  # chunked: no length declared
        {"content-type": "multipart/form-data; boundary=XyZ", "content-length": str(40 * 2**20)},  # < total
    ):
        chunks = _endless_file("XyZ", "APE_big.xlsx", token=token)
        status, body, consumed = _post_asgi(client.app, {**headers, **cookie}, chunks)

        assert status == 413
        assert 2**20 < consumed <= 2**20 + 2 * 64 * 1024  # stopped within a chunk of the limit
        assert "APE_big.xlsx: over the 1.0 MB limit per file (ELT_MAX_UPLOAD_MB)" in body
    assert not (tmp_path / "uploads").exists()


def test_the_password_is_asked_before_an_upload_is_read(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELT_WEB_PASSWORD", "s3cret")
    headers = {"content-type": "multipart/form-data; boundary=XyZ", "content-length": str(5 * 2**20)}
    status, _, consumed = _post_asgi(client.app, headers, _endless_file("XyZ", "APE.xlsx", limit=5 * 2**20))

    assert status == 401
    assert consumed == 0


def test_only_xlsx_workbooks_are_stored(client: TestClient, tmp_path: Path) -> None:
    files = [
        ("files", ("notes.txt", b"not a feed", "text/plain")),
        ("files", ("APE_fake.xlsx", b"just text with an xlsx name", "application/octet-stream")),
        ("files", ("APE_locked.xlsx", OLE_MAGIC + bytes(600), "application/octet-stream")),
        ("files", ("APE_empty.xlsx", b"", "application/octet-stream")),
        ("files", ("APE_zipped_junk.xlsx", b"PK\x03\x04 not really a zip", "application/octet-stream")),
        ("files", ("../../../../etc/APE_evil.xlsm", b"nope", "application/octet-stream")),
    ]
    _, token = _session(client)
    response = client.post("/upload", data={"csrf_token": token, "feed_date": "2026-11-20"}, files=files)

    assert response.status_code == 400
    error = response.text
    assert "notes.txt: only .xlsx or .xlsm feeds are accepted" in error
    assert "APE_fake.xlsx: not an .xlsx workbook (an .xlsx file is a zip archive; this one is not)" in error
    assert "APE_locked.xlsx: an encrypted (password-protected) workbook or an old-format .xls" in error
    assert "APE_empty.xlsx: the file is empty (0 bytes)" in error
    assert "APE_zipped_junk.xlsx: not an .xlsx workbook" in error
    assert "APE_evil.xlsm: not an .xlsx workbook" in error and "../" not in error
    assert not (tmp_path / "uploads").exists()
    assert not list(tmp_path.rglob("*APE_*"))


def test_a_bad_feed_date_or_no_file_is_refused(client: TestClient) -> None:
    _, token = _session(client)
    good = ("files", ("APE.xlsx", b"x", "application/octet-stream"))
    bad_date = {"csrf_token": token, "feed_date": "20/11/2026"}
    assert "pick the feed date" in client.post("/upload", data=bad_date, files=[good]).text
    other = [("other", ("a", b"", "text/plain"))]
    response = client.post("/upload", data={"csrf_token": token, "feed_date": "2026-11-20"}, files=other)
    assert response.status_code == 400  # a file under another field name is not a feed
    not_a_form = client.post("/upload", content=b"feed_date=2026-11-20", headers={"x-csrf-token": token})
    assert not_a_form.status_code == 400


# --- cross-site protection ------------------------------------------------------------------------------------


def _stored(tmp_path: Path) -> list[str]:
    uploads = tmp_path / "uploads"
    return sorted(p.relative_to(uploads).as_posix() for p in uploads.rglob("*") if p.is_file())


def _feed_bytes(tmp_path: Path) -> bytes:
    return write_xlsx(tmp_path / "src" / "APE_SF.xlsx", [["Part", "In Stock"], ["AP00001", "YES"]]).read_bytes()


@pytest.mark.parametrize(
    "browser_headers",
    [
        {"origin": "http://evil.example", "sec-fetch-site": "cross-site"},  # the request of issue 14
        {"sec-fetch-site": "cross-site"},
        {"origin": "http://evil.example"},
        {"origin": "http://testserver:8081", "sec-fetch-site": "same-site"},  # another port, same machine
        {"origin": "https://testserver"},  # another scheme
        {"origin": "null"},  # a sandboxed frame or a data: page
    ],
)
def test_a_cross_site_upload_is_refused_before_it_is_read_even_with_a_valid_token(
    client: TestClient, tmp_path: Path, browser_headers: dict[str, str]
) -> None:
    cookie, token = _session(client)
    body = _multipart("XyZ", "2026-11-20", "APE_SF.xlsx", token) + _feed_bytes(tmp_path) + b"\r\n--XyZ--\r\n"
    headers = {"content-type": "multipart/form-data; boundary=XyZ", **cookie, **browser_headers}
    status, text, consumed = _post_asgi(client.app, headers, [body])

    assert status == 403
    assert "refused: a request from another " in text and "cannot change anything here" in text
    assert consumed == 0
    assert _stored(tmp_path) == []
    assert client.app.state.worker.jobs == {}


def test_an_upload_without_its_session_or_token_or_with_a_wrong_one_is_refused_and_stores_nothing(
    client: TestClient, tmp_path: Path
) -> None:
    feed = ("files", ("APE_SF.xlsx", _feed_bytes(tmp_path), "application/octet-stream"))
    _, token = _session(client)
    other_browser = TestClient(client.app)
    _, other_token = _session(other_browser)
    wrong = "the form's cross-site token is wrong or out of date"
    day = {"feed_date": "2026-11-20"}
    cases = [
        (other_browser, "no session cookie came with this request", {**day, "csrf_token": token}, {}),
        (client, "the form has no cross-site token (csrf_token)", day, {}),
        (client, wrong, {"csrf_token": "0" * 64, **day}, {}),
        (client, wrong, {"csrf_token": other_token, **day}, {}),  # another browser's token
        (client, wrong, day, {"x-csrf-token": "f" * 64}),
    ]
    for sender, reason, data, headers in cases:
        other_browser.cookies.clear()
        response = sender.post("/upload", data=data, files=[feed], headers=headers)
        assert response.status_code == 403, reason
        assert f"refused: {reason}" in html.unescape(response.text)
        assert "reload the page and send the form again" in response.text
    # The token is read only as the form's first field: after the files it is not looked for.
    late = client.post("/upload", data={"feed_date": "2026-11-20"}, files=[feed, ("csrf_token", (None, token))])
    assert late.status_code == 403 and "has no cross-site token" in late.text
    for method in ("PUT", "PATCH", "DELETE"):  # every method that may change something, routed or not
        assert client.request(method, "/upload").status_code == 403
        assert client.request(method, "/runs").status_code == 403
    assert _stored(tmp_path) == []
    assert client.app.state.worker.jobs == {}

    # With its token the same form reaches the page (which refuses the text file by its own rule).
    notes = ("files", ("notes.txt", b"not a feed", "text/plain"))
    response = client.post("/upload", data={"csrf_token": token, "feed_date": "2026-11-20"}, files=[notes])
    assert response.status_code == 400 and "notes.txt: only .xlsx or .xlsm feeds are accepted" in response.text


def test_the_first_page_sets_a_strict_http_only_session_and_every_form_sends_its_token_first(
    client: TestClient,
) -> None:
    first = client.get("/upload")
    cookie = first.headers["set-cookie"]
    assert cookie.startswith("elt_session=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Path=/" in cookie
    token = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', first.text).group(1)
    again = client.get("/upload")
    assert "set-cookie" not in again.headers  # one session per browser
    assert f'value="{token}"' in again.text
    # Every form that posts renders its token as its first element (the middleware reads only the first field).
    for template in sorted((Path(web_site.__file__).parent / "templates").glob("*.html")):
        for form in re.findall(r"<form\b[^>]*>\s*\S+", template.read_text()):
            if re.search(r'method="post"', form, flags=re.IGNORECASE):
                assert form.endswith("{{"), (template.name, form)
                assert template.read_text().count("{{ csrf_field() }}") >= 1


def test_an_upload_dated_outside_the_window_is_refused_before_a_byte_is_stored(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ELT_TODAY", "2026-11-20")
    page = client.get("/upload").text
    assert 'value="2026-11-20" min="2026-10-21" max="2026-11-21"' in page  # the browser's date picker knows too
    _, token = _session(client)
    feed = ("files", ("APE_SF.xlsx", _feed_bytes(tmp_path), "application/octet-stream"))
    for day, side in (("2099-01-01", "after"), ("2026-11-22", "after"), ("2026-10-20", "before")):
        response = client.post("/upload", data={"csrf_token": token, "feed_date": day}, files=[feed])
        assert response.status_code == 400
        assert f"feed date {day} is {side} the accepted window 2026-10-21 … 2026-11-21" in response.text
    assert _stored(tmp_path) == []
    assert client.app.state.worker.jobs == {}


def test_the_child_that_reads_an_upload_runs_under_a_memory_limit(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14: a 29 KB sheet took the loader to 669 MB. The load child's memory is capped (RLIMIT_DATA,
    ELT_UPLOAD_MEMORY_MB, default 2048): past it the job fails, saying so, and nothing is loaded."""
    assert load_memory_mb() == 2048
    assert run_in_child(bytearray, 1_000, memory_mb=256) == bytearray(1_000)
    with pytest.raises(OutOfMemory, match="256 MB"):
        run_in_child(bytearray, 600 * 2**20, memory_mb=256)

    monkeypatch.setenv("ELT_UPLOAD_MEMORY_MB", "64")  # less than the loader needs to start
    _, token = _session(client)
    feed = ("files", ("APE_SF.xlsx", _feed_bytes(tmp_path), "application/octet-stream"))
    response = client.post("/upload", data={"csrf_token": token, "feed_date": dt.date.today().isoformat()},
                           files=[feed], follow_redirects=False)  # fmt: skip
    assert response.status_code == 303
    (job,) = client.app.state.worker.jobs.values()
    deadline = time.monotonic() + 120
    while not job.finished:
        assert time.monotonic() < deadline, job.status
        time.sleep(0.2)
    assert job.status == "failed" and job.report is None
    assert "more than the 64 MB the upload may use (ELT_UPLOAD_MEMORY_MB): nothing of this upload was loaded" in (
        job.error or ""
    )


def test_uploaded_file_names_are_never_used_as_paths(target: Target, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ELT_UPLOAD_URL", str(tmp_path / "uploads"))
    workbook = write_xlsx(tmp_path / "source" / "feed.xlsx", [["Part", "In Stock"], ["AP00001", "YES"]]).read_bytes()
    day = dt.date(2026, 11, 20)
    names = {
        "../../../outside/APE_a.xlsx": "APE_a.xlsx",
        "..\\..\\windows\\APE b.xlsx": "APE b.xlsx",
        "/etc/APE_c.xlsx": "APE_c.xlsx",
        "C:\\Users\\me\\Desktop\\APE_d.XLSX": "APE_d.XLSX",
        "APE_e\x00\n\t.xlsx": "APE_e.xlsx",
        "APE_<script>|f?.xlsm": "APE__script__f_.xlsm",
        "APE_g/../../..xlsx": None,  # nothing usable is left
        ".xlsx": None,
        "APE_h.xlsx.exe": None,
    }
    for sent, expected in names.items():
        if expected is None:
            with pytest.raises(UploadRejected):
                store_upload(target, day, sent, workbook)
            continue
        assert safe_file_name(sent) == expected
        assert store_upload(target, day, sent, workbook) == f"{tmp_path / 'uploads'}/2026-11-20/{expected}"
    stored = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    expected_files = sorted([*(f"uploads/2026-11-20/{n}" for n in names.values() if n), "source/feed.xlsx"])
    assert stored == expected_files
    assert safe_file_name("A" * 300 + ".xlsx") == "A" * 115 + ".xlsx"


def test_a_long_utf8_file_name_is_cut_by_bytes_stored_and_never_a_500(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14: a 609-byte UTF-8 file name answered 500 (the file system allows 255 bytes) and lost the rest of
    its upload. Names are cut to MAX_NAME_BYTES (200) UTF-8 bytes, never inside a character."""
    monkeypatch.setattr(UploadWorker, "submit", lambda self, job: self.jobs.setdefault(job.id, job))  # no load
    name = "APE_" + "€" * 200 + ".xlsx"  # 609 bytes
    assert len(name.encode()) == 609
    stored = safe_file_name(name)
    assert stored == "APE_" + "€" * 63 + ".xlsx" and len(stored.encode()) == 198
    assert len(safe_file_name("APE_" + "😀" * 100 + ".xlsm").encode()) <= MAX_NAME_BYTES
    _, token = _session(client)
    feed = _feed_bytes(tmp_path)
    files = [("files", (name, feed, "application/octet-stream")), ("files", ("BET_SF.xlsx", feed, "x"))]
    response = client.post("/upload", data={"csrf_token": token, "feed_date": dt.date.today().isoformat()},
                           files=files, follow_redirects=False)  # fmt: skip
    assert response.status_code == 303
    assert sorted(p.rsplit("/", 1)[1] for p in _stored(tmp_path)) == sorted([stored, "BET_SF.xlsx"])


def test_an_upload_beyond_the_waiting_limit_is_refused_before_it_is_stored(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ELT_MAX_WAITING_UPLOADS", "2")
    worker = client.app.state.worker
    for _ in range(2):  # two uploads waiting (never queued here, so they stay waiting)
        job = UploadJob(feed_date=dt.date.today(), paths=[])
        worker.jobs[job.id] = job
    _, token = _session(client)
    feed = ("files", ("APE_SF.xlsx", _feed_bytes(tmp_path), "application/octet-stream"))
    response = client.post("/upload", data={"csrf_token": token, "feed_date": dt.date.today().isoformat()},
                           files=[feed])  # fmt: skip
    assert response.status_code == 503 and response.headers["retry-after"] == "60"
    assert "2 uploads are waiting to be processed (at most 2, ELT_MAX_WAITING_UPLOADS)" in response.text
    assert _stored(tmp_path) == [] and len(worker.jobs) == 2


def test_uploads_older_than_the_window_expire_and_rejected_files_are_not_kept(
    target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ELT_UPLOAD_URL", str(tmp_path / "uploads"))
    monkeypatch.setenv("ELT_TODAY", "2026-11-20")  # the window starts on 2026-10-21
    feed = _feed_bytes(tmp_path)
    for day in (dt.date(2026, 10, 1), dt.date(2026, 10, 20), dt.date(2026, 10, 21), dt.date(2026, 11, 20)):
        store_upload(target, day, "APE_SF.xlsx", feed)
    (tmp_path / "uploads" / "notes").mkdir()  # not a feed date's folder: left alone
    assert expire_uploads(target) == ["2026-10-01", "2026-10-20"]
    assert sorted(p.name for p in (tmp_path / "uploads").iterdir()) == ["2026-10-21", "2026-11-20", "notes"]

    kept = store_upload(target, dt.date(2026, 11, 20), "BET_SF.xlsx", feed)
    job = UploadJob(feed_date=dt.date(2026, 11, 20), paths=[f"{tmp_path}/uploads/2026-11-20/APE_SF.xlsx", kept])
    job.report = LoadReport(results=[FileResult("APE_SF.xlsx", "supplier-stock", "APE", "rejected", reason="x"),
                                     FileResult("BET_SF.xlsx", "supplier-stock", "BET", "loaded", rows=1)])  # fmt: skip
    remove_rejected(job)
    assert _stored(tmp_path) == ["2026-10-21/APE_SF.xlsx", "2026-11-20/BET_SF.xlsx"]


def test_a_missing_table_reads_as_not_built_and_any_other_error_is_raised(
    target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    with duckdb.connect(str(target.duckdb_path)) as con:
        con.execute("create schema marts; create table marts.things as select 1 as thing_id, 'a' as name")
    warehouse = Warehouse(target)

    assert warehouse.rows("select thing_id, name from marts.things") == ([{"thing_id": 1, "name": "a"}], None)
    assert warehouse.rows("select * from marts.nothing") == ([], NOT_BUILT)
    assert warehouse.rows("select * from nowhere.nothing") == ([], NOT_BUILT)
    with pytest.raises(duckdb.BinderException, match='column "product_name" not found'):
        warehouse.rows("select product_name from marts.things")  # the bug that hid the bad-API tables
    with pytest.raises(duckdb.ParserException):
        warehouse.rows("select from where")

    monkeypatch.setattr(web_site, "READ_WAIT_SECONDS", 0.2)
    with warehouse_lock(target):  # a load or a build holds the warehouse
        rows, message = warehouse.rows("select thing_id, name from marts.things")
        assert rows == [{"thing_id": 1, "name": "a"}]
        assert message and message.startswith("the warehouse is busy with a load or a build; shown as it was at")
        assert warehouse.rows("select 2 as other") == (
            [],
            "the warehouse is busy with a load or a build; this page shows it when that has finished",
        )


def test_the_countdown_is_the_last_refresh_plus_five_minutes_or_the_servers_own_schedule(target: Target) -> None:
    last = dt.datetime(2026, 11, 20, 9, 0, 0)  # DuckDB's timestamps are UTC without a zone
    clock = countdown(None, last, None)

    assert REFRESH_SECONDS == 300
    assert clock == Countdown(last.replace(tzinfo=dt.UTC), dt.datetime(2026, 11, 20, 9, 5, tzinfo=dt.UTC), False)
    assert clock.text(dt.datetime(2026, 11, 20, 9, 1, 0, tzinfo=dt.UTC)) == "4:00"
    assert clock.text(dt.datetime(2026, 11, 20, 9, 4, 59, tzinfo=dt.UTC)) == "0:01"
    assert clock.text(dt.datetime(2026, 11, 20, 9, 6, 40, tzinfo=dt.UTC)) == "overdue by 1:40"
    newer_load = dt.datetime(2026, 11, 20, 9, 3, tzinfo=dt.UTC)
    assert countdown(None, last, newer_load).loaded_not_built == newer_load
    assert countdown(None, last, last).loaded_not_built is None
    assert countdown(None, None, None).next_refresh is None

    refresher = BadApiRefresher(target, "http://127.0.0.1:9")  # never started: only its schedule is read
    refresher.next_at = dt.datetime(2026, 11, 20, 9, 2, 30, tzinfo=dt.UTC)
    refresher.last_error = "bad API load: manufacturer ippal stuck in error mode"
    own = countdown(refresher, last, None)
    assert (own.next_refresh, own.in_process, own.last_error) == (refresher.next_at, True, refresher.last_error)


# --- the Host check and the security headers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("127.0.0.1:8080", True),
        ("localhost:8080", True),
        ("LOCALHOST", True),
        ("[::1]:8080", True),
        ("shop.example.com", True),  # configured in ELT_WEB_HOSTS
        ("evil.example", False),  # a rebinding name pointing at 127.0.0.1
        ("127.0.0.1.evil.example", False),
        ("", False),
        ("[::1", False),
    ],
)
def test_only_loopback_names_and_the_configured_hosts_are_answered(
    target: Target, monkeypatch: pytest.MonkeyPatch, host: str, allowed: bool
) -> None:
    monkeypatch.setenv("ELT_WEB_HOSTS", "shop.example.com, 192.168.1.20")
    monkeypatch.delenv("ELT_WEB_PASSWORD", raising=False)
    app = create_app(target, refresh_badapi=False)
    for path in ("/upload", "/ebay/revise.zip", "/runs"):
        status, body, _ = _asgi(app, "GET", path, {"host": host} if host else {}, [])
        if allowed:
            assert status in (200, 409), (host, path, body[:200])
        else:
            assert status == 400, (host, path)
            assert "this server does not answer to the host" in body and "ELT_WEB_HOSTS" in body


def test_every_response_carries_the_security_headers_and_a_fresh_nonce(client: TestClient) -> None:
    pages = [client.get(path) for path in ("/upload", "/ebay", "/stock", "/runs", "/ebay/revise.zip", "/nowhere")]
    pages.append(client.post("/upload"))  # refused by the cross-site check: headers all the same
    nonces = set()
    for response in pages:
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp and "form-action 'self'" in csp
        assert "object-src 'none'" in csp and "base-uri 'none'" in csp and "unsafe-inline" not in csp
        (nonce,) = re.findall(r"script-src 'self' 'nonce-([\w-]+)'", csp)
        assert f"style-src 'self' 'nonce-{nonce}'" in csp
        nonces.add(nonce)
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers["cross-origin-opener-policy"] == "same-origin"
    assert len(nonces) == len(pages)  # one per response
    upload = pages[0]
    nonce = re.findall(r"'nonce-([\w-]+)'", upload.headers["content-security-policy"])[0]
    # Every inline script and style of every page carries the nonce (one without it would not run).
    for response in pages[:4]:
        page_nonce = re.findall(r"'nonce-([\w-]+)'", response.headers["content-security-policy"])[0]
        for tag in re.findall(r"<(?:script|style)\b[^>]*>", response.text):
            assert f'nonce="{page_nonce}"' in tag, (response.url, tag)
    assert f'<script nonce="{nonce}">' in upload.text


def test_a_trailing_slash_redirects_to_the_path_relative_never_to_the_host_sent(client: TestClient) -> None:
    for path, location in (("/upload/", "/upload"), ("/runs/?x=1", "/runs?x=1")):
        response = client.get(path, follow_redirects=False, headers={"host": "localhost:8080"})
        assert response.status_code == 307, path
        assert response.headers["location"] == location
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": "//evil.example/", "raw_path": b"//evil.example/", "query_string": b"", "root_path": "",
        "headers": [(b"host", b"localhost")], "client": ("127.0.0.1", 5), "server": ("127.0.0.1", 8080),
    }  # fmt: skip
    asyncio.run(client.app(scope, receive, send))
    (start,) = [m for m in messages if m["type"] == "http.response.start"]
    assert start["status"] == 307  # to a path on this server, never to //evil.example
    assert dict(start["headers"])[b"location"] == b"/evil.example"
    assert client.get("/", follow_redirects=False).headers["location"] == "/upload"


# --- the browser ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("ELT_SCREENSHOTS_DIR") or tmp_path_factory.getbasetemp() / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {folder}")
    return folder


def _shot(page: Any, folder: Path, name: str) -> Path:
    path = folder / name
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _serving(env: dict[str, str]) -> Iterator[str]:
    """`elt serve` on a free loopback port with `env`; its URL. Stopped (and waited for) on exit."""
    port = _free_port()
    server = subprocess.Popen(
        [*ELT, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                urllib.request.urlopen(f"{url}/upload", timeout=5)
                break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
                assert time.monotonic() < deadline, "elt serve did not start"
                time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=120)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A demo warehouse, and `elt serve` on it (stopped after the module). The mass-zeroing guard fails builds
    here (ELT_FAIL_ON_MASS_ZEROING=true); the server does not refresh the bad API itself."""
    root = tmp_path_factory.mktemp("web")
    env = {**os.environ, "ELT_DUCKDB_PATH": str(root / "web.duckdb"), "ELT_UPLOAD_URL": str(root / "uploads"),
           "ELT_FAIL_ON_MASS_ZEROING": "true"}  # fmt: skip
    for name in ("SOURCES__BADAPI__BASE_URL", "ELT_WEB_PASSWORD"):
        env.pop(name, None)
    demo = subprocess.run([*ELT, "demo", "--workdir", str(root / "demo"), "--out", str(root / "demo-out")],
                          env=env, capture_output=True, text=True)  # fmt: skip
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    with _serving(env) as url:
        yield {"url": url, "env": env, "root": root, "target": Target.from_options("duckdb", root / "web.duckdb")}


@contextmanager
def _read(target: Target) -> Iterator[duckdb.DuckDBPyConnection]:
    """What the warehouse holds, read the way the pages read it (under the warehouse lock)."""
    with warehouse_lock(target), duckdb.connect(str(target.duckdb_path), read_only=True) as con:
        yield con


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )  # fmt: skip
        yield chromium
        chromium.close()


def _new_page(browser: Any) -> Any:
    return browser.new_page(viewport={"width": 1280, "height": 900})


def _upload(page: Any, url: str, day: dt.date, files: list[Path | dict[str, Any]]) -> None:
    """Pick the date and the files (paths, or {name, mimeType, buffer} for files that need an odd name), submit,
    and wait for the outcome."""
    page.goto(f"{url}/upload")
    page.fill("input[name=feed_date]", day.isoformat())
    payloads = [
        f if isinstance(f, dict) else {"name": f.name, "mimeType": "application/octet-stream", "buffer": f.read_bytes()}
        for f in files
    ]
    page.set_input_files("input[name=files]", payloads)
    page.click("button[type=submit]")
    page.wait_for_selector("#processed, #processing-failed, #upload-error", timeout=300_000)


def _cells(page: Any, row_selector: str) -> dict[str, str]:
    row = page.locator(row_selector)
    return {
        key: row.locator(f"td.{key}").inner_text().strip() for key in ("supplier", "outcome", "rows", "junk", "blank")
    }


def _fps_feed(path: Path, stock: list[object], blank_rows: int = 0) -> Path:
    rows: list[list[object]] = [FPS_HEADER]
    rows += [[f"FP{i:05d}", f"FPS part {i}", "MFG", value, 9.99] for i, value in enumerate(stock)]
    rows += [[None, "no product code", "MFG", 5, 1.0]] * blank_rows
    return write_xlsx(path, rows)


TOMORROW = dt.date.today() + dt.timedelta(days=1)


@browser_test
def test_uploading_two_feeds_shows_each_files_supplier_rows_junk_values_and_the_build_result(
    site: dict[str, Any], browser: Any, screenshots: Path, tmp_path: Path
) -> None:
    # FPS: 14 parts, three junk stock cells (#N/A, a negative, text) and one row without a product code.
    stock = [4, 7, "#N/A", 2, 9, -3, 6, 5, "call", 8, 3, 6, 2, 7]
    fps = _fps_feed(tmp_path / f"FPS_stock_{TOMORROW:%Y%m%d}.xlsx", stock, blank_rows=1)
    ape_rows = [["Part", "In Stock"], *[[f"AP{i:05d}", "no" if i == 3 else "YES"] for i in range(8)]]
    ape = write_xlsx(tmp_path / f"APE_stock_{TOMORROW:%Y%m%d}.xlsx", ape_rows)
    page = _new_page(browser)
    _upload(page, site["url"], TOMORROW, [fps, ape])
    _shot(page, screenshots, "01-upload-two-feeds-processed.png")

    status = page.inner_text("#job-status")
    assert "Processed at" in status and "dbt build passed: every test passed" in status
    assert _cells(page, f"tr[data-file='{fps.name}']") == {
        "supplier": "FPS", "outcome": "loaded", "rows": "15", "junk": "3", "blank": "1"
    }  # fmt: skip
    assert _cells(page, f"tr[data-file='{ape.name}']") == {
        "supplier": "APE", "outcome": "loaded", "rows": "8", "junk": "0", "blank": "0"
    }  # fmt: skip
    stored = site["root"] / "uploads" / TOMORROW.isoformat()
    assert sorted(p.name for p in stored.iterdir()) == sorted([fps.name, ape.name])
    assert (stored / fps.name).read_bytes() == fps.read_bytes()


@browser_test
def test_rejected_files_show_their_reasons(
    site: dict[str, Any], browser: Any, screenshots: Path, tmp_path: Path
) -> None:
    mystery = write_xlsx(tmp_path / "XYZ_mystery.xlsx", [["Part", "Stock"], ["X1", 4]])
    header_only = write_xlsx(tmp_path / "APE_header_only.xlsx", [["Part", "In Stock"]])
    notes = {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not a feed"}
    page = _new_page(browser)
    _upload(page, site["url"], dt.date.today(), [mystery, notes, header_only])
    _shot(page, screenshots, "02-upload-rejected-files.png")

    # Refused before they are stored: the file that is no workbook, and the one of an unknown supplier.
    not_stored = page.locator(".not-stored").all_inner_texts()
    assert "Not stored: notes.txt: only .xlsx or .xlsm feeds are accepted" in not_stored
    assert any(t.startswith("Not stored: XYZ_mystery.xlsx: unknown supplier code 'XYZ'") for t in not_stored)
    assert not (site["root"] / "uploads" / dt.date.today().isoformat() / "XYZ_mystery.xlsx").exists()
    outcome = _cells(page, "tr[data-file='APE_header_only.xlsx']")["outcome"]
    assert outcome.startswith("rejected:") and "no rows after the header row" in outcome
    assert "no file was loaded, so nothing was rebuilt" in page.inner_text("#processed")
    # The loader's rejection is not kept either: nothing of it is in the warehouse.
    assert not (site["root"] / "uploads" / dt.date.today().isoformat() / "APE_header_only.xlsx").exists()

    # Refused before anything is stored: the upload page says why, file by file.
    fake = {"name": "BET_stock.xlsx", "mimeType": "application/octet-stream", "buffer": b"a CSV,renamed\n1,2\n"}
    _upload(page, site["url"], dt.date.today(), [fake])
    _shot(page, screenshots, "03-upload-refused-not-a-workbook.png")
    assert page.inner_text("#upload-error").startswith("BET_stock.xlsx: not an .xlsx workbook")


def _cli_zip(site: dict[str, Any], out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ELT, "export", "ebay-revise", "--out", str(out)], env=site["env"],
                          capture_output=True, text=True)  # fmt: skip


@browser_test
def test_the_revise_zip_from_the_page_is_byte_for_byte_the_one_elt_export_writes(
    site: dict[str, Any], browser: Any, screenshots: Path, tmp_path: Path
) -> None:
    page = _new_page(browser)
    page.goto(f"{site['url']}/ebay")
    _shot(page, screenshots, "04-ebay.png")
    stores = page.locator("#stores tr").all_inner_texts()[1:]
    assert [s.split("\t")[0] for s in stores] == ["AMS", "CPO", "RTG"]
    with page.expect_download() as download_info:
        page.click("#download")
    downloaded = zipfile.ZipFile(io.BytesIO(Path(download_info.value.path()).read_bytes()))

    export = _cli_zip(site, tmp_path / "cli")
    assert export.returncode == 0, export.stderr
    with zipfile.ZipFile(tmp_path / "cli" / "ebay-revise.zip") as expected:
        assert downloaded.namelist() == expected.namelist() == ["AMS.csv", "CPO.csv", "RTG.csv"]
        for name in expected.namelist():
            assert downloaded.read(name) == expected.read(name) == (tmp_path / "cli" / name).read_bytes()
    for store in stores:  # the page's "to revise" counts are the CSVs' rows
        code, _, to_revise, _ = store.split("\t")
        assert int(to_revise) == downloaded.read(f"{code}.csv").count(b"\r\n") - 1


@browser_test
def test_the_stock_page_finds_a_known_sku_and_flags_over_commitment(
    site: dict[str, Any], browser: Any, screenshots: Path
) -> None:
    with _read(site["target"]) as con:
        flagged, offered, cover = con.execute(
            "select sku, ebay_quantity_total, coverable_quantity from marts.inventory_positions "
            "where is_overcommitted order by sku limit 1"
        ).fetchone()
        (flagged_matches,) = con.execute(
            "select count(*) from marts.inventory_positions where upper(sku) like ? and is_overcommitted",
            [f"%{flagged.upper()}%"],
        ).fetchone()
        (fine,) = con.execute(
            "select sku from marts.inventory_positions where not is_overcommitted and ebay_listings > 0 "
            "order by sku limit 1"
        ).fetchone()
    page = _new_page(browser)
    page.goto(f"{site['url']}/stock?sku={flagged}")
    _shot(page, screenshots, "05-stock-overcommitted-sku.png")
    row = page.locator(f"#positions tr[data-sku='{flagged}']")
    assert row.get_attribute("class") == "flag"
    assert row.locator("td.flag-cell").inner_text() == f"over-committed by {offered - cover}"
    assert f"{flagged_matches} over-committed" in page.inner_text("#positions-summary")

    page.goto(f"{site['url']}/stock?sku={fine}&show=all")  # not over-committed: outside the default filter
    row = page.locator(f"#positions tr[data-sku='{fine}']")
    assert row.count() == 1 and row.get_attribute("class") == ""
    assert row.locator("td.flag-cell").inner_text() == ""


@browser_test
def test_the_stock_page_opens_on_what_needs_attention_fifty_to_a_page_and_pages_through_every_sku(
    site: dict[str, Any], browser: Any, screenshots: Path
) -> None:
    with _read(site["target"]) as con:
        (attention,) = con.execute(
            "select count(*) from marts.inventory_positions where is_overcommitted "
            "or upper(sku) in (select upper(custom_label) from marts.ebay where is_stale)"
        ).fetchone()
        (everything,) = con.execute("select count(*) from marts.inventory_positions").fetchone()
    assert 50 < attention < everything
    page = _new_page(browser)
    page.goto(f"{site['url']}/stock")
    _shot(page, screenshots, "07-stock-needs-attention-page-1.png")
    assert page.inner_text("#page-of") == f"page 1 of {-(-attention // 50)}"
    assert page.locator("#positions tr[data-sku]").count() == 50
    assert page.locator("#positions tr[data-sku]:not(.flag)").count() == 0  # none stale here: all over-committed
    assert f"{attention} SKU(s) needs attention" in page.inner_text("#positions-summary")
    first_page = page.locator("#positions tr[data-sku]").first.get_attribute("data-sku")

    page.click("#page-next")
    assert page.inner_text("#page-of") == f"page 2 of {-(-attention // 50)}"
    assert page.locator("#positions tr[data-sku]").first.get_attribute("data-sku") != first_page

    page.select_option("select[name=show]", "all")
    page.click("#stock-filter button[type=submit]")
    assert page.inner_text("#page-of") == f"page 1 of {-(-everything // 50)}"
    page.click("#page-last")
    last = everything - 50 * (-(-everything // 50) - 1)
    assert page.locator("#positions tr[data-sku]").count() == last
    _shot(page, screenshots, "08-stock-every-sku-last-page.png")


@browser_test
def test_the_supplier_feeds_page_shows_who_delivered_on_the_chosen_day_and_a_chart_of_the_window(
    site: dict[str, Any], browser: Any, screenshots: Path
) -> None:
    with _read(site["target"]) as con:
        days = [d for (d,) in con.execute("select distinct feed_date from marts.supplier_feeds order by 1").fetchall()]
        first = {
            supplier: (rows, in_stock)
            for supplier, rows, in_stock in con.execute(
                "select supplier, feed_rows, parts_in_stock from marts.supplier_feeds where feed_date = ?", [days[0]]
            ).fetchall()
        }
        (suppliers,) = con.execute("select count(*) from marts.supplier_freshness").fetchone()
    page = _new_page(browser)
    page.goto(f"{site['url']}/suppliers")
    _shot(page, screenshots, "09-supplier-feeds-newest-day.png")
    assert page.inner_text("#delivered-summary").startswith(f"{days[-1]}: ")
    assert page.locator("#chart svg rect.bar").count() == len(days)  # one bar per day of the window
    assert page.locator("#chart svg polyline.line").count() == 1
    assert page.locator("#feeds tr[data-supplier]").count() == suppliers

    page.fill("input[name=day]", days[0].isoformat())
    page.click("#day-form button[type=submit]")
    assert page.inner_text("#delivered-summary") == (
        f"{days[0]}: {len(first)} of {suppliers} suppliers delivered a feed."
    )
    for supplier, (rows, in_stock) in first.items():
        row = page.locator(f"#feeds tr[data-supplier='{supplier}']")
        assert row.locator("td.delivered").inner_text() == "yes"
        assert row.locator("td.rows").inner_text() == str(rows)
        assert row.locator("td.in-stock").inner_text() == str(in_stock)
    _shot(page, screenshots, "10-supplier-feeds-first-day.png")


@browser_test
def test_the_stock_page_shows_the_bad_api_products_per_category_with_the_last_refresh_and_a_countdown(
    site: dict[str, Any], browser: Any, screenshots: Path
) -> None:
    with _read(site["target"]) as con:
        counts = dict(con.execute("select category, count(*) from marts.product_availability group by 1").fetchall())
        (last,) = con.execute("select max(refreshed_at) from marts.product_availability").fetchone()
        sample = con.execute(
            "select category, product_name, colours, price, manufacturer, availability from marts.product_availability "
            "where colours like '%,%' order by product_id limit 1"
        ).fetchone()
        (sku_prefix,) = con.execute(  # a search with a few hits keeps the positions table short
            "select left(sku, 8) as prefix from marts.inventory_positions group by 1 "
            "having count(*) between 2 and 12 order by prefix limit 1"
        ).fetchone()
    page = _new_page(browser)
    page.goto(f"{site['url']}/stock?sku={sku_prefix}")
    _shot(page, screenshots, "06-stock-bad-api-tables.png")

    assert page.locator("meta[http-equiv=refresh]").get_attribute("content") == "300"
    assert sorted(counts) == ["beanies", "facemasks", "gloves"] and min(counts.values()) > 0
    for category, count in counts.items():
        table = page.locator(f"table.products[data-category='{category}']")
        assert table.locator("tbody tr").count() == count
        assert table.locator("thead").inner_text().strip().split("\t") == PRODUCT_COLUMNS
    category, *cells = sample
    rows = page.locator(f"table.products[data-category='{category}'] tbody tr").all_inner_texts()
    assert "\t".join(str(c) for c in cells) in rows

    last_utc = last.replace(tzinfo=dt.UTC)
    assert page.inner_text("#refreshed-at") == f"{last_utc:%Y-%m-%d %H:%M:%S} UTC"
    due = last_utc + dt.timedelta(seconds=300)
    assert dt.datetime.fromisoformat(page.get_attribute("#countdown", "data-next")) == due
    assert page.inner_text("#next-refresh-at") == f"{due:%H:%M:%S}"
    left = (due - dt.datetime.now(dt.UTC)).total_seconds()
    shown = page.inner_text("#countdown")
    minutes, seconds = (int(n) for n in re.fullmatch(r"(?:overdue by )?(\d+):(\d\d)", shown).groups())
    assert shown.startswith("overdue by ") == (left < 0)
    assert abs(minutes * 60 + seconds - abs(left)) <= 3
    assert "this server does not refresh it itself" in page.inner_text("#cadence")


@browser_test
def test_after_a_failed_build_the_ebay_page_refuses_the_zip_with_the_reason_until_a_complete_build_passes(
    site: dict[str, Any], browser: Any, screenshots: Path, tmp_path: Path
) -> None:
    day = TOMORROW  # the newest feed date the window accepts: this FPS feed replaces the one loaded for it
    zeroing = _fps_feed(tmp_path / f"FPS_stock_{day:%Y%m%d}.xlsx", [0] * 400)  # every FPS part out of stock
    page = _new_page(browser)
    _upload(page, site["url"], day, [zeroing])
    _shot(page, screenshots, "07-upload-build-failed.png")
    assert "dbt build FAILED its tests: the eBay files are held back" in page.inner_text("#processed")
    assert "assert_newest_feeds_do_not_zero_most_listings" in page.inner_text(".dbt-failure")

    def refused_everywhere() -> None:
        page.goto(f"{site['url']}/ebay")
        refusal = page.inner_text("#refusal")
        assert refusal.startswith("The Revise files are not available: the last dbt build failed")
        assert "test.elt.assert_newest_feeds_do_not_zero_most_listings" in refusal
        assert page.locator("#download").count() == 0
        response = page.request.get(f"{site['url']}/ebay/revise.zip")
        assert response.status == 409 and "assert_newest_feeds_do_not_zero_most_listings" in response.text()
        cli = _cli_zip(site, tmp_path / "cli")
        assert cli.returncode == 1 and "eBay Revise export refused: the last dbt build failed" in cli.stderr
        assert "assert_newest_feeds_do_not_zero_most_listings" in cli.stderr
        assert not (tmp_path / "cli").exists()

    refused_everywhere()
    _shot(page, screenshots, "08-ebay-refused-after-failed-build.png")
    # Later dbt commands rewrite run_results.json without failures; the export stays refused.
    for command in (["dbt", "test", "-s", "stock_items"], ["transform", "-s", "stock_items"]):
        done = subprocess.run([*ELT, *command], env=site["env"], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout[-2000:]
        refused_everywhere()


def _fulfill(route: Any, body: str) -> None:
    route.fulfill(body=body, content_type="text/html")


@browser_test
def test_a_form_on_another_site_or_port_cannot_upload_and_a_form_without_its_token_is_refused(
    site: dict[str, Any], browser: Any, screenshots: Path, tmp_path: Path
) -> None:
    feed = write_xlsx(tmp_path / "APE_SF.xlsx", [["Part", "In Stock"], ["AP00001", "YES"]])
    stored_before = sorted(p.relative_to(site["root"]).as_posix() for p in (site["root"] / "uploads").rglob("*"))
    with _read(site["target"]) as con:
        (runs_before,) = con.execute("select count(*) from raw_elt.runs").fetchone()
    page = _new_page(browser)
    page.goto(f"{site['url']}/upload")  # the seller has the app open: the browser holds its session cookie
    port = int(site["url"].rsplit(":", 1)[1])
    # A page on another site, and one on another port of this machine (same site, another origin), each with a
    # form that posts a feed dated 2099 to the app, as a page the seller visits could.
    for evil in ("http://evil.example", f"http://127.0.0.1:{port + 1}"):
        form = (
            f'<form id="f" method="post" action="{site["url"]}/upload" enctype="multipart/form-data">'
            '<input name="csrf_token" value="guessed"><input name="feed_date" value="2099-01-01">'
            '<input type="file" name="files"></form>'
        )
        page.route(f"{evil}/**", functools.partial(_fulfill, body=form))
        page.goto(f"{evil}/offer")
        page.set_input_files("input[name=files]", str(feed))
        with page.expect_navigation():
            page.evaluate("document.getElementById('f').submit()")
        _shot(page, screenshots, f"12-cross-site-refused-{evil.split('//')[1].replace(':', '-')}.png")
        assert page.url == f"{site['url']}/upload"
        refused = page.inner_text("#refused")
        assert refused.startswith("refused: a request from another "), refused
        assert "cannot change anything here" in refused
    # The app's own form with its token removed, or changed, is refused too.
    for change, reason in (
        ("el.remove()", "the form has no cross-site token (csrf_token)"),
        ("el.value = 'f'.repeat(64)", "the form's cross-site token is wrong or out of date"),
    ):
        page.goto(f"{site['url']}/upload")
        page.eval_on_selector("input[name=csrf_token]", f"el => {{ {change}; }}")
        page.fill("input[name=feed_date]", TOMORROW.isoformat())
        page.set_input_files("input[name=files]", str(feed))
        page.click("button[type=submit]")
        page.wait_for_selector("#refused")
        assert page.inner_text("#refused") == f"refused: {reason}: reload the page and send the form again"
    _shot(page, screenshots, "13-wrong-token-refused.png")

    stored_after = sorted(p.relative_to(site["root"]).as_posix() for p in (site["root"] / "uploads").rglob("*"))
    assert stored_after == stored_before  # nothing stored, no job, no run: nothing changed
    with _read(site["target"]) as con:
        assert con.execute("select count(*) from raw_elt.runs").fetchone() == (runs_before,)
        assert con.execute("select count(*) from raw_supplier_stock.stock_feed_rows where feed_date > ?",
                           [dt.date(2098, 1, 1)]).fetchone() == (0,)  # fmt: skip


@browser_test
def test_the_runs_page_lists_runs_with_status_duration_rows_and_failures(
    site: dict[str, Any], browser: Any, screenshots: Path
) -> None:
    page = _new_page(browser)
    page.goto(f"{site['url']}/runs")
    _shot(page, screenshots, "09-runs.png")
    runs = [row.split("\t") for row in page.locator("#runs tr").all_inner_texts()[1:]]
    assert [r[1] for r in runs] == ["web upload", "web upload", "web upload", "elt demo"]  # newest first
    for run in runs:
        assert re.fullmatch(r"\d+\.\d s", run[3]), run
    failed_build, rejected, two_feeds, demo = runs
    assert demo[2] == "ok" and "marts.ebay:" in demo[4] and "raw_supplier_stock.stock_feed_rows:" in demo[4]
    assert two_feeds[2] == "ok" and two_feeds[4].strip() == "raw_supplier_stock.stock_feed_rows: 23"
    assert rejected[2] == "failed" and "not stored: notes.txt: only .xlsx or .xlsm feeds are accepted" in rejected[5]
    assert "not stored: XYZ_mystery.xlsx: unknown supplier code 'XYZ'" in rejected[5]
    assert "APE_header_only.xlsx: no rows after the header row" in rejected[5]
    assert failed_build[2] == "failed" and "raw_supplier_stock.stock_feed_rows: 400" in failed_build[4]
    assert "test.elt.assert_newest_feeds_do_not_zero_most_listings" in failed_build[5]


# --- a server that refreshes the bad API itself ---------------------------------------------------------------


@browser_test
def test_elt_serve_refreshes_the_bad_api_itself_and_counts_down_to_its_next_refresh(
    browser: Any, screenshots: Path, tmp_path: Path
) -> None:
    from sandboxes.badapi.server import running_badapi_sandbox

    env = {**os.environ, "ELT_DUCKDB_PATH": str(tmp_path / "fresh.duckdb"), "ELT_UPLOAD_URL": str(tmp_path / "up")}
    env.pop("ELT_WEB_PASSWORD", None)
    with running_badapi_sandbox(products_per_category=12, error_rate=0.0) as sandbox:
        env["SOURCES__BADAPI__BASE_URL"] = sandbox.url
        started = dt.datetime.now(dt.UTC)
        with _serving(env) as url:
            page = _new_page(browser)
            deadline = time.monotonic() + 240
            while True:  # the server refreshes on start: load, then `dbt build -s source:badapi+`
                page.goto(f"{url}/stock")
                if page.locator("#refreshed-at").count() and page.locator("#refreshing").count() == 0:
                    break
                assert time.monotonic() < deadline, page.inner_text("main")
                time.sleep(2)
            page.reload()  # every query of the page after the refresh, none waiting for it
            _shot(page, screenshots, "10-stock-refreshed-by-the-server.png")

            assert "This server refreshes the bad API every 5 minutes" in page.inner_text("#cadence")
            assert page.locator("#refresh-error").count() == 0
            refreshed = dt.datetime.fromisoformat(page.get_attribute("#refreshed-at", "data-at"))
            assert started - dt.timedelta(seconds=5) < refreshed < dt.datetime.now(dt.UTC)
            due = dt.datetime.fromisoformat(page.get_attribute("#countdown", "data-next"))
            assert abs((due - started).total_seconds() - 300) < 30  # on start, then every five minutes
            first = page.inner_text("#countdown")
            page.wait_for_timeout(2100)
            second = page.inner_text("#countdown")
            to_seconds = [int(m) * 60 + int(s) for m, s in (t.split(":") for t in (first, second))]
            assert 1 <= to_seconds[0] - to_seconds[1] <= 3  # it counts down, to the refresher's next tick
            assert abs(to_seconds[1] - (due - dt.datetime.now(dt.UTC)).total_seconds()) <= 3
            for category, products in sandbox.data.products.items():
                table = page.locator(f"table.products[data-category='{category}']")
                names = table.locator("tbody tr td:first-child").all_inner_texts()
                assert sorted(names) == sorted(p["name"] for p in products)
            assert "not built yet" in page.inner_text("#positions-message")

            page.goto(f"{url}/runs")
            _shot(page, screenshots, "11-runs-bad-api-refresh.png")
            (run,) = [row.split("\t") for row in page.locator("#runs tr").all_inner_texts()[1:]]
            assert run[1:3] == ["bad-API refresh", "ok"]
            assert "raw_badapi.products: 36" in run[4]

"""The seller's web page in a real browser (headless Chromium driven by Playwright) against `elt serve` on
127.0.0.1 with a temporary warehouse: upload feeds and see them processed, see a rejected file's reason,
download the Revise zip and find it equal to `elt export ebay-revise`, search stock, read the run history."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from loaders.demo.sample_files import generate

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason="BROWSER TESTS NOT RUN: Chromium is not installed (Debian package `chromium`; `make test` installs it "
    "when it runs as root)",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A demo warehouse, and `elt serve` on it (stopped after the module)."""
    root = tmp_path_factory.mktemp("web")
    env = {**os.environ, "ELT_DUCKDB_PATH": str(root / "web.duckdb"), "ELT_UPLOAD_URL": str(root / "uploads")}
    elt = [sys.executable, "-m", "loaders.cli"]
    demo = subprocess.run([*elt, "demo", "--workdir", str(root / "demo"), "--out", str(root / "demo-out")],
                          env=env, capture_output=True, text=True)  # fmt: skip
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    port = _free_port()
    server = subprocess.Popen(
        [*elt, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{url}/runs", timeout=2)
            break
        except OSError:
            assert server.poll() is None and time.monotonic() < deadline, "elt serve did not start"
            time.sleep(0.2)
    try:
        yield {"url": url, "env": env, "root": root}
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )  # fmt: skip
        yield chromium
        chromium.close()


def _upload(page: object, url: str, day: dt.date, files: list[Path], shot: str) -> None:
    page.goto(f"{url}/upload")
    page.fill("input[name=feed_date]", day.isoformat())
    page.set_input_files("input[name=files]", [str(f) for f in files])
    page.click("button[type=submit]")
    page.wait_for_selector("#processed, .bad", timeout=120_000)
    page.screenshot(path=str(SCREENSHOTS / shot), full_page=True)


def test_uploading_two_feeds_shows_them_processed_and_tests_passed(site: dict, browser: object, tmp_path: Path) -> None:
    day = dt.date.today() + dt.timedelta(days=1)
    feeds = generate(tmp_path / "next", last_day=day, days=1).feed_dirs[day]
    chosen = [feeds / f"FPS_stock_{day:%Y%m%d}.xlsx", feeds / f"APE_stock_{day:%Y%m%d}.xlsx"]
    page = browser.new_page()
    _upload(page, site["url"], day, chosen, "upload-processed.png")

    status = page.inner_text("#job-status")
    assert "Processed" in status and "every test passed" in status
    table = page.inner_text("#files")
    assert "FPS_stock" in table and "APE_stock" in table and table.count("loaded") == 2
    assert sorted(p.name for p in (site["root"] / "uploads" / day.isoformat()).iterdir()) == sorted(
        f.name for f in chosen
    )


def test_a_rejected_feed_shows_its_reason(site: dict, browser: object, tmp_path: Path) -> None:
    bad = tmp_path / "XYZ_mystery.xlsx"
    bad.write_bytes(b"PK\x03\x04 broken")
    page = browser.new_page()
    _upload(page, site["url"], dt.date.today(), [bad], "upload-rejected.png")

    assert "unknown supplier code 'XYZ'" in page.inner_text("#files")


def test_the_revise_zip_from_the_page_equals_elt_export(site: dict, browser: object, tmp_path: Path) -> None:
    page = browser.new_page()
    page.goto(f"{site['url']}/ebay")
    page.screenshot(path=str(SCREENSHOTS / "ebay.png"), full_page=True)
    assert page.inner_text("#stores").count("\n") >= 3
    with page.expect_download() as download_info:
        page.click("#download")
    downloaded = zipfile.ZipFile(io.BytesIO(Path(download_info.value.path()).read_bytes()))

    export = subprocess.run(
        [sys.executable, "-m", "loaders.cli", "export", "ebay-revise", "--out", str(tmp_path / "cli")],
        env=site["env"], capture_output=True, text=True,
    )  # fmt: skip
    assert export.returncode == 0, export.stderr
    expected = {p.name: p.read_bytes() for p in (tmp_path / "cli").glob("*.csv")}
    assert {name: downloaded.read(name) for name in downloaded.namelist()} == expected
    assert len(expected) >= 3


def test_the_stock_page_finds_a_known_sku_and_the_runs_page_lists_the_runs(site: dict, browser: object) -> None:
    page = browser.new_page()
    page.goto(f"{site['url']}/stock?sku=FPS")
    page.screenshot(path=str(SCREENSHOTS / "stock.png"), full_page=True)
    assert "FPS-" in page.inner_text("main")
    page.goto(f"{site['url']}/runs")
    page.screenshot(path=str(SCREENSHOTS / "runs.png"), full_page=True)
    runs = page.inner_text("#runs")
    assert "web upload" in runs and "failed" in runs and "ok" in runs

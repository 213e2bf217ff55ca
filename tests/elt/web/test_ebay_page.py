"""The eBay page against the eBay sandbox, in Chromium: what eBay holds, the targets and what will be sent; "Send
to eBay" with its confirmation step, progress and per-store results with eBay's messages; the push history on
the runs page; a cross-site "send" refused. Screenshots as in test_web.py."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from elt.targets import Target
from loaders.ebay.pipeline import load_ebay
from loaders.product_master.source import load_products
from loaders.store_listings.source import load_stores
from loaders.supplier_feeds.source import load_supplier_stock
from sandboxes.ebay import EbaySandbox, serving
from sandboxes.ebay.data import AUCTION
from sandboxes.samples import generate

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed (make browser)")
ELT = [sys.executable, "-m", "elt.cli"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Sample files loaded, eBay read from its sandbox and built; `elt serve` on it, pointed at the sandbox."""
    root = tmp_path_factory.mktemp("ebay-page")
    sample = generate(root / "files", last_day=dt.date.today(), days=2)
    target = Target.from_options("duckdb", root / "warehouse.duckdb")
    with serving(workbooks=sample.store_workbooks) as ebay:
        settings = ebay.settings()
        saved = {name: os.environ.get(name) for name in settings}
        os.environ.update(settings)
        try:
            assert load_products(target, str(sample.product_master)).ok
            assert load_stores(target, [str(p) for p in sample.store_workbooks]).ok
            for day, folder in sorted(sample.feed_dirs.items()):
                assert load_supplier_stock(target, [str(folder)], day).ok
            assert load_ebay(target, echo=lambda _: None).ok
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        env = {**os.environ, **settings, "ELT_DUCKDB_PATH": str(target.duckdb_path)}
        env.pop("ELT_WEB_PASSWORD", None)
        # In its own process: dbt keeps its DuckDB connection for the life of the process that ran it.
        built = subprocess.run([*ELT, "transform", "--exclude-resource-type", "unit_test"], env=env,
                               capture_output=True, text=True)  # fmt: skip
        assert built.returncode == 0, built.stdout[-3000:]
        port = _free_port()
        server = subprocess.Popen([*ELT, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.STDOUT)  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        try:
            while True:
                try:
                    urllib.request.urlopen(f"{url}/ebay", timeout=5)
                    break
                except OSError:
                    assert server.poll() is None and time.monotonic() < deadline, "elt serve did not start"
                    time.sleep(0.3)
            yield {"url": url, "ebay": ebay, "target": target}
        finally:
            server.terminate()
            server.wait(timeout=60)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        yield chromium
        chromium.close()


def _shot(page: Any, name: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = Path(os.environ.get("ELT_SCREENSHOTS_DIR") or tmp_path_factory.getbasetemp() / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / name), full_page=True)
    print(f"screenshot: {folder / name}")


def _revise_calls(ebay: EbaySandbox) -> int:
    return sum(len(ebay.calls_by_store(store, "ReviseInventoryStatus")) for store in ebay.stores)


def test_a_send_from_another_site_is_refused_and_sends_nothing(shop: dict[str, Any]) -> None:
    request = urllib.request.Request(
        f"{shop['url']}/ebay/push", data=b"store=", method="POST",
        headers={"Origin": "http://evil.example", "Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403
    assert _revise_calls(shop["ebay"]) == 0


def test_the_ebay_page_shows_what_will_be_sent_and_send_to_ebay_confirms_shows_progress_and_results(
    shop: dict[str, Any], browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    ebay: EbaySandbox = shop["ebay"]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{shop['url']}/ebay")
    to_send = {
        row.get_attribute("data-store"): int(row.locator(".to-send").inner_text())
        for row in page.locator("#push-stores tr[data-store]").all()
    }
    assert set(to_send) == set(ebay.stores) and sum(to_send.values()) > 100
    assert page.locator("#to-send tr").count() > 10  # the listings to send, with eBay's quantity and the target
    _shot(page, "20-ebay-what-will-be-sent.png", tmp_path_factory)

    page.click("#send")
    page.wait_for_selector("#push-form")
    assert _revise_calls(ebay) == 0  # the confirmation step sends nothing
    confirm = {
        row.get_attribute("data-store"): int(row.locator(".to-send").inner_text())
        for row in page.locator("#confirm-stores tr[data-store]").all()
    }
    assert confirm == to_send
    _shot(page, "21-ebay-confirm.png", tmp_path_factory)
    page.click("#confirm")
    page.wait_for_selector("#push-status")
    assert "/ebay/push/" in page.url
    page.wait_for_selector("#push-done", timeout=120_000)
    _shot(page, "22-ebay-push-results.png", tmp_path_factory)
    results = {
        row.get_attribute("data-store"): (row.locator(".done").inner_text(), int(row.locator(".failed").inner_text()))
        for row in page.locator("#push-results tr[data-store]").all()
    }
    assert {store: done for store, (done, _) in results.items()} == {
        store: f"{count} of {count}" for store, count in to_send.items()
    }
    messages = " ".join(table.inner_text() for table in page.locator(".push-problems").all())
    assert "291" in messages and "ended listings" in messages  # eBay's own message for an ended listing

    with shop["target"].connect() as con:
        rows = con.execute("select ebay_store, item_id, target_quantity from marts.ebay_revisions").fetchall()
    for store, item, quantity in rows:
        try:
            held = ebay.listing(store, item)
        except KeyError:
            continue
        if held.is_active and held.listing_type != AUCTION:
            assert held.quantity_available == quantity, (store, item)

    page.goto(f"{shop['url']}/runs")
    history = page.locator("#pushes tr[data-store]")
    assert history.count() == len(ebay.stores)
    assert "291" in page.inner_text("#pushes")
    _shot(page, "23-runs-push-history.png", tmp_path_factory)

"""`elt run` reports for an unattended job: JSON lines with a severity for Cloud Logging, one closing summary
(rows per table, dbt results, duration), a non-zero exit on any failure, and the summary sent to a webhook."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from elt.targets import Target
from sandboxes.samples import generate
from sandboxes.wdn.server import running_wdn_sandbox
from tests.support.today import fixed_today
from tests.support.warehouse import query

DAY = dt.date(2026, 11, 20)
_today = fixed_today(DAY)


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict]]]:
    """A webhook receiver on 127.0.0.1 that keeps what it is sent; stopped after the test."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook", received
    finally:
        server.shutdown()
        server.server_close()


def test_a_failing_run_logs_json_ends_with_a_summary_exits_1_and_alerts(
    tmp_path: Path, webhook: tuple[str, list[dict]]
) -> None:
    url, received = webhook
    sample = generate(tmp_path / "files", last_day=DAY, days=2)
    feeds = sample.feed_dirs[DAY]
    (feeds / "XYZ_unknown.xlsx").write_bytes(b"not even a workbook")
    env = {
        **os.environ,
        "LOG_FORMAT": "json",
        "ALERT_WEBHOOK_URL": url,
        "ELT_DUCKDB_PATH": str(tmp_path / "w.duckdb"),
        "SOURCES__SUPPLIER_STOCK__PRODUCTS_URL": str(sample.product_master),
        "SOURCES__SUPPLIER_STOCK__STORES_URL": str(sample.root),
        "SOURCES__SUPPLIER_STOCK__FEEDS_URL": str(feeds),
    }
    run = subprocess.run(
        [sys.executable, "-m", "elt.cli", "run", "--date", DAY.isoformat()], env=env, capture_output=True, text=True
    )

    assert run.returncode == 1
    records = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    assert all("severity" in r and "message" in r for r in records)
    summary, alerted = records[-2:]
    assert (summary["severity"], summary["message"]) == ("ERROR", "elt run FAILED")
    assert alerted["message"] == "alert sent to ALERT_WEBHOOK_URL"
    assert any(r.get("source") == "dbt" for r in records)
    body = summary["summary"]
    assert body["rejected_files"] == [
        {"loader": "supplier-stock", "file": "XYZ_unknown.xlsx", "reason": body["rejected_files"][0]["reason"]}
    ]
    assert "unknown supplier code 'XYZ'" in body["rejected_files"][0]["reason"]
    assert body["dbt"]["success"] is True and body["dbt"]["results"]["pass"] > 20
    assert body["rows_per_table"]["raw_supplier_stock.stock_feed_rows"] > 1000
    assert body["rows_per_table"]["marts.ebay"] > 1000
    assert body["duration_seconds"] > 0
    assert [r["summary"] for r in received] == [body]


def test_a_clean_run_ends_with_an_info_summary_and_sends_no_alert(
    tmp_path: Path, webhook: tuple[str, list[dict]]
) -> None:
    url, received = webhook
    sample = generate(tmp_path / "files", last_day=DAY, days=2)
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith("SOURCES__")},
        "LOG_FORMAT": "json",
        "ALERT_WEBHOOK_URL": url,
        "ELT_DUCKDB_PATH": str(tmp_path / "w.duckdb"),
        "SOURCES__SUPPLIER_STOCK__PRODUCTS_URL": str(sample.product_master),
        "SOURCES__SUPPLIER_STOCK__STORES_URL": str(sample.root),
        "SOURCES__SUPPLIER_STOCK__FEEDS_URL": str(sample.root / "feeds" / "{date}"),
    }
    dbt_results = tmp_path / "w.duckdb.state" / "dbt" / "run_results.json"
    builds = []
    for day in sorted(sample.feed_dirs):  # yesterday's run, then today's
        run = subprocess.run(
            [sys.executable, "-m", "elt.cli", "run", "--date", day.isoformat()],
            env=env, capture_output=True, text=True,
        )  # fmt: skip
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        builds.append(json.loads(dbt_results.read_text()))

    summary = json.loads(run.stdout.splitlines()[-1])
    assert (summary["severity"], summary["summary"]["ok"]) == ("INFO", True)
    assert received == []
    not_configured = summary["summary"]["not_configured"]
    assert {"SOURCES__WDN__BASE_URL", "SOURCES__BADAPI__BASE_URL"} <= set(not_configured)
    # The daily build leaves unit tests to CI; the first run tests every feed date, the next only its new one.
    # Supplier feed ages are counted to the run's feed date (every supplier delivered both days: none stale).
    yesterday, today = sorted(sample.feed_dirs)
    assert [build["args"].get("vars", {}) for build in builds] == [
        {"stale_as_of": yesterday.isoformat()},
        {"test_feed_dates_since": DAY.isoformat(), "stale_as_of": today.isoformat()},
    ]
    assert summary["summary"]["stale_suppliers"] == []
    for build in builds:
        ran = {result["unique_id"].split(".")[0] for result in build["results"]}
        assert "unit_test" not in ran and {"model", "test", "seed"} <= ran


def test_a_supplier_that_stopped_sending_feeds_is_warned_about_in_the_summary_and_the_alert_but_the_run_passes(
    tmp_path: Path, webhook: tuple[str, list[dict]]
) -> None:
    url, received = webhook
    sample = generate(tmp_path / "files", last_day=DAY, days=3)
    first = min(sample.feed_dirs)
    for day, folder in sample.feed_dirs.items():
        if day != first:
            (folder / f"BET_stock_{day:%Y%m%d}.xlsx").unlink()  # BET sent its feed on the first day only
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith("SOURCES__")},
        "LOG_FORMAT": "json",
        "ALERT_WEBHOOK_URL": url,
        "ELT_DUCKDB_PATH": str(tmp_path / "w.duckdb"),
        "SOURCES__SUPPLIER_STOCK__PRODUCTS_URL": str(sample.product_master),
        "SOURCES__SUPPLIER_STOCK__STORES_URL": str(sample.root),
        "SOURCES__SUPPLIER_STOCK__FEEDS_URL": str(sample.root / "feeds" / "{date}"),
    }
    for day in sorted(sample.feed_dirs):
        run = subprocess.run(
            [sys.executable, "-m", "elt.cli", "run", "--date", day.isoformat()],
            env=env, capture_output=True, text=True,
        )  # fmt: skip
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    records = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    expected = (
        f"supplier BET is stale: newest feed {first} is 2 days old (expected daily); "
        "its listings keep their last quantity"
    )
    warnings = [r for r in records if r.get("supplier") == "BET"]
    assert [(r["severity"], r["message"]) for r in warnings] == [("WARNING", expected)]
    summary = next(r for r in records if r["message"] == "elt run succeeded")["summary"]
    assert summary["ok"] is True and summary["stale_suppliers"] == [expected]
    assert received[-1]["text"] == f"elt run: 1 stale supplier feed(s)\n{expected}"  # the last run's alert
    assert len(received) == 1  # the day before, BET's feed was 1 day old: within its daily cadence
    stale_listings = query(
        Target.from_options("duckdb", tmp_path / "w.duckdb"),
        "select count(*), bool_and(is_stale), bool_or(is_stale_to_zero), min(supplier_feed_age_days) "
        "from marts.ebay where supplier_store = 'BET'",
    )
    assert stale_listings[0][0] > 0 and stale_listings[0][1:] == (True, False, 2)
    assert query(
        Target.from_options("duckdb", tmp_path / "w.duckdb"),
        "select count(*) from marts.ebay where supplier_store <> 'BET' and is_stale",
    ) == [(0,)]


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_run_loads_what_drops_now_and_the_bad_api_when_their_base_urls_are_set_and_names_the_one_that_is_down(
    tmp_path: Path,
) -> None:
    sample = generate(tmp_path / "files", last_day=DAY, days=1)
    port = _closed_port()
    with running_wdn_sandbox(products_per_brand=4) as wdn:
        env = {
            **{name: value for name, value in os.environ.items() if not name.startswith("SOURCES__")},
            "LOG_FORMAT": "json",
            "ELT_DUCKDB_PATH": str(tmp_path / "w.duckdb"),
            "SOURCES__SUPPLIER_STOCK__PRODUCTS_URL": str(sample.product_master),
            "SOURCES__SUPPLIER_STOCK__STORES_URL": str(sample.root),
            "SOURCES__SUPPLIER_STOCK__FEEDS_URL": str(sample.feed_dirs[DAY]),
            "SOURCES__WDN__BASE_URL": wdn.base_url,
            "SOURCES__BADAPI__BASE_URL": f"http://127.0.0.1:{port}",
            "SOURCES__BADAPI__HTTP_MAX_ATTEMPTS": "1",
        }
        run = subprocess.run(
            [sys.executable, "-m", "elt.cli", "run", "--date", DAY.isoformat()],
            env=env,
            capture_output=True,
            text=True,
        )

    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-3000:]
    body = json.loads(run.stdout.splitlines()[-1])["summary"]
    assert set(body["loader_errors"]) == {"badapi"}
    assert f"port={port}" in body["loader_errors"]["badapi"] and "refused" in body["loader_errors"]["badapi"]
    assert not {"SOURCES__WDN__BASE_URL", "SOURCES__BADAPI__BASE_URL"} & set(body["not_configured"])
    rows = body["rows_per_table"]
    assert rows["raw_wdn.products"] == 20 and rows["raw_wdn.offers"] > 0
    assert rows["marts.wdn_products"] == 20 and rows["marts.ebay"] > 100  # the build ran after the failure
    assert body["dbt"]["success"] is True

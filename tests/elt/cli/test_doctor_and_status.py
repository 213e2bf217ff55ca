"""`elt doctor` checks the setup like `dbt debug` (target, .dlt/, each source's settings and service, the
warehouse, the last complete build, the lock) and its exit status matches; `elt status` says what the warehouse
holds (runs, build, freshness per source and supplier, what marts.ebay would revise, the last push or "no push
yet"), as text or --json; neither prints a secret's value."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner, Result

from elt.cli import main
from elt.lock import warehouse_lock
from elt.targets import Target
from tests.support import REPO_ROOT

DAY = dt.date(2026, 11, 20)
SECRET = "doctor-must-not-print-this-1f2e3d"


@pytest.fixture(scope="module")
def daily(tmp_path_factory: pytest.TempPathFactory) -> tuple[Target, dict[str, str]]:
    """One `elt run` on the sample files: a warehouse with runs, a passing build, marts and feeds."""
    from sandboxes.samples import generate

    root = tmp_path_factory.mktemp("daily")
    sample = generate(root / "files", last_day=DAY, days=2)
    settings = {
        "ELT_DUCKDB_PATH": str(root / "w.duckdb"),
        "SOURCES__SUPPLIER_STOCK__PRODUCTS_URL": str(sample.product_master),
        "SOURCES__SUPPLIER_STOCK__STORES_URL": str(sample.root),
        "SOURCES__SUPPLIER_STOCK__FEEDS_URL": str(sample.root / "feeds" / "{date}"),
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOURCES__")} | settings
    run = subprocess.run(
        [sys.executable, "-m", "elt.cli", "run", "--date", DAY.isoformat()],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return Target.from_options("duckdb", root / "w.duckdb"), settings


def elt(*args: str, env: dict[str, str]) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("SOURCES__")]:
        monkeypatch.delenv(name)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_doctor_passes_on_a_configured_warehouse_and_names_what_it_checked(
    daily: tuple[Target, dict[str, str]], clean_env: None
) -> None:
    target, settings = daily
    result = elt("doctor", env=settings)

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"target: duckdb {target.duckdb_path}"
    assert f"  ok    target duckdb {target.duckdb_path}" in lines
    assert any(
        line.startswith("  ok    dlt config: ")
        and line.endswith(".dlt (config.toml); environment variables override it")
        for line in lines
    )
    assert "  ok    warehouse readable: " in result.output
    assert f"  ok    products: {Path(settings['SOURCES__SUPPLIER_STOCK__PRODUCTS_URL'])} exists" in lines
    assert "  --    linnworks: not configured (set SOURCES__LINNWORKS__APPLICATION_ID, " in result.output
    assert "  ok    last complete build: passed, started " in result.output
    assert "  --    lock: free" in lines
    assert lines[-1] == "all checks passed"


def test_doctor_lists_what_to_fix_and_fails_without_printing_a_secret(
    daily: tuple[Target, dict[str, str]], clean_env: None
) -> None:
    target, settings = daily
    port = _closed_port()
    env = settings | {
        "SOURCES__WDN__BASE_URL": f"http://127.0.0.1:{port}",
        "SOURCES__LINNWORKS__APPLICATION_ID": "app",
        "SOURCES__LINNWORKS__APPLICATION_SECRET": SECRET,
        "SOURCES__LINNWORKS__TOKEN": SECRET + "-token",
        "SOURCES__LINNWORKS__AUTH_URL": f"http://127.0.0.1:{port}",
        "SOURCES__SUPPLIER_STOCK__STORES_URL": str(target.duckdb_path.parent / "nowhere"),
    }
    with warehouse_lock(target, wait_seconds=0):
        result = elt("doctor", env=env)

    assert result.exit_code == 1, result.output
    assert f"  FAIL  wdn: http://127.0.0.1:{port} does not answer (ConnectionError)" in result.output
    assert (
        f"  FAIL  linnworks: http://127.0.0.1:{port}/api/Auth/AuthorizeByApplication does not answer" in result.output
    )
    assert f"  FAIL  stores: {target.duckdb_path.parent / 'nowhere'} does not exist" in result.output
    assert f"  --    lock: held by elt (pid {os.getpid()})" in result.output
    assert "warning: 3 to fix:" in result.output
    assert SECRET not in result.output


def test_doctor_checks_each_ebay_stores_refresh_token_and_names_a_revoked_store(
    tmp_path: Path, clean_env: None
) -> None:
    from sandboxes.ebay import serving

    with serving(revoked=["CPO"]) as ebay:
        env = {"ELT_DUCKDB_PATH": str(tmp_path / "w.duckdb")} | ebay.settings()
        result = elt("doctor", env=env)
        stores = sorted(ebay.stores)

    assert result.exit_code == 1, result.output
    assert "CPO" in stores and len(stores) > 1
    for store in stores:
        if store != "CPO":
            assert f"  ok    ebay: store {store}: eBay accepted the refresh token ({ebay.url}" in result.output
    assert "  FAIL  ebay: store CPO: refresh token rejected (" in result.output
    assert "SOURCES__EBAY__CPO__REFRESH_TOKEN be replaced" in result.output
    assert "no check for this source yet" not in result.output
    assert "warning: 1 to fix:" in result.output
    for name, value in ebay.settings().items():
        if name.endswith("__REFRESH_TOKEN") or name.endswith("CLIENT_SECRET"):
            assert value not in result.output


def test_status_says_runs_build_freshness_revisions_and_no_push_yet(
    daily: tuple[Target, dict[str, str]], clean_env: None
) -> None:
    target, settings = daily
    result = elt("status", env=settings)

    assert result.exit_code == 0, result.output
    out = result.output
    assert out.splitlines()[0] == f"target: duckdb {target.duckdb_path}"
    assert "last runs:\n" in out and " elt run      ok, " in out
    assert "last complete build: passed, started " in out and "eBay export: allowed" in out
    assert "  products, stores, supplier-stock " in out and "never loaded" in out  # linnworks, wdn, badapi
    assert "suppliers (newest feed):\n" in out and f" {DAY}" in out
    assert "marts.ebay would revise:\n" in out and " listings" in out
    assert out.rstrip().endswith("last push: no push yet")


def test_status_json_is_one_object_and_reads_the_last_push_when_there_is_one(
    daily: tuple[Target, dict[str, str]], clean_env: None
) -> None:
    target, settings = daily
    with duckdb.connect(str(target.duckdb_path)) as con:
        con.execute(
            "create schema if not exists raw_ebay; create or replace table raw_ebay.revisions as "
            "select push_id, ebay_store, item_id, outcome, attempted_at::timestamp as attempted_at, "
            "recorded_at::timestamp as recorded_at from (values "
            "('1', 'AMS', 10, 'sending', '2026-11-20 08:00', '2026-11-20 08:00'), "
            "('1', 'AMS', 10, 'failed', '2026-11-20 08:00', '2026-11-20 08:01'), "
            "('2', 'AMS', 10, 'sending', '2026-11-21 08:00', '2026-11-21 08:00'), "
            "('2', 'AMS', 10, 'revised', '2026-11-21 08:00', '2026-11-21 08:01'), "
            "('2', 'AMS', 11, 'sending', '2026-11-21 08:00', '2026-11-21 08:00'), "
            "('3', 'CPO', 12, 'sending', '2026-11-20 09:00', '2026-11-20 09:00')) "
            "as t(push_id, ebay_store, item_id, outcome, attempted_at, recorded_at)"
        )
    try:
        result = elt("status", "--json", env=settings)
    finally:
        with duckdb.connect(str(target.duckdb_path)) as con:
            con.execute("drop table raw_ebay.revisions; drop schema raw_ebay")

    assert result.exit_code == 0, result.output
    status = json.loads(result.output)
    assert status["target"] == "duckdb" and status["warehouse"] == f"duckdb {target.duckdb_path}"
    assert status["last_complete_build"]["status"] == "passed" and status["export_refusal"] is None
    assert status["runs"][0]["kind"] == "elt run" and status["runs"][0]["ok"] is True
    assert {s["dataset"]: bool(s["newest_load"]) for s in status["sources"]}["raw_supplier_stock"] is True
    assert all(row["newest_feed_date"] == DAY.isoformat() for row in status["suppliers"])
    assert sum(row["listings"] for row in status["ebay"]) > 1000
    assert status["last_push"] == [
        {"ebay_store": "AMS", "push_id": "2", "started_at": "2026-11-21 08:00:00",
         "finished_at": "2026-11-21 08:01:00", "listings": 2, "by_outcome": {"revised": 1, "sending": 1}},
        {"ebay_store": "CPO", "push_id": "3", "started_at": "2026-11-20 09:00:00",
         "finished_at": "2026-11-20 09:00:00", "listings": 1, "by_outcome": {"sending": 1}},
    ]  # fmt: skip


def test_status_on_no_warehouse_says_so(tmp_path: Path, clean_env: None) -> None:
    result = elt("status", env={"ELT_DUCKDB_PATH": str(tmp_path / "none.duckdb")})
    assert result.exit_code == 0
    assert f"no warehouse at duckdb {tmp_path / 'none.duckdb'} yet: run `elt demo` or `elt load …`" in result.output

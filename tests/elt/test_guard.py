"""Guards for a bad night: a feed that zeroes most listings warns (or fails the build when asked to), and a
failed, unfinished or superseded build blocks the eBay Revise export, on the command line and on the web page
alike, until a complete `dbt build` passes (later partial dbt commands do not unblock it)."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient

from elt.cli import main
from elt.dbt import dbt_target_path, run_dbt
from elt.export import ExportRefused, export_ebay_revise
from elt.guard import (
    _write_build_record,
    build_finished,
    build_refusal,
    build_started,
    is_full_build,
    last_build,
)
from elt.targets import Target
from elt.web.app import create_app
from loaders.product_master.source import load_products
from loaders.store_listings.source import load_stores
from loaders.supplier_feeds.source import load_supplier_stock
from tests.support.today import fixed_today
from tests.support.workbooks import write_workbook, write_xlsx

DAY = dt.date(2026, 11, 1)
_today = fixed_today(DAY + dt.timedelta(days=1))
PARTS = [f"P{i}" for i in range(20)]


@pytest.fixture
def zeroing_night(tmp_path: Path) -> Target:
    """20 stocked BET listings, then a feed that says none of them is in stock."""
    target = Target.from_options("duckdb", tmp_path / "warehouse.duckdb")
    master = ["Custom Label", "Part Number", "Supplier", "Quantity"]
    store = ["Item ID", "Brand", "Custom Label", "Qty", "Title", "Price", "Prefix", "UK/RTG"]
    products = {"Direct": [master, *[[f"L-{p}", p, "BET", 0] for p in PARTS]], "FPS": [master]}
    listings = {"S": [store, *[[7000 + i, "b", f"L-{p}", 1, "t", 1, "AMS-X-BET"] for i, p in enumerate(PARTS)]]}
    load_products(target, str(write_workbook(tmp_path / "master.xlsx", products)))
    load_stores(target, [str(write_workbook(tmp_path / "AMS Database SpeedSheet.xlsx", listings))])
    write_xlsx(tmp_path / "d1/BET_stock.xlsx", [["Part", "Free Stk"], *[[p, 5] for p in PARTS]])
    write_xlsx(tmp_path / "d2/BET_stock.xlsx", [["Part", "Free Stk"], *[[p, 0] for p in PARTS]])
    load_supplier_stock(target, [str(tmp_path / "d1")], DAY)
    load_supplier_stock(target, [str(tmp_path / "d2")], DAY + dt.timedelta(days=1))
    return target


def _guard_status(target: Target) -> str:
    results = json.loads((dbt_target_path(target) / "run_results.json").read_text())["results"]
    (status,) = [r["status"] for r in results if "assert_newest_feeds_do_not_zero_most_listings" in r["unique_id"]]
    return status


def test_a_feed_zeroing_most_listings_warns_by_default(zeroing_night: Target, tmp_path: Path) -> None:
    outcome = run_dbt(["build"], zeroing_night, quiet=True)

    assert outcome.success and outcome.statuses.get("warn") == 1
    assert _guard_status(zeroing_night) == "warn"
    assert export_ebay_revise(zeroing_night, tmp_path / "out").files["AMS"][1] == 20


def test_a_feed_zeroing_most_listings_fails_the_build_and_blocks_the_export_when_asked(
    zeroing_night: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ELT_FAIL_ON_MASS_ZEROING", "true")
    outcome = run_dbt(["build"], zeroing_night, quiet=True)

    assert not outcome.success
    assert _guard_status(zeroing_night) == "fail"
    with pytest.raises(ExportRefused, match="assert_newest_feeds_do_not_zero_most_listings"):
        export_ebay_revise(zeroing_night, tmp_path / "out")


@pytest.mark.parametrize(
    ("args", "complete"),
    [
        (["build"], True),
        (["build", "--full-refresh", "--threads", "4"], True),
        (["--debug", "build", "--vars", "{rtg_store: RTG}"], True),
        (["build", "--exclude-resource-type", "unit_test"], True),
        (["build", "--exclude-resource-type", "test"], False),
        (["build", "--exclude-resource-type", "unit_test", "-s", "ebay"], False),
        (["build", "-s", "marts.ebay+"], False),
        (["build", "--select=ebay"], False),
        (["build", "--exclude", "source:linnworks+"], False),
        (["build", "--empty"], False),
        (["build", "--help"], False),
        (["run"], False),
        (["test"], False),
        (["compile"], False),
    ],
)
def test_only_a_build_of_the_whole_project_counts_as_a_complete_build(args: list[str], complete: bool) -> None:
    assert is_full_build(args) is complete


def _cli_export(target: Target, out: Path) -> Result:
    return CliRunner().invoke(main, ["--duckdb", str(target.duckdb_path), "export", "ebay-revise", "--out", str(out)])


def _refused_everywhere(target: Target, out: Path, reason: str) -> None:
    """The CLI export and the web page (page and zip) refuse, saying `reason`."""
    cli = _cli_export(target, out)
    assert cli.exit_code == 1 and reason in cli.output, cli.output
    assert not out.exists()
    with TestClient(create_app(target, refresh_badapi=False), base_url="http://localhost") as web:
        page = web.get("/ebay").text
        assert "The Revise files are not available" in page and reason in page and 'id="download"' not in page
        download = web.get("/ebay/revise.zip")
        assert download.status_code == 409 and reason in download.json()["detail"]


def test_after_a_failed_build_only_a_complete_passing_build_unblocks_the_export(
    zeroing_night: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ELT_FAIL_ON_MASS_ZEROING", "true")
    assert not run_dbt(["build"], zeroing_night, quiet=True).success
    assert last_build(zeroing_night).status == "failed"
    _refused_everywhere(zeroing_night, tmp_path / "out", "assert_newest_feeds_do_not_zero_most_listings")

    # Later dbt commands that pass overwrite run_results.json (which no longer shows the failure) ...
    for args in (
        ["test", "-s", "stg_supplier_stock__products"],
        ["compile"],
        ["build", "-s", "stg_supplier_stock__products"],
    ):
        assert run_dbt(args, zeroing_night, quiet=True).success
        results = json.loads((dbt_target_path(zeroing_night) / "run_results.json").read_text())["results"]
        assert {r["status"] for r in results} <= {"success", "pass"}
        # ... and the export stays refused, with the failed build's own reason.
        _refused_everywhere(zeroing_night, tmp_path / "out", "assert_newest_feeds_do_not_zero_most_listings")

    monkeypatch.delenv("ELT_FAIL_ON_MASS_ZEROING")  # the guard warns again: a complete build passes
    assert run_dbt(["build"], zeroing_night, quiet=True).success
    assert last_build(zeroing_night).status == "passed"
    cli = _cli_export(zeroing_night, tmp_path / "cli")
    assert cli.exit_code == 0, cli.output
    with TestClient(create_app(zeroing_night, refresh_badapi=False), base_url="http://localhost") as web:
        assert 'id="download"' in web.get("/ebay").text
        download = web.get("/ebay/revise.zip")
    assert download.status_code == 200
    with (
        zipfile.ZipFile(io.BytesIO(download.content)) as served,
        zipfile.ZipFile(tmp_path / "cli/ebay-revise.zip") as cli_zip,
    ):
        assert served.namelist() == cli_zip.namelist() == ["AMS.csv"]
        assert served.read("AMS.csv") == cli_zip.read("AMS.csv")

    # Rebuilding marts.ebay without the rest (no complete build vouches for it) refuses again.
    assert run_dbt(["run", "-s", "ebay"], zeroing_night, quiet=True).success
    _refused_everywhere(zeroing_night, tmp_path / "out", "marts.ebay was rebuilt by `dbt run -s ebay`")


def test_a_build_killed_before_it_finishes_blocks_the_export(zeroing_night: Target, tmp_path: Path) -> None:
    assert run_dbt(["build"], zeroing_night, quiet=True).success
    assert export_ebay_revise(zeroing_night, tmp_path / "before").files["AMS"][1] == 20

    env = {**os.environ, "ELT_DUCKDB_PATH": str(zeroing_night.duckdb_path)}
    build = subprocess.Popen([sys.executable, "-m", "elt.cli", "transform"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while (record := last_build(zeroing_night)) is None or record.status != "running":
            assert build.poll() is None and time.monotonic() < deadline, "the build never started"
            time.sleep(0.05)
        assert record.pid == build.pid
        with pytest.raises(ExportRefused, match="is still running"):
            export_ebay_revise(zeroing_night, tmp_path / "during")
    finally:
        build.send_signal(signal.SIGKILL)  # no chance to write anything: results, record or logs
        build.wait(timeout=30)

    assert last_build(zeroing_night).status == "running"
    reason = "did not finish (it crashed or was stopped): run `elt transform` and let it pass"
    _refused_everywhere(zeroing_night, tmp_path / "out", reason)
    assert run_dbt(["build"], zeroing_night, quiet=True).success
    assert export_ebay_revise(zeroing_night, tmp_path / "after").files["AMS"][1] == 20


def test_the_build_record_keeps_its_start_to_the_microsecond_so_a_load_just_before_it_is_not_since_it(
    tmp_path: Path,
) -> None:
    target = Target.from_options("duckdb", tmp_path / "warehouse.duckdb")
    loaded_at = dt.datetime.now(dt.UTC)  # what a load that ends just before the build writes (microseconds)
    build_started(target, ["build"])
    record = last_build(target)
    assert record is not None and record.status == "running"
    started_at = dt.datetime.fromisoformat(record.started_at)
    assert started_at >= loaded_at  # truncated to the second, it would fall before the load and count it again
    build_finished(target, ["build"], passed=True, failures=[])
    finished = last_build(target)
    assert finished is not None and finished.started_at == record.started_at


def test_a_running_build_on_another_host_is_named_in_the_refusal(tmp_path: Path) -> None:
    target = Target.from_options("duckdb", tmp_path / "warehouse.duckdb")
    build_started(target, ["build"])
    record = last_build(target)
    assert record is not None
    record.host, record.pid = "elt-daily-abc12", 7
    _write_build_record(target, record)
    refusal = build_refusal(target) or ""
    assert "is running on elt-daily-abc12 (pid 7) or did not finish there" in refusal
    assert refusal.startswith(f"the last dbt build on duckdb {target.duckdb_path} (started ")

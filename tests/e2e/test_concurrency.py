"""Two `elt` commands on one warehouse: on DuckDB the second waits for the first, or refuses clearly when it may
not wait; either way nothing is corrupted. On BigQuery (the local emulator) the same through the lease in
`raw_elt.lease`, and the export guard's build record shared through `raw_elt.build_record`."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from elt.guard import build_finished, build_record_path, build_refusal, build_started, last_build
from elt.lease import holder_name
from elt.lock import WarehouseBusy, lock_path, warehouse_lock
from elt.targets import Target
from sandboxes.samples import generate
from tests.support.bigquery.emulator import EmulatorUnavailable, install, running_emulator

DAY = dt.date(2026, 11, 20)


def _elt(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "elt.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_second_elt_run_waits_or_refuses_and_nothing_corrupts(tmp_path: Path) -> None:
    sample = generate(tmp_path / "files", last_day=DAY, days=2)
    target = Target.from_options("duckdb", tmp_path / "shared.duckdb")
    env = {
        **os.environ,
        "ELT_DUCKDB_PATH": str(target.duckdb_path),
        "SOURCES__SUPPLIER_STOCK__PRODUCTS_URL": str(sample.product_master),
        "SOURCES__SUPPLIER_STOCK__STORES_URL": str(sample.root),
        "SOURCES__SUPPLIER_STOCK__FEEDS_URL": str(sample.root / "feeds" / "{date}"),
    }
    first = _elt(env, "run", "--date", DAY.isoformat())
    deadline = time.monotonic() + 60
    while not (lock_path(target).exists() and "pid" in lock_path(target).read_text()):
        assert first.poll() is None and time.monotonic() < deadline, "the first run never took the lock"
        time.sleep(0.05)

    refused = _elt({**env, "ELT_LOCK_WAIT_SECONDS": "0"}, "run", "--date", DAY.isoformat())
    refused_out, refused_err = refused.communicate(timeout=60)
    waiting = _elt({**env, "ELT_LOCK_WAIT_SECONDS": "300"}, "run", "--date", DAY.isoformat())
    first_out, first_err = first.communicate(timeout=300)
    waiting_out, waiting_err = waiting.communicate(timeout=300)

    assert refused.returncode == 1
    assert f"{target.duckdb_path} is in use by elt (pid {first.pid})" in refused_err
    assert "stores:" not in refused_out  # refused before loading anything
    assert first.returncode == 0, first_out + first_err
    assert waiting.returncode == 0, waiting_out + waiting_err
    assert "waiting for elt (pid" in waiting_err
    with target.connect() as con:
        feed_rows = con.execute("select count(*) from raw_supplier_stock.stock_feed_rows").fetchone()[0]
        keys = con.execute(
            "select count(*) from (select distinct supplier, feed_date, row_number "
            "from raw_supplier_stock.stock_feed_rows)"
        ).fetchone()[0]
        listings = con.execute("select count(*) from marts.ebay").fetchone()[0]
    assert feed_rows == keys > 0  # the second run replaced the feeds: no duplicates
    assert listings > 0


# -- BigQuery: the build record and the lease in raw_elt, on the emulator -------------------------------------------


@pytest.fixture(scope="module")
def bigquery(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """A BigQuery target on the local emulator, with its own local state folder (as a Cloud Run task's)."""
    try:
        install()
    except EmulatorUnavailable as exc:
        pytest.skip(f"BIGQUERY EMULATOR NOT INSTALLED, BigQuery lease NOT TESTED: {exc}")
    with (
        running_emulator(tmp_path_factory.mktemp("bigquery-emulator")) as emulator,
        pytest.MonkeyPatch.context() as env,
    ):
        for name, value in emulator.env.items():
            env.setenv(name, value)
        env.setenv("ELT_STATE_DIR", str(tmp_path_factory.mktemp("state")))
        yield Target.from_options("bigquery")


def test_on_bigquery_the_build_record_is_in_raw_elt_so_a_task_with_an_empty_disk_sees_it(bigquery: Target) -> None:
    old = build_record_path(bigquery)  # a record the previous version left in the local file moves in once
    old.parent.mkdir(parents=True, exist_ok=True)
    old.write_text(json.dumps({"status": "passed", "command": "dbt build", "started_at": "2026-11-20T06:00:00+00:00"}))
    migrated = last_build(bigquery)
    assert migrated is not None and (migrated.status, migrated.started_at) == ("passed", "2026-11-20T06:00:00+00:00")
    assert not old.exists() and old.with_name(old.name + ".migrated").exists()

    build_started(bigquery, ["build"])
    build_finished(bigquery, ["build"], passed=False, failures=["model.elt.ebay: boom"])
    shutil.rmtree(bigquery.state_dir)  # the web service, or the next job, on another machine

    record = last_build(bigquery)
    assert record is not None and (record.status, record.failures) == ("failed", ["model.elt.ebay: boom"])
    assert "model.elt.ebay: boom" in (build_refusal(bigquery) or "")
    with bigquery.connect() as con:
        rows = con.execute("select record_key, status from raw_elt.build_record").fetchall()
    assert rows == [("last_complete_build", "failed")]


def test_on_bigquery_two_commands_never_hold_the_lease_together_and_the_second_names_the_first(
    bigquery: Target,
) -> None:
    inside, most, turns = [0], [0], []
    guard = threading.Lock()

    def command(name: str) -> None:
        for _ in range(3):
            with warehouse_lock(bigquery, wait_seconds=120):
                with guard:
                    inside[0] += 1
                    most[0] = max(most[0], inside[0])
                time.sleep(0.2)
                turns.append(name)
                with guard:
                    inside[0] -= 1

    threads = [threading.Thread(target=command, args=(name,)) for name in ("stock-levels", "linnworks")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert most[0] == 1 and sorted(turns) == ["linnworks"] * 3 + ["stock-levels"] * 3

    held = warehouse_lock(bigquery, wait_seconds=0)
    with held, pytest.raises(WarehouseBusy) as refused, warehouse_lock(bigquery, wait_seconds=0):
        pytest.fail("the second command got the lease")
    assert f"{bigquery.describe()} is in use by {holder_name()}" in str(refused.value)

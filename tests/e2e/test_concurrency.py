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
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from elt.guard import build_finished, build_record_path, build_refusal, build_started, last_build
from elt.lease import current_holder, holder_name
from elt.lock import WarehouseBusy, lock_path, warehouse_lock
from elt.targets import Target
from sandboxes.linnworks import running_sandbox
from sandboxes.samples import generate
from tests.support.bigquery.emulator import EmulatorUnavailable, install, running_emulator
from tests.support.contention import every_turn, take_turns
from tests.support.today import fixed_today

DAY = dt.date(2026, 11, 20)
_today = fixed_today(DAY)


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
    contention = take_turns(lambda: warehouse_lock(bigquery, wait_seconds=120), rounds=3, pause=0.2)
    assert contention.errors == []
    assert contention.most_inside == 1 and sorted(contention.turns) == every_turn(3)

    held = warehouse_lock(bigquery, wait_seconds=0)
    with held, pytest.raises(WarehouseBusy) as refused, warehouse_lock(bigquery, wait_seconds=0):
        pytest.fail("the second command got the lease")
    assert f"{bigquery.describe()} is in use by {holder_name()}" in str(refused.value)


LINNWORKS_TABLES = ("stock_items", "stock_levels", "stock_locations", "processed_orders", "order_details")


def _comparable(value: object) -> object:
    """A value as both warehouses agree on it: BigQuery's TIMESTAMPs are aware (UTC), DuckDB's may be naive UTC;
    numbers compared to 9 decimals."""
    if isinstance(value, dt.datetime):
        return (value.astimezone(dt.UTC) if value.tzinfo else value).replace(tzinfo=None).isoformat()
    if isinstance(value, float | Decimal):
        return round(float(value), 9)
    return value


def _linnworks_rows(target: Target) -> dict[str, list[str]]:
    """Each raw Linnworks table's business columns by name, sorted (dlt's load ids and row ids differ run by run)."""
    out = {}
    with target.connect() as con:
        for table in LINNWORKS_TABLES:  # names are the constants above
            cursor = con.execute(f"select * from raw_linnworks.{table}")
            names = [d[0] for d in cursor.description]
            rows = [
                repr(sorted((n, _comparable(v)) for n, v in zip(names, row, strict=True) if not n.startswith("_dlt")))
                for row in cursor.fetchall()
            ]
            out[table] = sorted(rows)
    return out


def test_on_bigquery_a_stock_levels_job_started_during_the_linnworks_sync_waits_and_both_end_as_if_sequential(
    bigquery: Target, tmp_path: Path
) -> None:
    now = dt.datetime(2026, 11, 20, 5, 30, tzinfo=dt.UTC)
    with running_sandbox(now=now, items=60, orders=80, rate_window_seconds=2.0) as linnworks:
        settings = {**linnworks.settings(), "ELT_LOCK_WAIT_SECONDS": "600"}
        env = {**os.environ, **settings, "ELT_TARGET": "bigquery"}
        # Two Cloud Run jobs: each its own empty disk (dlt's state comes from the warehouse).
        sync = _elt({**env, "ELT_STATE_DIR": str(tmp_path / "job-linnworks")}, "load", "linnworks")
        deadline = time.monotonic() + 120
        while not _lease_holder(bigquery):
            assert sync.poll() is None and time.monotonic() < deadline, "the sync never took the lease"
            time.sleep(0.2)
        levels_env = {**env, "ELT_STATE_DIR": str(tmp_path / "job-stock-levels")}
        levels = _elt(levels_env, "load", "linnworks", "--resources", "stock_levels")
        sync_out, sync_err = sync.communicate(timeout=900)
        levels_out, levels_err = levels.communicate(timeout=900)
        assert sync.returncode == 0, sync_out + sync_err
        assert levels.returncode == 0, levels_out + levels_err
        assert f"waiting for elt (pid {sync.pid}, " in levels_err  # the second job named the first and waited

        # The same two loads one after the other on DuckDB, from the same sandbox data.
        sequential = Target.from_options("duckdb", tmp_path / "sequential.duckdb")
        duck_env = {**os.environ, **settings, "ELT_TARGET": "duckdb", "ELT_DUCKDB_PATH": str(sequential.duckdb_path)}
        for args in (["load", "linnworks"], ["load", "linnworks", "--resources", "stock_levels"]):
            step = _elt(duck_env, *args)
            out, err = step.communicate(timeout=900)
            assert step.returncode == 0, out + err
        again = _elt({**env, "ELT_STATE_DIR": str(tmp_path / "job-again")}, "load", "linnworks")
        again_out, again_err = again.communicate(timeout=900)
        assert again.returncode == 0, again_out + again_err

    concurrent_rows, sequential_rows = _linnworks_rows(bigquery), _linnworks_rows(sequential)
    assert {t: len(r) for t, r in concurrent_rows.items()} == {t: len(r) for t, r in sequential_rows.items()}
    assert all(len(rows) > 0 for rows in concurrent_rows.values())
    assert concurrent_rows == sequential_rows  # and the third sync's cursor added no order twice
    print(
        "concurrent pair on the emulator: "
        + ", ".join(f"{table} {len(rows)} rows" for table, rows in concurrent_rows.items())
    )


def _lease_holder(target: Target) -> str:
    try:
        with target.connect() as con:
            return current_holder(con)
    except Exception:  # the table is created by the first command to take the lease
        return ""


def _mart_rows(target: Target, mart: str) -> list[str]:
    with target.connect() as con:
        cursor = con.execute(f"select * from marts.{mart}")  # names are constants of the test
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    return sorted(repr(sorted((n, _comparable(v)) for n, v in zip(names, row, strict=True))) for row in rows)


def test_on_bigquery_a_stock_levels_job_started_during_the_daily_build_waits_and_both_end_as_if_sequential(
    bigquery: Target, tmp_path: Path
) -> None:
    today = dt.date.today()
    sample = generate(tmp_path / "files", last_day=today, days=1)
    now = dt.datetime.combine(today, dt.time(6, 0), tzinfo=dt.UTC)
    with running_sandbox(now=now, items=60, orders=80, rate_window_seconds=2.0) as linnworks:
        settings = {
            **linnworks.settings(),
            "SOURCES__SUPPLIER_STOCK__PRODUCTS_URL": str(sample.product_master),
            "SOURCES__SUPPLIER_STOCK__STORES_URL": str(sample.root),
            "SOURCES__SUPPLIER_STOCK__FEEDS_URL": str(sample.root / "feeds" / "{date}"),
            "ELT_LOCK_WAIT_SECONDS": "1500",
        }
        base = {k: v for k, v in os.environ.items() if not k.startswith("SOURCES__")}
        base["ELT_TODAY"] = today.isoformat()  # the sandbox's day, not the module's fixed DAY: feeds dated today
        env = {**base, **settings, "ELT_TARGET": "bigquery"}
        daily = _elt({**env, "ELT_STATE_DIR": str(tmp_path / "job-daily")}, "run", "--date", today.isoformat())
        deadline = time.monotonic() + 300
        while "(pid" not in _lease_holder(bigquery) or f"pid {daily.pid}," not in _lease_holder(bigquery):
            assert daily.poll() is None and time.monotonic() < deadline, "the daily run never took the lease"
            time.sleep(0.2)
        levels_env = {**env, "ELT_STATE_DIR": str(tmp_path / "job-stock-levels")}
        levels = _elt(levels_env, "load", "linnworks", "--resources", "stock_levels")
        daily_out, daily_err = daily.communicate(timeout=1500)
        levels_out, levels_err = levels.communicate(timeout=1500)
        assert daily.returncode == 0, daily_out[-3000:] + daily_err[-3000:]
        assert levels.returncode == 0, levels_out + levels_err
        assert f"waiting for elt (pid {daily.pid}, " in levels_err  # the build was not read mid-replace

        sequential = Target.from_options("duckdb", tmp_path / "sequential.duckdb")
        duck_env = {**base, **settings, "ELT_TARGET": "duckdb", "ELT_DUCKDB_PATH": str(sequential.duckdb_path)}
        for args in (["run", "--date", today.isoformat()], ["load", "linnworks", "--resources", "stock_levels"]):
            step = _elt(duck_env, *args)
            out, err = step.communicate(timeout=1500)
            assert step.returncode == 0, out[-3000:] + err[-3000:]

    assert _linnworks_rows(bigquery) == _linnworks_rows(sequential)
    for mart in ("stock_levels", "ebay", "supplier_freshness"):
        concurrent_rows, sequential_rows = _mart_rows(bigquery, mart), _mart_rows(sequential, mart)
        assert len(concurrent_rows) > 0 and concurrent_rows == sequential_rows, mart
    print(f"daily build vs stock levels on the emulator: marts.ebay {len(_mart_rows(bigquery, 'ebay'))} rows equal")
